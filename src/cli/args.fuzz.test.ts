import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FUZZ_RUNS, typedOutcome, typedOutcomeAsync } from '../../test/fuzz.js';
import { parseCommand, UsageError, type CommandSpec } from './args.js';
import { checkGradSpec } from './commands/check-grad.js';
import { conformanceSpec } from './commands/conformance.js';
import { demoSpec } from './commands/demo.js';
import { listSpec } from './commands/list.js';
import { reportSpec } from './commands/report.js';
import { newtonSpec, rootsSpec } from './commands/roots.js';
import { runSpec } from './commands/run.js';
import { trainSpec } from './commands/train.js';
import { EXIT } from './exit-codes.js';
import { main } from './main.js';

// Fuzzing CLI argument parsing (issue 15): every argv ends in parsed arguments, help, or a
// UsageError (exit 2) that says what is allowed — and `main` on cheap commands returns a
// documented exit code with one-line errors, never a stack trace.

const SPECS: CommandSpec[] = [
  demoSpec,
  listSpec,
  runSpec,
  trainSpec,
  reportSpec,
  conformanceSpec,
  checkGradSpec,
  rootsSpec,
  newtonSpec,
];

/** argv words: the spec's own flags (with and without values), numbers, dashes and junk. */
function word(spec: CommandSpec): fc.Arbitrary<string> {
  const flags = Object.keys(spec.flags);
  return fc.oneof(
    fc.constantFrom(...flags.map((f) => `--${f}`), '--help', '-h', '--', '-', '--=', '-x'),
    fc.constantFrom(...flags).map((f) => `--${f}=`),
    fc.tuple(fc.constantFrom(...flags), fc.string({ maxLength: 8 })).map(([f, v]) => `--${f}=${v}`),
    fc.double().map(String),
    fc.constantFrom('-1', '-1e308', 'Infinity', '-Infinity', 'NaN', '1e400', '0x10', ''),
    fc.string({ maxLength: 12 }),
  );
}

describe('fuzz: CLI argument parsing', () => {
  it(`parseCommand: parsed, help or a UsageError for every command (${FUZZ_RUNS.cliArgs} inputs)`, () => {
    fc.assert(
      fc.property(
        fc
          .nat(SPECS.length - 1)
          .chain((i) =>
            fc.tuple(
              fc.constant(SPECS[i] as CommandSpec),
              fc.array(word(SPECS[i] as CommandSpec), { maxLength: 6 }),
            ),
          ),
        ([spec, argv]) => {
          typedOutcome(() => parseCommand(spec, argv), [UsageError]);
        },
      ),
      { numRuns: FUZZ_RUNS.cliArgs, seed: 15 },
    );
  });

  it(`main: roots, newton and conformance on random argv return a documented code (${FUZZ_RUNS.cliMain} inputs)`, async () => {
    const codes = new Set<number>();
    const allowed = new Set<number>([EXIT.ok, EXIT.failed, EXIT.usage, EXIT.error]);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.array(word(rootsSpec), { maxLength: 5 }).map((a) => ['roots', ...a]),
          fc
            .tuple(
              fc.constantFrom('x^2 - 2', '1,0,-2', 'sin(x)', 'x^', '1,,2', 'exp(x)', ''),
              fc.array(word(newtonSpec), { maxLength: 4 }),
              fc.nat(200),
            )
            // --max-iter is bounded here: the budget allows long runs, the test wants short ones
            .map(([e, a, n]) => ['newton', e, ...a, '--max-iter', String(n + 1)]),
          // Always with a FILE: without one, conformance runs every bundled reference (seconds).
          fc
            .tuple(
              fc.constantFrom('/nonexistent/ref.json', '.', 'package.json', 'README.md'),
              fc.array(word(conformanceSpec), { maxLength: 3 }),
            )
            .map(([f, a]) => ['conformance', f, ...a]),
          fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
        ),
        async (argv) => {
          const err: string[] = [];
          let code = -1;
          await typedOutcomeAsync(async () => {
            code = await main(
              argv,
              () => undefined,
              (s) => err.push(s),
            );
          });
          codes.add(code);
          expect(allowed.has(code)).toBe(true);
          expect(err.join('\n')).not.toMatch(/\n\s+at /);
        },
      ),
      { numRuns: FUZZ_RUNS.cliMain, seed: 15, timeout: 20_000 },
    );
    expect(codes.has(EXIT.usage)).toBe(true);
  });
});
