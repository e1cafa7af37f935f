import { encodeJson } from '../../json-encode.js';
import { readFileSync } from 'node:fs';
import { runConformanceFile, type ConformanceCaseResult } from '../../conformance/run.js';
import { setKernels } from '../../kernels/index.js';
import type { DType } from '../../tensor/dtype.js';
import { ReferenceDataError } from '../../conformance/reference-error.js';
import { fsErrorText } from '../../fs-guard-node.js';
import { EXIT, type CommandSpec, type Parsed } from '../args.js';

/** `gradscope conformance` spec. */
export const conformanceSpec: CommandSpec = {
  name: 'conformance',
  summary: 'Check gradscope against a reference file computed by another implementation (PyTorch).',
  usage: 'conformance FILE [--dtype float32|float64] [--kernels auto|js|wasm] [--json]',
  description:
    'FILE is in the format of torch-ops-reference.json (top-level "cases": op outputs and gradients)\n' +
    'or torch-optim-reference.json ("optimizers", "clipping", "schedules"). Every case is run and\n' +
    'printed with pass/fail and its max absolute and relative error. Exit code 1 if any case fails,\n' +
    '3 if FILE is missing, unreadable, not JSON, has no cases or a value that is not a number.\n' +
    'Tolerances: ops float64 rtol 1e-9 atol 1e-12, float32 rtol 1e-4 atol 1e-5; optimizers float64\n' +
    'rtol 1e-10, float32 rtol 1e-5 (atol 1e-7 relative to the tensor scale).\n' +
    '--json prints {cases: [{name, pass, maxAbsErr, maxRelErr, section, error?}], passed, failed}.',
  positionals: [{ name: 'FILE', required: true, description: 'reference JSON file' }],
  flags: {
    dtype: {
      type: 'string',
      choices: ['float64', 'float32'],
      default: 'float64',
      description: 'dtype to compute in',
    },
    kernels: {
      type: 'string',
      choices: ['auto', 'js', 'wasm'],
      default: 'auto',
      description: 'matmul/conv kernels',
    },
    json: { type: 'boolean', default: false, description: 'print machine-readable JSON' },
  },
};

/** The JSON printed by `gradscope conformance --json`. */
export interface ConformanceJson {
  file: string;
  dtype: DType;
  kernels: string;
  cases: ConformanceCaseResult[];
  passed: number;
  failed: number;
}

/** Runs `gradscope conformance`. */
export function conformanceCommand(args: Parsed, out: (s: string) => void): number {
  const file = args.positionals[0] as string;
  const dtype = args.flags.dtype as DType;
  const kernels = args.flags.kernels as 'auto' | 'js' | 'wasm';
  // An unreadable, truncated or empty reference is invalid input (exit 3), never usage or a pass.
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ReferenceDataError(fsErrorText(e, file) ?? `cannot read '${file}': ${String(e)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ReferenceDataError(
      `'${file}' is not valid JSON (truncated?): ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  setKernels(kernels);
  const cases: ConformanceCaseResult[] = runConformanceFile(parsed, dtype);
  const passed = cases.filter((c) => c.pass).length;
  const failed = cases.length - passed;
  if (args.flags.json) {
    const res: ConformanceJson = { file, dtype, kernels, cases, passed, failed };
    out(encodeJson(res, 2));
  } else {
    const w = Math.max(10, ...cases.map((c) => c.name.length));
    out(
      `${'case'.padEnd(w)}  ${'section'.padEnd(10)}  result  ${'max abs err'.padStart(11)}  ${'max rel err'.padStart(11)}`,
    );
    for (const c of cases) {
      const e = (v: number): string => (Number.isNaN(v) ? 'n/a' : v.toExponential(2)).padStart(11);
      out(
        `${c.name.padEnd(w)}  ${c.section.padEnd(10)}  ${c.pass ? 'pass  ' : 'FAIL  '}  ${e(c.maxAbsErr)}  ${e(c.maxRelErr)}${c.error ? `  ${c.error}` : c.detail && !c.pass ? `  ${c.detail}` : ''}`,
      );
    }
    out(`\n${passed} passed, ${failed} failed (${dtype}, kernels ${kernels})`);
  }
  return failed === 0 ? EXIT.ok : EXIT.failed;
}
