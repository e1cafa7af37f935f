import { ShapeError, fmt } from '../errors.js';
import { addInPlace } from './loops.js';
import { namesOf } from './names.js';
import type { Params } from './types.js';

/**
 * Adds the updates to the parameters in place: p ← p + u (the transformations produce the signed
 * step, e.g. −lr·g, so this is the only place parameters change). Allocates nothing.
 * @example const [u, s] = tx.update(grads, state, params); applyUpdates(params, u);
 */
export function applyUpdates(params: Params, updates: Params): void {
  const names = namesOf(updates);
  for (let k = 0; k < names.length; k++) {
    const name = names[k] as string;
    const u = updates[name];
    const p = params[name];
    if (u === undefined) continue;
    if (p === undefined)
      throw new ShapeError(`applyUpdates: update ${fmt(name)} has no parameter of that name`);
    const pd = p.data;
    const ud = u.data;
    const n = pd.length;
    if (ud.length !== n) {
      throw new ShapeError(
        `applyUpdates: parameter ${fmt(name)} has ${n} elements but its update has ${ud.length}`,
      );
    }
    addInPlace(pd, ud);
  }
}
