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
  /** ANSI colours in toned messages (verdicts, pass/fail; default false; the CLI decides with NO_COLOR / --no-color). */
  color?: boolean;
  /** What {@link ProgressReporter.update} counts: 'steps', 'points', … or 'fraction' (a number in [0, 1], shown in %). Default 'steps'. */
  unit?: string;
  /** 'lines' mode of {@link ProgressReporter.update}: at most one line per this many ms when only the label changes (default 1000). */
  lineEveryMs?: number;
  /** 'lines' mode of {@link ProgressReporter.update}: a line at least this often while updates arrive, label changed or not (default 30000). */
  heartbeatMs?: number;
  /** Clock in milliseconds (default performance.now); injectable for tests. */
  now?: () => number;
}

/** The tone of a {@link ProgressReporter.message}: coloured red, yellow or green when colours are on. */
export type ProgressTone = 'error' | 'warning' | 'ok';

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
 * A duration for a progress line: "4.2 s", "3 min 05 s", "2 h 07 min"; "?" when unknown.
 * @example formatDuration(185) // '3 min 05 s'
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

const SGR: Readonly<Record<ProgressTone, string>> = {
  error: '\x1b[31m',
  warning: '\x1b[33m',
  ok: '\x1b[32m',
};
const RESET = '\x1b[0m';
const CLEAR_LINE = '\r\x1b[K';

/**
 * Terminal progress, the one renderer of gradscope's commands (train, run, demo, sweep) and of
 * {@link fit}: on a TTY a single line redrawn with a carriage return (done/total, a bar, the
 * rate and the ETA), otherwise plain lines — every few steps for a training loop, or when the
 * label changes (at most once a second, and at least every 30 s) for {@link update}. Training
 * adds loss, lr and a line per epoch and per evaluation. The ETA is the remaining work at the
 * average rate since {@link start}. Colours only when `color` is set.
 * @example const p = new ProgressReporter({ mode: 'lines', every: 50 }); p.start(1000); p.step(1, 2.3, 1e-3);
 */
export class ProgressReporter {
  /** The resolved display mode ('auto' chosen by whether the stream is a TTY). */
  readonly mode: 'bar' | 'lines' | 'silent';
  /** Whether ANSI colours are written. */
  readonly color: boolean;
  private readonly write: (text: string) => void;
  private readonly redrawMs: number;
  private readonly unit: string;
  private readonly lineEveryMs: number;
  private readonly heartbeatMs: number;
  private readonly now: () => number;
  private every: number;
  private total = 0;
  private t0 = 0;
  private firstStep = 0;
  private lastDraw = -Infinity;
  private lastLine = -Infinity;
  private lastLabel: string | null = null;
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
    this.color = options.color === true;
    this.unit = options.unit ?? 'steps';
    this.lineEveryMs = options.lineEveryMs ?? 1000;
    this.heartbeatMs = options.heartbeatMs ?? 30000;
    this.now = options.now ?? (() => performance.now());
  }

  /** Starts timing; `total` is the count at which the work ends (1 for unit 'fraction'), `from` the count already done (a resume). */
  start(total: number, from = 0, every?: number): void {
    this.total = total;
    this.firstStep = from;
    this.t0 = this.now();
    if (every !== undefined && this.every === 0) this.every = Math.max(1, every);
    if (this.every === 0) this.every = 1;
  }

  private paint(text: string, tone: ProgressTone): string {
    return this.color ? `${SGR[tone]}${text}${RESET}` : text;
  }

  /** Average rate (per second) since start, and the ETA in seconds (NaN before any progress). */
  private pace(done: number): { rate: number; eta: number } {
    const dt = (this.now() - this.t0) / 1000;
    const rate = dt > 0 ? (done - this.firstStep) / dt : 0;
    return { rate, eta: rate > 0 ? Math.max(0, this.total - done) / rate : NaN };
  }

  private bar(done: number): string {
    const cells = 24;
    const filled = this.total > 0 ? Math.min(cells, Math.round((cells * done) / this.total)) : 0;
    return `[${'='.repeat(filled)}${filled < cells ? '>' : ''}${' '.repeat(Math.max(0, cells - filled - 1))}]`;
  }

  private clearBar(): void {
    if (this.barShown) {
      this.write(CLEAR_LINE);
      this.barShown = false;
    }
  }

  /** Whether the bar should be redrawn now (throttled, but always at the end). */
  private redraw(done: number): boolean {
    const now = this.now();
    if (done < this.total && now - this.lastDraw < this.redrawMs) return false;
    this.lastDraw = now;
    return true;
  }

  /** Reports a training step (throttled): step/total, loss, lr, steps/s and the ETA. */
  step(step: number, loss: number, lr: number | undefined, epoch?: number): void {
    if (this.mode === 'silent') return;
    const width = String(this.total).length;
    const head = `step ${String(step).padStart(width)}/${this.total}`;
    const { rate, eta } = this.pace(step);
    const tail = `loss ${num(loss)}  lr ${num(lr)}  ${rate.toFixed(1)} steps/s  ETA ${formatDuration(step >= this.total ? 0 : eta)}`;
    const ep = epoch !== undefined ? `epoch ${epoch + 1}  ` : '';
    if (this.mode === 'bar') {
      if (!this.redraw(step)) return;
      this.write(`${CLEAR_LINE}${head} ${this.bar(step)} ${ep}${tail}`);
      this.barShown = true;
    } else if (step % this.every === 0 || step === this.total) {
      this.write(`${head}  ${ep}${tail}\n`);
    }
  }

  /**
   * Reports progress of any work: `done` of the total given to {@link start} (a fraction in
   * [0, 1] with unit 'fraction'), and what is running now. On a TTY the bar line is redrawn
   * (throttled); otherwise a line is written when the label changes (at most every
   * `lineEveryMs`), at least every `heartbeatMs`, and at the end. `etaSeconds` replaces the
   * estimate from the average rate (a caller that knows better, e.g. a resumed sweep).
   * @example p.start(1); p.update(0.25, 'he-init: xavier seed 2') // '[ 25%] he-init: xavier seed 2 — 3.1 s, ETA 9.3 s'
   */
  update(done: number, label = '', etaSeconds?: number): void {
    if (this.mode === 'silent') return;
    const d = Number.isFinite(done) ? Math.min(Math.max(done, 0), this.total) : 0;
    const pace = this.pace(d);
    const rate = pace.rate;
    const eta = etaSeconds ?? pace.eta;
    const elapsed = (this.now() - this.t0) / 1000;
    const fraction = this.unit === 'fraction';
    const count = fraction
      ? `${String(Math.round((100 * d) / Math.max(this.total, 1e-12))).padStart(3)}%`
      : `${String(d).padStart(String(this.total).length)}/${this.total}`;
    const perSecond = fraction ? '' : `, ${rate.toFixed(rate < 10 ? 2 : 1)} ${this.unit}/s`;
    const timing = `${formatDuration(elapsed)}${perSecond}${d >= this.total ? '' : `, ETA ${formatDuration(eta)}`}`;
    if (this.mode === 'bar') {
      if (!this.redraw(d)) return;
      this.write(`${CLEAR_LINE}${this.bar(d)} ${count} ${label.slice(0, 60)} — ${timing}`);
      this.barShown = true;
      return;
    }
    const now = this.now();
    const changed = label !== this.lastLabel;
    const due =
      d >= this.total ||
      now - this.lastLine >= this.heartbeatMs ||
      (changed && now - this.lastLine >= this.lineEveryMs);
    if (!due) return;
    this.lastLine = now;
    this.lastLabel = label;
    this.write(`[${count}] ${label} — ${timing}\n`);
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

  /** Prints a free-form line above the bar (e.g. why training stopped, a verdict), coloured by `tone` when colours are on. */
  message(text: string, tone?: ProgressTone): void {
    if (this.mode === 'silent') return;
    this.clearBar();
    this.write(`${tone === undefined ? text : this.paint(text, tone)}\n`);
  }

  /** Ends the bar line (clears it with `clear`, else leaves it and moves to the next line). */
  end(clear = false): void {
    if (this.mode === 'bar' && this.barShown) {
      this.write(clear ? CLEAR_LINE : '\n');
      this.barShown = false;
    }
  }
}
