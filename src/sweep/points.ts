import { ConfigError, fmt } from '../errors.js';
import { parseTrainConfig, type TrainConfig } from '../train/config.js';
import type { JsonObject } from '../train/config-validate.js';
import { sha256 } from '../train/sha256.js';
import { setAtPath } from './paths.js';
import type { ResolvedSweep, SweepValue } from './spec.js';

/** One point of a sweep: its axis values, the resolved train config and that config's hash. */
export interface SweepPoint {
  /** Position in the sweep's order (the first axis varies slowest). */
  index: number;
  /** The axis values by path, in the axes' order. */
  values: Record<string, SweepValue>;
  /** The base config with the axis values set, validated (without `out`). */
  config: TrainConfig;
  /** SHA-256 of the config's canonical JSON: the point's identity (resume, deduplication). */
  hash: string;
}

/**
 * JSON with object keys sorted at every level, so equal configs give equal text (and hash)
 * whatever order their keys were written in.
 * @example canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }) // '{"a":[2,{"c":4,"d":3}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The hash that identifies a resolved train config: SHA-256 of its canonical JSON without `out`
 * (where a run is written does not change what it computes).
 * @example configHash(point.config) === point.hash
 */
export function configHash(config: TrainConfig): string {
  const { out: _out, ...rest } = config;
  return sha256(canonicalJson(rest));
}

/**
 * The points of a sweep: the Cartesian product of its axes' values (the first axis varies
 * slowest), each applied to the base config and validated by the train config's parser. A point
 * the parser refuses is an error naming the point and its values; two points with the same
 * resolved config are refused.
 * @example expandSweep(parseSweepSpec(json, load)).length // product of the axes' lengths
 */
export function expandSweep(sweep: ResolvedSweep): SweepPoint[] {
  const total = sweep.axes.reduce((n, a) => n * a.values.length, 1);
  if (total > 1_000_000)
    throw new ConfigError(`axes: the sweep has ${total} points; expected at most 1000000`);
  const points: SweepPoint[] = [];
  const byHash = new Map<string, number>();
  for (let index = 0; index < total; index++) {
    let rest = index;
    const picks: number[] = new Array<number>(sweep.axes.length);
    for (let a = sweep.axes.length - 1; a >= 0; a--) {
      const n = (sweep.axes[a] as ResolvedSweep['axes'][number]).values.length;
      picks[a] = rest % n;
      rest = Math.floor(rest / n);
    }
    let cfg: JsonObject = sweep.base;
    const values: Record<string, SweepValue> = {};
    sweep.axes.forEach((axis, a) => {
      const v = axis.values[picks[a] as number] as SweepValue;
      values[axis.path] = v;
      cfg = setAtPath(cfg, axis.steps, v, `axes[${a}].path = ${fmt(axis.path)}`);
    });
    let config: TrainConfig;
    try {
      config = parseTrainConfig(cfg);
    } catch (e) {
      if (e instanceof ConfigError)
        throw new ConfigError(`point ${index} (${describeValues(values)}): ${e.message}`);
      throw e;
    }
    delete config.out;
    const hash = configHash(config);
    const prev = byHash.get(hash);
    if (prev !== undefined)
      throw new ConfigError(
        `point ${index} (${describeValues(values)}) has the same config as point ${prev}; every point must differ`,
      );
    byHash.set(hash, index);
    points.push({ index, values, config, hash });
  }
  return points;
}

/**
 * The axis values of a point as `path=value` pairs.
 * @example describeValues({ 'optimizer.lr': 0.1, 'train.seed': 0 }) // 'optimizer.lr=0.1, train.seed=0'
 */
export function describeValues(values: Record<string, SweepValue>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}
