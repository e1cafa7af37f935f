import { ProgressReporter, type ProgressOptions } from '../train/progress.js';
import type { FlagSpec } from './args.js';
import { colorEnabled, type OutputEnv } from './format.js';

/** The `--no-color` flag of the commands that colour their output. */
export const COLOR_FLAGS: Record<'no-color', FlagSpec> = {
  'no-color': {
    type: 'boolean',
    default: false,
    description: 'no ANSI colours (the NO_COLOR environment variable does the same)',
  },
};

/** A stream the CLI writes progress to (process.stderr/stdout, or a test's capture). */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
}

/** Options of {@link terminalProgress}. */
export interface TerminalProgressOptions extends Pick<
  ProgressOptions,
  'unit' | 'every' | 'now' | 'lineEveryMs' | 'heartbeatMs'
> {
  /** The command's parsed flags (`--no-color`). */
  flags?: Readonly<Record<string, unknown>>;
  /** The environment (NO_COLOR); default process.env. */
  env?: OutputEnv;
  /** No output at all (--quiet). */
  quiet?: boolean;
  /** Lines mode only: where the lines go instead of the stream (e.g. a filter that thins them). */
  lineWrite?: (s: string) => void;
}

/**
 * The progress renderer of a CLI command writing to `stream`: a redrawn bar line with rate and
 * ETA when the stream is a terminal, plain periodic lines otherwise, silent with `quiet`;
 * colours only on a terminal without `--no-color` and NO_COLOR. One renderer
 * ({@link ProgressReporter}) for train, run, demo and sweep.
 * @example const p = terminalProgress(process.stderr, { flags: args.flags, unit: 'fraction' }); p.start(1); p.update(0.5, 'seed 2');
 */
export function terminalProgress(
  stream: ProgressStream,
  options: TerminalProgressOptions = {},
): ProgressReporter {
  const tty = stream.isTTY === true;
  const write = (s: string): void => void stream.write(s);
  const { flags, env, quiet, lineWrite, ...rest } = options;
  return new ProgressReporter({
    ...rest,
    mode: quiet === true ? 'silent' : tty ? 'bar' : 'lines',
    isTTY: tty,
    write: !tty && lineWrite !== undefined ? lineWrite : write,
    color: colorEnabled(stream, flags ?? {}, env ?? process.env),
  });
}
