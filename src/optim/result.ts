import type { Params } from './types.js';

/** Writes and returns one reused `[updates, state]` pair. */
export type ResultWriter<S> = (updates: Params, state: S) => [Params, S];

/**
 * A reusable `[updates, state]` pair for a transformation's `update`, so that returning it does
 * not allocate an array per step. Callers read both entries before the next call (as `chain`
 * does); a destructuring `const [u, s] = tx.update(...)` does that.
 * @example const out = resultWriter<MyState>(); return out(updates, state);
 */
export function resultWriter<S>(): ResultWriter<S> {
  const pair = [null, null] as unknown as [Params, S];
  return (updates, state) => {
    pair[0] = updates;
    pair[1] = state;
    return pair;
  };
}
