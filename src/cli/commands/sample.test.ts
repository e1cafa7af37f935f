import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand } from '../args.js';
import { main } from '../main.js';
import { trainCommand, trainSpec } from './train.js';
import type { SampleJson } from './sample.js';

// `gradscope sample`: text from a trained character model (issue 19). One small GPT run (1 block,
// width 16, context 8, 30 steps) is trained once through `gradscope train`, then sampled.
const tmp = mkdtempSync(join(tmpdir(), 'gs-sample-'));
const runDir = join(tmp, 'names');
const spiralDir = join(tmp, 'spiral');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function train(config: unknown, out: string): Promise<number> {
  const file = join(tmp, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(config));
  const parsed = parseCommand(trainSpec, ['--config', file, '--out', out, '--quiet']);
  if (parsed === 'help') throw new Error('unexpected --help');
  return trainCommand(parsed, () => undefined, {
    progress: { write: () => undefined, isTTY: false },
    stderr: { write: () => undefined },
  });
}

beforeAll(async () => {
  const gpt = {
    model: { name: 'gpt', context: 8, layers: 1, heads: 2, embed: 16 },
    data: { name: 'names', stride: 4 },
    optimizer: { name: 'adamw', lr: 3e-3, weightDecay: 0 },
    train: { steps: 30, batchSize: 16, seed: 0 },
  };
  expect(await train(gpt, runDir)).toBe(0);
  const spiral = {
    model: { name: 'mlp', hidden: [8] },
    data: { name: 'spiral', numSamples: 20 },
    optimizer: { name: 'sgd', lr: 0.1 },
    train: { steps: 2 },
  };
  expect(await train(spiral, spiralDir)).toBe(0);
}, 120_000);

describe('gradscope sample', () => {
  it('prints N texts, the same for the same seed, others for another seed', async () => {
    const a = await cli('sample', runDir, '--n', '8', '--seed', '3');
    const b = await cli('sample', join(runDir, 'checkpoint.json'), '--n', '8', '--seed', '3');
    const c = await cli('sample', runDir, '--n', '8', '--seed', '4');
    expect(a.code, a.err).toBe(0);
    const lines = a.out.split('\n');
    expect(lines).toHaveLength(8);
    // Lines hold the names' characters only (the boundary ends a text; 32 = 4 × context at most).
    for (const l of lines) expect(l).toMatch(/^[a-z-]{0,32}$/);
    expect(b.out).toBe(a.out);
    expect(c.out).not.toBe(a.out);
  });

  it('--json, --prompt, --max-length and --temperature', async () => {
    const r = await cli(
      'sample',
      runDir,
      '--n',
      '3',
      '--prompt',
      'ma',
      '--max-length',
      '5',
      '--temperature',
      '0.5',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out) as SampleJson;
    expect(doc.step).toBe(30);
    expect(doc.options).toEqual({
      n: 3,
      temperature: 0.5,
      topK: null,
      seed: 0,
      maxLength: 5,
      prompt: 'ma',
    });
    expect(doc.samples).toHaveLength(3);
    // The prompt, then at most 5 drawn characters.
    for (const s of doc.samples) expect(s).toMatch(/^ma[a-z-]{0,5}$/);
  });

  it('bad input: one line naming the argument, exit 2 for usage and 3 for a run that is not a character model', async () => {
    const t0 = await cli('sample', runDir, '--temperature', '0');
    expect(t0.code).toBe(2);
    expect(t0.err).toMatch(/--temperature must be a number > 0, got '0'/);
    const neg = await cli('sample', runDir, '--temperature', '-1');
    expect(neg.code).toBe(2);
    const n0 = await cli('sample', runDir, '--n', '0');
    expect(n0.code).toBe(2);
    expect(n0.err).toMatch(/--n must be an integer >= 1, got '0'/);
    const p = await cli('sample', runDir, '--prompt', 'Q');
    expect(p.code).toBe(2);
    expect(p.err).toMatch(/--prompt character "Q" at position 0 is not in the model's vocabulary/);
    const mlp = await cli('sample', spiralDir);
    expect(mlp.code).toBe(3);
    expect(mlp.err).toMatch(
      /trained model "mlp" on data "spiral"; sample needs a character model \(model "gpt" on data "names"\)/,
    );
    const none = await cli('sample', tmp);
    expect(none.code).toBe(3);
    expect(none.err).toMatch(/is not a gradscope train run directory \(no train-config\.json\)/);
    const missing = await cli('sample', join(tmp, 'nope'));
    expect(missing.code).toBe(3);
    expect(missing.err.split('\n')).toHaveLength(1);
  });
});
