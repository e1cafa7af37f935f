import { availableParallelism } from 'node:os';
import { EXIT, numberFlag, UsageError, type CommandSpec, type Parsed } from '../args.js';
import { loadRedisModule, sweepChildEntry } from './sweep.js';
import { workerSweepDir } from './sweep-point.js';

/** `gradscope worker` spec. */
export const workerSpec: CommandSpec = {
  name: 'worker',
  summary:
    'Run sweep points from a BullMQ queue in Redis (the other end of `gradscope sweep --redis`), until stopped.',
  usage: 'worker --redis URL [--workers N] [--out DIR] [--queue NAME]',
  description:
    'Pulls points from the queue and runs each one exactly like `gradscope train`, in a child\n' +
    'process (--workers at once, default one per core), then returns its record to the coordinator.\n' +
    "Runs go to the sweep's own directory (a shared file system, or this machine), or under --out\n" +
    'DIR. A worker that dies mid-point is noticed by BullMQ (its job lock expires after\n' +
    '--lock-ms) and the point goes to another worker. Stop it with Ctrl-C (SIGINT) or SIGTERM: it\n' +
    'finishes the points it is running, then exits (exit code 130 / 143, as every command).',
  positionals: [],
  flags: {
    redis: {
      type: 'string',
      valueName: 'URL',
      description: 'the Redis server, redis://host:port (required)',
    },
    workers: {
      type: 'string',
      valueName: 'N',
      description: 'points run at once (default: the number of cores)',
    },
    out: {
      type: 'string',
      valueName: 'DIR',
      description: "write runs under DIR instead of the sweep's directory",
    },
    queue: {
      type: 'string',
      valueName: 'NAME',
      default: 'gradscope-sweep',
      description: 'the BullMQ queue name',
    },
    'lock-ms': {
      type: 'string',
      valueName: 'MS',
      default: '30000',
      description: 'job lock duration: a worker silent this long counts as dead',
    },
    'stalled-ms': {
      type: 'string',
      valueName: 'MS',
      default: '30000',
      description: 'how often stalled jobs (of dead workers) are looked for',
    },
    quiet: { type: 'boolean', short: 'q', default: false, description: 'no log lines' },
  },
};

/** Runs `gradscope worker` until SIGINT/SIGTERM. */
export async function workerCommand(args: Parsed, out: (s: string) => void): Promise<number> {
  const url = args.flags.redis;
  if (typeof url !== 'string' || !/^rediss?:\/\/./.test(url))
    throw new UsageError(
      `worker: --redis URL is required, like redis://127.0.0.1:6379 (got ${url === undefined ? 'nothing' : `'${String(url)}'`})`,
    );
  const workers =
    numberFlag('worker', 'workers', args.flags.workers, { integer: true, min: 1 }) ??
    availableParallelism();
  const lockDuration = numberFlag('worker', 'lock-ms', args.flags['lock-ms'], {
    integer: true,
    min: 100,
  }) as number;
  const stalledInterval = numberFlag('worker', 'stalled-ms', args.flags['stalled-ms'], {
    integer: true,
    min: 100,
  }) as number;
  const dir = typeof args.flags.out === 'string' ? args.flags.out : undefined;
  const quiet = args.flags.quiet === true;
  const info = (s: string): void => {
    if (!quiet) out(s);
  };
  const { startRedisWorker } = await loadRedisModule();
  const worker = await startRedisWorker({
    url,
    queue: String(args.flags.queue),
    workers,
    entry: sweepChildEntry(),
    sweepDir: (job) => workerSweepDir(job, dir),
    lockDuration,
    stalledInterval,
    onInfo: info,
  });
  info(
    `gradscope worker: pid ${process.pid}, ${workers} process${workers === 1 ? '' : 'es'}, queue '${String(args.flags.queue)}' at ${url}`,
  );
  const signal = await new Promise<'SIGINT' | 'SIGTERM'>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  info(`gradscope worker: ${signal}, stopping after the points it is running`);
  await worker.close();
  return signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm;
}
