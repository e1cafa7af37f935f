import { describe, expect, it } from 'vitest';
import { byGlobalNorm } from '../clip/index.js';
import {
  Optimizer,
  adam,
  chain,
  injectHyperparams,
  masked,
  multiSteps,
  partition,
  sgd,
  skipNonFinite,
  type GradientTransformation,
} from '../optim/index.js';
import { Tensor } from '../tensor/tensor.js';
import { gradientHealth, type GradientHealth } from './gradient-health.js';

// The monitor's spike rule judges the gradient the optimizer receives, min(‖g‖, clipNorm), with
// clipNorm the bound of a global-norm clip after it, which the chain tells it when it is built
// (normBound / boundedAfter). The wrappers pass both through: a clip inside skipNonFinite,
// multiSteps or injectHyperparams still bounds what the optimizer receives (a skipped or
// accumulating step emits 0), a clip inside masked or partition bounds only some parameters (no
// bound), and a monitor inside any wrapper or nested chain learns of the clip after it.

type Tx = GradientTransformation<unknown>;
const opt = (): Tx => sgd({ lr: 0.01 }) as Tx;

describe('the clip bound reaches the monitor through the wrappers', () => {
  it.each([
    ['skipNonFinite(clip)', (): Tx => skipNonFinite(byGlobalNorm(2)) as Tx, 2],
    ['multiSteps(clip, 2)', (): Tx => multiSteps(byGlobalNorm(2), 2) as Tx, 2],
    [
      'injectHyperparams(clip and optimizer, clip threshold a hyper-parameter)',
      (): Tx =>
        injectHyperparams((h) => chain(byGlobalNorm(h.clip), sgd({ lr: h.lr })), {
          lr: 0.01,
          clip: 2,
        }) as Tx,
      2,
    ],
    ['skipNonFinite(multiSteps(chain(clip, clip)))', (): Tx => skipNonFinite(multiSteps(chain(byGlobalNorm(3), byGlobalNorm(2)), 2)) as Tx, 2], // prettier-ignore
    ['masked(clip): some parameters only', (): Tx => masked(byGlobalNorm(2), () => true) as Tx, 0],
    ['partition(clip): one group only', (): Tx => partition({ a: byGlobalNorm(2) }, () => 'a') as Tx, 0], // prettier-ignore
    ['skipNonFinite(∞-norm clip)', (): Tx => skipNonFinite(byGlobalNorm(2, { normType: 'inf' })) as Tx, 0], // prettier-ignore
  ])('chain(monitor, %s, …): clipNorm %d', (_name, clip, want) => {
    const h = gradientHealth();
    chain(h, clip(), opt());
    expect(h.thresholds.clipNorm).toBe(want);
  });

  it.each([
    ['skipNonFinite', (h: GradientHealth): Tx => skipNonFinite(h) as Tx],
    ['masked', (h: GradientHealth): Tx => masked(h, () => true) as Tx],
    ['multiSteps', (h: GradientHealth): Tx => multiSteps(h, 1) as Tx],
    ['partition', (h: GradientHealth): Tx => partition({ a: h }, () => 'a') as Tx],
    ['injectHyperparams', (h: GradientHealth): Tx => injectHyperparams(() => h, { lr: 1 }) as Tx],
    ['a nested chain', (h: GradientHealth): Tx => chain(h) as Tx],
    ['skipNonFinite(chain(masked(…)))', (h: GradientHealth): Tx => skipNonFinite(chain(masked(h, () => true))) as Tx], // prettier-ignore
  ])('chain(%s(monitor), clip 3, …): clipNorm 3', (_name, wrap) => {
    const h = gradientHealth();
    const tx = chain(wrap(h), byGlobalNorm(3), opt());
    // injectHyperparams builds its inner transformation at init (told the bound then)
    new Optimizer({ w: new Tensor(Float64Array.of(1, 2), [2], true) }, tx);
    expect(h.thresholds.clipNorm).toBe(3);
  });

  it('a nested chain passes the outer bound on only when nothing but observers and clips follow the monitor', () => {
    const h = gradientHealth();
    chain(chain(h, byGlobalNorm(5)), byGlobalNorm(3), opt());
    expect(h.thresholds.clipNorm).toBe(3);
    const g = gradientHealth();
    // adam between the monitor and the clip: the clip bounds adam's update, not the gradient
    chain(chain(g, adam({ lr: 1e-3 })), byGlobalNorm(3));
    expect(g.thresholds.clipNorm).toBe(0);
  });

  it('injectHyperparams tells a rebuilt inner monitor the bound again', () => {
    const monitors: GradientHealth[] = [];
    const tx = chain(
      injectHyperparams(
        (hp) => {
          const h = gradientHealth({ thresholds: { spikeZ: hp.z } });
          monitors.push(h);
          return h;
        },
        { z: 4 },
      ),
      byGlobalNorm(3),
      opt(),
    );
    const w = new Tensor(Float64Array.of(1, 2), [2], true);
    const o = new Optimizer({ w }, tx);
    w.grad = new Tensor(Float64Array.of(0.1, 0.2), [2]);
    o.step();
    (o.state as unknown as [{ hyperparams: Record<string, number> }])[0].hyperparams['z'] = 5;
    o.step(); // a fixed hyper-parameter changed: the factory builds a new monitor
    expect(monitors.length).toBeGreaterThanOrEqual(2);
    for (const m of monitors) expect(m.thresholds.clipNorm).toBe(3);
  });
});
