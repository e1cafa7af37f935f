import { ConfigError, fmt } from '../errors.js';
import { parseTrainConfig } from '../train/config.js';
import {
  checkFields,
  checkObject,
  invalid,
  joinPath,
  missing,
  type FieldSpecs,
  type JsonObject,
} from '../train/config-validate.js';
import { Rng } from '../tensor/rng.js';
import { parseFieldPath, setAtPath, type PathStep } from './paths.js';

/** A JSON value (an axis value is any JSON a config field accepts). */
export type SweepValue =
  null | boolean | number | string | SweepValue[] | { [k: string]: SweepValue };

/** Random draws of one axis: `count` values from a seeded generator in [min, max]. */
export interface SampleSpec {
  /** Lower end of the range (> 0 for logUniform). */
  min: number;
  /** Upper end of the range (>= min). */
  max: number;
  /** How many values to draw. */
  count: number;
  /** Seed of the draws (default 0): the same seed gives the same values. */
  seed?: number;
  /** Round each draw to an integer (uniform only; default false). */
  integer?: boolean;
}

/**
 * One axis of a sweep: a config field path and its values, given as exactly one of
 * `values` (a grid), `logUniform` / `uniform` (seeded random draws) or `seeds` (N → 0..N-1, or
 * a list; the path defaults to `train.seed`).
 */
export interface SweepAxis {
  /** Config field path, e.g. "optimizer.lr", "model.hidden", "clip[0].maxNorm". */
  path: string;
  /** Grid values, each a JSON value the field accepts. */
  values?: SweepValue[];
  /** Seeded draws uniform in log space: exp(U(ln min, ln max)). */
  logUniform?: SampleSpec;
  /** Seeded draws uniform in [min, max]. */
  uniform?: SampleSpec;
  /** Seeds: N (0..N−1) or a list of integers >= 0; the path defaults to train.seed. */
  seeds?: number | number[];
}

/**
 * A sweep file (`gradscope sweep FILE`): a base train config (a path relative to the sweep file,
 * or the config inline) and the axes; the points are the Cartesian product of the axes' values
 * (the first axis varies slowest). Every point is a normal `gradscope train` run.
 * @example
 * { "name": "spiral-lr", "base": "../configs/spiral-sgd-momentum.json",
 *   "axes": [ { "path": "optimizer.lr", "values": [0.01, 0.1, 1] }, { "seeds": 2 } ] }
 */
export interface SweepSpec {
  /** Sweep name (default the base config's name): the default directory is runs/sweep-<name>. */
  name?: string;
  /** Free text, shown in the report. */
  description?: string;
  /** The base train config: a path relative to the sweep file, or the config inline. */
  base: string | Record<string, unknown>;
  /** The axes; the points are their product (the first axis varies slowest). */
  axes: SweepAxis[];
  /** The report's main metric (default "val.accuracy" when the runs evaluate, else "train.loss"). */
  metric?: string;
}

/** An axis with its values drawn / listed: what the points are made from. */
export interface ResolvedAxis {
  /** The config field path as written. */
  path: string;
  /** The path split into keys and indices. */
  steps: PathStep[];
  /** How the values were given. */
  kind: 'values' | 'logUniform' | 'uniform' | 'seeds';
  /** The axis's values (drawn for the random kinds). */
  values: SweepValue[];
}

/** A validated sweep: its name, the validated base config and the resolved axes. */
export interface ResolvedSweep {
  /** The sweep's name (the file's, else the base config's, else "sweep"). */
  name: string;
  /** The sweep file's description. */
  description?: string;
  /** The validated base train config (a plain JSON object, without `out`). */
  base: Record<string, unknown>;
  /** The axes with their values. */
  axes: ResolvedAxis[];
  /** The report's main metric, if the file names one. */
  metric?: string;
}

const TOP: FieldSpecs = {
  name: { type: 'string' },
  description: { type: 'string' },
  base: {
    type: 'custom',
    expected: 'a train config file path or an inline config',
    required: true,
  },
  axes: { type: 'custom', expected: 'a non-empty array of axes', required: true },
  metric: { type: 'string' },
};

const AXIS: FieldSpecs = {
  path: { type: 'string' },
  values: { type: 'custom', expected: 'a non-empty array' },
  logUniform: { type: 'custom', expected: '{ min, max, count, seed? }' },
  uniform: { type: 'custom', expected: '{ min, max, count, seed?, integer? }' },
  seeds: { type: 'custom', expected: 'an integer >= 1 or an array of integers >= 0' },
};

const SAMPLE: FieldSpecs = {
  min: { type: 'number', required: true },
  max: { type: 'number', required: true },
  count: { type: 'number', integer: true, min: 1, max: 100000, required: true },
  seed: { type: 'number', integer: true, min: 0 },
  integer: { type: 'boolean' },
};

const KINDS = ['values', 'logUniform', 'uniform', 'seeds'] as const;

function draw(o: JsonObject, path: string, log: boolean): number[] {
  checkFields(o, path, SAMPLE, log ? 'logUniform' : 'uniform');
  const s = o as unknown as SampleSpec;
  if (!(s.max >= s.min)) throw invalid(joinPath(path, 'max'), s.max, `a number >= min (${s.min})`);
  if (log && !(s.min > 0)) throw invalid(joinPath(path, 'min'), s.min, 'a number > 0 (log scale)');
  if (log && s.integer !== undefined)
    throw new ConfigError(`${joinPath(path, 'integer')} is only allowed for uniform draws`);
  const rng = new Rng(s.seed ?? 0);
  const out: number[] = [];
  for (let i = 0; i < s.count; i++) {
    const u = rng.float();
    const v = log
      ? Math.exp(Math.log(s.min) + u * (Math.log(s.max) - Math.log(s.min)))
      : s.min + u * (s.max - s.min);
    out.push(s.integer ? Math.round(v) : v);
  }
  return out;
}

/**
 * The ConfigError of an axis value the train config refuses: an unknown key becomes
 * `axes[i].path = "model.hiden" is not a config field …; expected one of model.name, …`, any
 * other problem is prefixed with where the value comes from.
 */
function axisError(e: ConfigError, where: string, axisPath: string, field: string): ConfigError {
  const m =
    /^(?:(\S+) is not a key of .*?|unknown top-level key "[^"]*")( \(did you mean "([^"]+)"\?\))?; allowed keys: (.*)$/.exec(
      e.message,
    );
  if (m) {
    const parent = m[1] === undefined ? '' : m[1].replace(/\.[^.]+$|^[^.]+$/, '');
    const full = (k: string): string => (parent === '' ? k : `${parent}.${k}`);
    const hint = m[3] !== undefined ? ` (did you mean ${fmt(full(m[3]))}?)` : '';
    const keys = (m[4] as string).split(', ').map(full).join(', ');
    return new ConfigError(
      `${where}.path = ${fmt(axisPath)} is not a config field${hint}; expected one of ${keys}`,
    );
  }
  return new ConfigError(`${field}: ${e.message}`);
}

/** Checks one value of an axis on the base config (the train config's own validation). */
function checkAxisValue(
  base: JsonObject,
  axis: { path: string; steps: PathStep[] },
  value: SweepValue,
  where: string,
  field: string,
): void {
  let cfg: JsonObject;
  try {
    cfg = setAtPath(base, axis.steps, value, `${where}.path = ${fmt(axis.path)}`);
    parseTrainConfig(cfg);
  } catch (e) {
    if (e instanceof ConfigError) throw axisError(e, where, axis.path, field);
    throw e;
  }
}

/**
 * Validates a sweep file's JSON and resolves its axes' values. `loadBase` reads the base config
 * when it is given as a path (relative paths are the caller's business). Errors name the field,
 * e.g. `axes[1].path = "model.hiden" is not a config field (did you mean "model.hidden"?); expected
 * one of model.name, model.hidden, …` or `axes[0].values[2]: optimizer.lr = -1 is invalid; expected a number > 0`.
 * @example const sweep = parseSweepSpec(JSON.parse(text), (p) => JSON.parse(readFileSync(p, 'utf8')));
 */
export function parseSweepSpec(json: unknown, loadBase: (path: string) => unknown): ResolvedSweep {
  const root = checkObject(json, 'sweep', 'a JSON object with base and axes');
  checkFields(root, '', TOP, 'the sweep file');
  const rawBase = root['base'];
  let baseJson: unknown;
  if (typeof rawBase === 'string') {
    if (rawBase.trim() === '')
      throw invalid('base', rawBase, 'a train config file path or an inline config');
    baseJson = loadBase(rawBase);
  } else baseJson = checkObject(rawBase, 'base', 'a train config file path or an inline config');
  let base: JsonObject;
  try {
    base = parseTrainConfig(baseJson) as unknown as JsonObject;
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`base: ${e.message}`);
    throw e;
  }
  delete base['out'];
  const rawAxes = root['axes'];
  if (!Array.isArray(rawAxes) || rawAxes.length === 0)
    throw invalid(
      'axes',
      rawAxes,
      'a non-empty array of axes ({ path, values | logUniform | uniform | seeds })',
    );
  const axes: ResolvedAxis[] = [];
  rawAxes.forEach((raw, i) => {
    const where = `axes[${i}]`;
    const o = checkObject(raw, where, 'an object { path, values | logUniform | uniform | seeds }');
    checkFields(o, where, AXIS, 'an axis');
    const given = KINDS.filter((k) => o[k] !== undefined);
    if (given.length !== 1)
      throw new ConfigError(
        `${where} has ${given.length === 0 ? 'no values' : `${given.join(' and ')}`}; expected exactly one of values, logUniform, uniform, seeds`,
      );
    const kind = given[0] as ResolvedAxis['kind'];
    const pathRaw = o['path'] ?? (kind === 'seeds' ? 'train.seed' : undefined);
    if (pathRaw === undefined)
      throw missing(`${where}.path`, 'a config field path such as "optimizer.lr"');
    const path = pathRaw as string;
    const steps = parseFieldPath(path, `${where}.path`);
    if (steps[0] === 'out')
      throw new ConfigError(
        `${where}.path = ${fmt(path)} cannot be swept; the sweep gives each point its own run directory`,
      );
    let values: SweepValue[];
    const field = joinPath(where, kind);
    if (kind === 'values') {
      const v = o['values'];
      if (!Array.isArray(v) || v.length === 0) throw invalid(field, v, 'a non-empty array');
      values = v as SweepValue[];
    } else if (kind === 'seeds') {
      const v = o['seeds'];
      if (typeof v === 'number') {
        if (!Number.isInteger(v) || v < 1 || v > 100000)
          throw invalid(field, v, 'an integer in [1, 100000] or an array of integers >= 0');
        values = Array.from({ length: v }, (_, k) => k);
      } else if (Array.isArray(v) && v.length > 0) {
        v.forEach((s, k) => {
          if (typeof s !== 'number' || !Number.isInteger(s) || s < 0)
            throw invalid(`${field}[${k}]`, s, 'an integer >= 0');
        });
        values = v as number[];
      } else throw invalid(field, v, 'an integer >= 1 or a non-empty array of integers >= 0');
    } else {
      const spec = checkObject(
        o[kind],
        field,
        kind === 'logUniform'
          ? '{ min, max, count, seed? }'
          : '{ min, max, count, seed?, integer? }',
      );
      values = draw(spec, field, kind === 'logUniform');
      // The range's ends stand for every draw in the train config's checks.
      checkAxisValue(base, { path, steps }, spec['min'] as number, where, `${field}.min`);
      checkAxisValue(base, { path, steps }, spec['max'] as number, where, `${field}.max`);
    }
    if (kind === 'values' || kind === 'seeds')
      values.forEach((v, k) => checkAxisValue(base, { path, steps }, v, where, `${field}[${k}]`));
    const seen = new Map<string, number>();
    values.forEach((v, k) => {
      const key = JSON.stringify(v);
      const prev = seen.get(key);
      if (prev !== undefined)
        throw new ConfigError(
          `${field}[${k}] = ${fmt(v)} repeats ${field}[${prev}]; every value of an axis must be different`,
        );
      seen.set(key, k);
    });
    const dup = axes.findIndex((a) => a.path === path);
    if (dup >= 0)
      throw new ConfigError(
        `${where}.path = ${fmt(path)} repeats axes[${dup}].path; each field can be swept by one axis`,
      );
    axes.push({ path, steps, kind, values });
  });
  return {
    name:
      (root['name'] as string | undefined) ??
      (typeof base['name'] === 'string' ? base['name'] : 'sweep'),
    ...(root['description'] !== undefined ? { description: root['description'] as string } : {}),
    base,
    axes,
    ...(root['metric'] !== undefined ? { metric: root['metric'] as string } : {}),
  };
}
