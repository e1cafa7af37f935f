import { EXIT } from './exit-codes.js';

/** Exit code of a command stopped by a signal: 128 + the signal's number (SIGINT 2, SIGTERM 15). */
export const INTERRUPT_EXIT = { SIGINT: EXIT.sigint, SIGTERM: EXIT.sigterm } as const;

/** The signals a long command stops cleanly on. */
export type InterruptSignal = keyof typeof INTERRUPT_EXIT;

/** What {@link catchInterrupts} hands the command. */
export interface Interrupts {
  /** Aborted at the first SIGINT/SIGTERM: the command finishes or abandons its step and saves. */
  readonly signal: AbortSignal;
  /** The first signal received, or null. */
  readonly received: InterruptSignal | null;
  /** 130 after SIGINT, 143 after SIGTERM (only meaningful once `received` is set). */
  readonly exitCode: number;
  /** Removes the handlers (call when the command ends, interrupted or not). */
  dispose(): void;
}

/** Side channels of {@link catchInterrupts}, injectable for tests. */
export interface InterruptDeps {
  /** Where the one-line notice goes (default process.stderr). */
  write?: (s: string) => void;
  /** Exits at once on a second signal (default process.exit). */
  exit?: (code: number) => void;
  /** What to listen on (default process). */
  target?: {
    on(event: InterruptSignal, fn: () => void): unknown;
    off(event: InterruptSignal, fn: () => void): unknown;
  };
}

/**
 * Graceful interruption for a long command: the first SIGINT (Ctrl-C) or SIGTERM aborts
 * `signal` and prints what happens next (the command stops between two steps, writes its
 * checkpoint, summary and report, and exits 130/143); a second one exits at once with the same
 * code — safe, since every run file is written to a temporary name and renamed.
 * @example
 * const ints = catchInterrupts();
 * try { await fit(model, opt, data, { ...opts, signal: ints.signal }); } finally { ints.dispose(); }
 * if (ints.received) return ints.exitCode;
 */
export function catchInterrupts(what: string, deps: InterruptDeps = {}): Interrupts {
  const controller = new AbortController();
  const write = deps.write ?? ((s: string) => void process.stderr.write(s));
  const exit = deps.exit ?? ((code: number) => process.exit(code));
  const target = deps.target ?? process;
  let received: InterruptSignal | null = null;
  const handler = (sig: InterruptSignal) => (): void => {
    if (received !== null) {
      write(`\ngradscope: ${sig} again: exiting now (files already written stay intact)\n`);
      exit(INTERRUPT_EXIT[received]);
      return;
    }
    received = sig;
    write(
      `\ngradscope: ${sig}: stopping ${what} after the current step and saving; press Ctrl-C again to exit at once\n`,
    );
    controller.abort(sig);
  };
  const onInt = handler('SIGINT');
  const onTerm = handler('SIGTERM');
  target.on('SIGINT', onInt);
  target.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    get exitCode() {
      return received === null ? 0 : INTERRUPT_EXIT[received];
    },
    dispose() {
      target.off('SIGINT', onInt);
      target.off('SIGTERM', onTerm);
    },
  };
}

/**
 * Thrown from a progress or monitor callback once a command's interrupt signal is aborted, to
 * abandon a computation that cannot be saved half-way (an experiment run): it unwinds to the
 * command, which writes what was complete and exits 130/143.
 */
export class InterruptedError extends Error {
  /** What was running (the progress label). */
  readonly during: string;

  constructor(during: string) {
    super(`interrupted during ${during}`);
    this.name = 'InterruptedError';
    this.during = during;
  }
}

/**
 * Throws an {@link InterruptedError} when `signal` is aborted; call it from callbacks that a
 * long computation calls often (progress, monitor hooks).
 * @example ctx.progress = (f, label) => { throwIfInterrupted(ints.signal, label); bar.update(f, label); };
 */
export function throwIfInterrupted(signal: AbortSignal, during: string): void {
  if (signal.aborted) throw new InterruptedError(during);
}

/**
 * The exit code for an aborted signal: 143 when its reason is 'SIGTERM', else 130.
 * @example interruptExitCode(ints.signal) // 130 after Ctrl-C
 */
export function interruptExitCode(signal: AbortSignal): number {
  return signal.reason === 'SIGTERM' ? INTERRUPT_EXIT.SIGTERM : INTERRUPT_EXIT.SIGINT;
}
