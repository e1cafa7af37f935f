import { ConfigError, fmt } from '../errors.js';
import type { Schedule, ScalarOrSchedule } from '../schedule/types.js';

/** An allowed interval for a numeric option (inclusive bounds unless marked exclusive). */
export interface Range {
  min?: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
  integer?: boolean;
  /** Accept +Infinity (e.g. "no threshold"); non-finite values are rejected otherwise. */
  allowInfinity?: boolean;
}

function describe(name: string, r: Range): string {
  const lo = r.min === undefined ? '' : `${r.min} ${r.minExclusive ? '<' : '<='} `;
  const hi = r.max === undefined ? '' : ` ${r.maxExclusive ? '<' : '<='} ${r.max}`;
  const body = lo || hi ? `${lo}${name}${hi}` : `${name} finite`;
  const inf = r.allowInfinity ? ' (Infinity allowed)' : '';
  return (r.integer ? `an integer with ${body}` : body) + inf;
}

/**
 * Whether v lies in the range (finite unless Infinity is allowed; integer when asked).
 * @example numberInRange(2, { min: 0, minExclusive: true }) // true
 */
export function numberInRange(v: number, r: Range): boolean {
  return inRange(v, r);
}

function inRange(v: number, r: Range): boolean {
  if (Number.isNaN(v)) return false;
  if (!Number.isFinite(v) && !(r.allowInfinity && v === Infinity)) return false;
  if (r.integer && !Number.isInteger(v)) return false;
  if (r.min !== undefined && (r.minExclusive ? !(v > r.min) : !(v >= r.min))) return false;
  if (r.max !== undefined && (r.maxExclusive ? !(v < r.max) : !(v <= r.max))) return false;
  return true;
}

/**
 * Validates a numeric option at construction: throws a ConfigError naming the owner, the option,
 * the value received and the allowed range (e.g. `adam: option b1 = 1 is out of range; expected
 * 0 <= b1 < 1`). `undefined` takes `fallback`.
 * @example const b1 = checkNumber('adam', 'b1', opts.b1, 0.9, { min: 0, max: 1, maxExclusive: true });
 */
export function checkNumber(
  owner: string,
  name: string,
  value: unknown,
  fallback: number | undefined,
  range: Range,
): number {
  const v = value === undefined ? fallback : value;
  if (v === undefined)
    throw new ConfigError(
      `${owner}: option ${name} is required; expected ${describe(name, range)}`,
    );
  if (typeof v !== 'number') {
    throw new ConfigError(
      `${owner}: option ${name} = ${fmt(v)} is not a number; expected ${describe(name, range)}`,
    );
  }
  if (!inRange(v, range)) {
    throw new ConfigError(
      `${owner}: option ${name} = ${fmt(v)} is out of range; expected ${describe(name, range)}`,
    );
  }
  return v;
}

/**
 * Validates a boolean option (`undefined` takes `fallback`).
 * @example const amsgrad = checkBoolean('adam', 'amsgrad', opts.amsgrad, false);
 */
export function checkBoolean(
  owner: string,
  name: string,
  value: unknown,
  fallback: boolean,
): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new ConfigError(
      `${owner}: option ${name} = ${fmt(value)} is not a boolean; expected true or false`,
    );
  return value;
}

/**
 * Validates a string option against its allowed values (`undefined` takes `fallback`).
 * @example const mode = checkEnum('zClip', 'mode', opts.mode, 'zscore', ['zscore', 'percentile']);
 */
export function checkEnum<T extends string>(
  owner: string,
  name: string,
  value: unknown,
  fallback: T,
  allowed: readonly T[],
): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(
      `${owner}: option ${name} = ${fmt(value)} is invalid; expected one of ${allowed.map((a) => fmt(a)).join(', ')}`,
    );
  }
  return value as T;
}

/**
 * Validates a number-or-schedule option (a learning rate): a number in `range`, or a function of
 * the step. Returns it as a {@link Schedule}.
 * @example const lr = checkScalarOrSchedule('sgd', 'lr', opts.lr, undefined, { min: 0 });
 */
export function checkScalarOrSchedule(
  owner: string,
  name: string,
  value: unknown,
  fallback: number | undefined,
  range: Range,
): Schedule {
  if (typeof value === 'function') return value as Schedule;
  const v = checkNumber(owner, name, value, fallback, range);
  return constantSchedule(v);
}

/**
 * A schedule that always returns `value`.
 * @example constantSchedule(0.1)(1000) // 0.1
 */
export function constantSchedule(value: number): Schedule {
  return () => value;
}

/**
 * A number or schedule as a schedule.
 * @example toSchedule(0.1)(5) // 0.1
 */
export function toSchedule(value: ScalarOrSchedule): Schedule {
  return typeof value === 'function' ? value : constantSchedule(value);
}

/**
 * Rejects unknown option names (a typo such as `beta1` for `b1` would otherwise be silently
 * ignored), and a non-object options argument.
 * @example checkKeys('adam', opts, ['lr', 'b1', 'b2', 'eps']);
 */
export function checkKeys(owner: string, options: unknown, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError(
      `${owner}: options = ${fmt(options)} is not an object; expected an object with keys among ${allowed.join(', ')}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(
        `${owner}: unknown option ${fmt(key)}; expected one of ${allowed.join(', ')}`,
      );
    }
  }
}
