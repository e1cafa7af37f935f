import { encodeJson } from '../../json-encode.js';
import { gradcheck } from '../../autograd/functional.js';
import { gradcheckCases } from '../../ops/gradcheck-table.js';
import { EXIT, numberFlag, UsageError, type CommandSpec, type Parsed } from '../args.js';

/** `gradscope check-grad` spec. */
export const checkGradSpec: CommandSpec = {
  name: 'check-grad',
  summary: "Check every op's autodiff gradient against float64 central finite differences.",
  usage: 'check-grad [--op SUBSTRING] [--seed N] [--eps E] [--json]',
  description:
    'Runs gradcheck (a random cotangent u; ∂⟨u, f(x)⟩/∂x by autodiff vs (⟨u, f(x+εe)⟩ − ⟨u, f(x−εe)⟩)/2ε\n' +
    'for every input element) over the table of op cases: broadcasting, reductions over non-contiguous\n' +
    'axes, permuted and transposed inputs, matmul batching. Prints the worst element of each case;\n' +
    'exit 1 if any case fails. Tolerance: |analytic − numeric| ≤ 1e-7 + 1e-6·|numeric|.',
  positionals: [],
  flags: {
    op: {
      type: 'string',
      valueName: 'SUBSTRING',
      description: 'only cases whose name contains this',
    },
    seed: {
      type: 'string',
      valueName: 'N',
      default: '1234',
      description: 'seed of the random inputs',
    },
    eps: { type: 'string', valueName: 'E', default: '1e-6', description: 'finite-difference step' },
    json: { type: 'boolean', default: false, description: 'print machine-readable JSON' },
  },
};

/** Runs `gradscope check-grad`. */
export function checkGradCommand(args: Parsed, out: (s: string) => void): number {
  const seed = numberFlag('check-grad', 'seed', args.flags.seed, {
    integer: true,
    min: 0,
  }) as number;
  const eps = numberFlag('check-grad', 'eps', args.flags.eps, { min: 0 }) as number;
  if (!(eps > 0))
    throw new UsageError(`check-grad: --eps must be > 0, got '${String(args.flags.eps)}'`);
  const filter = typeof args.flags.op === 'string' ? args.flags.op : '';
  const cases = gradcheckCases(seed).filter((c) => c.name.includes(filter));
  if (cases.length === 0)
    throw new UsageError(
      `check-grad: no case name contains '${filter}' (see gradscope check-grad --json for the names)`,
    );
  const results = cases.map((c) => ({
    name: c.name,
    ...gradcheck(c.f, c.inputs(), { eps, atol: 1e-7, rtol: 1e-6 }),
  }));
  const passed = results.filter((r) => r.pass).length;
  const failed = results.length - passed;
  if (args.flags.json) out(encodeJson({ cases: results, passed, failed }, 2));
  else {
    const w = Math.max(...results.map((r) => r.name.length));
    for (const r of results) {
      const worst = r.worst
        ? `worst: input ${r.worst.input}[${r.worst.index}] analytic ${r.worst.analytic.toPrecision(8)} numeric ${r.worst.numeric.toPrecision(8)}`
        : '';
      out(
        `${r.name.padEnd(w)}  ${r.pass ? 'pass' : 'FAIL'}  max abs err ${r.maxAbsErr.toExponential(2)}  ${worst}`,
      );
    }
    out(`\n${passed} passed, ${failed} failed`);
  }
  return failed === 0 ? EXIT.ok : EXIT.failed;
}
