import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FUZZ_RUNS, typedOutcome } from '../../test/fuzz.js';
import { DataLoader } from '../data/data-loader.js';
import { spiral } from '../data/toy-2d.js';
import { crossEntropy, mlp } from '../nn/index.js';
import { Optimizer, adam } from '../optim/index.js';
import { Rng } from '../tensor/rng.js';
import {
  captureCheckpoint,
  parseCheckpoint,
  prepareRestore,
  serializeCheckpoint,
  type Checkpoint,
} from './checkpoint.js';

// Fuzzing the checkpoint reader (issue 15): damaged text and crafted but well-checksummed bodies
// end in a restored checkpoint or a CheckpointError — never a crash — and a refused checkpoint
// changes nothing.

function setup(seed: number): {
  model: ReturnType<typeof mlp>;
  optimizer: Optimizer<unknown>;
  loader: DataLoader;
} {
  const model = mlp({ sizes: [2, 6, 3], rng: new Rng(seed) });
  const optimizer = new Optimizer(model, adam({ lr: 1e-2 }));
  const loader = new DataLoader(spiral(0, { numSamples: 10 }), { batchSize: 8, seed });
  return { model, optimizer, loader };
}

const src = setup(1);
for (let i = 0; i < 2; i++) {
  const b = src.loader.nextBatch();
  src.optimizer.zeroGrad();
  crossEntropy(src.model.forward(b.x), b.y).backward();
  src.optimizer.step();
}
const ckpt = captureCheckpoint({ ...src, fit: { note: 'fuzz' } });
const text = serializeCheckpoint(ckpt);

/** Replaces the value at a path of keys chosen by indices (or deletes the key). */
function replaceAt(obj: unknown, path: readonly number[], value: unknown, del: boolean): unknown {
  if (obj === null || typeof obj !== 'object' || path.length === 0) return value;
  const copy = (Array.isArray(obj) ? [...obj] : { ...obj }) as Record<string, unknown>;
  const keys = Object.keys(copy);
  if (keys.length === 0) return value;
  const k = keys[(path[0] as number) % keys.length] as string;
  if (path.length === 1 && del) delete copy[k];
  else copy[k] = replaceAt(copy[k], path.slice(1), value, del);
  return copy;
}

describe('fuzz: checkpoint reader', () => {
  it(`damaged text: parsed or a CheckpointError (${FUZZ_RUNS.checkpointText} inputs)`, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          // one to three characters of a real checkpoint changed, or the text cut
          fc
            .array(fc.tuple(fc.nat(text.length - 1), fc.string({ minLength: 1, maxLength: 1 })), {
              minLength: 1,
              maxLength: 3,
            })
            .map((edits) => {
              const a = [...text];
              for (const [i, c] of edits) a[i] = c;
              return a.join('');
            }),
          fc.nat(text.length).map((n) => text.slice(0, n)),
        ),
        (t) => {
          typedOutcome(() => parseCheckpoint(t, 'fuzz.json'));
        },
      ),
      { numRuns: FUZZ_RUNS.checkpointText, seed: 15 },
    );
  });

  it(`crafted, well-checksummed bodies: restored or refused before anything changes (${FUZZ_RUNS.checkpointCrafted} inputs)`, () => {
    const counts = { result: 0, error: 0 };
    const target = setup(2);
    const before = serializeCheckpoint({
      ...captureCheckpoint(target),
      savedAt: '',
    });
    fc.assert(
      fc.property(
        fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
        fc.oneof(
          fc.jsonValue({ maxDepth: 2 }),
          fc.constantFrom(1e308, -1, 2.5, null, 'NaN', 'AAAA', [], {}, [0, 0, 0, 0]),
        ),
        fc.boolean(),
        (path, value, del) => {
          const crafted = replaceAt(ckpt, path, value, del) as Checkpoint;
          const t = serializeCheckpoint(crafted);
          const outcome = typedOutcome(() => {
            const c = parseCheckpoint(t, 'fuzz.json');
            prepareRestore(c, target, 'fuzz.json'); // checks only; applies nothing
          });
          counts[outcome]++;
        },
      ),
      { numRuns: FUZZ_RUNS.checkpointCrafted, seed: 15 },
    );
    // prepareRestore never applied anything: the target is as it was.
    expect(serializeCheckpoint({ ...captureCheckpoint(target), savedAt: '' })).toBe(before);
    expect(counts.error).toBeGreaterThan(0);
    expect(counts.result).toBeGreaterThan(0);
  });
});
