import { expect } from 'vitest';
import { GradscopeError } from '../src/errors.js';

/**
 * The outcome of one fuzzed call: a result, or a typed error (a GradscopeError, or one of the
 * `extra` classes such as the CLI's UsageError) with a one-line message that is not a stack trace.
 * Anything else — a TypeError, a RangeError from an allocation, a stack in the message — fails
 * the property. Returns which it was, so a test can count outcomes.
 */
export function typedOutcome(
  fn: () => unknown,
  extra: readonly (abstract new (...args: never[]) => Error)[] = [],
): 'result' | 'error' {
  try {
    fn();
    return 'result';
  } catch (e) {
    expectTyped(e, extra);
    return 'error';
  }
}

/** {@link typedOutcome} for async calls. */
export async function typedOutcomeAsync(
  fn: () => Promise<unknown>,
  extra: readonly (abstract new (...args: never[]) => Error)[] = [],
): Promise<'result' | 'error'> {
  try {
    await fn();
    return 'result';
  } catch (e) {
    expectTyped(e, extra);
    return 'error';
  }
}

function expectTyped(
  e: unknown,
  extra: readonly (abstract new (...args: never[]) => Error)[],
): void {
  const typed = e instanceof GradscopeError || extra.some((c) => e instanceof c);
  if (!typed) throw e; // surfaces the untyped error (and its stack) as the counterexample
  const msg = (e as Error).message;
  expect(msg.length).toBeGreaterThan(0);
  expect(msg).not.toMatch(/\n\s+at /);
}

/** Runs per fuzz target (documented in the README's testing section). */
export const FUZZ_RUNS = {
  configParser: 1500,
  configMutations: 1500,
  configBuild: 300,
  checkpointText: 1000,
  checkpointCrafted: 1000,
  idxBytes: 3000,
  idxGzipFiles: 300,
  jsonl: 2000,
  cliArgs: 3000,
  cliMain: 1000,
} as const;
