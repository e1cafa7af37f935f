import type { Params } from './types.js';

const cache = new WeakMap<object, readonly string[]>();

/**
 * The names of a {@link Params} record, cached per record so that a training step does not
 * allocate a key array (and does not run `for…in`, which allocates on dictionary-mode objects,
 * i.e. records with more than a few dozen entries).
 *
 * A record is treated as fixed once seen: add every entry before its first use.
 * @example for (const name of namesOf(updates)) scale(updates[name]!)
 */
export function namesOf(record: Params): readonly string[] {
  let names = cache.get(record);
  if (names === undefined) {
    names = Object.freeze(Object.keys(record));
    cache.set(record, names);
  }
  return names;
}

const indexCache = new WeakMap<readonly string[], Map<string, number>>();

/**
 * Position of `name` in `names` (-1 if absent), through a map cached per names array; used by
 * transformations that keep per-parameter scalars in typed arrays (numbers stored in typed
 * arrays are not boxed, so recording them allocates nothing).
 * @example indexOfName(state.names, 'fc.weight') // 3
 */
export function indexOfName(names: readonly string[], name: string): number {
  let map = indexCache.get(names);
  if (map === undefined) {
    map = new Map(names.map((n, i) => [n, i]));
    indexCache.set(names, map);
  }
  return map.get(name) ?? -1;
}
