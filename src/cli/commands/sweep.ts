import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../errors.js';
import { renderReport } from '../../report/html.js';
import { writeReportFile } from '../../report/write-node.js';
import { readLossCurves } from '../../sweep/curves-node.js';
import type { SweepExecutor } from '../../sweep/job.js';
import { localExecutor } from '../../sweep/local-node.js';
import { describeValues, expandSweep } from '../../sweep/points.js';
import type { SweepRecord } from '../../sweep/record.js';
import { SWEEP_FILES } from '../../sweep/results-node.js';
import { runSweep, type SweepProgress } from '../../sweep/run-sweep-node.js';
import { sweepReportDocument } from '../../sweep/report.js';
import { readSweepFile } from '../../sweep/spec-node.js';
import { EXIT, numberFlag, UsageError, type CommandSpec, type Parsed } from '../args.js';
import { errorText, localStamp, type OutputEnv } from '../format.js';
import { COLOR_FLAGS, terminalProgress } from '../progress.js';
import { catchInterrupts } from '../interrupt.js';

/** `gradscope sweep` spec. */
export const sweepSpec: CommandSpec = {
  name: 'sweep',
  summary:
    'Run a grid / random sweep of train configs (one normal train run per point) on local worker processes or a Redis queue; write sweep.csv, sweep.jsonl and a report.',
  usage: 'sweep SWEEP.json [--out DIR] [--workers N] [--redis URL] [--json] [--quiet]',
  description:
    'A sweep file names a base train config ("base": a path relative to the sweep file, or the\n' +
    'config inline) and "axes": config field paths with their values — "values" (a grid),\n' +
    '"logUniform" / "uniform" ({min, max, count, seed}: seeded draws) or "seeds" (N or a list; path\n' +
    'train.seed) — see examples/sweeps/. The points are the product of the axes; each is run exactly\n' +
    'like `gradscope train --config` into DIR/runs/<index>-<hash>, and its result (the axis values,\n' +
    'final metrics, the monitor verdicts and the first verdict step) streams into DIR/sweep.jsonl and\n' +
    'DIR/sweep.csv; DIR/report.html has the heatmaps and curves. DIR defaults to runs/sweep-<name>.\n' +
    'Resumable: points whose config hash is already in sweep.jsonl are skipped, and points whose\n' +
    'process died are run again. --workers N runs N processes (default: one per core). --redis\n' +
    'redis://host:port puts the points on a BullMQ queue instead, for `gradscope worker --redis`\n' +
    'processes on any machine. Exit code 0 when every point ran, 1 when some could not run,\n' +
    '2 for bad usage, 3 for an invalid sweep file.',
  positionals: [{ name: 'SWEEP.json', required: true, description: 'the sweep file' }],
  flags: {
    out: {
      type: 'string',
      valueName: 'DIR',
      description: 'sweep directory (resumed if it holds a sweep)',
    },
    workers: {
      type: 'string',
      valueName: 'N',
      description: 'local worker processes (default: the number of cores)',
    },
    redis: {
      type: 'string',
      valueName: 'URL',
      description:
        'run on a BullMQ queue in this Redis (redis://host:port) with `gradscope worker`',
    },
    queue: {
      type: 'string',
      valueName: 'NAME',
      default: 'gradscope-sweep',
      description: 'the BullMQ queue name (with --redis)',
    },
    json: { type: 'boolean', default: false, description: 'print the records as JSON at the end' },
    quiet: { type: 'boolean', short: 'q', default: false, description: 'no progress lines' },
    ...COLOR_FLAGS,
  },
};

/** Side channels of `gradscope sweep`, injectable for tests. */
export interface SweepDeps {
  /** Where progress lines go (default stderr); on a terminal (isTTY) a bar line with the ETA follows them. */
  progress?: { write(s: string): unknown; isTTY?: boolean };
  /** The environment read for output (NO_COLOR); default process.env. */
  env?: OutputEnv;
  /** Clock for the report footer. */
  now?: () => Date;
}

/**
 * Loads the BullMQ executor and worker (sweep/redis-node.ts). bullmq and ioredis are optional
 * peer dependencies, so a missing one is a ConfigError that says what to install.
 */
export async function loadRedisModule(): Promise<typeof import('../../sweep/redis-node.js')> {
  try {
    return await import('../../sweep/redis-node.js');
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/bullmq|ioredis/.test(msg) && /Cannot find|not found|ERR_MODULE_NOT_FOUND/i.test(msg))
      throw new ConfigError(
        `--redis needs the optional packages bullmq and ioredis (npm install bullmq ioredis): ${msg.split('\n')[0]}`,
      );
    throw e;
  }
}

/** The child entry of the local pool, next to this file (.ts under tsx/vitest, .js when built). */
export function sweepChildEntry(): string {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return fileURLToPath(new URL(`../sweep-child.${ext}`, import.meta.url));
}

function seconds(ms: number): string {
  return ms < 60_000
    ? `${(ms / 1000).toFixed(1)} s`
    : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * One progress line of a sweep.
 * @example formatSweepProgress(p) // '[ 3/16] #2 optimizer.lr=0.1: completed, val.accuracy 0.92 — 4.1 s, ETA 18.0 s'
 */
export function formatSweepProgress(p: SweepProgress, metric: string | undefined): string {
  const r = p.record;
  const w = String(p.total).length;
  const m = metric ?? ('val.accuracy' in r.metrics ? 'val.accuracy' : 'train.loss');
  const v = r.metrics[m];
  const verdicts = Object.entries(r.verdicts)
    .map(([k, s]) => `${k}@${s}`)
    .join(' ');
  const what =
    r.status === 'error'
      ? `error: ${(r.error ?? '').split('\n')[0]}`
      : `${r.status}, ${m} ${v === undefined ? 'n/a' : typeof v === 'number' ? Number(v.toPrecision(4)) : v}${verdicts ? `, verdicts ${verdicts}` : ''}`;
  return `[${String(p.done).padStart(w)}/${p.total}] #${r.index} ${describeValues(r.values)}: ${what}${p.recorded ? '' : ' (duplicate result, ignored)'} — ${seconds(p.elapsedMs)}${p.etaMs !== null && p.ran < p.toRun ? `, ETA ${seconds(p.etaMs)}` : ''}`;
}

/** Runs `gradscope sweep`. */
export async function sweepCommand(
  args: Parsed,
  out: (s: string) => void,
  deps: SweepDeps = {},
): Promise<number> {
  const file = args.positionals[0] as string;
  const workers =
    numberFlag('sweep', 'workers', args.flags.workers, { integer: true, min: 1 }) ??
    availableParallelism();
  const redis = typeof args.flags.redis === 'string' ? args.flags.redis : undefined;
  if (redis !== undefined && !/^rediss?:\/\/./.test(redis))
    throw new UsageError(
      `sweep: --redis must be a URL like redis://127.0.0.1:6379, got '${redis}'`,
    );
  if (redis !== undefined && args.flags.workers !== undefined)
    throw new UsageError(
      'sweep: --workers is for the local executor; with --redis, start `gradscope worker --redis URL --workers N` processes',
    );
  const quiet = args.flags.quiet === true;
  const progress = deps.progress ?? process.stderr;
  // One renderer (cli/progress.ts): a line per finished point, and on a terminal a bar below
  // them with the points done and the ETA; errors in red, divergences in yellow (unless NO_COLOR).
  const reporter = terminalProgress(progress, {
    flags: args.flags,
    quiet,
    unit: 'points',
    ...(deps.env !== undefined ? { env: deps.env } : {}),
  });
  const say = (s: string): void => reporter.message(s);

  const sweep = readSweepFile(file);
  const points = expandSweep(sweep);
  const outFlag = typeof args.flags.out === 'string' ? args.flags.out : undefined;
  if (outFlag !== undefined && outFlag.trim() === '')
    throw new UsageError("sweep: --out must be a directory path, got ''");
  const dir = resolve(outFlag ?? join('runs', `sweep-${sweep.name.replace(/[^\w.-]+/g, '-')}`));
  if (
    existsSync(dir) &&
    readdirSync(dir).length > 0 &&
    !existsSync(join(dir, SWEEP_FILES.manifest))
  )
    throw new UsageError(
      `sweep: --out directory '${dir}' is not empty and holds no ${SWEEP_FILES.manifest}, so it is not a sweep to resume; choose a new directory`,
    );

  let executor: SweepExecutor;
  let how: string;
  if (redis !== undefined) {
    const { redisExecutor } = await loadRedisModule();
    const queue = String(args.flags.queue);
    executor = redisExecutor({ url: redis, queue, onInfo: say });
    how = `on the BullMQ queue '${queue}' at ${redis} (start workers with: gradscope worker --redis ${redis})`;
  } else {
    executor = localExecutor({
      workers,
      entry: sweepChildEntry(),
      onChildDeath: (d) =>
        say(
          `sweep: a worker process (pid ${d.pid}) died (${d.signal ?? `exit ${d.code}`}); its point runs again`,
        ),
    });
    how = `on ${workers} local worker process${workers === 1 ? '' : 'es'}`;
  }
  say(`gradscope sweep: ${sweep.name} — ${points.length} points ${how}; results in ${dir}`);
  reporter.start(points.length);
  // Ctrl-C / SIGTERM: every finished point is already in sweep.jsonl (appended whole), so the
  // sweep stops at once, says how to resume, and exits 130/143; points in progress run again on
  // resume (their worker processes leave when this process goes: 'disconnect').
  const ints = catchInterrupts('the sweep', { write: () => {} });
  ints.signal.addEventListener('abort', () => {
    void progress.write(
      `\ngradscope sweep: ${String(ints.signal.reason)}: stopped; the finished points are kept in ${join(dir, SWEEP_FILES.jsonl)} — resume with the same command (points that were running run again)\n`,
    );
    process.exit(ints.exitCode);
  });
  let res: Awaited<ReturnType<typeof runSweep>>;
  try {
    res = await runSweep({
      sweep,
      points,
      dir,
      executor,
      onProgress: (p) => {
        const st = p.record.status;
        reporter.message(
          formatSweepProgress(p, sweep.metric),
          st === 'error' ? 'error' : st === 'diverged' ? 'warning' : undefined,
        );
        if (reporter.mode === 'bar')
          reporter.update(p.done, sweep.name, p.etaMs === null ? undefined : p.etaMs / 1000);
      },
    });
  } finally {
    reporter.end(true);
    ints.dispose();
  }
  if (res.skipped > 0) say(`sweep: ${res.skipped} points were finished before (resumed)`);

  const reportPath = join(dir, 'report.html');
  let report: string | null = reportPath;
  try {
    const now = (deps.now ?? (() => new Date()))();
    const html = await renderReport(
      sweepReportDocument({
        name: sweep.name,
        ...(sweep.description !== undefined ? { description: sweep.description } : {}),
        axes: sweep.axes,
        records: res.records,
        total: points.length,
        ...(sweep.metric !== undefined ? { metric: sweep.metric } : {}),
        curves: readLossCurves(res.records),
        generatedAt: localStamp(now),
        source: `gradscope sweep ${file} → ${dir}`,
      }),
    );
    writeReportFile(reportPath, html);
  } catch (e) {
    report = null;
    say(
      `gradscope sweep: the results are in ${dir}, but the report could not be written: ${errorText(e)}`,
    );
  }
  const errors = res.records.filter((r: SweepRecord) => r.status === 'error');
  if (args.flags.json === true)
    out(
      JSON.stringify(
        {
          dir,
          report,
          points: points.length,
          ran: res.ran,
          skipped: res.skipped,
          records: res.records,
        },
        null,
        2,
      ),
    );
  else {
    const by = (s: string): number => res.records.filter((r) => r.status === s).length;
    out(
      `DONE: ${sweep.name} — ${res.records.length}/${points.length} points (${res.ran} run now, ${res.skipped} resumed): ${by('completed')} completed, ${by('stopped')} stopped, ${by('diverged')} diverged, ${errors.length} errors`,
    );
    out(`Sweep directory: ${dir} (sweep.csv, sweep.jsonl${report ? ', report.html' : ''})`);
  }
  if (report === null) return EXIT.error;
  return errors.length > 0 || res.records.length < points.length ? EXIT.failed : EXIT.ok;
}
