import { describe, expect, it } from 'vitest';
import { setKernels } from '../kernels/index.js';
import { runOpsConformance, runOpsCase, type OpsCase } from './ops.js';
import { readBundledReference } from './reference-node.js';

const file = readBundledReference<{ cases: OpsCase[] }>('torch-ops-reference.json');

describe('ops conformance against PyTorch float64 reference', () => {
  for (const kernels of ['js', 'wasm'] as const) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`all ${file.cases.length} cases pass in ${dtype} with ${kernels} kernels`, () => {
        setKernels(kernels);
        try {
          const res = runOpsConformance(file, dtype);
          expect(res.length).toBe(41);
          const failed = res.filter((r) => !r.pass);
          expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
        } finally {
          setKernels('auto');
        }
      });
    }
  }

  it('reports (does not ignore) unknown ops and arguments', () => {
    const c = file.cases.find((x) => x.op === 'softmax')!;
    expect(runOpsCase({ ...c, op: 'softmaxx' }, 'float64').error).toMatch(/unknown op "softmaxx"/);
    expect(runOpsCase({ ...c, args: { ...c.args, temperature: 2 } }, 'float64').error).toMatch(
      /unknown argument\(s\) "temperature"/,
    );
  });

  it('fails a case whose reference values are perturbed', () => {
    const c = file.cases.find((x) => x.op === 'matmul')!;
    const bad = {
      ...c,
      output: { ...c.output, data: c.output.data.map((v, i) => (i === 3 ? v * (1 + 1e-6) : v)) },
    };
    const r = runOpsCase(bad, 'float64');
    expect(r.pass).toBe(false);
    expect(r.maxRelErr).toBeGreaterThan(5e-7);
  });

  it('runs other shapes and arguments of the same ops (generic, not tied to the file)', () => {
    // A case built here: 2-D sum over axis 0 without keepDims, worked out by hand.
    const c: OpsCase = {
      name: 'sum_axis0',
      op: 'sum',
      args: { axis: 0 },
      inputs: [{ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }],
      output: { shape: [3], data: [5, 7, 9] },
      cotangent: { shape: [3], data: [1, -1, 2] },
      grads: [{ shape: [2, 3], data: [1, -1, 2, 1, -1, 2] }],
    };
    expect(runOpsCase(c, 'float64').pass).toBe(true);
  });
});
