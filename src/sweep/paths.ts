import { ConfigError, fmt } from '../errors.js';

/** One step of a config field path: an object key or an array index. */
export type PathStep = string | number;

const STEP = /^([A-Za-z_$][\w$]*)((?:\[\d+\])*)$/;

/**
 * Splits a config field path such as `optimizer.lr`, `model.hidden[1]` or `clip[0].maxNorm`
 * into its steps; `where` names the path in the error (e.g. `axes[1].path`).
 * @example parseFieldPath('clip[0].maxNorm', 'axes[0].path') // ['clip', 0, 'maxNorm']
 */
export function parseFieldPath(path: unknown, where: string): PathStep[] {
  if (typeof path !== 'string' || path.trim() === '')
    throw new ConfigError(
      `${where} = ${fmt(path)} is invalid; expected a config field path such as "optimizer.lr" or "model.hidden[0]"`,
    );
  const steps: PathStep[] = [];
  for (const part of path.split('.')) {
    const m = STEP.exec(part);
    if (!m)
      throw new ConfigError(
        `${where} = ${fmt(path)} is invalid; expected a config field path such as "optimizer.lr" or "model.hidden[0]" (dot-separated keys, [i] for array items)`,
      );
    steps.push(m[1] as string);
    for (const idx of (m[2] as string).matchAll(/\[(\d+)\]/g)) steps.push(Number(idx[1]));
  }
  return steps;
}

/**
 * Returns a copy of `root` with the value at `steps` set to `value`; missing objects on the way
 * are created (an index step into a missing or short array is an error: arrays are not grown
 * with holes).
 * @example setAtPath({ a: { b: 1 } }, ['a', 'b'], 2) // { a: { b: 2 } }
 */
export function setAtPath(
  root: Record<string, unknown>,
  steps: readonly PathStep[],
  value: unknown,
  where: string,
): Record<string, unknown> {
  const out = structuredClone(root);
  let node: unknown = out;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as PathStep;
    const last = i === steps.length - 1;
    if (typeof step === 'number') {
      if (!Array.isArray(node) || step >= node.length)
        throw new ConfigError(
          `${where}: index [${step}] is outside the base config's array (length ${Array.isArray(node) ? node.length : 0})`,
        );
      if (last) node[step] = structuredClone(value);
      else node = node[step];
      continue;
    }
    if (node === null || typeof node !== 'object' || Array.isArray(node))
      throw new ConfigError(
        `${where}: cannot set key ${fmt(step)} inside ${fmt(node)} of the base config (not an object)`,
      );
    const obj = node as Record<string, unknown>;
    if (last) obj[step] = structuredClone(value);
    else {
      if (obj[step] === undefined) obj[step] = typeof steps[i + 1] === 'number' ? [] : {};
      node = obj[step];
    }
  }
  return out;
}
