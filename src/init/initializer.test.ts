import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import { heNormal } from './kaiming.js';
import { resolveInitializer, type InitSpec } from './initializer.js';
import { orthogonal } from './orthogonal.js';

describe('resolveInitializer', () => {
  it('a name gives the initializer with default options, drawing from the rng it is given', () => {
    const f = resolveInitializer('heNormal');
    const w = f([8, 4], new Rng(3), 'float64');
    expect(w).toBeInstanceOf(Float64Array);
    expect(Array.from(w)).toEqual(Array.from(heNormal([8, 4], new Rng(3), { dtype: 'float64' })));
  });
  it('a config passes its options through', () => {
    const f = resolveInitializer({ name: 'orthogonal', gain: 2 });
    expect(Array.from(f([6, 6], new Rng(1), 'float32'))).toEqual(
      Array.from(orthogonal([6, 6], new Rng(1), { gain: 2, dtype: 'float32' })),
    );
    const c = resolveInitializer({ name: 'constant', value: 0.5 });
    expect(Array.from(c([3], new Rng(0), 'float32'))).toEqual([0.5, 0.5, 0.5]);
  });
  it('aliases kaiming* → he*', () => {
    const a = resolveInitializer({ name: 'kaimingUniform', mode: 'fanOut' })(
      [5, 7],
      new Rng(9),
      'float32',
    );
    const b = resolveInitializer({ name: 'heUniform', mode: 'fanOut' })(
      [5, 7],
      new Rng(9),
      'float32',
    );
    expect(Array.from(a)).toEqual(Array.from(b));
  });
  it('functions pass through; unknown names throw', () => {
    const fn = (): Float32Array => new Float32Array(1);
    expect(resolveInitializer(fn)).toBe(fn);
    expect(() => resolveInitializer('glorot' as InitSpec)).toThrow(ConfigError);
    expect(() => resolveInitializer('glorot' as InitSpec)).toThrow(
      /unknown initializer "glorot"; expected one of zeros, ones/,
    );
  });
});
