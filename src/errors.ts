/**
 * Base class of every error gradscope throws on purpose. Messages name the argument, the value
 * received and what was expected, so that a user can fix the call without reading the source.
 */
export class GradscopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit together (with both shapes in the message). */
export class ShapeError extends GradscopeError {}

/** Mixed or unsupported dtypes: gradscope never casts silently. */
export class DtypeError extends GradscopeError {}

/** An invalid option or hyper-parameter (name, value and allowed range in the message). */
export class ConfigError extends GradscopeError {}

/**
 * A size or count whose estimated memory or time is over the resource budget: the message names
 * the field, the estimate and the flag (or option) that raises the limit. Thrown before anything
 * is allocated.
 */
export class BudgetError extends ConfigError {}

/** Bad data: NaN/Inf samples, labels out of range, corrupt or truncated files. */
export class DataError extends GradscopeError {}

/** An output path (a run directory, a report) that cannot be created or written: the path and the cause. */
export class OutputError extends GradscopeError {}

/** Misuse of the autograd tape: backward twice through a freed graph, a non-scalar without a seed. */
export class AutogradError extends GradscopeError {}

/** Formats a value for an error message: short, unambiguous, JSON-like. */
export function fmt(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(fmt).join(', ')}]`;
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
