import { ShapeError, fmt } from '../errors.js';
import type { Params } from './types.js';

/**
 * @internal Reusable sub-records of `updates` and `params` restricted to `names` (for masked and
 * partition): rebuilt only when the names array changes (a new state), refilled in place —
 * assignments to existing keys — on every step, so a step allocates nothing.
 * @example view.fill(state.names, updates, params); inner.update(view.updates, s, view.params, ctx);
 */
export class SubsetView {
  private names: readonly string[] | null = null;
  updates: Params = {};
  params: Params = {};

  constructor(private readonly owner: string) {}

  /** Points the sub-records at the current step's tensors. */
  fill(names: readonly string[], updates: Params, params: Params): void {
    if (names !== this.names) {
      const u: Params = {};
      const p: Params = {};
      for (const n of names) {
        u[n] = this.pick(updates, n, 'updates');
        const pn = params[n];
        if (pn !== undefined) p[n] = pn;
      }
      this.updates = u;
      this.params = p;
      this.names = names;
      return;
    }
    const u = this.updates;
    const p = this.params;
    for (let i = 0; i < names.length; i++) {
      const n = names[i] as string;
      u[n] = this.pick(updates, n, 'updates');
      const pn = params[n];
      if (pn !== undefined) p[n] = pn;
    }
  }

  /** Writes the inner transformation's outputs back into the caller's updates record. */
  writeBack(names: readonly string[], out: Params, updates: Params): void {
    for (let i = 0; i < names.length; i++) {
      const n = names[i] as string;
      const t = this.pick(out, n, 'inner updates');
      if (updates[n] !== t) updates[n] = t;
    }
  }

  private pick(rec: Params, name: string, what: string) {
    const t = rec[name];
    if (t === undefined) throw new ShapeError(`${this.owner}: ${what} have no entry ${fmt(name)}`);
    return t;
  }
}
