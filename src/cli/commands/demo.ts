import { encodeJson } from '../../json-encode.js';
import { join } from 'node:path';
import { amsgrad } from '../../experiments/amsgrad.js';
import { runExploding, explodingExperiment } from '../../experiments/exploding.js';
import type {
  FlagshipHooks,
  FlagshipOutcome,
  FlagshipSize,
  FlagshipSummary,
} from '../../experiments/internal/flagship-common.js';
import { roots } from '../../experiments/roots.js';
import {
  pathState,
  prepareRunDir,
  REPORT_FILE,
  RESULT_FILE,
  writeRunResult,
} from '../../experiments/run-dir-node.js';
import type { Experiment, ExperimentResult } from '../../experiments/types.js';
import { runVanishing, vanishingExperiment } from '../../experiments/vanishing.js';
import { renderHealth } from '../../monitor/render.js';
import type { Verdict } from '../../monitor/types.js';
import { renderExperimentReport } from '../../report/experiment-report.js';
import { resultToJson } from '../../report/result-json.js';
import { writeFileAtomic, writeReportFile } from '../../report/write-node.js';
import { probeOutputDir } from '../../fs-guard-node.js';
import { EXIT, UsageError, type CommandSpec, type Parsed } from '../args.js';
import { colorEnabled, errorText, localStamp, type OutputEnv } from '../format.js';
import { COLOR_FLAGS, terminalProgress } from '../progress.js';
import {
  catchInterrupts,
  InterruptedError,
  interruptExitCode,
  throwIfInterrupted,
  type Interrupts,
} from '../interrupt.js';

/** `gradscope demo` spec. */
export const demoSpec: CommandSpec = {
  name: 'demo',
  summary:
    'The flagship story: vanishing and exploding gradients, diagnosed and fixed (E12, E13, E3, E14), with an HTML report.',
  usage: 'demo [--quick] [--out DIR] [--json]',
  description:
    'Runs E12 `vanishing` and E13 `exploding` at demo size (between --quick and full: about a minute\n' +
    "or two on two cores), then E3 `amsgrad` and E14 `roots`. While it runs, the monitor's per-layer\n" +
    'gradient bars are redrawn live on a terminal (stderr); otherwise verdicts and run outcomes are\n' +
    'printed as plain lines. Then it prints a summary table (experiment, verdicts raised, remedies that\n' +
    'fixed it, pass/fail) and writes a run directory (default runs/<timestamp>-demo; an existing\n' +
    'non-empty --out is refused) with report.html, result.json (all results) and <experiment>.json\n' +
    'for each. --json prints a machine-readable summary on stdout instead of the table. --quick runs\n' +
    "the experiments' quick sizes (seconds; what the tests run). Exit code 0 if every experiment\n" +
    'passed, 1 if one failed, 2 for bad usage, 3 if an experiment could not run.',
  positionals: [],
  flags: {
    quick: {
      type: 'boolean',
      default: false,
      description: 'quick sizes: seconds instead of minutes (what the tests run)',
    },
    out: {
      type: 'string',
      valueName: 'DIR',
      description: 'run directory (must not exist or be empty)',
    },
    json: {
      type: 'boolean',
      default: false,
      description: 'print a JSON summary on stdout instead of the table',
    },
    ...COLOR_FLAGS,
  },
};

/** Side channels of `gradscope demo`, injectable for tests. */
export interface DemoDeps {
  /** Where the live view goes (default process.stderr); ANSI redraws only when isTTY. */
  stderr?: { write(s: string): unknown; isTTY?: boolean };
  /** Clock for the run directory's name and the report footer. */
  now?: () => Date;
  /** Parent of the default run directory (default 'runs'). */
  runsRoot?: string;
  /** Abandons the running experiment when aborted (default: SIGINT/SIGTERM, see catchInterrupts). */
  signal?: AbortSignal;
  /** The environment read for output (NO_COLOR); default process.env. */
  env?: OutputEnv;
}

/** One row of the demo's summary. */
export interface DemoRow {
  experiment: string;
  id: string;
  title: string;
  pass: boolean;
  criteriaPassed: number;
  criteria: number;
  /** Monitor verdicts the failing setup raised (flagship experiments). */
  verdicts: string[];
  /** What fixed it: the remedies that passed (flagships), or what the experiment shows. */
  fixedBy: string[];
  /** Remedies that did not pass. */
  notFixed: string[];
  timeMs: number;
  /** The result file in the run directory. */
  resultFile: string;
}

/** What `gradscope demo --json` prints. */
export interface DemoSummary {
  size: 'quick' | 'demo';
  pass: boolean;
  timeMs: number;
  runDir: string;
  report: string;
  experiments: DemoRow[];
}

/** What E3 and E14 show when they pass (they have no monitor verdicts). */
const SHOWN_BY: Readonly<Record<string, string>> = {
  amsgrad: 'AMSGrad and SGD converge to x = −1 where Adam goes to +1',
  roots: 'the stable quadratic formula (≤ 2 ulp) and quadratically converging Newton',
};

/**
 * The demo's live view: on a terminal the monitor's bars are redrawn in place (at most ~8 times
 * a second) and each finished run leaves one line; otherwise only verdicts and run outcomes are
 * printed, one line each, plus the monitor's plain-text view (its last finite check) after each
 * baseline run.
 * @example const live = new LiveView(process.stderr); await runVanishing({ size: 'demo', ...live.hooks('[E12]') });
 */
export class LiveView {
  private drawn = 0;
  private lastDraw = 0;
  /** Plain mode: the monitor's view at the last check with finite gradients (a NaN view shows nothing). */
  private lastView = '';
  private readonly tty: boolean;
  private readonly color: boolean;

  /** `color`: ANSI colours in the frame (default: on a terminal; the demo command turns them off for NO_COLOR / --no-color). */
  constructor(
    private readonly w: {
      write(s: string): unknown;
      isTTY?: boolean;
      rows?: number;
      columns?: number;
    },
    color?: boolean,
  ) {
    this.tty = w.isTTY === true;
    this.color = color ?? this.tty;
  }

  private columns(): number {
    return typeof this.w.columns === 'number' && this.w.columns > 0 ? this.w.columns : 80;
  }

  private rows(): number {
    return typeof this.w.rows === 'number' && this.w.rows > 0 ? this.w.rows : 40;
  }

  private clear(): void {
    // Cursor to the start of the first drawn line, then erase to the end of the screen.
    if (this.drawn > 0) this.w.write(`\u001b[${this.drawn}F\u001b[J`);
    this.drawn = 0;
  }

  /** Prints a line below the live frame (which is cleared first). */
  line(s: string): void {
    this.clear();
    this.w.write(s + '\n');
  }

  /** The callbacks of a flagship experiment's runs, prefixed with `tag`. */
  hooks(tag: string): FlagshipHooks {
    return {
      every: 5,
      onMonitor: (health, run, step, steps) => {
        if (!this.tty) {
          if (Number.isFinite(health.state?.stats.totalGradNorm ?? NaN))
            this.lastView = renderHealth(health, {
              ansi: false,
              width: 32,
              maxLayers: 12,
              remedies: 3,
              recent: 3,
            });
          return;
        }
        const now = Date.now();
        if (step < steps && now - this.lastDraw < 120) return;
        this.lastDraw = now;
        const view = renderHealth(health, {
          ansi: this.color,
          width: 32,
          maxLayers: 12,
          remedies: 2,
          recent: 2,
        }).split('\n');
        // A frame taller than the screen cannot be redrawn in place (the cursor stops at the top).
        const max = Math.max(8, Math.min(40, this.rows()) - 3);
        const shown =
          view.length > max
            ? [...view.slice(0, max - 1), `… ${view.length - max + 1} more lines`]
            : view;
        // Every line is cut to the terminal's width: a wrapped line takes two rows, and the
        // cursor-up count (one per line) would then leave stale rows in the scrollback.
        const lines = [`${tag} · ${run} · update ${step}/${steps}`, ...shown].map((l) =>
          fitWidth(l, this.columns() - 1),
        );
        this.clear();
        this.w.write(lines.join('\n') + '\n');
        this.drawn = lines.length;
      },
      onVerdict: (v: Verdict, run: string) => {
        if (this.tty) return;
        this.line(`  ${tag} ${run}: step ${v.step}: ${v.kind} (${v.severity}) — ${v.message}`);
      },
      onRunEnd: (run, outcome, role) => {
        const mark = role === 'baseline' ? 'baseline' : role === 'remedy' ? 'remedy  ' : 'control ';
        this.line(`  ${tag} ${mark} ${run}: ${outcome}`);
        if (!this.tty && role === 'baseline' && this.lastView !== '') {
          this.w.write(
            `      the monitor at its last finite check:\n${this.lastView.replace(/^/gm, '      ')}\n`,
          );
        }
        this.lastView = '';
      },
    };
  }
}

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/y;

/**
 * A line cut to at most `width` visible characters (ANSI escape sequences are kept and take no
 * room; a cut line ends with a reset), so that it fills exactly one terminal row.
 * @example fitWidth('\u001b[31mabcdef\u001b[0m', 3) // '\u001b[31mabc\u001b[0m'
 */
export function fitWidth(line: string, width: number): string {
  let out = '';
  let visible = 0;
  for (let i = 0; i < line.length;) {
    ANSI.lastIndex = i;
    const m = ANSI.exec(line);
    if (m !== null) {
      out += m[0];
      i += m[0].length;
      continue;
    }
    const cp = line.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    if (visible >= width) return out + '\u001b[0m';
    out += ch;
    visible++;
    i += ch.length;
  }
  return out;
}

/** Splits a cell into lines of at most `width` characters at ", " / "; " / " " boundaries. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    let cut = -1;
    for (const sep of ['; ', ', ', ' ']) {
      const i = rest.lastIndexOf(sep, width - sep.length + 1);
      if (i > 0) {
        cut = i + sep.length - 1;
        break;
      }
    }
    if (cut <= 0) cut = width;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  lines.push(rest);
  return lines;
}

/** A text table: cells wrapped to the column widths, the last column not padded. */
function table(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  maxWidths: readonly number[],
): string[] {
  const wrapped = rows.map((r) => r.map((cell, j) => wrap(cell, maxWidths[j] ?? 80)));
  const widths = head.map((h, j) =>
    Math.max(h.length, ...wrapped.map((r) => Math.max(...(r[j] as string[]).map((l) => l.length)))),
  );
  const line = (r: readonly string[]): string =>
    r
      .map((v, j) => (j === r.length - 1 ? v : v.padEnd(widths[j] as number)))
      .join('  ')
      .trimEnd();
  const out = [line(head), line(widths.map((w) => '-'.repeat(w)))];
  for (const r of wrapped) {
    const height = Math.max(...r.map((c) => c.length));
    for (let k = 0; k < height; k++) out.push(line(r.map((c) => c[k] ?? '')));
  }
  return out;
}

/**
 * The summary table as printed: experiment, verdicts raised, remedies that fixed it, result.
 * @example formatDemoSummary(summary).join('\n')
 */
export function formatDemoSummary(s: DemoSummary): string[] {
  const rows = s.experiments.map((r) => [
    `${r.id} ${r.experiment}`,
    r.verdicts.length > 0 ? r.verdicts.join('; ') : '—',
    r.fixedBy.length > 0
      ? r.fixedBy.join(', ') + (r.notFixed.length > 0 ? ` (not: ${r.notFixed.join(', ')})` : '')
      : r.notFixed.length > 0
        ? `none (not: ${r.notFixed.join(', ')})`
        : '—',
    `${r.pass ? 'PASS' : 'FAIL'} ${r.criteriaPassed}/${r.criteria}`,
  ]);
  const passed = s.experiments.filter((r) => r.pass).length;
  return [
    ...table(
      ['experiment', 'verdicts raised', 'fixed by (worst seed)', 'result'],
      rows,
      [14, 40, 60, 12],
    ),
    '',
    `${s.pass ? 'PASS' : 'FAIL'}: ${passed}/${s.experiments.length} experiments passed in ${(s.timeMs / 1000).toFixed(1)} s (${s.size} size)`,
    `Report: ${s.report}`,
  ];
}

/** Runs `gradscope demo`. */
export async function demoCommand(
  args: Parsed,
  out: (s: string) => void,
  deps: DemoDeps = {},
): Promise<number> {
  const t0 = performance.now();
  const quick = args.flags.quick === true;
  const json = args.flags.json === true;
  const outDir = typeof args.flags.out === 'string' ? args.flags.out : undefined;
  if (outDir !== undefined) {
    if (outDir.trim() === '') throw new UsageError("demo: --out must be a directory path, got ''");
    const state = pathState(outDir);
    if (state === 'non-empty-dir')
      throw new UsageError(
        `demo: --out directory '${outDir}' exists and is not empty; choose a new directory (runs are never overwritten)`,
      );
    if (state === 'not-a-dir')
      throw new UsageError(
        `demo: --out '${outDir}' exists and is not a directory; choose a new directory`,
      );
  }
  // Output first: a directory that cannot be written fails now, not after minutes of training.
  probeOutputDir(
    outDir ?? deps.runsRoot ?? 'runs',
    outDir !== undefined ? '--out' : 'runs directory',
  );
  const stderr = deps.stderr ?? process.stderr;
  const env = deps.env ?? process.env;
  const live = new LiveView(stderr, colorEnabled(stderr, args.flags, env));
  const size: FlagshipSize = quick ? 'quick' : 'demo';
  live.line(
    `gradscope demo (${size} size): vanishing and exploding gradients, diagnosed and fixed`,
  );

  const results: ExperimentResult[] = [];
  const summaries = new Map<string, FlagshipSummary>();
  const failures: string[] = [];
  const flagships: [Experiment, string, (h: FlagshipHooks) => Promise<FlagshipOutcome>][] = [
    [vanishingExperiment, '10-layer sigmoid MLP on MNIST', (h) => runVanishing({ size, ...h })],
    [
      explodingExperiment,
      'tanh RNN with ρ(W_hh) > 1 on the addition task',
      (h) => runExploding({ size, ...h }),
    ],
  ];
  // Ctrl-C abandons the running experiment at its next monitor refresh or progress report; the
  // experiments already done are written, with a report marked interrupted.
  const ints =
    deps.signal === undefined
      ? catchInterrupts('the demo', { write: (s) => void stderr.write(s) })
      : null;
  const signal = deps.signal ?? (ints as Interrupts).signal;
  let interruptedIn: string | null = null;
  for (const [exp, what, go] of flagships) {
    if (signal.aborted) break;
    const tag = `[${exp.id} ${exp.name}]`;
    live.line(`${tag} ${what}`);
    try {
      const hooks = live.hooks(tag);
      const o = await go({
        ...hooks,
        onMonitor: (health, run, step, steps) => {
          throwIfInterrupted(signal, `${exp.name} step ${step}`);
          hooks.onMonitor?.(health, run, step, steps);
        },
      });
      results.push(o.result);
      summaries.set(exp.name, o.summary);
      live.line(
        `${tag} ${o.result.pass ? 'PASS' : 'FAIL'} in ${(o.result.timeMs / 1000).toFixed(1)} s`,
      );
    } catch (e) {
      if (e instanceof InterruptedError) {
        interruptedIn = exp.name;
        live.line(`${tag} ${e.message}: abandoned`);
        break;
      }
      failures.push(exp.name);
      live.line(`${tag} stopped with an error: ${errorText(e)}`);
    }
  }
  for (const exp of [amsgrad, roots]) {
    if (signal.aborted) break;
    const tag = `[${exp.id} ${exp.name}]`;
    // The experiments without a monitor frame report through the one progress renderer: a bar
    // with the ETA on a terminal, a line per stage otherwise.
    const bar = terminalProgress(stderr, { flags: args.flags, env, unit: 'fraction' });
    bar.start(1);
    try {
      const r = await exp.run({
        quick,
        seeds: quick ? [...exp.defaultSeeds.quick] : [...exp.defaultSeeds.full],
        progress: (f, label) => {
          throwIfInterrupted(signal, `${label} (${Math.round(100 * f)}%)`);
          bar.update(f, `${tag} ${label}`);
        },
      });
      bar.end(true);
      results.push(r);
      live.line(`${tag} ${r.pass ? 'PASS' : 'FAIL'} in ${(r.timeMs / 1000).toFixed(1)} s`);
    } catch (e) {
      bar.end(true);
      if (e instanceof InterruptedError) {
        interruptedIn = exp.name;
        live.line(`${tag} ${e.message}: abandoned`);
        break;
      }
      failures.push(exp.name);
      live.line(`${tag} stopped with an error: ${errorText(e)}`);
    }
  }
  if (signal.aborted && interruptedIn === null) interruptedIn = 'between experiments';
  const done = <T>(code: T): T | number => {
    ints?.dispose();
    return interruptedIn !== null ? interruptExitCode(signal) : code;
  };

  const now = (deps.now ?? (() => new Date()))();
  let runDir: string;
  try {
    runDir = prepareRunDir({
      experiment: 'demo',
      now,
      ...(outDir !== undefined ? { out: outDir } : {}),
      ...(deps.runsRoot !== undefined ? { root: deps.runsRoot } : {}),
    });
    writeRunResult(runDir, results);
    for (const r of results)
      writeFileAtomic(join(runDir, `${r.experiment}.json`), resultToJson(r) + '\n');
  } catch (e) {
    live.line(`gradscope demo: could not write the run directory: ${errorText(e)}`);
    return done(EXIT.error);
  }
  const report = join(runDir, REPORT_FILE);
  try {
    const stories = Object.fromEntries(
      [vanishingExperiment, explodingExperiment, amsgrad, roots].map((e) => [e.name, e.story]),
    );
    const html = await renderExperimentReport(results, {
      title:
        'gradscope demo: vanishing and exploding gradients, diagnosed and fixed' +
        (interruptedIn !== null
          ? ` (interrupted during ${interruptedIn}: ${results.length} of 4 experiments done)`
          : ''),
      stories,
      generatedAt: localStamp(now),
      source: `gradscope demo${quick ? ' --quick' : ''} → ${runDir}`,
    });
    writeReportFile(report, html);
  } catch (e) {
    live.line(
      `gradscope demo: ${RESULT_FILE} is written in ${runDir}, but the report could not be: ${errorText(e)}`,
    );
    return done(EXIT.error);
  }

  const rows: DemoRow[] = results.map((r) => {
    const s = summaries.get(r.experiment);
    const shown = SHOWN_BY[r.experiment];
    const id =
      [vanishingExperiment, explodingExperiment, amsgrad, roots].find(
        (e) => e.name === r.experiment,
      )?.id ?? '';
    return {
      experiment: r.experiment,
      id,
      title: r.title,
      pass: r.pass,
      criteriaPassed: r.criteria.filter((c) => c.pass).length,
      criteria: r.criteria.length,
      verdicts: s?.verdicts ?? [],
      fixedBy: s?.fixedBy ?? (r.pass && shown !== undefined ? [shown] : []),
      notFixed: s?.notFixed ?? [],
      timeMs: Math.round(r.timeMs),
      resultFile: join(runDir, `${r.experiment}.json`),
    };
  });
  const pass = failures.length === 0 && results.length > 0 && results.every((r) => r.pass);
  const summary: DemoSummary = {
    size,
    pass,
    timeMs: Math.round(performance.now() - t0),
    runDir,
    report,
    experiments: rows,
  };
  if (json) out(encodeJson(summary, 2));
  else for (const l of formatDemoSummary(summary)) out(l);
  if (interruptedIn !== null)
    live.line(
      `gradscope demo: interrupted during ${interruptedIn}; the ${results.length} finished experiment${results.length === 1 ? ' is' : 's are'} in ${runDir} (run the demo again for the rest)`,
    );
  if (failures.length > 0) return done(EXIT.error);
  return done(pass ? EXIT.ok : EXIT.failed);
}
