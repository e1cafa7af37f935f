import { ConfigError, fmt } from '../errors.js';

import type { FieldSpec, FieldSpecs, NumberField } from '../optim/field-spec.js';

// The field format lives with the transformations' option declarations (optim/field-spec.ts), so
// that an optimizer's options and its config fields are one declaration; re-exported here. The
// same tables give the JSON Schema of the config (train/config-schema.ts).
export type { FieldSpec, FieldSpecs, NumberField };

/** A plain JSON object. */
export type JsonObject = Record<string, unknown>;

/** @internal `a.b`, `a[2]`, or `b` at the top level. @example joinPath('optimizer', 'lr') // 'optimizer.lr' */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** @internal The ConfigError of a field: `path = value is invalid; expected …`. @example throw invalid('optimizer.lr', -1, 'a number > 0') */
export function invalid(path: string, value: unknown, expected: string): ConfigError {
  return new ConfigError(`${path} = ${fmt(value)} is invalid; expected ${expected}`);
}

/** @internal The ConfigError of a missing required field. @example throw missing('train.epochs', 'an integer >= 1') */
export function missing(path: string, expected: string, why = ''): ConfigError {
  return new ConfigError(`${path} is missing${why ? ` (${why})` : ''}; expected ${expected}`);
}

/** Edit distance with transpositions (optimal string alignment), for "did you mean" hints. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) =>
    Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => (d[i] as number[])[j] as number;
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      let v = Math.min(
        at(i - 1, j - 1) + (x[i - 1] === y[j - 1] ? 0 : 1),
        at(i - 1, j) + 1,
        at(i, j - 1) + 1,
      );
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1])
        v = Math.min(v, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = v;
    }
  }
  return at(x.length, y.length);
}

/** @internal ` (did you mean "x"?)` when one allowed word is close to `word`, else ''. @example suggest('adma', ['adam', 'sgd']) // ' (did you mean "adam"?)' */
export function suggest(word: string, allowed: readonly string[]): string {
  let best = '';
  let bestD = Infinity;
  for (const a of allowed) {
    const d = distance(word, a);
    if (d < bestD) {
      bestD = d;
      best = a;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  return bestD <= limit ? ` (did you mean ${fmt(best)}?)` : '';
}

/** @internal The allowed range of a number in words. @example describeNumber({ type: 'number', min: 0, minExclusive: true }) // 'a number > 0' */
export function describeNumber(f: NumberField): string {
  const kind = f.integer ? 'an integer' : 'a number';
  const lo = f.min;
  const hi = f.max;
  const inf = f.allowInfinity === true ? ' (or Infinity)' : '';
  if (lo !== undefined && hi !== undefined)
    return `${kind} in ${f.minExclusive ? '(' : '['}${lo}, ${hi}${f.maxExclusive ? ')' : ']'}${inf}`;
  if (lo !== undefined) return `${kind} ${f.minExclusive ? '>' : '>='} ${lo}${inf}`;
  if (hi !== undefined) return `${kind} ${f.maxExclusive ? '<' : '<='} ${hi}${inf}`;
  return `a finite ${f.integer ? 'integer' : 'number'}${inf}`;
}

/** @internal What a field accepts, in words. @example describeField({ type: 'boolean' }) // 'true or false' */
export function describeField(f: FieldSpec): string {
  switch (f.type) {
    case 'number':
      return describeNumber(f);
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
    case 'enum':
      return `one of ${f.values.map((v) => fmt(v)).join(', ')}`;
    case 'numbers':
      return `an array${f.minLength ? ` of at least ${f.minLength}` : ''} of ${describeNumber(f.item).replace(/^an? ((?:finite )?(?:integer|number))/, '$1s')}`;
    case 'numberOrEnum':
      return `${describeNumber(f.item)} or ${f.values.map((v) => fmt(v)).join(', ')}`;
    case 'custom':
      return f.expected;
  }
}

function numberOk(v: unknown, f: NumberField): boolean {
  if (typeof v !== 'number' || Number.isNaN(v)) return false;
  if (!Number.isFinite(v) && !(f.allowInfinity === true && v === Infinity)) return false;
  if (f.integer && !Number.isInteger(v)) return false;
  if (f.min !== undefined && (f.minExclusive ? !(v > f.min) : !(v >= f.min))) return false;
  if (f.max !== undefined && (f.maxExclusive ? !(v < f.max) : !(v <= f.max))) return false;
  return true;
}

/** @internal Throws unless `v` is a plain object (not null, not an array); returns it. @example const o = checkObject(json.train, 'train'); */
export function checkObject(v: unknown, path: string, expected = 'an object'): JsonObject {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid(path, v, expected);
  return v as JsonObject;
}

/** @internal Checks one value against its spec (custom fields are left to the caller). @example checkValue(0.1, 'optimizer.lr', { type: 'number', min: 0 }) */
export function checkValue(v: unknown, path: string, f: FieldSpec): void {
  switch (f.type) {
    case 'number':
      if (!numberOk(v, f)) throw invalid(path, v, describeNumber(f));
      return;
    case 'boolean':
      if (typeof v !== 'boolean') throw invalid(path, v, 'true or false');
      return;
    case 'string':
      if (typeof v !== 'string') throw invalid(path, v, 'a string');
      return;
    case 'enum':
      if (typeof v !== 'string' || !f.values.includes(v))
        throw invalid(
          path,
          v,
          describeField(f) + (typeof v === 'string' ? suggest(v, f.values) : ''),
        );
      return;
    case 'numbers': {
      if (!Array.isArray(v) || v.length < (f.minLength ?? 0))
        throw invalid(path, v, describeField(f));
      v.forEach((x, i) => {
        if (!numberOk(x, f.item)) throw invalid(joinPath(path, i), x, describeNumber(f.item));
      });
      return;
    }
    case 'numberOrEnum':
      if (typeof v === 'string' ? !f.values.includes(v) : !numberOk(v, f.item))
        throw invalid(path, v, describeField(f));
      return;
    case 'custom':
      return;
  }
}

/**
 * Checks an object's keys and values against `specs`: an unknown key (a typo) is refused with
 * the allowed keys, a missing required key is named, and each value is checked. `what` names
 * the section in the unknown-key message ("optimizer \"adam\"").
 * @internal
 * @example checkFields(o, 'train', { epochs: { type: 'number', integer: true, min: 1 } }, 'train')
 */
export function checkFields(
  obj: JsonObject,
  path: string,
  specs: FieldSpecs,
  what: string,
  extraKeys: readonly string[] = [],
): void {
  const allowed = [...extraKeys, ...Object.keys(specs)];
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      const where =
        path === ''
          ? `unknown top-level key ${fmt(key)}`
          : `${joinPath(path, key)} is not a key of ${what}`;
      throw new ConfigError(
        `${where}${suggest(key, allowed)}; allowed keys: ${allowed.join(', ')}`,
      );
    }
  }
  for (const [key, f] of Object.entries(specs)) {
    const v = obj[key];
    if (v === undefined) {
      if (f.required) throw missing(joinPath(path, key), describeField(f), `required by ${what}`);
      continue;
    }
    checkValue(v, joinPath(path, key), f);
  }
}

/** @internal The `name` of a section: a string among `names`, or a ConfigError naming `path.name`. @example checkName({ name: 'adam' }, 'optimizer', ['sgd', 'adam'], 'optimizer') // 'adam' */
export function checkName<T extends string>(
  obj: JsonObject,
  path: string,
  names: readonly T[],
  kind: string,
): T {
  const p = joinPath(path, 'name');
  const v = obj['name'];
  if (v === undefined) throw missing(p, `the ${kind}: one of ${names.join(', ')}`);
  if (typeof v !== 'string' || !(names as readonly string[]).includes(v)) {
    throw new ConfigError(
      `${p} = ${fmt(v)} is not a known ${kind}${typeof v === 'string' ? suggest(v, names) : ''}; expected one of ${names.join(', ')}`,
    );
  }
  return v as T;
}
