import { describe, it, expect } from 'vitest';
import { ConfigError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import type { Params, StepContext, StepEvents } from '../optim/types.js';
import { healthAwareDecay, type HealthAwareDecayOptions } from './health-aware-decay.js';

const H: StepEvents = {};
const SPIKE: StepEvents = { spike: true };
const NAN: StepEvents = { nonFinite: true };
const CLIP: StepEvents = { clipped: true };

/** Applied scale per step for scripted events (one-element update of 1 each step). */
function scales(options: HealthAwareDecayOptions, events: (StepEvents | undefined)[]): number[] {
  const tx = healthAwareDecay(options);
  const u = new Tensor(new Float64Array(1), [1]);
  const updates: Params = { w: u };
  let state = tx.init(updates);
  return events.map((ev) => {
    u.data[0] = 1;
    const ctx: StepContext | undefined = ev === undefined ? undefined : { loss: 0, events: ev };
    [, state] = tx.update(updates, state, updates, ctx);
    return u.data[0] as number;
  });
}

describe('healthAwareDecay', () => {
  it('damps the faulty step itself and recovers multiplicatively while healthy', () => {
    // factor 0.5, recovery 1.5: 1, spike 0.5, 0.75, 1.125 -> capped 1, 1.
    expect(scales({ recovery: 1.5 }, [H, SPIKE, H, H, H])).toEqual([1, 0.5, 0.75, 1, 1]);
  });

  it('stacks decays on repeated faults down to minScale', () => {
    // 0.5, 0.25, max(0.125, 0.2) = 0.2, then recovery ×2: 0.4.
    expect(scales({ recovery: 2, minScale: 0.2 }, [NAN, SPIKE, NAN, H])).toEqual([
      0.5, 0.25, 0.2, 0.4,
    ]);
  });

  it('linear recovery reaches exactly 1 after recoverySteps healthy steps', () => {
    // 0.5 after the spike, then + (1 − 0.5)/4 per step: 0.625, 0.75, 0.875, 1.
    expect(scales({ recoverySteps: 4 }, [SPIKE, H, H, H, H, H])).toEqual([
      0.5, 0.625, 0.75, 0.875, 1, 1,
    ]);
    // factor 0.3 (not a power of two): still lands on exactly 1.
    const got = scales({ factor: 0.3, recoverySteps: 7 }, [SPIKE, H, H, H, H, H, H, H, H]);
    expect(got[7]).toBe(1);
    expect(got[6]).toBeLessThan(1);
  });

  it('a second fault during linear recovery restarts it from the lower scale', () => {
    // 0.5, 0.75, spike: 0.375, increment (1 − 0.375)/2: 0.6875, 1.
    expect(scales({ recoverySteps: 2 }, [SPIKE, H, SPIKE, H, H])).toEqual([
      0.5, 0.75, 0.375, 0.6875, 1,
    ]);
  });

  it('cooldown holds the reduced scale for that many healthy steps', () => {
    expect(scales({ recovery: 2, cooldown: 2 }, [SPIKE, H, H, H])).toEqual([0.5, 0.5, 0.5, 1]);
  });

  it("clipped steps: 'hold' freezes, 'healthy' recovers, 'decay' decays", () => {
    const ev = [SPIKE, CLIP, CLIP, H];
    expect(scales({ recovery: 2, onClipped: 'hold' }, ev)).toEqual([0.5, 0.5, 0.5, 1]);
    expect(scales({ recovery: 2, onClipped: 'healthy' }, ev)).toEqual([0.5, 1, 1, 1]);
    expect(scales({ recovery: 2, onClipped: 'decay' }, ev)).toEqual([0.5, 0.25, 0.125, 0.25]);
    // 'hold' also pauses the cooldown.
    expect(scales({ recovery: 2, cooldown: 1, onClipped: 'hold' }, [SPIKE, CLIP, H, H])).toEqual([
      0.5, 0.5, 0.5, 1,
    ]);
  });

  it('treats a step without events as healthy', () => {
    expect(scales({ recovery: 2 }, [SPIKE, undefined])).toEqual([0.5, 1]);
  });

  it('updates float32 tensors in place, returns the same objects, and resumes from a serialized state', () => {
    const opts: HealthAwareDecayOptions = { factor: 0.3, recoverySteps: 5, cooldown: 1 };
    const events = [SPIKE, H, H, NAN, H, H, H, H, H, H];
    const straight = scales(opts, events);

    const tx = healthAwareDecay(opts);
    const a = new Tensor(new Float32Array([1]), [1]);
    const updates: Params = { a };
    let state = tx.init(updates);
    const resumed: number[] = [];
    events.forEach((ev, t) => {
      if (t === 4) state = JSON.parse(JSON.stringify(state)) as typeof state; // checkpoint round trip
      a.data[0] = 1;
      const [out, st] = tx.update(updates, state, updates, { events: ev });
      expect(out).toBe(updates);
      expect(st).toBe(state);
      resumed.push(a.data[0] as number);
    });
    expect(resumed).toEqual(straight.map((x) => Math.fround(x)));
    expect(state.decays).toBe(2);
  });

  it('validates options', () => {
    expect(() => healthAwareDecay({ recovery: 1.1, recoverySteps: 10 })).toThrow(ConfigError);
    expect(() => healthAwareDecay({ recovery: 1.1, recoverySteps: 10 })).toThrow(
      /recovery.*recoverySteps.*exclude/,
    );
    expect(() => healthAwareDecay({ factor: 1 })).toThrow(/factor.*\(0, 1\).*got 1/);
    expect(() => healthAwareDecay({ recovery: 1 })).toThrow(/recovery.*> 1.*got 1/);
    expect(() => healthAwareDecay({ recoverySteps: 0 })).toThrow(/recoverySteps.*integer >= 1/);
    expect(() => healthAwareDecay({ minScale: 0 })).toThrow(/minScale.*\(0, 1\]/);
    expect(() => healthAwareDecay({ onClipped: 'ignore' as never })).toThrow(
      /onClipped.*"hold", "healthy", "decay".*"ignore"/,
    );
  });
});
