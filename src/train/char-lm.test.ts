import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../autograd/backward.js';
import { charCorpus, loadFirstNames, unigramLoss, type CharCorpus } from '../data/char-text.js';
import { gpt } from '../nn/gpt.js';
import { saveSafetensors } from '../nn/safetensors.js';
import { trainCharLm, type CharLmOptions, type CharLmRun } from './char-lm.js';
import { sampleText } from './sample-text.js';

// Issue 19: the character-level GPT on the bundled names trains, and matches PyTorch replaying
// the same run (same initial weights, same windows, same AdamW recipe) to 0.05 nats of
// validation loss, the criterion. PyTorch runs examples/reference/torch_char_gpt.py with
// Debian's python3-torch (installed by .ci/run); the comparison is skipped, saying so, without it.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON = '/usr/bin/python3';
const hasTorch =
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

const OPTIONS: CharLmOptions = {
  model: { context: 16, layers: 2, heads: 2, embed: 32, dtype: 'float32' },
  steps: 300,
  batch: 32,
  lr: 3e-3,
  warmup: 20,
  clipNorm: 1,
  seed: 0,
};

let corpus: CharCorpus;
let run: CharLmRun;
let dir = '';

beforeAll(async () => {
  corpus = charCorpus(await loadFirstNames());
  run = trainCharLm(corpus, OPTIONS);
  dir = mkdtempSync(join(tmpdir(), 'gs-charlm-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('character-level GPT on the bundled names', () => {
  it('learns: validation loss from ln 28 at init to below the unigram model', () => {
    const first = run.evals[0]!.valLoss;
    const last = run.evals.at(-1)!.valLoss;
    // GPT-2 init (std 0.02) gives near-uniform predictions: ln 28 = 3.332.
    expect(Math.abs(first - Math.log(28))).toBeLessThan(0.05);
    const unigram = unigramLoss(corpus);
    expect(unigram).toBeGreaterThan(2.8); // 2.853 nats: letters alone say little
    expect(last).toBeLessThan(unigram - 0.2);
    const names = sampleText(run.model, corpus.vocab, { count: 20, seed: 1 });
    expect(names.filter((n) => /^[a-z-]{2,15}$/.test(n)).length).toBeGreaterThanOrEqual(15);
  });

  it.skipIf(!hasTorch)(
    'PyTorch replaying the same run (init, windows, recipe) ends within 0.05 nats',
    () => {
      const init = gpt({ ...OPTIONS.model, vocab: corpus.vocab.size, seed: OPTIONS.seed ?? 0 });
      writeFileSync(join(dir, 'init.safetensors'), saveSafetensors(init));
      const i32 = (a: Int32Array): Uint8Array =>
        new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      writeFileSync(join(dir, 'train.bin'), i32(corpus.train));
      writeFileSync(join(dir, 'val.bin'), i32(corpus.val));
      const starts = new Int32Array(OPTIONS.steps * OPTIONS.batch);
      run.batchStarts.forEach((s, k) => starts.set(s, k * OPTIONS.batch));
      writeFileSync(join(dir, 'starts.bin'), i32(starts));
      writeFileSync(
        join(dir, 'config.json'),
        JSON.stringify({
          model: OPTIONS.model,
          steps: OPTIONS.steps,
          batch: OPTIONS.batch,
          lr: OPTIONS.lr,
          b2: 0.99,
          warmup: OPTIONS.warmup,
          weightDecay: 0,
          clipNorm: OPTIONS.clipNorm,
          vocab: corpus.vocab.size,
          dtype: 'float32',
        }),
      );
      const r = spawnSync(PYTHON, [join(ROOT, 'examples/reference/torch_char_gpt.py'), dir], {
        encoding: 'utf8',
        env: { ...process.env, OMP_NUM_THREADS: '1' },
      });
      expect(r.status, r.stderr).toBe(0);
      const torch = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
        valLoss0: number;
        valLoss: number;
        trainLoss: number[];
      };
      // Same initial weights: the same loss before training (float32 rounding only).
      expect(Math.abs(torch.valLoss0 - run.evals[0]!.valLoss)).toBeLessThan(1e-4);
      // The first steps agree closely (same batches), before chaos amplifies rounding.
      expect(Math.abs(torch.trainLoss[0]! - run.trainLoss[0]!)).toBeLessThan(1e-4);
      // The issue asks for 0.05 nats; measured 2026-12-06: 2.3319792870 (gradscope) vs 2.3319792709
      // (PyTorch) after 300 steps, 1.6e-8 apart. 1e-3 leaves room for rounding to compound.
      expect(Math.abs(torch.valLoss - run.evals.at(-1)!.valLoss)).toBeLessThan(1e-3);
    },
  );
});

describe("trainCharLm order 'sequential'", () => {
  const tiny: CharLmOptions = {
    model: { context: 8, layers: 1, heads: 2, embed: 8, dtype: 'float32' },
    steps: 3,
    batch: 2,
    lr: 1e-3,
    order: 'sequential',
  };
  it('walks the consecutive windows batch at a time and starts over at the end', () => {
    // 8·3 + 1 tokens: three windows of 8 (starts 0, 8, 16), batches [0, 8], [16], then [0, 8] again
    const c = { ...corpus, train: corpus.train.subarray(0, 25) };
    const r = trainCharLm(c, tiny);
    expect(r.batchStarts.map((s) => [...s])).toEqual([[0, 8], [16], [0, 8]]);
    // with batch ≥ the number of windows every step is the same full batch
    const full = trainCharLm(c, { ...tiny, batch: 3 });
    expect(full.batchStarts.map((s) => [...s])).toEqual([
      [0, 8, 16],
      [0, 8, 16],
      [0, 8, 16],
    ]);
  });
  it('rejects an unknown order', () => {
    expect(() =>
      trainCharLm(corpus, { ...tiny, order: 'shuffled' as unknown as 'random' }),
    ).toThrow(/order must be 'random' or 'sequential', got/);
  });
});
