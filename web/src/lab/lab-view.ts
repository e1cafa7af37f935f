// The gradient lab: configure a network, train it live in a Web Worker, and watch the loss,
// the per-layer gradient norms, activation saturation, the decision boundary and the monitor's
// verdicts, each remedy one click away.
import { AutoCanvas } from '../ui/canvas.js';
import { drawBars, drawHeatmap, drawLineChart, type Series } from '../ui/charts.js';
import { CLASS_RGB, seriesColor } from '../ui/colors.js';
import { fmtNum, h, replaceChildren } from '../ui/dom.js';
import { fieldControl, type Field, type FieldValue, type Values } from '../ui/fields.js';
import {
  LAB_FIELDS,
  applyRemedy,
  isSequence,
  isToy2d,
  readLab,
  toConfig,
  toValues,
  writeLab,
  type LabConfig,
} from './config.js';
import type { RunInfo } from './engine.js';
import type { Verdict } from './monitor-types.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { usesGamma } from '../ui/transform-menus.js';

const GROUPS: readonly { legend: string; keys: readonly string[] }[] = [
  { legend: 'Data', keys: ['data', 'T'] },
  {
    legend: 'Network',
    keys: ['arch', 'depth', 'width', 'act', 'init', 'rinit', 'norm', 'residual'],
  },
  {
    legend: 'Optimization',
    keys: ['opt', 'lr', 'mom', 'wd', 'clip', 'clipv', 'sched', 'gamma', 'skipnf'],
  },
  { legend: 'Run', keys: ['batch', 'steps', 'seed'] },
];

const HEAT_COLUMNS = 240;

/** Panels that change with each worker message type (none listed: all). */
const TOUCHES: Record<FromWorker['type'], PanelName[]> = {
  loading: ['metrics'],
  ready: ['metrics', 'heat', 'sat', 'boundary'],
  progress: ['metrics', 'loss', 'heat', 'sat'],
  eval: ['metrics', 'loss'],
  boundary: ['boundary'],
  verdict: ['verdicts'],
  done: [],
  error: ['metrics'],
};

type PanelName = 'metrics' | 'loss' | 'heat' | 'sat' | 'boundary' | 'verdicts';

/** A part of the view redrawn at its own pace when its data changed. */
interface Panel {
  name: PanelName;
  /** Minimum milliseconds between draws while training. */
  every: number;
  draw: () => void;
  version: number;
  drawn: number;
  last: number;
}

/** Growing float storage. */
class Grow {
  data = new Float64Array(1024);
  length = 0;
  push(values: ArrayLike<number>): void {
    if (this.length + values.length > this.data.length) {
      const next = new Float64Array(Math.max(this.data.length * 2, this.length + values.length));
      next.set(this.data.subarray(0, this.length));
      this.data = next;
    }
    for (let i = 0; i < values.length; i++) this.data[this.length + i] = values[i] as number;
    this.length += values.length;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** The lab tab. */
export class LabView {
  readonly el: HTMLElement;
  private values: Values;
  private worker: Worker | null = null;
  private run = 0;
  private runningRun = 0;
  private paused = false;
  private info: RunInfo | null = null;
  private step = 0;
  private loss = new Grow();
  private acc = new Grow();
  private lrs = new Grow();
  private norms = new Grow();
  private evalSteps = new Grow();
  private evalLoss = new Grow();
  private evalAcc = new Grow();
  private saturation: Float64Array = new Float64Array(0);
  private satMean: Float64Array = new Float64Array(0);
  private boundary: { side: number; image: HTMLCanvasElement } | null = null;
  private verdicts: Verdict[] = [];
  private dirty = false;
  private raf = 0;
  private active = false;
  private stepsPerSec = 0;
  private startedAt = 0;
  /** The verdicts of the run a remedy was applied to, shown above the new run's. */
  private previous: { verdict: Verdict; changes: string[] } | null = null;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private appliedNote = '';
  private readonly controls = h('div', { class: 'controls' });
  private readonly status = h('p', {
    class: 'status',
    role: 'status',
    'aria-live': 'polite',
    'data-testid': 'lab-status',
  });
  private readonly metrics = h('div', { class: 'metrics', 'data-testid': 'lab-metrics' });
  private readonly bar = h('div', {});
  private readonly description = h('p', { class: 'hint' });
  private readonly verdictList = h('div', {
    class: 'verdicts',
    'data-testid': 'verdicts',
    'aria-live': 'polite',
  });
  private readonly trainButton = h(
    'button',
    { type: 'button', class: 'primary', 'data-action': 'train' },
    'Train',
  );
  private readonly pauseButton = h(
    'button',
    { type: 'button', 'data-action': 'pause', disabled: true },
    'Pause',
  );
  private readonly stopButton = h(
    'button',
    { type: 'button', 'data-action': 'stop', disabled: true },
    'Stop',
  );
  private readonly downloadButton = h(
    'button',
    {
      type: 'button',
      'data-action': 'download',
      title: 'One JSONL file with the metrics and the verdicts, for the run viewer',
    },
    'Download run',
  );
  private readonly boundaryCard: HTMLElement;
  private readonly boundaryCanvas: AutoCanvas;
  private readonly lossCanvas: AutoCanvas;
  private readonly heatCanvas: AutoCanvas;
  private readonly satCanvas: AutoCanvas;

  constructor(
    params: URLSearchParams,
    private readonly onChange: () => void,
  ) {
    this.values = readLab(params);
    this.boundaryCanvas = new AutoCanvas(
      'Decision boundary of the network over the 2-D data',
      1,
      (ctx, w, hh) => this.drawBoundary(ctx, w, hh),
    );
    this.boundaryCanvas.canvas.classList.add('boundary');
    this.boundaryCanvas.canvas.style.maxWidth = '340px';
    this.lossCanvas = new AutoCanvas(
      'Training loss and evaluation accuracy against step',
      230,
      (ctx, w, hh) => this.drawLoss(ctx, w, hh),
      true,
    );
    this.heatCanvas = new AutoCanvas(
      'Heatmap of the gradient norm of each layer over the steps (log scale)',
      220,
      (ctx, w, hh) => this.drawHeat(ctx, w, hh),
      true,
    );
    this.satCanvas = new AutoCanvas(
      'Saturation of each activation layer',
      160,
      (ctx, w, hh) => this.drawSat(ctx, w, hh),
      true,
    );
    this.trainButton.addEventListener('click', () => this.start());
    this.pauseButton.addEventListener('click', () => this.togglePause());
    this.stopButton.addEventListener('click', () => this.stop());
    this.downloadButton.addEventListener('click', () => this.download());
    this.boundaryCard = h(
      'div',
      { class: 'card' },
      h('h3', {}, 'Decision boundary'),
      this.boundaryCanvas.canvas,
    );
    this.el = h(
      'section',
      { class: 'view lab', 'aria-labelledby': 'lab-title' },
      h('h2', { id: 'lab-title', class: 'visually-hidden' }, 'Gradient lab'),
      h('div', { class: 'sidebar' }, this.controls),
      h(
        'div',
        { class: 'main' },
        h(
          'div',
          { class: 'card' },
          h(
            'div',
            { class: 'buttons' },
            this.trainButton,
            this.pauseButton,
            this.stopButton,
            this.downloadButton,
          ),
          this.status,
          h(
            'div',
            {
              class: 'progress',
              role: 'progressbar',
              'aria-label': 'Training progress',
              'aria-valuemin': 0,
              'aria-valuemax': 100,
            },
            this.bar,
          ),
          this.metrics,
          this.description,
          h('h3', {}, 'Loss'),
          this.lossCanvas.canvas,
        ),
        h(
          'div',
          { class: 'card' },
          h('h3', { id: 'verdicts-title' }, 'Monitor verdicts'),
          this.verdictList,
        ),
        h(
          'div',
          { class: 'card' },
          h('h3', {}, 'Gradient norm per layer (‖g‖, log scale; input layer at the top)'),
          this.heatCanvas.canvas,
          h('h3', { style: 'margin-top:10px' }, 'Activation saturation per layer'),
          h(
            'p',
            { class: 'hint' },
            'tanh/sigmoid: share of outputs in the flat tails; ReLU: share of dead units.',
          ),
          this.satCanvas.canvas,
        ),
        this.boundaryCard,
      ),
    );
    this.renderControls();
    this.renderVerdicts();
    this.start();
  }

  activate(): void {
    this.active = true;
    for (const c of [this.boundaryCanvas, this.lossCanvas, this.heatCanvas, this.satCanvas])
      c.resize();
    this.touch();
  }

  deactivate(): void {
    this.active = false;
    cancelAnimationFrame(this.raf);
  }

  writeParams(params: URLSearchParams): void {
    writeLab(this.values, params);
  }

  private get config(): LabConfig {
    return toConfig(this.values);
  }

  private visible(f: Field): boolean {
    const c = this.config;
    const seq = isSequence(c.data);
    switch (f.key) {
      case 'T':
        return seq;
      case 'arch':
        return seq;
      case 'rinit':
        return seq;
      case 'act':
      case 'norm':
      case 'residual':
        return !seq;
      case 'mom':
        return ['momentum', 'nesterov', 'ema'].includes(c.opt);
      case 'clipv':
        return c.clip !== 'none';
      case 'gamma':
        return usesGamma(c.sched);
      case 'batch':
        return true;
      default:
        return true;
    }
  }

  private renderControls(): void {
    const byKey = new Map(LAB_FIELDS.map((f) => [f.key, f]));
    const set = (f: Field) => (v: FieldValue) => {
      this.values[f.key] = v;
      if (['data', 'opt', 'clip', 'sched', 'arch'].includes(f.key)) this.renderControls();
      this.appliedNote = '';
      this.previous = null;
      this.onChange();
      clearTimeout(this.restartTimer);
      this.restartTimer = setTimeout(() => this.start(), 250);
    };
    const groups = GROUPS.map((g) => {
      const fields = g.keys
        .map((k) => byKey.get(k))
        .filter((f): f is Field => f !== undefined && this.visible(f));
      const options = (f: Field): Field => {
        if (f.key === 'arch' && f.kind === 'select')
          return { ...f, options: f.options.filter(([v]) => v !== 'mlp') };
        return f;
      };
      return h(
        'fieldset',
        {},
        h('legend', {}, g.legend),
        fields.map((f) => fieldControl(options(f), this.displayValue(f), set(f), 'lab')),
      );
    });
    replaceChildren(this.controls, groups);
  }

  /** The value a control shows (the consistent one from the config, e.g. RNN for sequence tasks). */
  private displayValue(f: Field): FieldValue {
    const c = toValues(this.config);
    return c[f.key] ?? this.values[f.key] ?? f.def;
  }

  private ensureWorker(): Worker {
    if (!this.worker) {
      this.worker = new Worker(new URL('./lab-worker.ts', import.meta.url), {
        type: 'module',
        name: 'gradscope-lab',
      });
      this.worker.addEventListener('message', (e: MessageEvent<FromWorker>) =>
        this.onMessage(e.data),
      );
      this.worker.addEventListener('error', (e) => {
        this.status.textContent = `Worker error: ${e.message}`;
        this.status.classList.add('error');
      });
    }
    return this.worker;
  }

  private send(m: ToWorker): void {
    this.ensureWorker().postMessage(m);
  }

  /** (Re)starts training with the current settings. */
  start(): void {
    clearTimeout(this.restartTimer);
    if (this.runningRun) this.send({ type: 'stop', run: this.runningRun });
    this.run++;
    this.runningRun = this.run;
    this.paused = false;
    this.info = null;
    this.step = 0;
    this.loss = new Grow();
    this.acc = new Grow();
    this.lrs = new Grow();
    this.norms = new Grow();
    this.evalSteps = new Grow();
    this.evalLoss = new Grow();
    this.evalAcc = new Grow();
    this.saturation = new Float64Array(0);
    this.boundary = null;
    this.verdicts = [];
    this.el.removeAttribute('data-lab-done');
    this.el.setAttribute('data-run', String(this.run));
    this.renderVerdicts();
    this.status.classList.remove('error');
    this.status.textContent = this.appliedNote
      ? `${this.appliedNote} — training…`
      : 'Building the network…';
    this.boundaryCard.hidden = !isToy2d(this.config.data);
    this.trainButton.textContent = 'Restart';
    this.pauseButton.disabled = false;
    this.pauseButton.textContent = 'Pause';
    this.stopButton.disabled = false;
    this.startedAt = performance.now();
    this.send({ type: 'start', run: this.run, config: this.config });
    this.touch();
  }

  private stop(): void {
    if (!this.runningRun) return;
    this.send({ type: 'stop', run: this.runningRun });
  }

  private togglePause(): void {
    if (!this.runningRun) return;
    this.paused = !this.paused;
    this.send({ type: this.paused ? 'pause' : 'resume', run: this.runningRun });
    this.pauseButton.textContent = this.paused ? 'Resume' : 'Pause';
    this.pauseButton.setAttribute('aria-pressed', String(this.paused));
    this.status.textContent = this.paused ? `Paused at step ${this.step}` : 'Training…';
  }

  private onMessage(m: FromWorker): void {
    if (m.run !== this.run) return;
    switch (m.type) {
      case 'loading':
        this.status.textContent = `Loading ${m.what}…`;
        break;
      case 'ready':
        this.info = m.info;
        this.description.textContent = `${m.info.description} · ${m.info.numParams.toLocaleString('en')} parameters · ${m.info.layers.length} layers monitored`;
        this.status.textContent = this.appliedNote
          ? `${this.appliedNote} — training…`
          : 'Training…';
        break;
      case 'progress': {
        this.step = m.step;
        this.loss.push(m.loss);
        this.acc.push(m.acc);
        this.lrs.push(m.lr);
        this.norms.push(m.norms);
        this.saturation = m.saturation;
        this.satMean = m.mean;
        this.stepsPerSec = (1000 * m.step) / Math.max(1, performance.now() - this.startedAt);
        break;
      }
      case 'eval':
        this.evalSteps.push([m.step]);
        this.evalLoss.push([m.loss]);
        this.evalAcc.push([m.acc]);
        this.el.setAttribute('data-eval-acc', String(m.acc));
        this.el.setAttribute('data-eval-loss', String(m.loss));
        break;
      case 'boundary':
        this.boundary = {
          side: m.side,
          image: boundaryImage(m.side, m.cls, m.conf, this.info?.numClasses ?? 2),
        };
        break;
      case 'verdict':
        this.verdicts.push(m.verdict);
        break;
      case 'done':
        this.runningRun = 0;
        this.pauseButton.disabled = true;
        this.stopButton.disabled = true;
        this.status.textContent =
          m.reason === 'finished'
            ? `Finished ${this.step} steps.`
            : m.reason === 'diverged'
              ? `Stopped at step ${this.step}: the loss is no longer finite.`
              : `Stopped at step ${this.step}.`;
        this.el.setAttribute('data-lab-done', m.reason);
        break;
      case 'error':
        this.runningRun = 0;
        this.status.textContent = `Error: ${m.message}`;
        this.status.classList.add('error');
        break;
    }
    this.touch(...TOUCHES[m.type]);
  }

  /**
   * Redraws on animation frames, one panel per frame at most and each at its own pace: every
   * changed canvas must be handed to the compositor, so spreading them keeps each frame light.
   */
  private schedule(): void {
    if (!this.active || this.raf) return;
    this.raf = requestAnimationFrame((now) => {
      this.raf = 0;
      if (!this.dirty) return;
      const done = this.el.hasAttribute('data-lab-done');
      const panels = this.panels();
      let wait = Infinity;
      for (let k = 0; k < panels.length; k++) {
        const i = (this.nextPanel + k) % panels.length;
        const p = panels[i] as Panel;
        if (p.version === p.drawn) continue;
        if (!done && now - p.last < p.every) {
          wait = Math.min(wait, p.every - (now - p.last));
          continue;
        }
        p.draw();
        p.drawn = p.version;
        p.last = now;
        this.nextPanel = i + 1;
        wait = 0;
        break;
      }
      this.dirty = panels.some((p) => p.version !== p.drawn);
      if (!this.dirty) return;
      // Nothing due yet: sleep until the next panel is, instead of waking every frame.
      if (wait > 0 && Number.isFinite(wait)) {
        clearTimeout(this.wake);
        this.wake = setTimeout(() => this.schedule(), wait);
      } else this.schedule();
    });
  }

  private wake: ReturnType<typeof setTimeout> | undefined;

  /** Marks every panel as changed (after a progress message or a restart). */
  private touch(...names: PanelName[]): void {
    for (const p of this.panels()) if (names.length === 0 || names.includes(p.name)) p.version++;
    this.dirty = true;
    this.schedule();
  }

  private panelList: Panel[] | null = null;
  private nextPanel = 0;

  private panels(): Panel[] {
    if (!this.panelList) {
      const panel = (name: PanelName, every: number, draw: () => void): Panel => ({
        name,
        every,
        draw,
        version: 1,
        drawn: 0,
        last: -Infinity,
      });
      this.panelList = [
        panel('metrics', 200, () => this.renderMetrics()),
        panel('loss', 250, () => this.lossCanvas.render()),
        panel('heat', 400, () => this.heatCanvas.render()),
        panel('sat', 400, () => this.satCanvas.render()),
        panel('boundary', 0, () => {
          if (!this.boundaryCard.hidden) this.boundaryCanvas.render();
        }),
        panel('verdicts', 0, () => this.renderVerdicts()),
      ];
    }
    return this.panelList;
  }

  private renderMetrics(): void {
    const c = this.config;
    const pct = Math.min(100, (100 * this.step) / Math.max(1, c.steps));
    this.bar.style.width = `${pct}%`;
    this.bar.parentElement?.setAttribute('aria-valuenow', pct.toFixed(0));
    const lastLoss = this.loss.length ? (this.loss.data[this.loss.length - 1] as number) : NaN;
    const evalAcc = this.evalAcc.length
      ? (this.evalAcc.data[this.evalAcc.length - 1] as number)
      : NaN;
    const evalLoss = this.evalLoss.length
      ? (this.evalLoss.data[this.evalLoss.length - 1] as number)
      : NaN;
    const regression = this.info?.kind === 'regression';
    replaceChildren(
      this.metrics,
      h('span', {}, 'step ', h('b', { 'data-testid': 'lab-step' }, `${this.step} / ${c.steps}`)),
      h('span', {}, 'batch loss ', h('b', {}, fmtNum(lastLoss, 4))),
      h('span', {}, 'eval loss ', h('b', {}, fmtNum(evalLoss, 4))),
      regression
        ? null
        : h(
            'span',
            {},
            'eval accuracy ',
            h(
              'b',
              { 'data-testid': 'lab-acc' },
              Number.isFinite(evalAcc) ? `${(100 * evalAcc).toFixed(1)}%` : '—',
            ),
          ),
      h('span', {}, h('b', {}, this.stepsPerSec ? fmtNum(this.stepsPerSec, 3) : '—'), ' steps/s'),
    );
  }

  private drawLoss(ctx: CanvasRenderingContext2D, w: number, hh: number): void {
    const raw = this.loss.view();
    // An exponential moving average (β = 0.9, bias-corrected) shows the trend through batch noise.
    const ema = new Float64Array(raw.length);
    let m = 0;
    let k = 0;
    for (let t = 0; t < raw.length; t++) {
      const v = raw[t] as number;
      if (Number.isFinite(v)) {
        m = 0.9 * m + 0.1 * v;
        k++;
      }
      ema[t] = k ? m / (1 - 0.9 ** k) : NaN;
    }
    const series: Series[] = [
      { label: 'batch loss', color: seriesColor(0), ys: raw, alpha: 0.3, width: 1 },
      { label: 'batch loss (EMA)', color: seriesColor(0), ys: ema, width: 2 },
    ];
    if (this.evalLoss.length)
      series.push({
        label: 'eval loss',
        color: seriesColor(1),
        xs: this.evalSteps.view(),
        ys: this.evalLoss.view(),
        width: 2,
      });
    drawLineChart(ctx, w, hh, series, {
      logY: true,
      xLabel: 'step',
      yLabel: 'loss',
      legend: true,
      xFrom: 1, // batch losses are per step, the first step being step 1 (like the eval points)
    });
  }

  private drawHeat(ctx: CanvasRenderingContext2D, w: number, hh: number): void {
    const layers = this.info?.layers ?? [];
    const L = layers.length;
    const n = L ? Math.floor(this.norms.length / L) : 0;
    const cols = Math.min(HEAT_COLUMNS, n);
    const values = new Float64Array(L * cols);
    let lo = Infinity;
    let hi = -Infinity;
    const data = this.norms.data;
    for (let c = 0; c < cols; c++) {
      const a = Math.floor((c * n) / cols);
      const b = Math.max(a + 1, Math.floor(((c + 1) * n) / cols));
      for (let l = 0; l < L; l++) {
        let s = 0;
        let k = 0;
        for (let t = a; t < b; t++) {
          const v = data[t * L + l] as number;
          if (v > 0 && Number.isFinite(v)) {
            s += Math.log10(v);
            k++;
          }
        }
        const m = k ? s / k : NaN;
        values[l * cols + c] = m;
        if (Number.isFinite(m)) {
          lo = Math.min(lo, m);
          hi = Math.max(hi, m);
        }
      }
    }
    if (!(hi > lo)) {
      hi = lo + 1;
    }
    for (let i = 0; i < values.length; i++) values[i] = ((values[i] as number) - lo) / (hi - lo);
    drawHeatmap(ctx, w, hh, {
      rows: layers.map((l) => `layer ${l}`),
      cols,
      values,
      lowLabel: Number.isFinite(lo) ? `1e${lo.toFixed(1)}` : '',
      highLabel: Number.isFinite(hi) ? `1e${hi.toFixed(1)}` : '',
      xLabel: 'step',
      xFirst: 1, // steps count from 1: the first column starts at step 1, the last ends at step n
      xLast: n,
    });
  }

  private drawSat(ctx: CanvasRenderingContext2D, w: number, hh: number): void {
    const probes = this.info?.probes ?? [];
    drawBars(
      ctx,
      w,
      hh,
      probes.map((p, i) => {
        const v = this.saturation[i] ?? NaN;
        const mean = this.satMean[i] ?? NaN;
        return {
          label: `${p.kind} after ${p.layer || p.module}`,
          value: v,
          text: `${Number.isFinite(v) ? (100 * v).toFixed(1) : '—'}% · mean ${fmtNum(mean, 2)}`,
        };
      }),
    );
  }

  private drawBoundary(ctx: CanvasRenderingContext2D, w: number, hh: number): void {
    const info = this.info;
    if (!info?.bounds || !info.points) return;
    const [x0, x1, y0, y1] = info.bounds;
    if (this.boundary) {
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(this.boundary.image, 0, 0, w, hh);
    }
    const { x, y } = info.points;
    for (let i = 0; i < y.length; i++) {
      const px = (((x[2 * i] as number) - x0) / (x1 - x0)) * w;
      const py = (1 - ((x[2 * i + 1] as number) - y0) / (y1 - y0)) * hh;
      const c = CLASS_RGB[(y[i] as number) % CLASS_RGB.length] as readonly number[];
      ctx.fillStyle = `rgb(${c[0]},${c[1]},${c[2]})`;
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.arc(px, py, 3.2, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
  }

  private renderVerdicts(): void {
    const prev = this.previous;
    const banner = prev
      ? h(
          'p',
          { class: 'applied', 'data-testid': 'applied-remedy' },
          `Previous run: `,
          h('span', { class: 'kind' }, prev.verdict.kind),
          ` at step ${prev.verdict.step}. Applied: ${prev.changes.join(', ')}.`,
        )
      : null;
    if (this.verdicts.length === 0) {
      replaceChildren(
        this.verdictList,
        banner,
        h(
          'p',
          { class: 'hint' },
          this.runningRun ? 'No verdict yet: the monitor checks every step.' : 'No verdict.',
        ),
      );
      return;
    }
    const cards = this.verdicts.map((v, vi) =>
      h(
        'article',
        {
          class: `verdict ${v.severity} ${v.status === 'resolved' ? 'resolved' : ''}`,
          'data-kind': v.kind,
          'data-testid': `verdict-${v.kind}`,
          'aria-label': `${v.kind} verdict`,
        },
        h('h4', {}, h('span', { class: 'kind' }, v.kind), ` · ${v.severity} · step ${v.step}`),
        h('p', {}, v.message),
        v.layers.length ? h('p', { class: 'why' }, `layers: ${v.layers.join(', ')}`) : null,
        v.remedies.length
          ? h(
              'ol',
              { 'aria-label': 'Remedies, best first' },
              v.remedies.map((r, ri) => {
                const applied = applyRemedy(this.config, r.action);
                const btn = h(
                  'button',
                  {
                    type: 'button',
                    class: 'small',
                    'data-action': 'apply-remedy',
                    'data-verdict': vi,
                    'data-remedy': ri,
                    disabled: applied.config === null,
                    title:
                      applied.config === null
                        ? applied.reason
                        : `Restart with: ${applied.changes.join(', ')}`,
                  },
                  'Apply',
                );
                btn.addEventListener('click', () => this.apply(v, ri));
                return h(
                  'li',
                  {},
                  r.text,
                  ' ',
                  btn,
                  h(
                    'div',
                    { class: 'why' },
                    r.why,
                    applied.config === null ? ` (${applied.reason})` : '',
                  ),
                );
              }),
            )
          : null,
      ),
    );
    replaceChildren(this.verdictList, banner, cards);
  }

  /** The run as JSONL: a config line, one metrics record per step (run-log format) and the verdicts. */
  runJsonl(): string {
    const lines: string[] = [
      JSON.stringify({ config: this.config, url: globalThis.location.href }),
    ];
    const L = this.info?.layers.length ?? 0;
    const layers = this.info?.layers ?? [];
    const num = (x: number): number | string => (Number.isFinite(x) ? x : String(x));
    let e = 0;
    for (let t = 0; t < this.loss.length; t++) {
      const metrics: Record<string, number | string> = {};
      const a = this.acc.data[t] as number;
      if (Number.isFinite(a)) metrics['batch.accuracy'] = a;
      while (e < this.evalSteps.length && (this.evalSteps.data[e] as number) <= t + 1) {
        if ((this.evalSteps.data[e] as number) === t + 1) {
          metrics['val.loss'] = num(this.evalLoss.data[e] as number);
          const va = this.evalAcc.data[e] as number;
          if (Number.isFinite(va)) metrics['val.accuracy'] = va;
        }
        e++;
      }
      const gradNorms: Record<string, number | string> = {};
      for (let l = 0; l < L; l++)
        gradNorms[layers[l] as string] = num(this.norms.data[t * L + l] as number);
      lines.push(
        JSON.stringify({
          step: t + 1,
          loss: num(this.loss.data[t] as number),
          lr: num(this.lrs.data[t] as number),
          metrics,
          gradNorms,
        }),
      );
    }
    for (const v of this.verdicts) lines.push(JSON.stringify(v));
    return `${lines.join('\n')}\n`;
  }

  private download(): void {
    const blob = new Blob([this.runJsonl()], { type: 'application/x-ndjson' });
    const a = h('a', {
      href: URL.createObjectURL(blob),
      download: `gradscope-lab-${this.config.data}-seed${this.config.seed}.jsonl`,
    });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  /** Applies a verdict's remedy to the settings and restarts. */
  private apply(v: Verdict, index: number): void {
    const r = v.remedies[index];
    if (!r) return;
    const result = applyRemedy(this.config, r.action);
    if (result.config === null) return;
    this.values = toValues(result.config);
    this.previous = { verdict: v, changes: result.changes };
    this.appliedNote = `Applied the ${v.kind} remedy: ${result.changes.join(', ')}`;
    this.renderControls();
    this.onChange();
    this.start();
    this.trainButton.focus();
  }
}

function boundaryImage(
  side: number,
  cls: Uint8Array,
  conf: Uint8Array,
  K: number,
): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext('2d');
  if (!ctx) return canvas;
  const img = ctx.createImageData(side, side);
  const floor = 1 / Math.max(2, K);
  for (let k = 0; k < side * side; k++) {
    const c = CLASS_RGB[(cls[k] as number) % CLASS_RGB.length] as readonly number[];
    // Confidence above chance sets how strongly the class colour shows over white.
    const a =
      Math.max(0, Math.min(1, ((conf[k] as number) / 255 - floor) / (1 - floor))) * 0.42 + 0.06;
    img.data[4 * k] = 255 + ((c[0] as number) - 255) * a;
    img.data[4 * k + 1] = 255 + ((c[1] as number) - 255) * a;
    img.data[4 * k + 2] = 255 + ((c[2] as number) - 255) * a;
    img.data[4 * k + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}
