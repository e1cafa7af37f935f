import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { BLOCKS, CLIPS, OPTIMIZERS, SCHEDULES } from './config-specs.js';
import {
  checkFields,
  type FieldSpec,
  type FieldSpecs,
  type JsonObject,
} from './config-validate.js';
import type { NumberField } from '../optim/field-spec.js';

// Issue 14: one declaration per transformation. For every registry entry (optimizers, clipping
// rules, schedules, chain blocks) and every numeric option, the config parser (checkFields over
// the registry's FieldSpec) and the factory (the entry's build, i.e. the library function) must
// reject exactly the same values: each bound, just inside and just outside it, a non-integer
// for an integer option, NaN and ±Infinity. The other options stay at a valid base value. The
// learning rate is left out on purpose: configs refuse lr = 0 (LR_FIELD, > 0) where the library
// accepts it (a schedule that starts at 0).

// Rules that tie two options together are checked by the factory alone (a FieldSpec is one
// field's range): the base values below keep them out of the way, and the one probe that still
// meets such a rule is listed with the rule.
const CROSS_FIELD: Record<string, { base: JsonObject; expected: string[] }> = {
  // total > warmup
  'schedule warmupCosine': { base: { warmup: 0 }, expected: [] },
  // every phase at least one step: 1/totalSteps < pctStart (< 1 without threePhase)
  'schedule oneCycle': {
    base: { pctStart: 0.75 },
    expected: ['pctStart = 1e-9: parser accepts, factory rejects'],
  },
};

type Entry = { what: string; fields: FieldSpecs; build: (o: JsonObject) => unknown };

const entries: Entry[] = [
  ...Object.entries(OPTIMIZERS).map(([name, s]) => ({
    what: `optimizer ${name}`,
    fields: s.fields,
    build: (o: JsonObject) => s.build(o, (o['lr'] as number | undefined) ?? s.defaultLr ?? 0.1),
  })),
  ...Object.entries(CLIPS).map(([name, s]) => ({
    what: `clip ${name}`,
    fields: s.fields as FieldSpecs,
    build: (o: JsonObject) => s.build(o),
  })),
  ...Object.entries(SCHEDULES).map(([name, s]) => ({
    what: `schedule ${name}`,
    fields: s.fields as FieldSpecs,
    // as makeSchedule does: the base lr, and the length (when left out) the run's steps
    build: (o: JsonObject) =>
      s.build({
        ...o,
        [s.base]: 0.1,
        ...(s.length !== undefined && o[s.length] === undefined ? { [s.length]: 100 } : {}),
      }),
  })),
  ...Object.entries(BLOCKS).map(([name, s]) => ({
    what: `block ${name}`,
    fields: s.fields,
    build: (o: JsonObject) => s.build(o, undefined),
  })),
];

/** A valid value inside a numeric range (away from the bounds). */
function inside(f: NumberField): number {
  const { min, max } = f;
  let v: number;
  if (min !== undefined && max !== undefined) v = (min + max) / 2;
  else if (min !== undefined) v = min + 3;
  else if (max !== undefined) v = max - 3;
  else v = 0.5;
  return f.integer ? Math.ceil(v) : v;
}

function baseValue(f: FieldSpec): unknown {
  switch (f.type) {
    case 'number':
      return inside(f);
    case 'numbers':
      return [inside(f.item), inside(f.item) + 2];
    case 'numberOrEnum':
      return inside(f.item);
    case 'boolean':
      return false;
    case 'enum':
      return f.values[0];
    default:
      return undefined;
  }
}

/** Values at and around each bound of a numeric range. */
function probes(f: NumberField): number[] {
  const out = [NaN, Infinity, -Infinity];
  const near = (b: number): number[] =>
    f.integer ? [b - 1, b, b + 1, b + 0.5] : [b - 1e-9, b, b + 1e-9];
  if (f.min !== undefined) out.push(...near(f.min));
  if (f.max !== undefined) out.push(...near(f.max));
  if (f.integer) out.push(inside(f) + 0.5);
  return out;
}

function rejects(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (e) {
    if (e instanceof ConfigError) return true;
    throw e;
  }
}

describe('registry ranges: the factory and the config parser reject the same values', () => {
  it.each(entries.map((e) => [e.what, e] as const))('%s', (_, e) => {
    const base: JsonObject = {};
    for (const [k, f] of Object.entries(e.fields))
      if (f.required) base[k] = k === 'lr' ? 0.1 : baseValue(f);
    const cross = CROSS_FIELD[e.what];
    Object.assign(base, cross?.base ?? {});
    // the base is valid for both
    expect(
      rejects(() => checkFields(base, 'x', e.fields, e.what)),
      `${e.what} base`,
    ).toBe(false);
    expect(
      rejects(() => e.build(base)),
      `${e.what} base`,
    ).toBe(false);
    const disagreements: string[] = [];
    for (const [k, f] of Object.entries(e.fields)) {
      if (k === 'lr') continue;
      const item = f.type === 'number' ? f : f.type === 'numberOrEnum' ? f.item : null;
      const values: unknown[] =
        item !== null ? probes(item) : f.type === 'numbers' ? probes(f.item).map((v) => [v]) : [];
      for (const v of values) {
        const o = { ...base, [k]: v };
        const parser = rejects(() => checkFields(o, 'x', e.fields, e.what));
        const factory = rejects(() => e.build(o));
        if (parser !== factory)
          disagreements.push(
            `${k} = ${Array.isArray(v) ? `[${String(v[0])}]` : String(v)}: parser ${parser ? 'rejects' : 'accepts'}, factory ${factory ? 'rejects' : 'accepts'}`,
          );
      }
    }
    expect(disagreements).toEqual(cross?.expected ?? []);
  });
});
