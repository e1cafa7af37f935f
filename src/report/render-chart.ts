import type * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import type { ChartSpec, Json } from '../experiments/types.js';
import { importVegaBundles, type VegaEngines } from './vega-bundles.js';

let engines: Promise<VegaEngines> | undefined;

/**
 * Imports Vega and Vega-Lite once (their single-file builds where possible: importVegaBundles). They
 * are optional peer dependencies (11 MB that a user of the tensors and optimizers does not need),
 * so a missing one is an error naming the fix.
 */
function loadEngines(): Promise<VegaEngines> {
  engines ??= importVegaBundles()
    .then(
      async (b) =>
        b ??
        Promise.all([import('vega'), import('vega-lite')]).then(([v, vl]) => ({
          vega: v,
          compile: vl.compile,
        })),
    )
    .catch((e: unknown) => {
      engines = undefined;
      throw new Error(
        `charts need the optional peer dependencies vega and vega-lite; install them with \`npm install vega vega-lite\` (${e instanceof Error ? e.message : String(e)})`,
      );
    });
  return engines;
}

/** The report's look, applied under every chart's own `config` (a chart may override it). */
export const CHART_THEME: { [k: string]: Json } = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  background: '#ffffff',
  padding: 8,
  view: { stroke: '#d1d9e0' },
  axis: {
    labelFontSize: 12,
    titleFontSize: 13,
    titleFontWeight: 600,
    titleColor: '#1f2328',
    labelColor: '#424a53',
    gridColor: '#eaeef2',
    domainColor: '#8c959f',
    tickColor: '#8c959f',
  },
  legend: {
    labelFontSize: 12,
    titleFontSize: 12,
    titleFontWeight: 600,
    labelColor: '#424a53',
    labelLimit: 220,
  },
  title: { fontSize: 13, fontWeight: 600, anchor: 'start', color: '#1f2328' },
  range: { category: { scheme: 'tableau10' } },
};

/** One chart rendered to SVG, or the reason it could not be. */
export interface RenderedChart {
  /** The chart's id (from its spec). */
  id: string;
  /** The chart's title (from its spec). */
  title: string;
  /** The inline SVG (empty when `error` is set). */
  svg: string;
  /** Pixel size of the SVG. */
  width: number;
  /** Pixel height of the SVG. */
  height: number;
  /** Vega / Vega-Lite warnings (a log scale given zeros, a field that does not exist, ...). */
  warnings: string[];
  /** Why the chart could not be rendered. */
  error?: string;
}

/** Options of {@link renderChartSvg}. */
export interface RenderChartOptions {
  /** Prefix for the SVG's element ids, unique within the page (charts' clip paths would clash). */
  idPrefix?: string;
}

function isObject(v: unknown): v is { [k: string]: Json } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Deep merge of `over` into `base` (objects only; arrays and scalars of `over` win). */
function merge(base: { [k: string]: Json }, over: { [k: string]: Json }): { [k: string]: Json } {
  const out: { [k: string]: Json } = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? merge(b, v) : v;
  }
  return out;
}

/**
 * A loader that refuses every URI: a report is self-contained and rendering must touch neither
 * the network nor the disk. Vega only warns when a load fails, so the refusal is recorded as an
 * error of the chart here.
 */
function refusingLoader(m: Messages): vega.Loader {
  const refuse = (uri: unknown): Promise<never> => {
    const msg = `external data or images are not allowed in a report chart (tried to load ${String(uri)}); put the data inline in data.values`;
    m.errors.push(msg);
    return Promise.reject(new Error(msg));
  };
  return {
    load: (uri) => refuse(uri),
    sanitize: (uri) => refuse(uri),
    http: (uri) => refuse(uri),
    file: (uri) => refuse(uri),
  };
}

interface Messages {
  warnings: string[];
  errors: string[];
}

function collectingLogger(m: Messages, warn: number): vega.LoggerInterface {
  let lvl = warn;
  const text = (args: readonly unknown[]): string =>
    args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
  const logger: vega.LoggerInterface = {
    level(l?: number) {
      if (l === undefined) return lvl as unknown as vega.LoggerInterface;
      lvl = l;
      return logger;
    },
    error(...args: readonly unknown[]) {
      m.errors.push(text(args));
      return logger;
    },
    warn(...args: readonly unknown[]) {
      m.warnings.push(text(args));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  } as vega.LoggerInterface;
  return logger;
}

/**
 * Makes a Vega SVG fit inline in an HTML page next to others: the namespace attributes go (the
 * HTML parser knows SVG), element ids get a per-chart prefix (Vega numbers clip paths and
 * gradients per process, and `url(#id)` resolves to the first match in the page), and the root
 * gets an accessible name.
 */
function inlineSvg(svg: string, prefix: string, label: string): string {
  const ids = new Set<string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) ids.add(m[1] as string);
  let out = svg;
  if (ids.size > 0) {
    out = out.replace(
      /(\sid=")([^"]+)"/g,
      (_all, head: string, id: string) => `${head}${prefix}-${id}"`,
    );
    out = out.replace(/url\(#([^)]+)\)/g, (all, id: string) =>
      ids.has(id) ? `url(#${prefix}-${id})` : all,
    );
    out = out.replace(/(href=")#([^"]+)"/g, (all, head: string, id: string) =>
      ids.has(id) ? `${head}#${prefix}-${id}"` : all,
    );
  }
  out = out.replace(/^<svg([^>]*)>/, (_all, attrs: string) => {
    const kept = attrs
      .replace(/\s+xmlns(:\w+)?="[^"]*"/g, '')
      .replace(/\s+(role|aria-label|aria-roledescription)="[^"]*"/g, '');
    return `<svg${kept} role="img" aria-label="${escapeAttr(label)}">`;
  });
  return out;
}

function escapeAttr(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

function svgSize(svg: string): [number, number] {
  const m = /^<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/**
 * Renders a {@link ChartSpec} (Vega-Lite with inline data) to an inline SVG string with Vega's
 * headless renderer; never throws: a spec that fails to compile or render comes back with
 * `error` set, so one bad chart cannot take the whole report down. URLs are refused. Vega and
 * Vega-Lite are optional peer dependencies, imported on the first call; without them every chart
 * comes back with an `error` that says `npm install vega vega-lite`.
 *
 * @example const { svg } = await renderChartSvg(lineChart({ id: 'loss', title: 'Loss', series: [{ name: 'sgd', y: [3, 2, 1] }] }));
 */
export async function renderChartSvg(
  chart: ChartSpec,
  opts: RenderChartOptions = {},
): Promise<RenderedChart> {
  const id = typeof chart?.id === 'string' && chart.id !== '' ? chart.id : 'chart';
  const title = typeof chart?.title === 'string' ? chart.title : id;
  const base: RenderedChart = { id, title, svg: '', width: 0, height: 0, warnings: [] };
  if (!isObject(chart?.spec))
    return {
      ...base,
      error: `chart '${id}': spec must be a Vega-Lite JSON object, got ${chart?.spec === null ? 'null' : typeof chart?.spec}`,
    };
  const messages: Messages = { warnings: [], errors: [] };
  let loaded: VegaEngines;
  try {
    loaded = await loadEngines();
  } catch (e) {
    return { ...base, error: (e as Error).message };
  }
  const { vega: vg0, compile: compileVl } = loaded;
  const logger = collectingLogger(messages, vg0.Warn);
  try {
    const spec = merge({}, chart.spec);
    // The figure's caption is the title; the same words again inside the SVG would be noise.
    const inner = spec.title;
    if (inner === title || (isObject(inner) && inner.text === title)) delete spec.title;
    spec.config = isObject(spec.config) ? merge(CHART_THEME, spec.config) : CHART_THEME;
    const vg = compileVl(spec as unknown as TopLevelSpec, { logger }).spec;
    const view = new vg0.View(vg0.parse(vg), {
      renderer: 'none',
      loader: refusingLoader(messages),
      logger,
      logLevel: vg0.Warn,
    });
    let svg: string;
    try {
      svg = await view.toSVG();
    } finally {
      view.finalize();
    }
    if (messages.errors.length > 0)
      return {
        ...base,
        warnings: messages.warnings,
        error: [...new Set(messages.errors)].join('; '),
      };
    const prefix = opts.idPrefix ?? `chart-${id.replace(/[^\w-]/g, '_')}`;
    const description = typeof chart.spec.description === 'string' ? chart.spec.description : '';
    const label = description && description !== title ? `${title}. ${description}` : title;
    const out = inlineSvg(svg, prefix, label);
    const [width, height] = svgSize(out);
    return { ...base, svg: out, width, height, warnings: messages.warnings };
  } catch (e) {
    return {
      ...base,
      warnings: messages.warnings,
      error: `Vega-Lite could not compile or render the spec: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}
