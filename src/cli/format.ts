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
