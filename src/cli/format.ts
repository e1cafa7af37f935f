import { GradscopeError } from '../errors.js';

/**
 * "2026-11-27 14:05": a local date and time to the minute, for report footers.
 * @example localStamp(new Date()) // '2026-11-27 14:05'
 */
export function localStamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/**
 * An error for a CLI message: a library error as `Name: message`, anything else with its stack.
 * @example err(`gradscope run: stopped with an error: ${errorText(e)}`)
 */
export function errorText(e: unknown): string {
  if (e instanceof GradscopeError) return `${e.name}: ${e.message}`;
  if (e instanceof Error) return e.stack ?? e.message;
  return String(e);
}

/** The environment variables the CLI reads for its output (a subset of process.env). */
export interface OutputEnv {
  NO_COLOR?: string | undefined;
}

/**
 * Whether the CLI writes ANSI colours to `stream`: only on a terminal, never with `--no-color`,
 * and never when the NO_COLOR environment variable is set to a non-empty value (no-color.org:
 * "when present and not an empty string, prevents the addition of ANSI color"). Cursor movement
 * (redrawing a progress line) is not colour and stays on a terminal.
 * @example colorEnabled(process.stderr, { 'no-color': false }) // false when NO_COLOR=1
 * @see https://no-color.org
 */
export function colorEnabled(
  stream: { isTTY?: boolean },
  flags: Readonly<Record<string, unknown>> = {},
  env: OutputEnv = process.env,
): boolean {
  if (flags['no-color'] === true) return false;
  const v = env.NO_COLOR;
  if (typeof v === 'string' && v !== '') return false;
  return stream.isTTY === true;
}
