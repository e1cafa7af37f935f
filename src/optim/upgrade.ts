import type { GradientTransformation } from './types.js';

/**
 * A wrapper's `upgrade` (see GradientTransformation.upgrade): hands the `inner` entry of a
 * checkpoint's state to the inner transformation's upgrade with the fresh inner state, and
 * leaves a state of another shape as it is (the compatibility check then names what differs).
 * @example upgrade: (loaded, fresh) => upgradeInner(inner, loaded, fresh.inner)
 */
export function upgradeInner<S>(
  inner: GradientTransformation<S>,
  loaded: unknown,
  fresh: S,
): unknown {
  if (inner.upgrade === undefined || loaded === null || typeof loaded !== 'object') return loaded;
  const rec = loaded as { inner?: unknown };
  if (!('inner' in rec)) return loaded;
  rec.inner = inner.upgrade(rec.inner, fresh);
  return loaded;
}
