import { describe, expect, it } from 'vitest';
import { setKernels } from '../kernels/index.js';
import { runOpsConformance, type OpsCase } from './ops.js';
import { readBundledReference } from './reference-node.js';

// The Transformer ops and layers (issue 19) against PyTorch 1.13 float64 references made by
// reference/make_transformer_reference.py: attention, multi-head attention, RMSNorm, a Post-LN and
// a Pre-LN block (torch.nn.TransformerEncoderLayer) and a 2-layer GPT with a tied head. Module
// cases load PyTorch's parameters by PyTorch's names, so they also pin gradscope's names.
const file = readBundledReference<{ cases: OpsCase[] }>('torch-transformer-reference.json');

describe('Transformer conformance against PyTorch', () => {
  for (const kernels of ['js', 'wasm'] as const) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`all ${file.cases.length} cases pass in ${dtype} with ${kernels} kernels`, () => {
        setKernels(kernels);
        try {
          const res = runOpsConformance(file, dtype);
          expect(res.length).toBe(10);
          const failed = res.filter((r) => !r.pass);
          expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
        } finally {
          setKernels('auto');
        }
      });
    }
  }

  it('a module case whose parameter name gradscope does not have fails with that name', () => {
    const c = file.cases.find((x) => x.op === 'transformerBlock')!;
    const names = (c.args['paramNames'] as string[]).map((n) =>
      n === 'linear1.weight' ? 'fc1.weight' : n,
    );
    const r = runOpsConformance(
      { cases: [{ ...c, args: { ...c.args, paramNames: names } }] },
      'float64',
    );
    expect(r[0]!.pass).toBe(false);
    expect(r[0]!.error).toMatch(/parameter "fc1\.weight" does not exist/);
  });
});
