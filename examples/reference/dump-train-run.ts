// Writes what examples/reference/torch_char_gpt.py needs to replay a `gradscope train --config`
// run of a "gpt" model on data "names" in PyTorch: the same initial weights (the model that
// buildTrainRun builds from train.seed, as safetensors), the same training windows (the starts of
// the windows the run's DataLoader yields, in order: fit shuffles with train.seed) and the recipe
// (AdamW, its betas, the linear warmup, the global-norm clipping, the steps).
//   npx tsx examples/reference/dump-train-run.ts examples/configs/names-gpt.json /tmp/names-gpt
//   /usr/bin/python3 examples/reference/torch_char_gpt.py /tmp/names-gpt
// An optional third argument N replays `gradscope train --config … --steps N`.
// Issue 19's acceptance (the char-level model within 0.05 nats of PyTorch on the same data, init
// and recipe): compare PyTorch's valLoss with the final val.loss of
//   npx tsx src/cli/main.ts train --config examples/configs/names-gpt.json --out DIR
// (docs/EXPERIMENTS.md, "Char-level GPT against PyTorch").
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import '../../src/autograd/backward.js';
import { charCorpus, loadFirstNames } from '../../src/data/char-text.js';
import { DataLoader } from '../../src/data/data-loader.js';
import { saveSafetensors } from '../../src/nn/safetensors.js';
import { buildTrainRun } from '../../src/train/config-build.js';
import { parseConfigText } from '../../src/train/config-json.js';
import { parseTrainConfig } from '../../src/train/config.js';

const [configPath, dir, stepsArg] = process.argv.slice(2);
if (configPath === undefined || dir === undefined) {
  process.stderr.write(
    'usage: npx tsx examples/reference/dump-train-run.ts CONFIG.json DIR [STEPS]  (STEPS as train --steps)\n',
  );
  process.exit(2);
}
const fail = (msg: string): never => {
  process.stderr.write(`dump-train-run: ${msg}\n`);
  process.exit(1);
};
const cfg = parseTrainConfig(parseConfigText(readFileSync(configPath, 'utf8'), configPath));
const m = cfg.model;
if (m.name !== 'gpt' || cfg.data.name !== 'names')
  fail(`the config must train model "gpt" on data "names", got ${m.name} on ${cfg.data.name}`);
if (m.name !== 'gpt' || cfg.data.name !== 'names') process.exit(1); // narrows the types
const o = cfg.optimizer;
if (!('name' in o) || (o.name !== 'adamw' && o.name !== 'adam'))
  fail('optimizer must be a named "adamw" or "adam" (the replay is AdamW)');
const opt = o as {
  name: string;
  lr: number;
  b1?: number;
  b2?: number;
  eps?: number;
  weightDecay?: number;
};
if ((opt.b1 ?? 0.9) !== 0.9 || (opt.eps ?? 1e-8) !== 1e-8)
  fail('the replay uses b1 0.9 and eps 1e-8');
if (opt.b2 === undefined || opt.weightDecay === undefined)
  fail(
    'give optimizer.b2 and optimizer.weightDecay explicitly (the replay takes them as they are)',
  );
// The replay's warmup is LinearLR(start_factor = 1/warmup, total_iters = warmup).
let warmup = 0;
const s = cfg.schedule as
  { name: string; startFactor?: number; endFactor?: number; totalIters?: number } | undefined;
if (s !== undefined) {
  const n = s.totalIters ?? 0;
  if (
    s.name !== 'linear' ||
    (s.endFactor ?? 1) !== 1 ||
    Math.abs((s.startFactor ?? 0) - 1 / n) > 1e-12
  )
    fail('schedule must be none or linear from 1/totalIters to 1 (a warmup)');
  warmup = n;
}
const clips = cfg.clip === undefined ? [] : Array.isArray(cfg.clip) ? cfg.clip : [cfg.clip];
if (clips.length > 1 || (clips.length === 1 && clips[0]!.name !== 'byGlobalNorm'))
  fail('clip must be none or one byGlobalNorm');
const clipNorm = clips.length === 1 ? (clips[0] as { maxNorm: number }).maxNorm : null;
if ((m.dropout ?? 0) !== 0) fail('the replay has no dropout (model.dropout must be 0)');
if ((m.normKind ?? 'layer') !== 'layer' || m.tieWeights === false)
  fail('the replay has LayerNorm and a tied head (model.normKind "layer", tieWeights true)');

const run = await buildTrainRun(cfg, stepsArg !== undefined ? { steps: Number(stepsArg) } : {});
const t = run.config.train;
const steps = run.totalSteps;
const batch = t.batchSize ?? 32;
const stride = cfg.data.stride ?? 1;
// fit's loader over the training windows, as fit builds it from the Dataset.
const loader = new DataLoader(run.train, {
  batchSize: batch,
  shuffle: t.shuffle ?? true,
  seed: t.seed ?? 0,
});
const starts = new Int32Array(steps * batch);
for (let k = 0; k < steps; k++) {
  const b = loader.nextBatch();
  if (b.size !== batch)
    fail(
      `step ${k + 1} is an epoch's last, partial batch (${b.size} windows); the replay needs full batches: STEPS at most ${Math.floor(run.train.length / batch)}`,
    );
  for (let i = 0; i < batch; i++) starts[k * batch + i] = (b.indices[i] as number) * stride;
}
const corpus = charCorpus(await loadFirstNames(), {
  ...(cfg.data.valFraction !== undefined ? { valFraction: cfg.data.valFraction } : {}),
  ...(cfg.data.splitSeed !== undefined ? { splitSeed: cfg.data.splitSeed } : {}),
});
mkdirSync(dir, { recursive: true });
const bytes = (a: Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
writeFileSync(join(dir, 'init.safetensors'), saveSafetensors(run.model));
writeFileSync(join(dir, 'train.bin'), bytes(corpus.train));
writeFileSync(join(dir, 'val.bin'), bytes(corpus.val));
writeFileSync(join(dir, 'starts.bin'), bytes(starts));
writeFileSync(
  join(dir, 'config.json'),
  JSON.stringify({
    model: {
      context: m.context,
      layers: m.layers,
      heads: m.heads,
      embed: m.embed,
      norm: m.norm ?? 'pre',
      ...(m.ffn !== undefined ? { ffn: m.ffn } : {}),
      ...(m.activation !== undefined ? { activation: m.activation } : {}),
    },
    steps,
    batch,
    lr: opt.lr,
    b2: opt.b2,
    warmup,
    weightDecay: opt.weightDecay,
    clipNorm,
    vocab: corpus.vocab.size,
    dtype: t.dtype ?? 'float32',
  }),
);
process.stdout.write(
  `wrote ${steps} steps × ${batch} windows, the initial weights and the recipe to ${dir}\n`,
);
