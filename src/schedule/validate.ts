import { ConfigError, fmt } from '../errors.js';

/** The allowed range of a numeric option (bounds inclusive unless marked open). */
export interface NumberSpec {
  /** Must be an integer. */
  integer?: boolean;
  /** Lower bound. */
  min?: number;
  /** Upper bound. */
  max?: number;
  /** The lower bound itself is excluded. */
  minExclusive?: boolean;
  /** The upper bound itself is excluded. */
  maxExclusive?: boolean;
}

/** Human-readable form of a {@link NumberSpec}, for error messages ("an integer >= 1"). */
export function describeSpec(spec: NumberSpec): string {
  const kind = spec.integer ? 'an integer' : 'a finite number';
  const { min, max } = spec;
  if (min !== undefined && max !== undefined) {
    return `${kind} in ${spec.minExclusive ? '(' : '['}${min}, ${max}${spec.maxExclusive ? ')' : ']'}`;
  }
  if (min !== undefined) return `${kind} ${spec.minExclusive ? '>' : '>='} ${min}`;
  if (max !== undefined) return `${kind} ${spec.maxExclusive ? '<' : '<='} ${max}`;
  return kind;
}

/**
 * Checks that `options` is a plain object whose keys are all in `allowed`: a misspelt option
 * (`stepsize` for `stepSize`) is an error, never silently replaced by the default.
 * @internal
 */
export function checkOptionKeys(fn: string, options: unknown, allowed: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError(`${fn}: options must be an object, got ${fmt(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(
        `${fn}: unknown option ${fmt(key)}; allowed options are ${allowed.map((k) => fmt(k)).join(', ')}`,
      );
    }
  }
}

/**
 * Returns `value` (or `fallback` when undefined) after checking it is a finite number in the
 * range of `spec`; throws a ConfigError naming the option, the value and the range otherwise.
 * @internal
 */
export function numberOption(
  fn: string,
  name: string,
  value: unknown,
  spec: NumberSpec,
  fallback?: number,
): number {
  const v = value === undefined ? fallback : value;
  const bad = (): never => {
    throw new ConfigError(`${fn}: option ${name} must be ${describeSpec(spec)}, got ${fmt(v)}`);
  };
  if (typeof v !== 'number' || !Number.isFinite(v)) return bad();
  if (spec.integer && !Number.isInteger(v)) return bad();
  if (spec.min !== undefined && (spec.minExclusive ? v <= spec.min : v < spec.min)) return bad();
  if (spec.max !== undefined && (spec.maxExclusive ? v >= spec.max : v > spec.max)) return bad();
  return v;
}

/** Returns `value` (or `fallback`) after checking it is one of `allowed`. @internal */
export function choiceOption<T extends string>(
  fn: string,
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  const v = value === undefined ? fallback : value;
  for (const a of allowed) if (v === a) return a;
  throw new ConfigError(
    `${fn}: option ${name} must be one of ${allowed.map((a) => fmt(a)).join(', ')}, got ${fmt(v)}`,
  );
}

/** Returns `value` (or `fallback`) after checking it is a boolean. @internal */
export function booleanOption(
  fn: string,
  name: string,
  value: unknown,
  fallback: boolean,
): boolean {
  const v = value === undefined ? fallback : value;
  if (typeof v !== 'boolean') {
    throw new ConfigError(`${fn}: option ${name} must be true or false, got ${fmt(v)}`);
  }
  return v;
}

/** Range of learning-rate-valued options: gradscope's optimizers negate, so an lr is >= 0. */
export const LR_SPEC: NumberSpec = { min: 0 };
