import { fork, type ChildProcess } from 'node:child_process';
import { ConfigError, fmt } from '../errors.js';

/** Options of {@link ProcessPool}. */
export interface ProcessPoolOptions {
  /** Child processes (default 1). */
  workers?: number;
  /** The child's entry module (it answers `{ type: 'run', id, job }` with `{ type: 'result', id, result }`). */
  entry: string;
  /** Arguments of the child. */
  args?: readonly string[];
  /** Node options of the child (default: `--import tsx` for a .ts entry, else none). */
  execArgv?: readonly string[];
  /** Node/V8 flags appended to `execArgv` (the sweep executors give SWEEP_CHILD_NODE_FLAGS). */
  nodeFlags?: readonly string[];
  /** Times a job is started before its child's death is an error (default 2). */
  maxAttempts?: number;
  /** Called when a child dies while running a job (the job is then retried). */
  onChildDeath?: (info: {
    pid: number | undefined;
    code: number | null;
    signal: string | null;
    attempt: number;
  }) => void;
}

interface Task<J, R> {
  job: J;
  attempts: number;
  resolve: (r: R) => void;
  reject: (e: Error) => void;
}

interface Slot<J, R> {
  child: ChildProcess;
  task: Task<J, R> | null;
  id: number;
}

/** The messages between a pool and its children. */
export type PoolMessage<J, R> =
  | { type: 'run'; id: number; job: J }
  | { type: 'result'; id: number; result: R }
  | { type: 'failure'; id: number; message: string };

/**
 * A pool of Node child processes (child_process.fork, Node only) that run jobs one at a time
 * each: `run(job)` resolves with the child's result. A child that dies mid-job (a crash, a kill)
 * is replaced and the job started again on a fresh process, up to `maxAttempts` times. Children
 * exit when the pool closes (or its process dies: they leave on 'disconnect').
 * @example const pool = new ProcessPool<Job, Res>({ workers: 2, entry }); const r = await pool.run(job); pool.close();
 */
export class ProcessPool<J, R> {
  private readonly slots: Slot<J, R>[] = [];
  private readonly queue: Task<J, R>[] = [];
  private readonly opts: ProcessPoolOptions;
  private readonly maxAttempts: number;
  private nextId = 1;
  private closed = false;

  constructor(opts: ProcessPoolOptions) {
    const n = opts.workers ?? 1;
    if (!Number.isInteger(n) || n < 1 || n > 256)
      throw new ConfigError(`ProcessPool: workers must be an integer in [1, 256], got ${fmt(n)}`);
    this.opts = opts;
    this.maxAttempts = opts.maxAttempts ?? 2;
    for (let i = 0; i < n; i++) this.slots.push(this.spawn());
  }

  /** Process ids of the children now alive. */
  pids(): (number | undefined)[] {
    return this.slots.map((s) => s.child.pid);
  }

  /** Runs a job on the next free child. */
  run(job: J): Promise<R> {
    if (this.closed) return Promise.reject(new Error('ProcessPool: the pool is closed'));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ job, attempts: 0, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops the children (jobs still queued or running are rejected). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('ProcessPool: closed'));
    for (const s of this.slots) {
      s.task?.reject(new Error('ProcessPool: closed'));
      s.task = null;
      s.child.removeAllListeners('exit');
      if (s.child.connected) s.child.disconnect();
      s.child.kill();
    }
  }

  private spawn(): Slot<J, R> {
    const entry = this.opts.entry;
    const execArgv = this.opts.execArgv ?? (entry.endsWith('.ts') ? ['--import', 'tsx'] : []);
    const child = fork(entry, [...(this.opts.args ?? [])], {
      execArgv: [...execArgv, ...(this.opts.nodeFlags ?? [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    const slot: Slot<J, R> = { child, task: null, id: 0 };
    child.on('message', (m: PoolMessage<J, R>) => {
      const t = slot.task;
      if (t === null || (m.type !== 'result' && m.type !== 'failure') || m.id !== slot.id) return;
      slot.task = null;
      if (m.type === 'result') t.resolve(m.result);
      else t.reject(new Error(m.message));
      this.dispatch();
    });
    child.on('exit', (code, signal) => {
      if (this.closed) return;
      const t = slot.task;
      slot.task = null;
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots[i] = this.spawn();
      if (t !== null) {
        this.opts.onChildDeath?.({ pid: child.pid, code, signal, attempt: t.attempts });
        if (t.attempts >= this.maxAttempts)
          t.reject(
            new Error(
              `the worker process died ${t.attempts} times running this job (last: ${signal !== null ? `signal ${signal}` : `exit code ${code}`})`,
            ),
          );
        else this.queue.unshift(t);
      }
      this.dispatch();
    });
    // An error (e.g. a failed send to a dying child) is followed by 'exit'.
    child.on('error', () => undefined);
    return slot;
  }

  private dispatch(): void {
    for (const s of this.slots) {
      if (this.queue.length === 0) return;
      if (s.task !== null || !s.child.connected) continue;
      const t = this.queue.shift() as Task<J, R>;
      t.attempts++;
      s.task = t;
      s.id = this.nextId++;
      const msg: PoolMessage<J, R> = { type: 'run', id: s.id, job: t.job };
      s.child.send(msg);
    }
  }
}
