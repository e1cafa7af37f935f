import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SWEEP_CHILD_NODE_FLAGS } from './child-flags.js';
import { ProcessPool } from './pool-node.js';

// A child that answers every job with its own process.execArgv: the flags it was started with.
const dir = mkdtempSync(join(tmpdir(), 'gs-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const entry = join(dir, 'echo-child.mjs');
writeFileSync(
  entry,
  [
    "process.on('disconnect', () => process.exit(0));",
    "process.on('message', (m) => process.send({ type: 'result', id: m.id, result: process.execArgv }));",
  ].join('\n'),
);

describe('ProcessPool nodeFlags', () => {
  it('starts its children with the given Node/V8 flags after execArgv (the sweep children get SWEEP_CHILD_NODE_FLAGS)', async () => {
    const pool = new ProcessPool<number, string[]>({
      workers: 2,
      entry,
      nodeFlags: SWEEP_CHILD_NODE_FLAGS,
    });
    try {
      const got = await Promise.all([pool.run(1), pool.run(2)]);
      for (const argv of got) expect(argv).toEqual([...SWEEP_CHILD_NODE_FLAGS]);
    } finally {
      pool.close();
    }
    expect(SWEEP_CHILD_NODE_FLAGS).toEqual(['--interrupt-budget=1000000', '--single-threaded']);
  });
});
