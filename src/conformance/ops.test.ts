import { describe, expect, it } from 'vitest';
import { setKernels } from '../kernels/index.js';
import { availableBackends } from '../kernels/select.js';
import { runOpsConformance, runOpsCase, type OpsCase } from './ops.js';
import { readBundledReference } from './reference-node.js';

const file = readBundledReference<{ cases: OpsCase[] }>('torch-ops-reference.json');

// Every bundled file in the ops format, with its case count: the op references, and the
// Transformer ops and layers (reference/make_transformer_reference.py; module cases load
// PyTorch's parameters by PyTorch's names, so they also pin gradscope's names).
const FILES = [
  ['torch-ops-reference.json', 41],
  ['torch-transformer-reference.json', 10],
] as const;

describe('ops conformance against PyTorch float64 reference', () => {
  for (const [name, count] of FILES) {
    const f = readBundledReference<{ cases: OpsCase[] }>(name);
    for (const kernels of availableBackends().map((k) => k.impl)) {
      for (const dtype of ['float64', 'float32'] as const) {
        it(`${name}: all ${count} cases pass in ${dtype} with ${kernels} kernels`, () => {
          setKernels(kernels);
          try {
            const res = runOpsConformance(f, dtype);
            expect(res.length).toBe(count);
            const failed = res.filter((r) => !r.pass);
            expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
          } finally {
            setKernels('auto');
          }
        });
      }
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
