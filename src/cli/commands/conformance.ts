import { encodeJson } from '../../json-encode.js';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { bundledReferencePath, CONFORMANCE_REFERENCES } from '../../conformance/reference-node.js';
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
  usage: 'conformance [FILE] [--dtype float32|float64] [--kernels auto|js|wasm] [--json]',
  description:
    'Without FILE, runs the PyTorch references bundled with gradscope (reference/torch-ops-reference.json,\n' +
    'reference/torch-transformer-reference.json, reference/torch-hvp-reference.json and\n' +
    'reference/torch-optim-reference.json).\n' +
    'FILE is in the format of torch-ops-reference.json (top-level "cases": op outputs and gradients),\n' +
    'torch-hvp-reference.json ("format": "gradscope-hvp-reference/1": f, gradient and exact Hessian-vector\n' +
    'product) or torch-optim-reference.json ("optimizers", "clipping", "schedules"). Every case is run and\n' +
    'printed with pass/fail and its max absolute and relative error. Exit code 1 if any case fails,\n' +
    '3 if FILE is missing, unreadable, not JSON, has no cases or a value that is not a number.\n' +
    'Tolerances: ops float64 rtol 1e-9 atol 1e-12, float32 rtol 1e-4 atol 1e-5; optimizers float64\n' +
    'rtol 1e-10, float32 rtol 1e-5 (atol 1e-7 relative to the tensor scale); HVPs float64 rtol 1e-10,\n' +
    "float32 rtol 1e-4 of each block's largest magnitude.\n" +
    '--json prints {file, dtype, kernels, cases: [{name, pass, maxAbsErr, maxRelErr, section, error?}],\n' +
    'passed, failed}; without FILE, {files: [that object per bundled file], passed, failed}.',
  positionals: [
    {
      name: 'FILE',
      required: false,
      description: 'reference JSON file (default: every bundled reference)',
    },
  ],
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

/** The JSON printed by `gradscope conformance --json` without FILE (every bundled reference). */
export interface ConformanceBundleJson {
  files: ConformanceJson[];
  passed: number;
  failed: number;
}

/**
 * Reads and runs one reference file. An unreadable, truncated or empty reference is invalid input
 * (a ReferenceDataError, exit 3), never usage or a pass.
 */
function runFile(file: string, dtype: DType, kernels: string): ConformanceJson {
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
  const cases: ConformanceCaseResult[] = runConformanceFile(parsed, dtype);
  const passed = cases.filter((c) => c.pass).length;
  return { file, dtype, kernels, cases, passed, failed: cases.length - passed };
}

/** The table of one file's cases and its summary line. */
function printTable(res: ConformanceJson, out: (s: string) => void): void {
  const { cases } = res;
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
  out(`\n${res.passed} passed, ${res.failed} failed (${res.dtype}, kernels ${res.kernels})`);
}

/** Runs `gradscope conformance`. */
export function conformanceCommand(args: Parsed, out: (s: string) => void): number {
  const file = args.positionals[0];
  const dtype = args.flags.dtype as DType;
  const kernels = args.flags.kernels as 'auto' | 'js' | 'wasm';
  setKernels(kernels);
  if (file !== undefined) {
    const res = runFile(file, dtype, kernels);
    if (args.flags.json) out(encodeJson(res, 2));
    else printTable(res, out);
    return res.failed === 0 ? EXIT.ok : EXIT.failed;
  }
  const files = CONFORMANCE_REFERENCES.map((name) =>
    runFile(bundledReferencePath(name), dtype, kernels),
  );
  const passed = files.reduce((a, f) => a + f.passed, 0);
  const failed = files.reduce((a, f) => a + f.failed, 0);
  if (args.flags.json) {
    const res: ConformanceBundleJson = { files, passed, failed };
    out(encodeJson(res, 2));
  } else {
    for (const f of files) {
      out(`${relative(process.cwd(), f.file) || f.file}:`);
      printTable(f, out);
      out('');
    }
    out(`all bundled references: ${passed} passed, ${failed} failed`);
  }
  return failed === 0 ? EXIT.ok : EXIT.failed;
}
