import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FUZZ_RUNS, typedOutcome } from '../../test/fuzz.js';
import { parseMetricsJsonl } from '../train/run-log.js';
import { emptyRunLogs, parseJsonlLog } from './run-logs.js';

// Fuzzing the JSONL run-log readers (issue 15): the report's tolerant reader never throws (what
// can be plotted is, the rest is counted in `problems`); the run directory's strict reader returns
// records or a DataError naming the line — never a crash.

const record = fc.oneof(
  fc.record(
    {
      step: fc.oneof(fc.nat(), fc.double(), fc.constant('NaN'), fc.constant(null)),
      loss: fc.oneof(fc.double(), fc.constantFrom('NaN', 'Infinity', '-Infinity', null)),
      lr: fc.double(),
      epoch: fc.nat(),
      metrics: fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.double(), fc.string())),
      gradNorms: fc.oneof(
        fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.double(), fc.constant(null))),
        fc.array(fc.double(), { maxLength: 4 }),
      ),
      type: fc.constantFrom('stats', 'verdict', 'other'),
      kind: fc.string({ maxLength: 10 }),
      layers: fc.jsonValue({ maxDepth: 2 }),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);
const line = fc.oneof(
  record.map((r) => JSON.stringify(r)),
  fc.string({ maxLength: 60 }),
  record.map((r) => JSON.stringify(r).slice(0, 10)),
);
const text = fc
  .tuple(fc.array(line, { maxLength: 12 }), fc.boolean())
  .map(([ls, nl]) => ls.join('\n') + (nl ? '\n' : ''));

describe('fuzz: JSONL run-log readers', () => {
  it(`the report's reader never throws (${FUZZ_RUNS.jsonl} inputs)`, () => {
    fc.assert(
      fc.property(text, (t) => {
        const logs = emptyRunLogs();
        parseJsonlLog(t, 'metrics.jsonl', 'run', logs);
        expect(Array.isArray(logs.problems)).toBe(true);
      }),
      { numRuns: FUZZ_RUNS.jsonl, seed: 15 },
    );
  });

  it(`metrics.jsonl records or a DataError naming the line (${FUZZ_RUNS.jsonl} inputs)`, () => {
    const counts = { result: 0, error: 0 };
    fc.assert(
      fc.property(text, (t) => {
        counts[typedOutcome(() => parseMetricsJsonl(t, 'metrics.jsonl'))]++;
      }),
      { numRuns: FUZZ_RUNS.jsonl, seed: 15 },
    );
    expect(counts.result).toBeGreaterThan(0);
    expect(counts.error).toBeGreaterThan(0);
  });

  it('a cut last line is dropped; a bad line elsewhere names its number', () => {
    expect(parseMetricsJsonl('{"step":1}\n{"step":2,"lo', 'm.jsonl')).toEqual([{ step: 1 }]);
    expect(() => parseMetricsJsonl('{"step":1}\n{"st\n{"step":3}\n', 'm.jsonl')).toThrow(
      /m\.jsonl:2: not JSON/,
    );
    expect(() => parseMetricsJsonl('[1]\n', 'm.jsonl')).toThrow(
      /m\.jsonl:1: expected a JSON object/,
    );
  });
});
