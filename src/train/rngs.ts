import type { AnyModule } from '../nn/module.js';
import { Rng } from '../tensor/rng.js';

/**
 * Every random generator a model owns (Dropout's mask generator, a recurrent layer's
 * inter-layer dropout generator, …), found by walking its modules and collecting each property
 * that holds an {@link Rng}; keyed "<module path>.<property>" ("3.rng", "rnn.dropoutRng"; the
 * root module's are just "<property>"). A generator shared by several modules appears once,
 * under its first key. Checkpoints save and restore these so that dropout masks continue
 * bit-identically after a resume.
 * @example [...findRngs(mlp({ sizes: [4, 8, 2], dropout: 0.5, seed: 0 })).keys()] // ['2.rng']
 */
export function findRngs(model: AnyModule): Map<string, Rng> {
  const out = new Map<string, Rng>();
  const seen = new Set<Rng>();
  for (const [name, m] of model.namedModules()) {
    // Own properties include TypeScript-private fields, which is where layers keep generators.
    for (const [prop, value] of Object.entries(m)) {
      if (!(value instanceof Rng) || seen.has(value)) continue;
      seen.add(value);
      out.set(name === '' ? prop : `${name}.${prop}`, value);
    }
  }
  return out;
}
