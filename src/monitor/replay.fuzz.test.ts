import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FUZZ_RUNS, typedOutcome } from '../../test/fuzz.js';
import { DataLoader, gaussianMixture, type Batch } from '../data/index.js';
import { crossEntropy, mlp } from '../nn/index.js';
import { Optimizer, chain, sgd } from '../optim/index.js';
import { gradientHealth } from './gradient-health.js';
import { statsRecord, toJsonLine, verdictRecord } from './records.js';
import { replay } from './replay.js';

// Fuzzing the record reader (issue 17, bad records): a log with damaged lines — cut off, a field
// replaced by any JSON value or removed, junk lines — is read in lenient mode without ever
// throwing anything but a DataError about its header; every damaged line is either replayed (a
// change that still validates) or reported with its line number in a one-line message, and every
// undamaged stats line is replayed.

/** A real log: a header, 12 stats lines with activation probes and per-parameter stats, verdicts. */
function baseLog(): string[] {
  const data = gaussianMixture({ numClasses: 3, dim: 6, numSamples: 96 }, 2);
  const batches: Batch[] = [];
  for (const b of new DataLoader(data, { batchSize: 16, seed: 0, dropLast: true })) batches.push(b);
  const net = mlp({ sizes: [6, 8, 8, 3], activation: 'tanh', seed: 1 });
  const lines: string[] = [];
  const health = gradientHealth({ model: net, lr: 0.1, thresholds: { vanishingPatience: 1 } });
  health.onStats((s, h) =>
    lines.push(toJsonLine(statsRecord(s, { params: true, probes: h.probes }))),
  );
  health.onVerdict((v) => lines.push(toJsonLine(verdictRecord(v))));
  const opt = new Optimizer(net, chain(health, sgd({ lr: 0.1 })));
  for (let i = 0; i < 12; i++) {
    const b = batches[i % batches.length] as Batch;
    opt.zeroGrad();
    const loss = crossEntropy(net.forward(b.x), b.y as Int32Array);
    loss.backward();
    opt.step({ loss: loss.item() });
  }
  return [toJsonLine(health.header()), ...lines].map((l) => l.trimEnd());
}

const base = baseLog();
const statsLines = base.filter((l) => l.includes('"type":"stats"')).length;

type Damage =
  | { kind: 'cut'; at: number }
  | { kind: 'set'; path: string[]; value: unknown }
  | { kind: 'drop'; path: string[] }
  | { kind: 'junk'; text: string };

const FIELDS = [
  ['step'],
  ['check'],
  ['loss'],
  ['finite'],
  ['nonFinite'],
  ['totalGradNorm'],
  ['layers'],
  ['layers', '1'],
  ['layers', '0', 'gradNorm'],
  ['layers', '2', 'name'],
  ['params', '0', 'nonFinite'],
  ['params', '3', 'rms'],
  ['params'],
  ['activations', '0', 'saturation'],
  ['activations', '1', 'kind'],
  ['activations'],
  ['update', 'fresh'],
  ['type'],
  ['version'],
  ['format'],
  ['framework'],
  ['layers', '0'],
];

const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat({ max: 400 }) }),
  fc.record({
    kind: fc.constant('set' as const),
    path: fc.constantFrom(...FIELDS),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 1 }),
      fc.constantFrom('NaN', 'Infinity', null, -1, 1.5, 1e300, true, [], {}),
    ),
  }),
  fc.record({ kind: fc.constant('drop' as const), path: fc.constantFrom(...FIELDS) }),
  fc.record({ kind: fc.constant('junk' as const), text: fc.string({ maxLength: 40 }) }),
);

function apply(line: string, d: Damage): string {
  if (d.kind === 'cut') return line.slice(0, d.at % Math.max(1, line.length));
  if (d.kind === 'junk') return d.text;
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line; // already damaged
  }
  if (rec === null || typeof rec !== 'object') return line;
  let o: Record<string, unknown> = rec;
  for (const k of d.path.slice(0, -1)) {
    const next = o[k];
    if (next === null || typeof next !== 'object') return line;
    o = next as Record<string, unknown>;
  }
  const last = d.path[d.path.length - 1] as string;
  if (d.kind === 'drop') delete o[last];
  else o[last] = d.value;
  return JSON.stringify(rec);
}

describe('fuzz: monitor records with damaged lines', () => {
  it(`lenient replay reports each bad line by number and replays every intact one (${FUZZ_RUNS.jsonl} logs)`, () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: base.length - 1 }), damage), { maxLength: 4 }),
        (damages) => {
          const lines = [...base];
          const touched = new Set<number>();
          for (const [i, d] of damages) {
            lines[i] = apply(lines[i] as string, d);
            touched.add(i);
          }
          const text = lines.join('\n');
          let r: ReturnType<typeof replay> | undefined;
          const outcome = typedOutcome(() => {
            r = replay(text, { lenient: true });
          });
          if (outcome === 'error') {
            // only an unusable header stops a lenient replay
            expect(touched.has(0)).toBe(true);
            return;
          }
          const res = r as ReturnType<typeof replay>;
          for (const e of res.errors) {
            expect(e.line).toBeGreaterThanOrEqual(1);
            expect(e.line).toBeLessThanOrEqual(lines.length);
            expect(e.message).not.toMatch(/\n/);
            expect(e.message.length).toBeGreaterThan(10);
          }
          // intact stats lines are replayed, unless a damaged one that was accepted sets what
          // later lines are checked against: a step or check number far ahead (later lines are
          // then out of order), or the activation probes (the first record with them defines them)
          const cascades = damages.some(
            ([, d]) =>
              d.kind === 'set' && ['step', 'check', 'activations'].includes(d.path[0] ?? ''),
          );
          const intactStats = base.filter(
            (l, i) => !touched.has(i) && l.includes('"type":"stats"'),
          ).length;
          expect(res.checks).toBeLessThanOrEqual(statsLines);
          if (!cascades) {
            // only damaged lines are reported
            for (const e of res.errors) if (e.line > 1) expect(touched.has(e.line - 1)).toBe(true);
            expect(res.checks + res.errors.filter((e) => e.line > 1).length).toBeGreaterThanOrEqual(
              intactStats,
            );
          }
        },
      ),
      { numRuns: FUZZ_RUNS.jsonl, seed: 17 },
    );
  });

  it('strict replay throws only DataErrors naming a line', () => {
    fc.assert(
      fc.property(fc.nat({ max: base.length - 1 }), damage, (i, d) => {
        const lines = [...base];
        lines[i] = apply(lines[i] as string, d);
        try {
          replay(lines.join('\n'));
        } catch (e) {
          expect((e as Error).name).toBe('DataError');
          expect((e as Error).message).toMatch(/^replay: line \d+: /);
        }
      }),
      { numRuns: 500, seed: 18 },
    );
  });
});
