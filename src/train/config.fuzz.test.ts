import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FUZZ_RUNS, typedOutcome, typedOutcomeAsync } from '../../test/fuzz.js';
import { checkBudget, estimateTrainConfig } from './budget.js';
import { parseTrainConfig } from './config.js';
import { buildTrainRun } from './config-build.js';
import { parseConfigText } from './config-json.js';

// Fuzzing the config parser (issue 15): every generated text or value ends in a validated config
// (whose resource estimate is then checked) or a typed ConfigError — never a crash or a hang.
// Sizes are only estimated, never built, so memory stays bounded whatever the numbers.

const EXAMPLES = new URL('../../examples/configs/', import.meta.url).pathname;
const examples = readdirSync(EXAMPLES).map(
  (f) => JSON.parse(readFileSync(EXAMPLES + f, 'utf8')) as Record<string, unknown>,
);

function accept(value: unknown): void {
  const cfg = parseTrainConfig(value);
  checkBudget(estimateTrainConfig(cfg));
}

/** Values that probe validators: extremes, wrong types, near-miss strings. */
const nasty = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(0, -1, 1e308, -1e308, 5e-324, 1e9, 2 ** 53, 0.5, null, '', 'NaN', [], {}),
  fc.array(fc.oneof(fc.integer(), fc.double()), { maxLength: 4 }),
);

/** A copy of `obj` with the value at a random path replaced (or a key deleted / added). */
function mutate(obj: unknown, path: readonly number[], value: unknown, mode: number): unknown {
  if (obj === null || typeof obj !== 'object') return value;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(obj)
    ? [...obj]
    : { ...(obj as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0 || path.length === 0) return mode === 0 ? value : copy;
  const k = keys[(path[0] as number) % keys.length] as string;
  const rec = copy as Record<string, unknown>;
  if (path.length === 1 && mode === 1) {
    if (Array.isArray(copy)) copy.splice(Number(k), 1);
    else delete rec[k];
  } else if (path.length === 1 && mode === 2) rec[`${k}X`] = value;
  else rec[k] = mutate(rec[k], path.slice(1), value, mode);
  return copy;
}

describe('fuzz: config parser', () => {
  it(`arbitrary text: parsed and validated, or a typed error (${FUZZ_RUNS.configParser} inputs)`, () => {
    const counts = { result: 0, error: 0 };
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.json({ maxDepth: 4 }),
          fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify({ ...examples[0], x: v })),
        ),
        (text) => {
          counts[typedOutcome(() => accept(parseConfigText(text, 'fuzz.json')))]++;
        },
      ),
      { numRuns: FUZZ_RUNS.configParser, seed: 15 },
    );
    expect(counts.result + counts.error).toBe(FUZZ_RUNS.configParser);
  });

  it(`mutated example configs: validated, or a typed error naming the field (${FUZZ_RUNS.configMutations} inputs)`, () => {
    const counts = { result: 0, error: 0 };
    fc.assert(
      fc.property(
        fc.nat(examples.length - 1),
        fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
        nasty,
        fc.nat(2),
        (i, path, value, mode) => {
          const m = mutate(examples[i], path, value, mode);
          counts[typedOutcome(() => accept(m))]++;
        },
      ),
      { numRuns: FUZZ_RUNS.configMutations, seed: 15 },
    );
    // Both outcomes occur: the mutations reach valid and invalid configs.
    expect(counts.result).toBeGreaterThan(0);
    expect(counts.error).toBeGreaterThan(0);
  });

  it(`mutated configs within a small budget are built, or refused with a typed error (${FUZZ_RUNS.configBuild} inputs)`, async () => {
    // Small generated data sets only (no MNIST download): the budget keeps every build bounded.
    const small = examples.filter((e) => (e['data'] as { name: string }).name !== 'mnist');
    const budget = { maxBytes: 256 * 2 ** 20, maxSeconds: 3600 };
    const counts = { result: 0, error: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.nat(small.length - 1),
        fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        nasty,
        fc.nat(2),
        async (i, path, value, mode) => {
          const m = mutate(small[i], path, value, mode);
          counts[
            await typedOutcomeAsync(() => buildTrainRun(parseTrainConfig(m), { budget, steps: 1 }))
          ]++;
        },
      ),
      { numRuns: FUZZ_RUNS.configBuild, seed: 15, timeout: 20_000 },
    );
    expect(counts.result + counts.error).toBe(FUZZ_RUNS.configBuild);
  });
});
