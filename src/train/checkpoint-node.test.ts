import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DataLoader } from '../data/data-loader.js';
import { spiral } from '../data/toy-2d.js';
import { mlp } from '../nn/index.js';
import { Optimizer, adam } from '../optim/index.js';
import { CheckpointError } from './checkpoint-error.js';
import { loadCheckpoint, readCheckpoint, saveCheckpoint } from './checkpoint-node.js';
import { fit } from './fit.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
const src = fileURLToPath(new URL('..', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'gradscope-resume-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// The child process: builds the same model / optimizer / data from seeds, trains to `steps`
// (resuming from a checkpoint file when given) and writes every bit of the result as JSON.
// 300 samples in batches of 16 = 19 batches per epoch, so step 100 is in the middle of epoch 6;
// the dropout layers make the model's generators matter.
const CHILD = `
import { writeFileSync } from 'node:fs';
import { DataLoader } from ${JSON.stringify(join(src, 'data/index.js'))};
import { spiral } from ${JSON.stringify(join(src, 'data/toy-2d.js'))};
import { mlp } from ${JSON.stringify(join(src, 'nn/index.js'))};
import { Optimizer, adam } from ${JSON.stringify(join(src, 'optim/index.js'))};
import { fit, findRngs } from ${JSON.stringify(join(src, 'train/index.js'))};

const [steps, runDir, out, resumeFrom] = process.argv.slice(2);
const model = mlp({ sizes: [2, 32, 32, 3], dropout: 0.2, seed: 1 });
const optimizer = new Optimizer(model, adam({ lr: 3e-3 }));
const loader = new DataLoader(spiral(0, { numSamples: 100 }), { batchSize: 16, seed: 7 });
const losses = [];
const summary = await fit(model, optimizer, loader, {
  steps: Number(steps), runDir, silent: true, logEvery: 10, metrics: ['accuracy'],
  callbacks: [{ onStep: (s) => { losses.push(s.loss); } }],
  ...(resumeFrom ? { resumeFrom } : {}),
});
const p = model.arena().params;
writeFileSync(out, JSON.stringify({
  params: Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('base64'),
  optimizer: JSON.stringify(optimizer.stateDict()),
  rngs: [...findRngs(model)].map(([k, r]) => [k, r.state()]),
  loader: loader.state(),
  losses,
  summary,
}));
`;
const childPath = join(root, 'child.mts');
writeFileSync(childPath, CHILD);

interface ChildResult {
  params: string;
  optimizer: string;
  rngs: [string, number[]][];
  loader: unknown;
  losses: number[];
  summary: {
    steps: number;
    stepsThisRun: number;
    resumedFromStep: number | null;
    metrics: Record<string, number>;
  };
}

async function child(steps: number, name: string, resumeFrom?: string): Promise<ChildResult> {
  const out = join(root, `${name}.json`);
  const args = [
    '--import',
    'tsx',
    childPath,
    String(steps),
    join(root, name.replace(/-.*/, '')),
    out,
  ];
  if (resumeFrom) args.push(resumeFrom);
  await run(process.execPath, args, { cwd: repo });
  return JSON.parse(readFileSync(out, 'utf8')) as ChildResult;
}

function metricLines(dir: string): { step: number; loss: number; metrics: unknown }[] {
  return readFileSync(join(root, dir, 'metrics.jsonl'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { step: number; loss: number; metrics: unknown })
    .map(({ step, loss, metrics }) => ({ step, loss, metrics }));
}

describe('resume in a new process', () => {
  it('200 steps straight = 100 steps, save, load in another process, 100 more: identical bits', async () => {
    const [straight, first] = await Promise.all([child(200, 'straight'), child(100, 'split-1')]);
    const ckpt = join(root, 'split', 'checkpoint.json');
    expect(readCheckpoint(ckpt).step).toBe(100);
    const second = await child(200, 'split-2', ckpt);

    expect(first.losses).toHaveLength(100);
    expect(second.losses).toHaveLength(100);
    expect([...first.losses, ...second.losses]).toEqual(straight.losses);
    expect(second.params).toBe(straight.params);
    expect(second.optimizer).toBe(straight.optimizer);
    expect(second.rngs).toEqual(straight.rngs);
    expect(second.rngs.length).toBe(2); // the two Dropout layers
    expect(second.loader).toEqual(straight.loader);
    expect(second.summary).toMatchObject({ steps: 200, stepsThisRun: 100, resumedFromStep: 100 });
    expect(second.summary.metrics).toEqual(straight.summary.metrics);
    // The resumed run appended to the same run directory: the same log as the straight run.
    expect(metricLines('split')).toEqual(metricLines('straight'));
    // Sanity: the first half really differs from the end state.
    expect(first.params).not.toBe(straight.params);
  });

  it('refuses a corrupt or truncated checkpoint and changes nothing', async () => {
    const model = mlp({ sizes: [2, 8, 3], seed: 0 });
    const optimizer = new Optimizer(model, adam({ lr: 1e-2 }));
    const loader = new DataLoader(spiral(0, { numSamples: 20 }), { batchSize: 8, seed: 1 });
    await fit(model, optimizer, loader, { steps: 5, silent: true });
    const path = join(root, 'small.json');
    saveCheckpoint(path, { model, optimizer, loader });
    const bytes = readFileSync(path); // the binary format (version 2): safetensors + JSON state

    const model2 = mlp({ sizes: [2, 8, 3], seed: 5 });
    const opt2 = new Optimizer(model2, adam({ lr: 1e-2 }));
    const loader2 = new DataLoader(spiral(0, { numSamples: 20 }), { batchSize: 8, seed: 1 });
    const before = Array.from(model2.arena().params);
    const runDir = join(root, 'refused-run');

    const corrupt = join(root, 'corrupt.json');
    // One bit of a parameter's bytes flipped (the data section follows the JSON header).
    const damaged = Uint8Array.from(bytes);
    damaged[damaged.length - 5]! ^= 1;
    writeFileSync(corrupt, damaged);
    await expect(
      fit(model2, opt2, loader2, { steps: 10, resumeFrom: corrupt, runDir, silent: true }),
    ).rejects.toThrow(new RegExp(`${corrupt.replace(/[.]/g, '\\.')}: checksum mismatch`));
    const truncated = join(root, 'truncated.json');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(
      fit(model2, opt2, loader2, { steps: 10, resumeFrom: truncated, runDir, silent: true }),
    ).rejects.toThrow(CheckpointError);
    expect(() => loadCheckpoint(join(root, 'missing.json'), { model: model2 })).toThrow(
      /missing\.json: cannot be read/,
    );
    // Nothing changed: parameters, optimizer, loader, and no run directory was created.
    expect(Array.from(model2.arena().params)).toEqual(before);
    expect(opt2.stepCount).toBe(0);
    expect(loader2.state()).toEqual(
      new DataLoader(spiral(0, { numSamples: 20 }), { batchSize: 8, seed: 1 }).state(),
    );
    expect(readdirSync(root)).not.toContain('refused-run');

    // The intact file restores.
    loadCheckpoint(path, { model: model2, optimizer: opt2, loader: loader2 });
    expect(Array.from(model2.arena().params)).toEqual(Array.from(model.arena().params));
    expect(opt2.stepCount).toBe(5);
  });
});
