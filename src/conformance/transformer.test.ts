import { describe, expect, it } from 'vitest';
import { runOpsConformance, type OpsCase } from './ops.js';
import { readBundledReference } from './reference-node.js';

// The Transformer reference file (its cases run in ops.test.ts with the other ops files): a
// module case names its parameters, and a name gradscope's module lacks fails the case by name.
const file = readBundledReference<{ cases: OpsCase[] }>('torch-transformer-reference.json');

describe('Transformer module cases', () => {
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
