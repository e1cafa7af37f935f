import { encodeJson, encodeJsonNumber, type NonFiniteJson } from '../../json-encode.js';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { ConfigError } from '../../errors.js';
import { pathState, prepareRunDir, REPORT_FILE } from '../../experiments/run-dir-node.js';
import type { VerdictRecord } from '../../experiments/types.js';
import { logHealthToJsonl } from '../../monitor/jsonl-writer-node.js';
import { renderReport } from '../../report/html.js';
import { readRunLogs } from '../../report/run-logs-node.js';
import { writeReportFile } from '../../report/write-node.js';
import { writeFileAtomic } from '../../train/atomic-write-node.js';
import { parseTrainConfig, type TrainConfig } from '../../train/config.js';
import { buildTrainRun, type MnistLoader, type TrainRun } from '../../train/config-build.js';
import { parseConfigText } from '../../train/config-json.js';
import { resolveConfigPaths } from '../../train/config-paths.js';
import { fit } from '../../train/fit.js';
import type { FitSummary } from '../../train/fit-summary.js';
import { RunDir } from '../../train/run-dir-node.js';
import { probeOutputDir } from '../../fs-guard-node.js';
import { budgetFromFlags, BUDGET_FLAGS } from '../budget-flags.js';
import { EXIT, numberFlag, UsageError, type CommandSpec, type Parsed } from '../args.js';
import { trainReportDocument } from './train-report.js';
import { errorText, localStamp } from '../format.js';
import { verdictRecord } from '../../experiments/internal/flagship-common.js';
import type { Verdict } from '../../monitor/types.js';
import type { Checkpoint } from '../../train/checkpoint.js';
import { readCheckpoint } from '../../train/checkpoint-node.js';
import { catchInterrupts, interruptExitCode, type Interrupts } from '../interrupt.js';
import { COLOR_FLAGS, terminalProgress } from '../progress.js';
import type { OutputEnv } from '../format.js';

/** `gradscope train` spec. */
export const trainSpec: CommandSpec = {
  name: 'train',
  summary:
    'Train your own run from a JSON config (model, data, optimizer chain, schedule, clipping, monitor) and write a run directory with a report.',
  usage:
    'train --config FILE [--out DIR] [--steps N] [--checkpoint-every N] [--checkpoint-seconds S] [--json] [--quiet] [--max-memory SIZE] [--max-time DURATION] | train --resume DIR [--allow-non-finite]',
  description:
    'Reads and validates the config (every error names the field, e.g. optimizer.lr, the value and\n' +
    'what is allowed; see examples/configs/ and the TrainConfig type in src/train/config.ts), builds\n' +
    'the data, the model and the transformation chain (monitor → clipping → optimizer with its\n' +
    'schedule), trains with fit() and prints progress (a bar on a terminal, plain lines otherwise;\n' +
    "monitor verdicts as they happen), then a summary. The run directory (--out, else the config's\n" +
    '"out", else runs/<timestamp>-<name>; an existing non-empty one is refused) gets config.json,\n' +
    'train-config.json (the validated config, to rerun), metrics.jsonl, summary.json,\n' +
    'checkpoint.json, monitor.jsonl (with the monitor) and report.html.\n' +
    "checkpoint.json is written atomically every --checkpoint-every N steps (default: the config's\n" +
    'train.checkpointEvery, else none), every --checkpoint-seconds (default 60) and at the end.\n' +
    'Ctrl-C (SIGINT) or SIGTERM stops after the current step, writes the checkpoint, summary and a\n' +
    'report marked "interrupted at step N", prints how to resume and exits 130/143 (a second Ctrl-C\n' +
    'exits at once). --resume DIR continues a run from its last checkpoint with its own config:\n' +
    'the result is bit-identical to an uninterrupted run (also after kill -9).\n' +
    '--json prints a TrainJson document on stdout (progress then goes to stderr). Exit code 0 when\n' +
    'training finished, 1 when it diverged (NaN/Inf loss or gradients), 2 for bad usage, 3 for an\n' +
    'unreadable file, invalid JSON or an invalid config, 130/143 when interrupted.',
  positionals: [],
  flags: {
    config: {
      type: 'string',
      valueName: 'FILE',
      description: 'the run config, JSON (required; see examples/configs/)',
    },
    out: {
      type: 'string',
      valueName: 'DIR',
      description: 'run directory (must not exist or be empty)',
    },
    steps: {
      type: 'string',
      valueName: 'N',
      description: "train N steps instead of the config's epochs/steps (a quick try)",
    },
    resume: {
      type: 'string',
      valueName: 'DIR',
      description: 'continue the run in DIR from its last checkpoint (with its own config)',
    },
    'allow-non-finite': {
      type: 'boolean',
      default: false,
      description:
        'with --resume: load a checkpoint whose weights or optimizer state hold NaN/Infinity (refused by default)',
    },
    'checkpoint-every': {
      type: 'string',
      valueName: 'N',
      description:
        "write checkpoint.json every N steps (default: the config's train.checkpointEvery; 0: none by steps)",
    },
    'checkpoint-seconds': {
      type: 'string',
      valueName: 'S',
      description:
        'write checkpoint.json every S seconds while training (default 60; 0: only at the end)',
    },
    json: {
      type: 'boolean',
      default: false,
      description: 'print the TrainJson result on stdout instead of the summary',
    },
    quiet: {
      type: 'boolean',
      short: 'q',
      default: false,
      description: 'no progress or verdict lines, only the final summary',
    },
    ...BUDGET_FLAGS,
    ...COLOR_FLAGS,
  },
};

/** A monitor verdict in {@link TrainJson}. */
export interface TrainVerdict {
  kind: string;
  /** The optimizer step whose gradients showed it. */
  step: number;
  severity: string;
  layers: string[];
  message: string;
  /** The remedies, best first, as text. */
  remedies: string[];
}

/**
 * What `gradscope train --json` prints. Non-finite numbers (a diverged loss) are the strings
 * "NaN", "Infinity", "-Infinity" (gradscope's one JSON encoding, json-encode.ts).
 */
export interface TrainJson {
  /** The config file. */
  config: string;
  /** The run's name (config "name", else the file's base name). */
  name: string;
  /**
   * 'completed' (trained to the end), 'stopped' (early stopping), 'diverged' (NaN/Inf),
   * 'interrupted' (SIGINT/SIGTERM: continue with `gradscope train --resume <runDir>`).
   */
  status: 'completed' | 'stopped' | 'diverged' | 'interrupted';
  /** One line: model, data, optimizer, schedule. */
  description: string;
  runDir: string;
  /** The HTML report, or null when it could not be written. */
  report: string | null;
  /** Steps taken and completed epochs. */
  steps: number;
  epochs: number;
  timeMs: number;
  stepsPerSecond: number;
  /** The last step's batch loss. */
  finalLoss: number | NonFiniteJson;
  /** "train.loss", "train.accuracy" (last epoch) and "val.*" (last evaluation). */
  metrics: Record<string, number | NonFiniteJson>;
  stopReason: string | null;
  nonFiniteSteps: number;
  model: { name: string; parameters: number };
  data: { name: string; train: number; test: number };
  /** Monitor verdicts in order (empty without the monitor). */
  verdicts: TrainVerdict[];
}

/** Side channels of `gradscope train`, injectable for tests. */
export interface TrainDeps {
  /** Where progress and verdict lines go (default stdout, stderr with --json); a bar when isTTY. */
  progress?: { write(s: string): unknown; isTTY?: boolean };
  /** Standard error (failures). Default process.stderr. */
  stderr?: { write(s: string): unknown };
  /** Clock for the default run directory's name and the report footer. */
  now?: () => Date;
  /** Parent of default run directories (default 'runs'). */
  runsRoot?: string;
  /** MNIST loader (default data.loadMnist, the bundled digits). */
  loadMnist?: MnistLoader;
  /** Stops training between two steps when aborted (default: SIGINT/SIGTERM, see catchInterrupts). */
  signal?: AbortSignal;
  /** The environment read for output (NO_COLOR); default process.env. */
  env?: OutputEnv;
}

function fmtNum(v: number | NonFiniteJson): string {
  if (typeof v === 'string') return v;
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

/** The status of a fit: interrupted, diverged (non-finite loss), stopped (early) or completed. */
export function statusOf(s: FitSummary): TrainJson['status'] {
  if (s.interrupted) return 'interrupted';
  if (!Number.isFinite(s.finalLoss) || (s.stopReason ?? '').startsWith('terminateOnNonFinite'))
    return 'diverged';
  return s.stoppedEarly ? 'stopped' : 'completed';
}

/**
 * The summary printed by `gradscope train` (without --json).
 * @example formatTrainSummary(result).join('\n')
 */
export function formatTrainSummary(r: TrainJson): string[] {
  const head =
    r.status === 'diverged'
      ? 'DIVERGED'
      : r.status === 'stopped'
        ? 'STOPPED EARLY'
        : r.status === 'interrupted'
          ? `INTERRUPTED AT STEP ${r.steps}`
          : 'DONE';
  const lines = [
    `${head}: ${r.name} — ${r.steps} steps (${r.epochs} epoch${r.epochs === 1 ? '' : 's'}) in ${(r.timeMs / 1000).toFixed(1)} s, ${r.stepsPerSecond.toFixed(1)} steps/s`,
    `  ${r.description}; ${r.model.parameters} parameters`,
    `  final batch loss ${fmtNum(r.finalLoss)}; ${Object.entries(r.metrics)
      .map(([k, v]) => `${k} ${fmtNum(v)}`)
      .join(', ')}`,
  ];
  if (r.stopReason && r.status !== 'interrupted') lines.push(`  stopped: ${r.stopReason}`);
  if (r.verdicts.length === 0) lines.push('  monitor: no verdicts');
  for (const v of r.verdicts.slice(0, 10)) {
    lines.push(`  monitor: step ${v.step}: ${v.kind} (${v.severity}) — ${v.message}`);
    if (v.remedies[0]) lines.push(`    try: ${v.remedies[0]}`);
  }
  if (r.verdicts.length > 10) lines.push(`  monitor: … ${r.verdicts.length - 10} more verdicts`);
  lines.push(`Run directory: ${r.runDir}${r.report ? ` (report: ${r.report})` : ''}`);
  if (r.status === 'interrupted')
    lines.push(`Resume with: gradscope train --resume ${shellQuote(r.runDir)}`);
  return lines;
}

/** `'runs/a b'` → `'runs/a b'` quoted for a shell when it needs it. */
function shellQuote(p: string): string {
  return /^[\w./@%+=:,-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`;
}

/** A run to start (from --config) or to continue (--resume). */
interface Prepared {
  name: string;
  /** The config file, or the run directory's train-config.json when resuming. */
  file: string;
  run: TrainRun;
  dir: string;
  runDir: RunDir;
  /** The checkpoint to continue from (null: from step 0). */
  resumeFrom: Checkpoint | null;
  /** Verdicts already recorded in monitor.jsonl (resume). */
  verdicts: VerdictRecord[];
}

const TRAIN_CONFIG = 'train-config.json';
const MONITOR_LOG = 'monitor.jsonl';

/** Keeps the lines of a JSONL file whose `step` is at most `step` (and drops torn lines). */
function truncateJsonl(path: string, step: number): string[] {
  if (!existsSync(path)) return [];
  const kept = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => {
      if (line.trim() === '') return false;
      try {
        const s = (JSON.parse(line) as { step?: unknown }).step;
        return typeof s !== 'number' || s <= step;
      } catch {
        return false;
      }
    });
  writeFileAtomic(path, kept.map((l) => `${l}\n`).join(''));
  return kept;
}

/** Verdict records of monitor.jsonl lines (as the monitor wrote them: whole verdicts). */
function verdictsOf(lines: readonly string[], name: string): VerdictRecord[] {
  const out: VerdictRecord[] = [];
  for (const line of lines) {
    const r = JSON.parse(line) as { type?: unknown };
    if (r.type === 'verdict') out.push(verdictRecord(name, r as unknown as Verdict));
  }
  return out;
}

async function prepareNew(
  args: Parsed,
  deps: TrainDeps,
  err: (s: string) => void,
): Promise<Prepared | number> {
  const file = args.flags.config;
  if (typeof file !== 'string' || file.trim() === '')
    throw new UsageError(
      `train: --config FILE is required, or --resume DIR to continue a run (usage: gradscope ${trainSpec.usage})`,
    );
  const steps = numberFlag('train', 'steps', args.flags.steps, { integer: true, min: 1 });
  const outFlag = typeof args.flags.out === 'string' ? args.flags.out : undefined;
  if (outFlag !== undefined) {
    if (outFlag.trim() === '')
      throw new UsageError("train: --out must be a directory path, got ''");
    const state = pathState(outFlag);
    if (state === 'non-empty-dir')
      throw new UsageError(
        `train: --out directory '${outFlag}' exists and is not empty; choose a new directory (runs are never overwritten; to continue a run use --resume '${outFlag}')`,
      );
    if (state === 'not-a-dir')
      throw new UsageError(
        `train: --out '${outFlag}' exists and is not a directory; choose a new directory`,
      );
  }

  // 1. Read and validate: a ConfigError (exit 3) names the file and the line/column or the field.
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `cannot read config file '${file}': ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const invalidConfig = (e: unknown): unknown =>
    e instanceof ConfigError ? new ConfigError(`invalid config '${file}': ${e.message}`) : e;
  // Data file paths are relative to the config file's folder (made absolute for --resume).
  const parsed = resolveConfigPaths(parseConfigText(text, file), (p) => resolve(dirname(file), p));
  let config: TrainConfig;
  try {
    config = parseTrainConfig(parsed);
  } catch (e) {
    throw invalidConfig(e);
  }
  const name = config.name ?? basename(file, extname(file));

  // Output first: a directory that cannot be written fails now, not after building and training.
  probeOutputDir(
    outFlag ?? config.out ?? deps.runsRoot ?? 'runs',
    outFlag !== undefined ? '--out' : config.out !== undefined ? 'out' : 'runs directory',
  );

  // 2. Build data, model and optimizer (after the resource budget check of the config).
  let run: TrainRun;
  try {
    run = await buildTrainRun(config, {
      budget: budgetFromFlags('train', args.flags),
      ...(steps !== undefined ? { steps } : {}),
      ...(deps.loadMnist ? { loadMnist: deps.loadMnist } : {}),
    });
  } catch (e) {
    throw invalidConfig(e);
  }

  // 3. The run directory; train-config.json (with the name) is what --resume rebuilds from.
  const now = (deps.now ?? (() => new Date()))();
  const outDir = outFlag ?? config.out;
  let dir: string;
  let runDir: RunDir;
  try {
    dir = prepareRunDir({
      experiment: `train-${name}`,
      now,
      ...(outDir !== undefined ? { out: outDir } : {}),
      ...(deps.runsRoot !== undefined ? { root: deps.runsRoot } : {}),
    });
    runDir = RunDir.open(dir);
    writeFileAtomic(
      join(dir, TRAIN_CONFIG),
      `${JSON.stringify({ ...run.config, name }, null, 2)}\n`,
    );
  } catch (e) {
    err(`gradscope train: could not create the run directory: ${errorText(e)}`);
    return EXIT.error;
  }
  return { name, file, run, dir, runDir, resumeFrom: null, verdicts: [] };
}

async function prepareResume(dir: string, args: Parsed, deps: TrainDeps): Promise<Prepared> {
  for (const f of ['config', 'out', 'steps'] as const)
    if (args.flags[f] !== undefined)
      throw new UsageError(
        `train: --resume continues a run with the config it was started with; --${f} cannot be combined with it`,
      );
  if (dir.trim() === '') throw new UsageError("train: --resume must be a run directory, got ''");
  const file = join(dir, TRAIN_CONFIG);
  if (!existsSync(file))
    throw new ConfigError(
      `train: --resume '${dir}' is not a gradscope train run directory (no ${TRAIN_CONFIG})`,
    );
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read '${file}': ${errorText(e)}`);
  }
  let config: TrainConfig;
  let run: TrainRun;
  try {
    config = parseTrainConfig(parseConfigText(text, file));
    run = await buildTrainRun(config, {
      budget: budgetFromFlags('train', args.flags),
      ...(deps.loadMnist ? { loadMnist: deps.loadMnist } : {}),
    });
  } catch (e) {
    throw e instanceof ConfigError ? new ConfigError(`invalid config '${file}': ${e.message}`) : e;
  }
  const name = config.name ?? basename(dir);
  const ckptPath = join(dir, 'checkpoint.json');
  // A run killed before its first checkpoint starts again from step 0 in the same directory.
  const resumeFrom = existsSync(ckptPath) ? readCheckpoint(ckptPath) : null;
  const step = resumeFrom?.step ?? 0;
  const kept = truncateJsonl(join(dir, MONITOR_LOG), step);
  const runDir =
    resumeFrom === null || !existsSync(join(dir, 'config.json'))
      ? RunDir.open(dir, { overwrite: true })
      : RunDir.open(dir, { resume: true });
  return { name, file, run, dir, runDir, resumeFrom, verdicts: verdictsOf(kept, name) };
}

/** Runs `gradscope train`. */
export async function trainCommand(
  args: Parsed,
  out: (s: string) => void,
  deps: TrainDeps = {},
): Promise<number> {
  const json = args.flags.json === true;
  const quiet = args.flags.quiet === true;
  const ckptSeconds =
    numberFlag('train', 'checkpoint-seconds', args.flags['checkpoint-seconds'], { min: 0 }) ?? 60;
  const ckptEvery = numberFlag('train', 'checkpoint-every', args.flags['checkpoint-every'], {
    integer: true,
    min: 0,
  });
  const stderr = deps.stderr ?? process.stderr;
  const err = (s: string): void => void stderr.write(s + '\n');
  const resumeDir = args.flags.resume;
  if (args.flags['allow-non-finite'] === true && typeof resumeDir !== 'string')
    throw new UsageError(
      'train: --allow-non-finite only applies when loading a checkpoint; use it with --resume DIR',
    );
  const prepared =
    typeof resumeDir === 'string'
      ? await prepareResume(resumeDir, args, deps)
      : await prepareNew(args, deps, err);
  if (typeof prepared === 'number') return prepared;
  const { name, file, run, dir, runDir, resumeFrom } = prepared;
  const now = (deps.now ?? (() => new Date()))();

  // 4. Train.
  const progress = deps.progress ?? (json ? process.stderr : process.stdout);
  const write = (s: string): void => void progress.write(s);
  if (!quiet) {
    write(`gradscope train: ${name} — ${run.description}; ${run.totalSteps} steps\n`);
    if (typeof resumeDir === 'string')
      write(
        resumeFrom === null
          ? `gradscope train: no checkpoint in ${dir} yet: starting again from step 0\n`
          : `gradscope train: resuming ${dir} after step ${resumeFrom.step}\n`,
      );
  }
  const verdicts: VerdictRecord[] = [...prepared.verdicts];
  let stopLog: (() => void) | null = null;
  if (run.monitor !== null) {
    const mon = typeof run.config.monitor === 'object' ? run.config.monitor : {};
    // Per-parameter statistics too (RMS, max |g|, zero fraction): `gradscope export --what layers`.
    stopLog = logHealthToJsonl(run.monitor, dir, { statsEvery: mon.logEvery ?? 10, params: true });
    run.monitor.onVerdict((v) => {
      verdicts.push(verdictRecord(name, v));
      reporter.message(
        `monitor: step ${v.step}: ${v.kind} (${v.severity}) — ${v.message}`,
        v.severity === 'critical' ? 'error' : v.severity === 'warning' ? 'warning' : undefined,
      );
    });
  }
  // About 100 progress lines and metrics records per run (fit's default is 10 per epoch, which
  // is every step on a small data set), and in plain-line mode at most about 20 epoch lines.
  const logEvery =
    run.fit.logEvery ??
    Math.max(Math.round(run.batchesPerEpoch / 10), Math.ceil(run.totalSteps / 100), 1);
  const epochs = Math.ceil(run.totalSteps / run.batchesPerEpoch);
  const epochEvery = Math.max(1, Math.ceil(epochs / 20));
  const lineWrite = (s: string): void => {
    const m = /^epoch (\d+) /.exec(s);
    if (m && Number(m[1]) % epochEvery !== 0 && Number(m[1]) !== epochs) return;
    write(s);
  };
  // One renderer (cli/progress.ts): a bar with steps/s and ETA on a terminal, thinned plain lines
  // otherwise; colours unless --no-color or NO_COLOR.
  const reporter = terminalProgress(progress, {
    flags: args.flags,
    quiet,
    lineWrite,
    ...(deps.env !== undefined ? { env: deps.env } : {}),
  });
  const ints =
    deps.signal === undefined
      ? catchInterrupts('training', { write: (s) => void stderr.write(s) })
      : null;
  const signal = deps.signal ?? (ints as Interrupts).signal;
  let summary: FitSummary;
  try {
    summary = await fit(run.model, run.optimizer, run.train, {
      ...run.fit,
      logEvery,
      runDir,
      monitor: run.monitor,
      checkpointEverySeconds: ckptSeconds,
      ...(ckptEvery !== undefined ? { checkpointEvery: ckptEvery } : {}),
      signal,
      ...(resumeFrom !== null ? { resumeFrom } : {}),
      allowNonFinite: args.flags['allow-non-finite'] === true,
      log: reporter,
      reuseBuffers: true, // config-built models are nn layers: safe (issue 22)
    });
  } catch (e) {
    ints?.dispose();
    err(`gradscope train: training stopped with an error: ${errorText(e)}`);
    return EXIT.error;
  } finally {
    stopLog?.();
  }
  const status = statusOf(summary);
  const resumeWith = `gradscope train --resume ${shellQuote(dir)}`;

  // 5. The report (a second Ctrl-C meanwhile exits at once: every file is written atomically).
  const reportPath = join(dir, REPORT_FILE);
  let report: string | null = reportPath;
  try {
    const html = await renderReport(
      trainReportDocument({
        name,
        description: run.description,
        status,
        ...(status === 'interrupted' ? { resumeWith } : {}),
        summary,
        config: run.config,
        logs: readRunLogs(dir),
        verdicts,
        generatedAt: localStamp(now),
        source:
          typeof resumeDir === 'string'
            ? `gradscope train --resume ${dir}`
            : `gradscope train --config ${file} → ${dir}`,
      }),
    );
    writeReportFile(reportPath, html);
  } catch (e) {
    report = null;
    err(
      `gradscope train: the run is in ${dir}, but the report could not be written: ${errorText(e)}`,
    );
  }

  const result: TrainJson = {
    config: file,
    name,
    status,
    description: run.description,
    runDir: dir,
    report,
    steps: summary.steps,
    epochs: summary.epochs,
    timeMs: Math.round(summary.timeMs),
    stepsPerSecond: summary.stepsPerSecond,
    finalLoss: encodeJsonNumber(summary.finalLoss),
    // train.* before val.*, each in the order fit wrote them.
    metrics: Object.fromEntries(
      Object.entries(summary.metrics)
        .sort(([a], [b]) => Number(a.startsWith('val.')) - Number(b.startsWith('val.')))
        .map(([k, v]) => [k, encodeJsonNumber(v)]),
    ),
    stopReason: summary.stopReason,
    nonFiniteSteps: summary.nonFiniteSteps,
    model: { name: run.config.model.name, parameters: run.model.numParameters() },
    data: { name: run.config.data.name, train: run.train.length, test: run.test?.length ?? 0 },
    verdicts: verdicts.map((v) => ({
      kind: v.kind,
      step: v.step,
      severity: v.severity,
      layers: v.layers,
      message: v.message,
      remedies: v.remedies,
    })),
  };
  if (json) out(encodeJson(result, 2));
  else for (const l of formatTrainSummary(result)) out(l);
  ints?.dispose();
  if (status === 'interrupted') return interruptExitCode(signal);
  if (report === null) return EXIT.error;
  return status === 'diverged' ? EXIT.failed : EXIT.ok;
}
