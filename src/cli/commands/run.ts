import { join } from 'node:path';
import {
  pathState,
  prepareRunDir,
  REPORT_FILE,
  writeRunResult,
} from '../../experiments/run-dir-node.js';
import type { Experiment, ExperimentResult } from '../../experiments/types.js';
import { renderExperimentReport } from '../../report/experiment-report.js';
import { formatValue } from '../../report/html.js';
import { resultToJson } from '../../report/result-json.js';
import { writeReportFile } from '../../report/write-node.js';
import { probeOutputDir } from '../../fs-guard-node.js';
import { checkCount } from '../../train/budget.js';
import { budgetFromFlags, BUDGET_FLAGS } from '../budget-flags.js';
import { EXIT, numberFlag, UsageError, type CommandSpec, type Parsed } from '../args.js';
import { errorText, localStamp, type OutputEnv } from '../format.js';
import { COLOR_FLAGS, terminalProgress } from '../progress.js';
import {
  catchInterrupts,
  InterruptedError,
  interruptExitCode,
  throwIfInterrupted,
  type Interrupts,
} from '../interrupt.js';

/** `gradscope run` spec. */
export const runSpec: CommandSpec = {
  name: 'run',
  summary:
    'Run an experiment of the catalogue, check its pass/fail criteria and write a run directory with an HTML report.',
  usage: 'run EXPERIMENT [--quick] [--seeds N] [--out DIR] [--json] [--max-time DURATION]',
  description:
    'Prints the criteria (expected vs measured, pass/fail) and a summary line, and writes a run\n' +
    'directory (default runs/<timestamp>-<experiment>; an existing non-empty --out is refused) with\n' +
    'result.json (the ExperimentResult) and report.html (self-contained, opens offline).\n' +
    "--seeds N runs the first N of the experiment's default seeds, extended with 1, 2, 3, ... when\n" +
    'N is larger. --json prints the ExperimentResult as JSON on stdout instead of the table.\n' +
    'Progress goes to stderr: a bar with the ETA on a terminal, else a line per run or seed (and at\n' +
    'least every 30 s). Exit code 0 if every criterion passed, 1 if one\n' +
    'failed, 2 for bad usage (an unknown experiment lists the valid names), 3 if the run failed.\n' +
    'See `gradscope list` for the experiments.',
  positionals: [
    {
      name: 'EXPERIMENT',
      required: true,
      description: 'experiment name or id (see gradscope list)',
    },
  ],
  flags: {
    quick: {
      type: 'boolean',
      default: false,
      description: 'quick mode: small sizes, seconds (what the tests run)',
    },
    seeds: {
      type: 'string',
      valueName: 'N',
      description: "number of seeds to run (default: the experiment's own)",
    },
    out: {
      type: 'string',
      valueName: 'DIR',
      description: 'run directory (must not exist or be empty)',
    },
    json: {
      type: 'boolean',
      default: false,
      description: 'print the ExperimentResult JSON on stdout',
    },
    ...BUDGET_FLAGS,
    ...COLOR_FLAGS,
  },
};

/** Where the registry comes from and where side output goes; injectable for tests. */
export interface CommandDeps {
  /** The experiments (default: the catalogue, src/experiments/index.ts). */
  experiments?: readonly Experiment[];
  /** Standard error (progress, notes, errors). Default: process.stderr. */
  stderr?: { write(s: string): unknown; isTTY?: boolean };
  /** Clock for the default run directory name and the report footer. */
  now?: () => Date;
  /** Parent of default run directories (default 'runs'). */
  runsRoot?: string;
  /** Abandons the experiment when aborted (default: SIGINT/SIGTERM, see catchInterrupts). */
  signal?: AbortSignal;
  /** The environment read for output (NO_COLOR); default process.env. */
  env?: OutputEnv;
  /** Clock of the progress lines in ms (default performance.now); tests inject one. */
  clock?: () => number;
}

/**
 * Loads the experiment catalogue on demand (it imports every experiment and the whole library,
 * which `gradscope roots` and friends do not need).
 */
export async function loadExperiments(): Promise<readonly Experiment[]> {
  const mod = await import('../../experiments/index.js');
  return mod.EXPERIMENTS;
}

/** Finds an experiment by name or catalogue id (case-insensitive), or throws a UsageError listing the names. */
export function findExperiment(
  experiments: readonly Experiment[],
  name: string,
  cmd = 'run',
): Experiment {
  const key = name.toLowerCase();
  const exp =
    experiments.find((e) => e.name.toLowerCase() === key) ??
    experiments.find((e) => e.id.toLowerCase() === key);
  if (exp) return exp;
  const names = experiments.map((e) => e.name).join(', ');
  throw new UsageError(
    `${cmd}: unknown experiment '${name}'. Valid experiments: ${names || '(none registered)'} (see gradscope list)`,
  );
}

/**
 * The seeds of a run: the first `n` of the defaults, extended with the smallest positive
 * integers not already used when `n` is larger; the defaults when `n` is undefined.
 * @example chooseSeeds([1, 2, 3], 5) // [1, 2, 3, 4, 5]
 */
export function chooseSeeds(defaults: readonly number[], n: number | undefined): number[] {
  if (n === undefined) return [...defaults];
  const out = defaults.slice(0, n);
  const used = new Set(out);
  for (let s = 1; out.length < n; s++) if (!used.has(s)) out.push(s);
  return out;
}

/** The criteria table and the summary line, as printed by `gradscope run`. */
export function formatRunSummary(result: ExperimentResult, runDir?: string): string[] {
  const rows = result.criteria.map((c) => [
    c.name,
    String(c.expected),
    formatValue(c.measured),
    c.pass ? 'pass' : 'FAIL',
  ]);
  const head = ['criterion', 'expected', 'measured', 'result'];
  const widths = head.map((h, j) =>
    Math.max(h.length, ...rows.map((r) => (r[j] as string).length)),
  );
  const line = (r: readonly string[]): string =>
    r
      .map((v, j) => (j === r.length - 1 ? v : v.padEnd(widths[j] as number)))
      .join('  ')
      .trimEnd();
  const passed = result.criteria.filter((c) => c.pass).length;
  const secs = Number.isFinite(result.timeMs)
    ? `${(result.timeMs / 1000).toFixed(2)} s`
    : 'unknown time';
  const lines = [
    `${result.experiment}: ${result.title} (${result.mode}, seed${result.seeds.length === 1 ? '' : 's'} ${result.seeds.join(', ')})`,
    '',
    line(head),
    ...rows.map(line),
    '',
    `${result.pass ? 'PASS' : 'FAIL'}: ${result.experiment}, ${passed}/${result.criteria.length} criteria passed in ${secs}`,
  ];
  if (runDir !== undefined) lines.push(`Run directory: ${runDir} (result.json, ${REPORT_FILE})`);
  return lines;
}

/** Runs `gradscope run`. */
export async function runCommand(
  args: Parsed,
  out: (s: string) => void,
  deps: CommandDeps = {},
): Promise<number> {
  const name = args.positionals[0] as string;
  const quick = args.flags.quick === true;
  const nSeeds = numberFlag('run', 'seeds', args.flags.seeds, { integer: true, min: 1 });
  const outDir = typeof args.flags.out === 'string' ? args.flags.out : undefined;
  const json = args.flags.json === true;
  const stderr = deps.stderr ?? process.stderr;
  const err = (s: string): void => void stderr.write(s + '\n');
  if (outDir !== undefined) {
    if (outDir.trim() === '') throw new UsageError("run: --out must be a directory path, got ''");
    const state = pathState(outDir);
    if (state === 'non-empty-dir')
      throw new UsageError(
        `run: --out directory '${outDir}' exists and is not empty; choose a new directory (runs are never overwritten)`,
      );
    if (state === 'not-a-dir')
      throw new UsageError(
        `run: --out '${outDir}' exists and is not a directory; choose a new directory`,
      );
  }
  const experiments = deps.experiments ?? (await loadExperiments());
  const exp = findExperiment(experiments, name);
  const budget = budgetFromFlags('run', args.flags);
  // A lower bound of a seed's cost: 50 ms in quick mode, 0.5 s in full mode (the fastest experiment).
  if (nSeeds !== undefined)
    checkCount('--seeds', nSeeds, { bytes: 16, seconds: quick ? 0.05 : 0.5, unit: 'seed' }, budget);
  const seeds = chooseSeeds(quick ? exp.defaultSeeds.quick : exp.defaultSeeds.full, nSeeds);
  // Output first: a directory that cannot be written fails now, not after the run.
  probeOutputDir(
    outDir ?? deps.runsRoot ?? 'runs',
    outDir !== undefined ? '--out' : 'runs directory',
  );
  // Per-run progress on stderr: a bar on a terminal, a line per run/seed otherwise (an
  // experiment can take minutes; piped output must not stay silent).
  const bar = terminalProgress(stderr, {
    flags: args.flags,
    unit: 'fraction',
    ...(deps.env !== undefined ? { env: deps.env } : {}),
    ...(deps.clock !== undefined ? { now: deps.clock } : {}),
  });
  bar.start(1);
  // Piped output says what runs before the first run ends (a terminal shows the bar at once).
  if (bar.mode === 'lines')
    bar.update(
      0,
      `${exp.name}: starting (${quick ? 'quick' : 'full'}, ${seeds.length} seed${seeds.length === 1 ? '' : 's'})`,
    );
  let lastFraction = 0;

  let result: ExperimentResult;
  const t0 = Date.now();
  // Ctrl-C: the experiment is abandoned at its next progress report (between runs); an
  // experiment's result exists only once all its runs are done, so nothing is written.
  const ints =
    deps.signal === undefined
      ? catchInterrupts(`experiment '${exp.name}'`, { write: (s) => void stderr.write(s) })
      : null;
  const signal = deps.signal ?? (ints as Interrupts).signal;
  try {
    result = await exp.run({
      quick,
      seeds,
      progress: (f: number, label: string) => {
        throwIfInterrupted(signal, `${label} (${Math.round(100 * f)}%)`);
        lastFraction = f;
        bar.update(f, label);
      },
    });
  } catch (e) {
    bar.end(true);
    ints?.dispose();
    if (e instanceof InterruptedError) {
      err(
        `gradscope run: ${e.message}: experiment '${exp.name}' abandoned, nothing written (experiments are not resumable; run it again to get its result)`,
      );
      return interruptExitCode(signal);
    }
    err(`gradscope run: experiment '${exp.name}' stopped with an error: ${errorText(e)}`);
    return EXIT.error;
  }
  if (bar.mode === 'lines' && !(lastFraction >= 1)) bar.update(1, `${exp.name}: finished`);
  bar.end(true);
  // A signal from here on lets the (short) writing finish: the first one exits 130/143 after it.
  const interrupted = (): number | null => (signal.aborted ? interruptExitCode(signal) : null);
  if (result === null || typeof result !== 'object' || !Array.isArray(result.criteria)) {
    err(
      `gradscope run: experiment '${exp.name}' returned an invalid result (expected an ExperimentResult with a criteria array)`,
    );
    ints?.dispose();
    return EXIT.error;
  }
  if (!Number.isFinite(result.timeMs)) result = { ...result, timeMs: Date.now() - t0 };
  // A result is a pass only if it says so and every criterion agrees.
  const pass = result.pass === true && result.criteria.every((c) => c.pass === true);
  if (pass !== result.pass) result = { ...result, pass };

  const now = (deps.now ?? (() => new Date()))();
  let runDir: string;
  try {
    runDir = prepareRunDir({
      experiment: exp.name,
      now,
      ...(outDir !== undefined ? { out: outDir } : {}),
      ...(deps.runsRoot !== undefined ? { root: deps.runsRoot } : {}),
    });
    writeRunResult(runDir, result);
  } catch (e) {
    if (json) out(resultToJson(result));
    err(`gradscope run: could not write the run directory: ${errorText(e)}`);
    ints?.dispose();
    return EXIT.error;
  }
  try {
    const html = await renderExperimentReport([result], {
      stories: { [result.experiment]: exp.story },
      generatedAt: localStamp(now),
      source: runDir,
    });
    writeReportFile(join(runDir, REPORT_FILE), html);
  } catch (e) {
    if (json) out(resultToJson(result));
    err(
      `gradscope run: result.json is written in ${runDir}, but the report could not be: ${errorText(e)}`,
    );
    ints?.dispose();
    return EXIT.error;
  }
  if (json) {
    out(resultToJson(result));
    err(`Run directory: ${runDir}`);
  } else {
    for (const l of formatRunSummary(result, runDir)) out(l);
  }
  ints?.dispose();
  return interrupted() ?? (result.pass ? EXIT.ok : EXIT.failed);
}
