// The run viewer: drop a run directory's files (result.json, metrics.jsonl, monitor JSONL…) and
// browse their charts and verdicts. Files are read locally; nothing is uploaded.
import { runView, splitRuns, type RunView, type ViewChart } from '../../../src/report/run-view.js';
import { fmtTick, heatColor, pointsAt } from '../../../src/report/svg-charts.js';
import { h, replaceChildren } from '../ui/dom.js';
import { parseRunFiles, type RunData } from './parse.js';

/** SVG markup drawn by the library's run view (every text from a file escaped there) as nodes. */
function markup(svg: string): DocumentFragment {
  const t = document.createElement('template');
  t.innerHTML = svg;
  return t.content;
}

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
  private kindFilter: string;
  private readonly output = h('div', { class: 'main', 'data-testid': 'viewer-output' });
  private readonly status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  private readonly drop: HTMLElement;

  constructor(
    params: URLSearchParams,
    private readonly onChange: () => void,
  ) {
    this.selected = new Set((params.get('series') ?? '').split(',').filter(Boolean));
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

  activate(): void {}

  deactivate(): void {}

  writeParams(params: URLSearchParams): void {
    if (this.selected.size) params.set('series', [...this.selected].join(','));
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
    // The library's run view, the same charts as `gradscope serve`: runs overlaid (one colour
    // each), log axes by magnitude span, heatmaps on one shared colour scale.
    const view = runView(splitRuns(d.logs));
    if (d.series.size) cards.push(this.seriesCard(d, view));
    if (view.heatmaps.length > 0) cards.push(this.healthCard(view));
    cards.push(this.verdictCard(d, view));
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
  }

  private seriesCard(d: RunData, view: RunView): HTMLElement {
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
    const charts = view.charts
      .filter((c) => this.selected.has(c.field))
      .map((c) => {
        const fig = h(
          'div',
          {
            class: 'chart',
            'data-chart': c.field,
            'data-runs': String(c.runs),
            'data-points': String(c.points),
            'data-scale': c.log ? 'log' : 'linear',
          },
          h(
            'h3',
            {},
            `${c.title} `,
            h(
              'small',
              {},
              [c.unit, c.log ? 'log scale' : '', `${c.points} points`].filter(Boolean).join(' · '),
            ),
          ),
        );
        fig.append(markup(c.svg));
        hoverValues(fig, c);
        return fig;
      });
    const legend =
      view.legend.length > 1
        ? h(
            'p',
            { class: 'legend', 'data-testid': 'viewer-legend' },
            view.legend.map((r) =>
              h(
                'span',
                { class: 'legend-item', style: 'margin-right:12px' },
                h('span', {
                  class: 'swatch',
                  style: `display:inline-block;width:10px;height:10px;margin-right:4px;background:${r.color}`,
                }),
                r.name,
              ),
            ),
          )
        : null;
    return h(
      'div',
      { class: 'card' },
      h('h3', {}, 'Series'),
      h('fieldset', { class: 'series-pick' }, h('legend', {}, 'Show'), pickers),
      legend,
      view.notes.length
        ? h('p', { class: 'hint', 'data-testid': 'viewer-notes' }, view.notes.join('; '))
        : null,
      charts,
    );
  }

  private healthCard(view: RunView): HTMLElement {
    const sc = view.scale ?? { lo: 0, hi: 1 };
    return h(
      'div',
      { class: 'card' },
      h('h3', {}, 'Gradient L2 norm per layer'),
      h(
        'p',
        { class: 'hint' },
        'One colour scale for every run: ',
        h('span', {
          class: 'swatch',
          style: `display:inline-block;width:10px;height:10px;background:${heatColor(0)}`,
        }),
        ` ${fmtTick(10 ** sc.lo)} … `,
        h('span', {
          class: 'swatch',
          style: `display:inline-block;width:10px;height:10px;background:${heatColor(1)}`,
        }),
        ` ${fmtTick(10 ** sc.hi)} (‖g‖₂, log scale); grey: not finite or not logged`,
      ),
      view.heatmaps.map((hm) => {
        const fig = h('div', { class: 'chart', 'data-heatmap': hm.run }, h('h4', {}, hm.title));
        fig.append(markup(hm.svg));
        return fig;
      }),
    );
  }

  private verdictCard(d: RunData, view: RunView): HTMLElement {
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
      view.timeline !== null && d.verdicts.length > 0 ? markup(view.timeline) : null,
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

/**
 * Pointer tooltips on a run-view chart: every run's value at the step under the pointer (the
 * library's pointsAt, the rule the served dashboard uses).
 */
function hoverValues(fig: HTMLElement, chart: ViewChart): void {
  const svg = fig.querySelector('svg');
  const frame = chart.frame;
  if (!svg || !frame) return;
  fig.style.position = 'relative';
  const tip = h('div', {
    class: 'tip',
    hidden: true,
    style:
      'position:absolute;right:8px;top:28px;background:#fffbe6;border:1px solid #e8d98a;font-size:12px;padding:3px 8px;border-radius:4px;pointer-events:none',
  });
  svg.addEventListener('mousemove', (ev) => {
    const box = svg.getBoundingClientRect();
    const hit = pointsAt(chart.lines, frame, ((ev.clientX - box.left) * frame.width) / box.width);
    replaceChildren(
      tip,
      hit.rows.map((r) =>
        h(
          'div',
          {},
          h('span', {
            style: `display:inline-block;width:10px;height:10px;margin-right:4px;background:${r.color}`,
          }),
          `${r.label} @ step ${r.step}: ${fmtTick(r.value)}`,
        ),
      ),
    );
    tip.hidden = hit.rows.length === 0;
  });
  svg.addEventListener('mouseleave', () => {
    tip.hidden = true;
  });
  fig.append(tip);
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
