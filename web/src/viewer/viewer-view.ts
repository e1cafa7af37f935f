// The run viewer: drop a run directory's files (result.json, metrics.jsonl, monitor JSONL…) and
// browse their charts and verdicts. Files are read locally; nothing is uploaded.
import { AutoCanvas } from '../ui/canvas.js';
import { drawHeatmap, drawLineChart } from '../ui/charts.js';
import { seriesColor } from '../ui/colors.js';
import { fmtNum, h, replaceChildren } from '../ui/dom.js';
import { parseRunFiles, type HealthRecord, type RunData } from './parse.js';

interface FileLike {
  name: string;
  /** Set for files picked or dropped as a folder: `run-a/metrics.jsonl`. */
  webkitRelativePath?: string;
  text(): Promise<string>;
}

/** The viewer tab. */
export class ViewerView {
  readonly el: HTMLElement;
  private data: RunData | null = null;
  private selected: Set<string>;
  private logKeys: Set<string>;
  private kindFilter: string;
  private canvases: AutoCanvas[] = [];
  private readonly output = h('div', { class: 'main', 'data-testid': 'viewer-output' });
  private readonly status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  private readonly drop: HTMLElement;

  constructor(
    params: URLSearchParams,
    private readonly onChange: () => void,
  ) {
    this.selected = new Set((params.get('series') ?? '').split(',').filter(Boolean));
    this.logKeys = new Set((params.get('log') ?? 'loss').split(',').filter(Boolean));
    this.kindFilter = params.get('kind') ?? 'all';
    const input = h('input', {
      type: 'file',
      id: 'viewer-files',
      multiple: true,
      accept: '.json,.jsonl,.ndjson,application/json',
      class: 'visually-hidden',
      'data-testid': 'viewer-input',
    });
    input.addEventListener('change', () => void this.load(Array.from(input.files ?? [])));
    const folder = h('input', {
      type: 'file',
      id: 'viewer-folder',
      multiple: true,
      class: 'visually-hidden',
      webkitdirectory: true,
    });
    folder.addEventListener(
      'change',
      () =>
        void this.load(
          Array.from(folder.files ?? []).filter((f) => /\.(jsonl?|ndjson)$/.test(f.name)),
        ),
    );
    this.drop = h(
      'div',
      { class: 'drop', 'data-testid': 'viewer-drop' },
      h(
        'p',
        {},
        h('strong', {}, 'Drop a run directory or its files here'),
        h('br', {}),
        'result.json, metrics.jsonl, monitor JSONL, config.json, summary.json — from ',
        h('code', {}, 'gradscope run'),
        ' or ',
        h('code', {}, 'gradscope demo'),
        '.',
      ),
      h(
        'div',
        { class: 'buttons', style: 'justify-content:center' },
        h(
          'label',
          { for: 'viewer-files', class: 'button-like', tabindex: 0, role: 'button' },
          'Choose files…',
        ),
        h(
          'label',
          { for: 'viewer-folder', class: 'button-like', tabindex: 0, role: 'button' },
          'Choose a folder…',
        ),
      ),
      input,
      folder,
      h('p', { class: 'hint' }, 'The files are read in your browser; nothing is uploaded.'),
    );
    for (const label of Array.from(this.drop.querySelectorAll('label.button-like'))) {
      label.addEventListener('keydown', (e) => {
        const k = (e as KeyboardEvent).key;
        if (k === 'Enter' || k === ' ') {
          e.preventDefault();
          (label as HTMLLabelElement).click();
        }
      });
    }
    this.drop.addEventListener('dragover', (e) => {
      e.preventDefault();
      this.drop.classList.add('over');
    });
    this.drop.addEventListener('dragleave', () => this.drop.classList.remove('over'));
    this.drop.addEventListener('drop', (e) => {
      e.preventDefault();
      this.drop.classList.remove('over');
      void this.onDrop(e);
    });
    this.el = h(
      'section',
      { class: 'view viewer', 'aria-labelledby': 'viewer-title' },
      h('h2', { id: 'viewer-title', class: 'visually-hidden' }, 'Run viewer'),
      h('div', { class: 'sidebar' }, this.drop, this.status),
      this.output,
    );
    this.render();
  }

  activate(): void {
    for (const c of this.canvases) c.resize();
  }

  deactivate(): void {}

  writeParams(params: URLSearchParams): void {
    if (this.selected.size) params.set('series', [...this.selected].join(','));
    params.set('log', [...this.logKeys].join(','));
    if (this.kindFilter !== 'all') params.set('kind', this.kindFilter);
  }

  private async onDrop(e: DragEvent): Promise<void> {
    const items = Array.from(e.dataTransfer?.items ?? []);
    const entries = items
      .map((i) => i.webkitGetAsEntry?.())
      .filter((x): x is FileSystemEntry => Boolean(x));
    if (entries.some((en) => en.isDirectory)) {
      const files: FileLike[] = [];
      for (const en of entries) await collect(en, files, 0);
      await this.load(files.filter((f) => /\.(jsonl?|ndjson)$/.test(f.name)));
    } else {
      await this.load(Array.from(e.dataTransfer?.files ?? []));
    }
  }

  /** Reads and shows the files. */
  async load(files: readonly FileLike[]): Promise<void> {
    if (files.length === 0) {
      this.status.textContent = 'No JSON or JSONL files found.';
      return;
    }
    this.status.textContent = `Reading ${files.length} file(s)…`;
    const texts = await Promise.all(
      files.map(async (f) => ({ name: f.webkitRelativePath || f.name, text: await f.text() })),
    );
    this.data = parseRunFiles(texts);
    if (this.selected.size === 0 || ![...this.selected].some((k) => this.data?.series.has(k))) {
      this.selected = new Set(
        [...this.data.series.keys()]
          .filter(
            (k) => k === 'loss' || k === 'lr' || k.startsWith('val.') || k.startsWith('train.'),
          )
          .slice(0, 6),
      );
      if (this.selected.size === 0)
        this.selected = new Set([...this.data.series.keys()].slice(0, 3));
    }
    this.status.textContent = `Loaded ${files.length} file(s) of ${this.data.runs.length || 1} run(s): ${this.data.series.size} series, ${this.data.verdicts.length} verdicts, ${this.data.results.length} results.`;
    this.onChange();
    this.render();
  }

  private render(): void {
    for (const c of this.canvases) c.dispose();
    this.canvases = [];
    const d = this.data;
    if (!d) {
      replaceChildren(
        this.output,
        h(
          'div',
          { class: 'card' },
          h('h3', {}, 'No run loaded'),
          h(
            'p',
            { class: 'hint' },
            'Run ',
            h('code', {}, 'npm run demo'),
            ' (or ',
            h('code', {}, 'gradscope run …'),
            ') and drop its run directory here.',
          ),
        ),
      );
      return;
    }
    const files = h(
      'div',
      { class: 'card' },
      h('h3', {}, 'Files'),
      h(
        'ul',
        { class: 'files' },
        d.files.map((f) => h('li', {}, h('strong', {}, f.name), ` — ${f.kind}: ${f.detail}`)),
      ),
    );
    const cards: HTMLElement[] = [files];
    for (const r of d.results) {
      cards.push(
        h(
          'div',
          { class: 'card', 'data-testid': 'viewer-result' },
          h(
            'h3',
            {},
            `Experiment ${r.experiment} `,
            r.pass === null
              ? ''
              : h('span', { class: r.pass ? 'pass' : 'fail' }, r.pass ? 'PASS' : 'FAIL'),
          ),
          h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'results' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['Criterion', 'Expected', 'Measured', ''].map((t) =>
                    h('th', { scope: 'col' }, t),
                  ),
                ),
              ),
              h(
                'tbody',
                {},
                r.criteria.map((c) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, c.name),
                    h('td', {}, c.expected),
                    h('td', {}, c.measured),
                    h(
                      'td',
                      {},
                      c.pass === null
                        ? ''
                        : h('span', { class: c.pass ? 'pass' : 'fail' }, c.pass ? 'pass' : 'fail'),
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
      );
    }
    if (d.series.size) cards.push(this.seriesCard(d));
    // One colour scale across runs: the same colour is the same norm in every heatmap.
    const range = healthRange(d.health);
    for (const hr of d.health) cards.push(this.healthCard(hr, range, d.health.length > 1));
    cards.push(this.verdictCard(d));
    for (const doc of d.documents) {
      cards.push(
        h(
          'div',
          { class: 'card' },
          h(
            'details',
            {},
            h('summary', {}, doc.name),
            h('pre', { class: 'json' }, JSON.stringify(doc.value, null, 2).slice(0, 20000)),
          ),
        ),
      );
    }
    replaceChildren(this.output, cards);
    for (const c of this.canvases) c.resize();
  }

  private seriesCard(d: RunData): HTMLElement {
    const keys = [...d.series.keys()];
    const pickers = keys.map((k) => {
      const id = `series-${k.replace(/[^a-zA-Z0-9]/g, '-')}`;
      const box = h('input', { type: 'checkbox', id, 'data-series': k });
      box.checked = this.selected.has(k);
      box.addEventListener('change', () => {
        if (box.checked) this.selected.add(k);
        else this.selected.delete(k);
        this.onChange();
        this.render();
      });
      return h('div', { class: 'field-bool field' }, box, h('label', { for: id }, k));
    });
    const charts = [...this.selected]
      .filter((k) => d.series.has(k))
      .map((k) => {
        const lines = d.series.get(k) ?? [];
        const positive = lines.every((s) => s.values.every((v) => !Number.isFinite(v) || v > 0));
        const log = this.logKeys.has(k) && positive;
        const canvas = new AutoCanvas(
          `${k} against step`,
          180,
          (ctx, w, hh) =>
            drawLineChart(
              ctx,
              w,
              hh,
              // One line per run, one colour per run (the same in every chart).
              lines.map((s) => ({
                label: s.run,
                color: seriesColor(Math.max(0, d.runs.indexOf(s.run))),
                xs: s.steps,
                ys: s.values,
              })),
              { logY: log, xLabel: 'step', yLabel: k, legend: lines.length > 1 },
            ),
          true,
        );
        this.canvases.push(canvas);
        const id = `log-${k.replace(/[^a-zA-Z0-9]/g, '-')}`;
        const logBox = h('input', { type: 'checkbox', id, disabled: !positive });
        logBox.checked = log;
        logBox.addEventListener('change', () => {
          if (logBox.checked) this.logKeys.add(k);
          else this.logKeys.delete(k);
          this.onChange();
          this.render();
        });
        const points = lines.reduce((n, s) => n + s.values.length, 0);
        const lastLine = lines[lines.length - 1];
        const last = lastLine?.values[lastLine.values.length - 1];
        return h(
          'div',
          { class: 'chart', 'data-chart': k, 'data-runs': String(lines.length) },
          h(
            'h3',
            {},
            `${k} `,
            h(
              'small',
              {},
              lines.length > 1
                ? `(${lines.length} runs, ${points} points)`
                : `(${points} points, last ${fmtNum(last ?? NaN, 4)})`,
            ),
          ),
          h('div', { class: 'field-bool field' }, logBox, h('label', { for: id }, 'log scale')),
          canvas.canvas,
        );
      });
    return h(
      'div',
      { class: 'card' },
      h('h3', {}, 'Series'),
      h('fieldset', { class: 'series-pick' }, h('legend', {}, 'Show'), pickers),
      charts,
    );
  }

  private healthCard(hr: HealthRecord, [lo, hi]: [number, number], showRun: boolean): HTMLElement {
    const L = hr.layers.length;
    const n = hr.steps.length;
    const values = new Float64Array(L * n);
    hr.layers.forEach((l, i) => {
      for (let t = 0; t < n; t++) {
        const v = l.gradNorm[t] ?? NaN;
        values[i * n + t] = v > 0 && Number.isFinite(v) ? Math.log10(v) : NaN;
      }
    });
    for (let i = 0; i < values.length; i++) values[i] = ((values[i] as number) - lo) / (hi - lo);
    const canvas = new AutoCanvas(
      'Gradient norm per layer over the checked steps',
      Math.max(120, Math.min(320, 18 * L + 40)),
      (ctx, w, hh) =>
        drawHeatmap(ctx, w, hh, {
          rows: hr.layers.map((l) => `layer ${l.name}`),
          cols: n,
          values,
          lowLabel: `1e${lo.toFixed(1)}`,
          highLabel: `1e${hi.toFixed(1)}`,
          xLabel: 'step',
          xFirst: hr.steps[0] ?? 0,
          xLast: hr.steps[n - 1] ?? 0,
        }),
      true,
    );
    this.canvases.push(canvas);
    return h(
      'div',
      { class: 'card' },
      h('h3', {}, `Gradient norm per layer (${showRun ? `${hr.run}, ` : ''}${hr.source})`),
      canvas.canvas,
    );
  }

  private verdictCard(d: RunData): HTMLElement {
    const kinds = ['all', ...new Set(d.verdicts.map((v) => v.kind))];
    const select = h(
      'select',
      { id: 'viewer-kind' },
      kinds.map((k) => h('option', { value: k }, k)),
    );
    select.value = kinds.includes(this.kindFilter) ? this.kindFilter : 'all';
    select.addEventListener('change', () => {
      this.kindFilter = select.value;
      this.onChange();
      this.render();
    });
    const shown = d.verdicts.filter((v) => this.kindFilter === 'all' || v.kind === this.kindFilter);
    return h(
      'div',
      { class: 'card' },
      h('h3', {}, `Verdicts (${d.verdicts.length})`),
      d.verdicts.length
        ? h('div', { class: 'field' }, h('label', { for: 'viewer-kind' }, 'Kind'), select)
        : h('p', { class: 'hint' }, 'No verdicts in these files.'),
      h(
        'div',
        { class: 'verdicts', 'data-testid': 'viewer-verdicts' },
        shown.map((v) =>
          h(
            'article',
            {
              class: `verdict ${v.severity}`,
              'data-kind': v.kind,
            },
            h(
              'h4',
              {},
              h('span', { class: 'kind' }, v.kind),
              ` · ${v.severity} · step ${Number.isFinite(v.step) ? v.step : '?'}`,
            ),
            h('p', {}, v.message),
            v.layers.length ? h('p', { class: 'why' }, `layers: ${v.layers.join(', ')}`) : null,
            v.remedies.length
              ? h(
                  'ol',
                  {},
                  v.remedies.map((r) => h('li', {}, r.text)),
                )
              : null,
            h('p', { class: 'why' }, `from ${v.source}`),
          ),
        ),
      ),
    );
  }
}

/** log10 range of the per-layer norms over all runs (one colour scale for every heatmap). */
function healthRange(records: readonly HealthRecord[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of records)
    for (const l of r.layers)
      for (const v of l.gradNorm)
        if (v > 0 && Number.isFinite(v)) {
          lo = Math.min(lo, Math.log10(v));
          hi = Math.max(hi, Math.log10(v));
        }
  if (!Number.isFinite(lo)) return [0, 1];
  return [lo, hi > lo ? hi : lo + 1];
}

async function collect(entry: FileSystemEntry, out: FileLike[], depth: number): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((ok, fail) =>
      (entry as FileSystemFileEntry).file(ok, fail),
    );
    // The path inside the dropped folder names the run (`run-a/metrics.jsonl`).
    out.push({ name: entry.fullPath.replace(/^\//, ''), text: () => file.text() });
  } else if (entry.isDirectory && depth < 3) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((ok, fail) =>
        reader.readEntries(ok, fail),
      );
      if (batch.length === 0) break;
      for (const e of batch) await collect(e, out, depth + 1);
    }
  }
}
