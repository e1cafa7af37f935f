import { ConfigError, fmt } from '../errors.js';

/** How {@link fit} reports progress on the terminal. */
export type ProgressMode = 'auto' | 'bar' | 'lines' | 'silent';

/** Options of {@link ProgressReporter}. */
export interface ProgressOptions {
  /** 'bar' (a carriage-return line), 'lines' (periodic lines), 'silent', or 'auto' (default): bar on a TTY, else lines. */
  mode?: ProgressMode;
  /** Where text goes (default process.stdout.write in Node, console.log in a browser). */
  write?: (text: string) => void;
  /** Whether the output is a terminal (default: process.stdout.isTTY where it exists). */
  isTTY?: boolean;
  /** Steps between lines in 'lines' mode (default: about 10 lines per epoch). */
  every?: number;
  /** Minimum milliseconds between redraws of the bar (default 100). */
  redrawMs?: number;
}

interface StdoutLike {
  isTTY?: boolean;
  write?: (s: string) => unknown;
}

function stdout(): StdoutLike | undefined {
  // No import of node:process: the core must also run in a browser, where this is undefined.
  return (globalThis as { process?: { stdout?: StdoutLike } }).process?.stdout;
}

function num(v: number | undefined, digits = 4): string {
  if (v === undefined) return '-';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toFixed(digits);
}

/** Formats named values as "name value" pairs. */
function pairs(metrics: Record<string, number>): string {
  return Object.entries(metrics)
    .map(([k, v]) => `${k} ${num(v)}`)
    .join('  ');
}

/**
 * Terminal progress of a training run: on a TTY a single line redrawn with a carriage return
 * (step/total, a bar, loss, lr, steps/s), otherwise plain lines every few steps, plus a line per
 * epoch and per evaluation. Used by {@link fit}; usable on its own for a custom loop.
 * @example const p = new ProgressReporter({ mode: 'lines', every: 50 }); p.start(1000); p.step(1, 2.3, 1e-3);
 */
export class ProgressReporter {
  /** The resolved display mode ('auto' chosen by whether the stream is a TTY). */
  readonly mode: 'bar' | 'lines' | 'silent';
  private readonly write: (text: string) => void;
  private readonly redrawMs: number;
  private every: number;
  private total = 0;
  private t0 = 0;
  private firstStep = 0;
  private lastDraw = -Infinity;
  private barShown = false;

  constructor(options: ProgressOptions = {}) {
    const mode = options.mode ?? 'auto';
    if (mode !== 'auto' && mode !== 'bar' && mode !== 'lines' && mode !== 'silent') {
      throw new ConfigError(
        `progress: mode must be 'auto', 'bar', 'lines' or 'silent', got ${fmt(mode)}`,
      );
    }
    const out = stdout();
    const isTTY = options.isTTY ?? out?.isTTY === true;
    this.mode = mode === 'auto' ? (isTTY ? 'bar' : 'lines') : mode;
    if (options.write !== undefined) {
      if (typeof options.write !== 'function')
        throw new ConfigError(`progress: write must be a function, got ${fmt(options.write)}`);
      this.write = options.write;
    } else if (typeof out?.write === 'function') {
      const w = out.write.bind(out);
      this.write = (s) => void w(s);
    } else {
      // console.log adds its own newline.
      this.write = (s) => console.log(s.replace(/\n$/, ''));
    }
    const every = options.every ?? 0;
    if (!Number.isInteger(every) || every < 0)
      throw new ConfigError(`progress: every must be a non-negative integer, got ${fmt(every)}`);
    this.every = every;
    this.redrawMs = options.redrawMs ?? 100;
  }

  /** Starts timing; `total` is the step count at which training will end, `from` the current step. */
  start(total: number, from = 0, every?: number): void {
    this.total = total;
    this.firstStep = from;
    this.t0 = performance.now();
    if (every !== undefined && this.every === 0) this.every = Math.max(1, every);
    if (this.every === 0) this.every = 1;
  }

  private rate(step: number): number {
    const dt = (performance.now() - this.t0) / 1000;
    return dt > 0 ? (step - this.firstStep) / dt : 0;
  }

  private clearBar(): void {
    if (this.barShown) {
      this.write('\r\x1b[K');
      this.barShown = false;
    }
  }

  /** Reports a step (throttled). */
  step(step: number, loss: number, lr: number | undefined, epoch?: number): void {
    if (this.mode === 'silent') return;
    const width = String(this.total).length;
    const head = `step ${String(step).padStart(width)}/${this.total}`;
    const tail = `loss ${num(loss)}  lr ${num(lr)}  ${this.rate(step).toFixed(1)} steps/s`;
    if (this.mode === 'bar') {
      const now = performance.now();
      if (step !== this.total && now - this.lastDraw < this.redrawMs) return;
      this.lastDraw = now;
      const cells = 24;
      const filled = this.total > 0 ? Math.min(cells, Math.round((cells * step) / this.total)) : 0;
      const bar = `[${'='.repeat(filled)}${filled < cells ? '>' : ''}${' '.repeat(Math.max(0, cells - filled - 1))}]`;
      this.write(
        `\r\x1b[K${head} ${bar} ${epoch !== undefined ? `epoch ${epoch + 1}  ` : ''}${tail}`,
      );
      this.barShown = true;
    } else if (step % this.every === 0 || step === this.total) {
      this.write(`${head}  ${epoch !== undefined ? `epoch ${epoch + 1}  ` : ''}${tail}\n`);
    }
  }

  /** Reports a completed epoch. */
  epoch(epoch: number, metrics: Record<string, number>, timeMs: number): void {
    if (this.mode === 'silent') return;
    this.clearBar();
    this.write(`epoch ${epoch}  ${pairs(metrics)}  (${(timeMs / 1000).toFixed(1)} s)\n`);
  }

  /** Reports an evaluation. */
  evaluation(step: number, metrics: Record<string, number>): void {
    if (this.mode === 'silent') return;
    this.clearBar();
    this.write(`eval at step ${step}  ${pairs(metrics)}\n`);
  }

  /** Prints a free-form message (e.g. why training stopped). */
  message(text: string): void {
    if (this.mode === 'silent') return;
    this.clearBar();
    this.write(`${text}\n`);
  }

  /** Ends the bar line. */
  end(): void {
    if (this.mode === 'bar' && this.barShown) {
      this.write('\n');
      this.barShown = false;
    }
  }
}
