import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { setKernels } from '../kernels/backend.js';
import { availableBackends } from '../kernels/select.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { erf } from '../numeric/normal-distribution.js';
import { mul } from './elementwise.js';
import { sum } from './reduce.js';
import { gelu } from './unary.js';

afterEach(() => setKernels('auto'));

describe('gelu', () => {
  it('rejects an unknown approximate, naming it', () => {
    const x = new Tensor(new Float32Array(4), [4]);
    expect(() => gelu(x, 'erf' as 'none')).toThrow(ConfigError);
    expect(() => gelu(x, 'erf' as 'none')).toThrow(
      /gelu: approximate must be 'none' or 'tanh', got .*erf/,
    );
  });

  it('float64: x·Φ(x) agrees with ½x(1 + erf(x/√2)) (the library erf) within 1e-13 relative + 1e-14 (the cancellation in 1 + erf for x < 0)', () => {
    const xs = Float64Array.from({ length: 2001 }, (_, i) => -4 + (12 * i) / 2000);
    const y = gelu(new Tensor(xs, [xs.length])).data;
    xs.forEach((v, i) => {
      const ref = 0.5 * v * (1 + erf(v * Math.SQRT1_2));
      expect(Math.abs((y[i] as number) - ref)).toBeLessThanOrEqual(1e-13 * Math.abs(ref) + 1e-14);
    });
  });

  it.each(['none', 'tanh'] as const)(
    "'%s': the same float32 bits, forward and backward, on every backend",
    (approximate) => {
      const n = 5000;
      const data = new Float32Array(n);
      new Rng(3).fillNormal(data);
      data.forEach((v, i) => (data[i] = 3 * v));
      const c = new Tensor(new Rng(4).fillNormal(new Float32Array(n)), [n]);
      const run = (): number[][] => {
        const x = new Tensor(data.slice(), [n], true);
        const y = gelu(x, approximate);
        sum(mul(y, c)).backward();
        return [y.data, x.grad!.data].map((a) => Array.from(new Uint32Array(a.buffer)));
      };
      setKernels('js');
      const ref = run();
      for (const k of availableBackends()) {
        setKernels(k.impl);
        expect(run(), k.impl).toEqual(ref);
      }
    },
  );
});
