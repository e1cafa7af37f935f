// The optimizer race: a contour plot of a 2-D loss surface, racers animated step by step, the
// loss-vs-step curves and a results table.
import { noGrad, tensor } from '../../../src/index.js';
import { AutoCanvas } from '../ui/canvas.js';
import { drawLineChart, niceTicks, type Series } from '../ui/charts.js';
import { seriesColor, viridis } from '../ui/colors.js';
import { fmtNum, h, replaceChildren } from '../ui/dom.js';
import { fieldControl, type Field, type FieldValue } from '../ui/fields.js';
import { OPTIMIZERS, optSpec, type OptId, type OptSettings } from './optimizers.js';
import { Racer } from './racer.js';
import {
  DEFAULT_RACERS,
  MAX_RACERS,
  RACE_FIELDS,
  hyperField,
  optField,
  readRace,
  surfaceOptions,
  txSettings,
  writeRace,
  type RaceSettings,
} from './race-settings.js';
import { surfaceById, surfaceValue, type Surface } from './surfaces.js';
import { usesGamma } from '../ui/transform-menus.js';

const MARGIN = { left: 40, right: 8, top: 8, bottom: 28 };
/** Time budget per animation frame for optimizer steps (keeps the page responsive). */
const FRAME_BUDGET_MS = 12;

/** The race tab. */
export class RaceView {
  readonly el: HTMLElement;
  private s: RaceSettings;
  private racers: Racer[] = [];
  private playing = false;
  private finishing = false;
  private raf = 0;
  private active = false;
  private contour: { key: string; image: HTMLCanvasElement } | null = null;
  private readonly plot: AutoCanvas;
  private readonly lossChart: AutoCanvas;
  private readonly controls = h('div', { class: 'controls' });
  private readonly racerBox = h('div', { class: 'racers' });
  private readonly status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  private readonly table = h('table', { class: 'results', 'data-testid': 'race-results' });
  private readonly formula = h('p', { class: 'formula' });
  private readonly playButton = h('button', { type: 'button', 'data-action': 'play' }, 'Run');
  private lastTable = 0;

  constructor(
    params: URLSearchParams,
    private readonly onChange: () => void,
  ) {
    this.s = readRace(params);
    this.plot = new AutoCanvas(
      'Contour plot of the loss surface with the optimizers’ trajectories',
      1,
      (ctx, w, hh) => this.drawPlot(ctx, w, hh),
    );
    this.plot.canvas.classList.add('surface-plot');
    this.plot.canvas.tabIndex = 0;
    this.plot.canvas.setAttribute('data-testid', 'race-canvas');
    this.plot.canvas.addEventListener('click', (e) => this.onPlotClick(e));
    this.plot.canvas.addEventListener('keydown', (e) => this.onPlotKey(e));
    this.lossChart = new AutoCanvas(
      'Loss against step for each optimizer',
      220,
      (ctx, w, hh) => this.drawLoss(ctx, w, hh),
      true,
    );
    this.playButton.addEventListener('click', () => (this.playing ? this.pause() : this.play()));
    const buttons = h(
      'div',
      { class: 'buttons' },
      this.playButton,
      h(
        'button',
        { type: 'button', 'data-action': 'step', onclick: () => this.stepOnce() },
        'Step',
      ),
      h(
        'button',
        { type: 'button', 'data-action': 'finish', onclick: () => this.finish() },
        'Finish',
      ),
      h(
        'button',
        { type: 'button', 'data-action': 'reset', onclick: () => this.reset(false) },
        'Reset',
      ),
    );
    this.el = h(
      'section',
      { class: 'view race', 'aria-labelledby': 'race-title' },
      h('h2', { id: 'race-title', class: 'visually-hidden' }, 'Optimizer race'),
      h('div', { class: 'sidebar' }, this.controls, this.racerBox),
      h(
        'div',
        { class: 'main' },
        h(
          'div',
          { class: 'card' },
          buttons,
          this.status,
          this.plot.canvas,
          this.formula,
          h(
            'p',
            { class: 'hint' },
            'Click the plot (or focus it and use the arrow keys, Enter to run) to choose a start point.',
          ),
        ),
        h(
          'div',
          { class: 'card' },
          h('h3', {}, 'Loss against step'),
          this.lossChart.canvas,
          h('div', { class: 'table-wrap' }, this.table),
        ),
      ),
    );
    this.renderControls();
    this.reset(true);
  }

  /** The view became visible: resume drawing. */
  activate(): void {
    this.active = true;
    this.plot.resize();
    this.lossChart.resize();
    if (this.playing) this.loop();
  }

  /** The view was hidden: stop the animation loop (the state is kept). */
  deactivate(): void {
    this.active = false;
    cancelAnimationFrame(this.raf);
  }

  /** Writes the race settings into URL parameters. */
  writeParams(params: URLSearchParams): void {
    writeRace(this.s, params);
  }

  private get surface(): Surface {
    return surfaceById(String(this.s.values['surface']));
  }

  private renderControls(): void {
    const fields = RACE_FIELDS.filter((f) => {
      const surf = String(this.s.values['surface']);
      if ((f.key === 'kappa' || f.key === 'rotate') && surf !== 'quadratic') return false;
      if (f.key === 'gamma' && !usesGamma(String(this.s.values['sched']))) return false;
      if (f.key === 'clipv' && this.s.values['clip'] === 'none') return false;
      return true;
    });
    const setGlobal = (f: Field) => (v: FieldValue) => {
      this.s.values[f.key] = v;
      if (f.key === 'surface') this.s.start = [...this.surface.start];
      if (['surface', 'sched', 'clip'].includes(f.key)) this.renderControls();
      this.reset(true);
    };
    const startU: Field = {
      kind: 'number',
      key: 'sx',
      label: `Start ${this.surface.axes[0]}`,
      min: -1e6,
      max: 1e6,
      step: 'any',
      def: this.surface.start[0],
    };
    const startV: Field = {
      kind: 'number',
      key: 'sy',
      label: `Start ${this.surface.axes[1]}`,
      min: -1e6,
      max: 1e6,
      step: 'any',
      def: this.surface.start[1],
    };
    replaceChildren(
      this.controls,
      h(
        'fieldset',
        {},
        h('legend', {}, 'Surface and run'),
        fields.map((f) => fieldControl(f, this.s.values[f.key] ?? f.def, setGlobal(f), 'race')),
        h(
          'div',
          { class: 'row2' },
          fieldControl(
            startU,
            this.s.start[0],
            (v) => {
              this.s.start[0] = Number(v);
              this.reset(true);
            },
            'race',
          ),
          fieldControl(
            startV,
            this.s.start[1],
            (v) => {
              this.s.start[1] = Number(v);
              this.reset(true);
            },
            'race',
          ),
        ),
      ),
    );
    this.renderRacers();
    this.formula.textContent = this.surface.formula;
  }

  private renderRacers(): void {
    const cards = this.s.racers.map((r, i) => {
      const color = seriesColor(i);
      const optControl = fieldControl(
        optField(i),
        r.opt,
        (v) => {
          const id = String(v) as OptId;
          r.opt = id;
          r.hypers = Object.fromEntries(optSpec(id).hypers.map((hs) => [hs.name, hs.def]));
          this.renderRacers();
          this.reset(true);
        },
        'race',
      );
      const hypers = optSpec(r.opt).hypers.map((hs) =>
        fieldControl(
          hyperField(i, r.opt, hs.name),
          r.hypers[hs.name] ?? hs.def,
          (v) => {
            r.hypers[hs.name] = Number(v);
            this.reset(true);
          },
          'race',
        ),
      );
      const remove = h(
        'button',
        {
          type: 'button',
          class: 'small',
          'aria-label': `Remove racer ${i + 1}`,
          disabled: this.s.racers.length <= 1,
        },
        'Remove',
      );
      remove.addEventListener('click', () => {
        this.s.racers.splice(i, 1);
        this.renderRacers();
        this.reset(true);
      });
      return h(
        'fieldset',
        { class: 'racer', 'data-racer': i },
        h(
          'legend',
          {},
          h('span', { class: 'swatch', style: `background:${color}`, 'aria-hidden': 'true' }),
          ` Racer ${i + 1}`,
        ),
        optControl,
        h('div', { class: 'row2' }, hypers),
        remove,
      );
    });
    const add = h(
      'button',
      { type: 'button', 'data-action': 'add-racer', disabled: this.s.racers.length >= MAX_RACERS },
      'Add racer',
    );
    add.addEventListener('click', () => {
      const used = new Set(this.s.racers.map((r) => r.opt));
      const next =
        OPTIMIZERS.find((o) => !used.has(o.id)) ?? (OPTIMIZERS[0] as (typeof OPTIMIZERS)[number]);
      const preset = DEFAULT_RACERS.find((d) => d.opt === next.id);
      this.s.racers.push({
        opt: next.id,
        hypers: preset
          ? { ...preset.hypers }
          : Object.fromEntries(next.hypers.map((hs) => [hs.name, hs.def])),
      });
      this.renderRacers();
      this.reset(true);
    });
    replaceChildren(this.racerBox, h('h3', {}, 'Optimizers'), cards, add);
  }

  /** Rebuilds the racers at the start point; `autoplay` starts the animation. */
  private reset(autoplay: boolean): void {
    this.onChange();
    const surface = this.surface;
    const so = surfaceOptions(this.s.values);
    const tx = txSettings(this.s.values);
    const steps = Number(this.s.values['steps']);
    const errors: string[] = [];
    this.racers = [];
    this.s.racers.forEach((r: OptSettings, i) => {
      try {
        this.racers.push(new Racer(r, tx, surface, so, this.s.start, steps));
      } catch (e) {
        errors.push(`Racer ${i + 1}: ${(e as Error).message}`);
      }
    });
    this.status.textContent = errors.length
      ? errors.join(' — ')
      : `From (${fmtNum(this.s.start[0], 4)}, ${fmtNum(this.s.start[1], 4)}), f = ${fmtNum(surfaceValue(surface, this.s.start[0], this.s.start[1], so), 4)}`;
    this.status.classList.toggle('error', errors.length > 0);
    this.finishing = false;
    this.pause();
    if (autoplay) this.play();
    else this.draw();
  }

  private play(): void {
    if (this.racers.every((r) => r.status !== 'running')) this.reset(false);
    this.playing = true;
    this.playButton.textContent = 'Pause';
    this.playButton.setAttribute('aria-pressed', 'true');
    if (this.active) this.loop();
  }

  private pause(): void {
    this.playing = false;
    this.playButton.textContent = 'Run';
    this.playButton.setAttribute('aria-pressed', 'false');
    cancelAnimationFrame(this.raf);
  }

  private stepOnce(): void {
    this.pause();
    for (const r of this.racers) r.step();
    this.draw(true);
  }

  /** Runs every racer to its end, in time slices so the page stays responsive. */
  private finish(): void {
    this.finishing = true;
    if (!this.playing) this.play();
  }

  private loop(): void {
    cancelAnimationFrame(this.raf);
    this.raf = requestAnimationFrame(() => {
      if (!this.playing || !this.active) return;
      const speed = this.finishing ? Infinity : Number(this.s.values['speed']);
      const t0 = performance.now();
      let done = 0;
      // Interleave racers one step at a time so all advance alike within the time budget.
      while (done < speed && performance.now() - t0 < FRAME_BUDGET_MS) {
        let any = false;
        for (const r of this.racers) {
          if (r.status === 'running') {
            r.step();
            any = true;
          }
        }
        if (!any) break;
        done++;
      }
      const running = this.racers.some((r) => r.status === 'running');
      this.draw(!running);
      if (running) this.loop();
      else {
        this.pause();
        this.finishing = false;
        this.el.setAttribute('data-race-done', '1');
      }
    });
    this.el.removeAttribute('data-race-done');
  }

  private draw(forceTable = false): void {
    this.plot.render();
    this.lossChart.render();
    const now = performance.now();
    if (forceTable || now - this.lastTable > 250) {
      this.lastTable = now;
      this.renderTable();
    }
  }

  private renderTable(): void {
    const surface = this.surface;
    const min = surface.minimum(surfaceOptions(this.s.values));
    const head = h(
      'tr',
      {},
      [
        '',
        'Optimizer',
        'Steps',
        'f',
        min ? 'Distance to min.' : 'Position',
        'At min. from step',
        'Status',
      ].map((t) => h('th', { scope: 'col' }, t)),
    );
    const rows = this.racers.map((r, i) => {
      const [u, v] = r.point;
      const f = r.losses[r.count - 1] as number;
      const dist = min ? Math.hypot(u - min[0], v - min[1]) : NaN;
      return h(
        'tr',
        {
          'data-racer': i,
          'data-opt': r.settings.opt,
          'data-u': u,
          'data-v': v,
          'data-f': f,
          'data-dist': dist,
          'data-status': r.status,
          'data-steps': r.steps,
        },
        h(
          'td',
          {},
          h('span', {
            class: 'swatch',
            style: `background:${seriesColor(i)}`,
            'aria-hidden': 'true',
          }),
        ),
        h(
          'td',
          {},
          optSpec(r.settings.opt).label.replace(/ \(.*\)$/, ''),
          ' ',
          h('small', {}, `lr ${fmtNum(r.settings.hypers.lr ?? NaN)}`),
        ),
        h('td', {}, r.steps),
        h('td', {}, fmtNum(f, 3)),
        h('td', {}, min ? fmtNum(dist, 3) : `(${fmtNum(u, 3)}, ${fmtNum(v, 3)})`),
        h('td', {}, r.reachedAt >= 0 ? String(r.reachedAt) : '—'),
        h('td', {}, r.status),
      );
    });
    replaceChildren(
      this.table,
      h('caption', { class: 'visually-hidden' }, 'Race results'),
      h('thead', {}, head),
      h('tbody', {}, rows),
    );
  }

  // ---- drawing ---------------------------------------------------------------------------

  private plotBox(w: number, hh: number): { x0: number; y0: number; pw: number; ph: number } {
    return {
      x0: MARGIN.left,
      y0: MARGIN.top,
      pw: Math.max(10, w - MARGIN.left - MARGIN.right),
      ph: Math.max(10, hh - MARGIN.top - MARGIN.bottom),
    };
  }

  private toPixel(u: number, v: number, w: number, hh: number): [number, number] {
    const s = this.surface;
    const b = this.plotBox(w, hh);
    return [
      b.x0 + ((u - s.uRange[0]) / (s.uRange[1] - s.uRange[0])) * b.pw,
      b.y0 + (1 - (v - s.vRange[0]) / (s.vRange[1] - s.vRange[0])) * b.ph,
    ];
  }

  private fromPixel(px: number, py: number, w: number, hh: number): [number, number] {
    const s = this.surface;
    const b = this.plotBox(w, hh);
    return [
      s.uRange[0] + ((px - b.x0) / b.pw) * (s.uRange[1] - s.uRange[0]),
      s.vRange[0] + (1 - (py - b.y0) / b.ph) * (s.vRange[1] - s.vRange[0]),
    ];
  }

  /** The filled contour image of the surface: one vectorised gradscope evaluation over the grid. */
  private contourImage(pw: number, ph: number): HTMLCanvasElement {
    const s = this.surface;
    const so = surfaceOptions(this.s.values);
    const gw = Math.max(40, Math.min(420, Math.round(pw)));
    const gh = Math.max(40, Math.min(420, Math.round(ph)));
    const key = `${s.id}|${so.kappa}|${so.rotate}|${gw}x${gh}`;
    if (this.contour?.key === key) return this.contour.image;
    const n = gw * gh;
    const U = new Float64Array(n);
    const V = new Float64Array(n);
    for (let j = 0; j < gh; j++) {
      const v = s.vRange[1] - ((j + 0.5) / gh) * (s.vRange[1] - s.vRange[0]);
      for (let i = 0; i < gw; i++) {
        U[j * gw + i] = s.uRange[0] + ((i + 0.5) / gw) * (s.uRange[1] - s.uRange[0]);
        V[j * gw + i] = v;
      }
    }
    const F = noGrad(() => s.f(tensor(U, { shape: [n] }), tensor(V, { shape: [n] }), so)).data;
    // Levels on a log scale of f − fMin (linear asinh for surfaces without a minimum).
    const z = new Float64Array(n);
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < n; k++) {
      const f = F[k] as number;
      const t = s.fMin === null ? Math.asinh(f) : Math.log10(Math.max(f - s.fMin, 0) + 1e-4);
      z[k] = t;
      if (Number.isFinite(t)) {
        lo = Math.min(lo, t);
        hi = Math.max(hi, t);
      }
    }
    const LEVELS = 20;
    const band = new Int16Array(n);
    for (let k = 0; k < n; k++)
      band[k] = Math.min(
        LEVELS - 1,
        Math.floor(((z[k] as number) - lo) / ((hi - lo) / LEVELS || 1)),
      );
    const canvas = document.createElement('canvas');
    canvas.width = gw;
    canvas.height = gh;
    const ctx = canvas.getContext('2d');
    if (ctx) {
      const img = ctx.createImageData(gw, gh);
      for (let j = 0; j < gh; j++) {
        for (let i = 0; i < gw; i++) {
          const k = j * gw + i;
          const b = band[k] as number;
          const [r, g, bl] = viridis(b / (LEVELS - 1));
          // Lighten towards white so trajectories stand out; darken on band edges (the contour lines).
          const edge = (i + 1 < gw && band[k + 1] !== b) || (j + 1 < gh && band[k + gw] !== b);
          const mix = edge ? 0.15 : 0.55;
          const dark = edge ? 0.75 : 1;
          img.data[4 * k] = (r + (255 - r) * mix) * dark;
          img.data[4 * k + 1] = (g + (255 - g) * mix) * dark;
          img.data[4 * k + 2] = (bl + (255 - bl) * mix) * dark;
          img.data[4 * k + 3] = 255;
        }
      }
      ctx.putImageData(img, 0, 0);
    }
    this.contour = { key, image: canvas };
    return canvas;
  }

  private drawPlot(ctx: CanvasRenderingContext2D, w: number, hh: number): void {
    const s = this.surface;
    const b = this.plotBox(w, hh);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(this.contourImage(b.pw, b.ph), b.x0, b.y0, b.pw, b.ph);
    ctx.strokeStyle = '#555';
    ctx.strokeRect(b.x0 + 0.5, b.y0 + 0.5, b.pw, b.ph);
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#444';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of niceTicks(s.uRange[0], s.uRange[1], 6))
      ctx.fillText(fmtNum(t), this.toPixel(t, 0, w, hh)[0], b.y0 + b.ph + 3);
    ctx.fillText(s.axes[0], b.x0 + b.pw / 2, b.y0 + b.ph + 15);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of niceTicks(s.vRange[0], s.vRange[1], 6))
      ctx.fillText(fmtNum(t), b.x0 - 4, this.toPixel(0, t, w, hh)[1]);
    ctx.save();
    ctx.translate(9, b.y0 + b.ph / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText(s.axes[1], 0, 0);
    ctx.restore();
    ctx.save();
    ctx.beginPath();
    ctx.rect(b.x0, b.y0, b.pw, b.ph);
    ctx.clip();
    const min = s.minimum(surfaceOptions(this.s.values));
    if (min) star(ctx, ...this.toPixel(min[0], min[1], w, hh), 8, '#fff', '#222');
    this.racers.forEach((r, i) => {
      const color = seriesColor(i);
      ctx.beginPath();
      const n = r.count;
      const stride = Math.max(1, Math.floor(n / 3000));
      for (let k = 0; k < n; k = k === n - 1 ? n : Math.min(n - 1, k + stride)) {
        const [px, py] = this.toPixel(r.path[2 * k] as number, r.path[2 * k + 1] as number, w, hh);
        if (k === 0) ctx.moveTo(px, py);
        else ctx.lineTo(px, py);
      }
      // A light halo under each path keeps overlapping trajectories apart.
      ctx.lineJoin = 'round';
      ctx.strokeStyle = 'rgba(255,255,255,0.85)';
      ctx.lineWidth = 4;
      ctx.stroke();
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.stroke();
    });
    // Current positions on top of every path.
    this.racers.forEach((r, i) => {
      const color = seriesColor(i);
      const n = r.count;
      const [px, py] = this.toPixel(
        r.path[2 * (n - 1)] as number,
        r.path[2 * (n - 1) + 1] as number,
        w,
        hh,
      );
      ctx.fillStyle = color;
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.arc(px, py, 5, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    });
    const [sx, sy] = this.toPixel(this.s.start[0], this.s.start[1], w, hh);
    ctx.strokeStyle = '#111';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(sx, sy, 6, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.restore();
  }

  private drawLoss(ctx: CanvasRenderingContext2D, w: number, hh: number): void {
    const s = this.surface;
    const series: Series[] = this.racers.map((r, i) => {
      const ys = s.fMin === null ? r.losses : r.losses.map((f) => f - (s.fMin as number));
      return {
        label: optSpec(r.settings.opt).label.replace(/ \(.*\)$/, ''),
        color: seriesColor(i),
        ys,
        n: r.count,
      };
    });
    drawLineChart(ctx, w, hh, series, {
      logY: s.fMin !== null,
      xLabel: 'step',
      yLabel: s.fMin === null ? 'f' : 'f − f*',
      legend: true,
      yFloor: 1e-12,
    });
  }

  // ---- interaction -------------------------------------------------------------------------

  private onPlotClick(e: MouseEvent): void {
    const rect = this.plot.canvas.getBoundingClientRect();
    const [u, v] = this.fromPixel(
      e.clientX - rect.left,
      e.clientY - rect.top,
      this.plot.width,
      this.plot.height,
    );
    const s = this.surface;
    if (u < s.uRange[0] || u > s.uRange[1] || v < s.vRange[0] || v > s.vRange[1]) return;
    this.s.start = [round4(u), round4(v)];
    this.renderControls();
    this.reset(true);
  }

  private onPlotKey(e: KeyboardEvent): void {
    const s = this.surface;
    const du = (s.uRange[1] - s.uRange[0]) / 50;
    const dv = (s.vRange[1] - s.vRange[0]) / 50;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [-du, 0],
      ArrowRight: [du, 0],
      ArrowUp: [0, dv],
      ArrowDown: [0, -dv],
    };
    const m = moves[e.key];
    if (m) {
      e.preventDefault();
      this.s.start = [round4(this.s.start[0] + m[0]), round4(this.s.start[1] + m[1])];
      this.renderControls();
      this.reset(false);
      this.plot.canvas.focus();
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.reset(true);
    }
  }
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

function star(
  ctx: CanvasRenderingContext2D,
  x: number,
  y: number,
  r: number,
  fill: string,
  stroke: string,
): void {
  ctx.beginPath();
  for (let i = 0; i < 10; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    const rr = i % 2 === 0 ? r : r * 0.45;
    if (i === 0) ctx.moveTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
    else ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a));
  }
  ctx.closePath();
  ctx.fillStyle = fill;
  ctx.fill();
  ctx.strokeStyle = stroke;
  ctx.lineWidth = 1.2;
  ctx.stroke();
}
