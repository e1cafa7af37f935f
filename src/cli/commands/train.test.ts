import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDataset, type Dataset } from '../../data/dataset.js';
import { loadMnist, type MnistOptions, type MnistSplit } from '../../data/mnist.js';
import { deserializeState, serializeState } from '../../optim/serialize.js';
import type { Tensor } from '../../tensor/tensor.js';
import { serializeCheckpoint } from '../../train/checkpoint.js';
import { readCheckpoint } from '../../train/checkpoint-node.js';
import { parseCommand } from '../args.js';
import { main } from '../main.js';
import { trainCommand, trainSpec, type TrainDeps, type TrainJson } from './train.js';

const EXAMPLES = new URL('../../../examples/configs/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'gs-train-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(tmp, `run-${++n}`);

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** `gradscope train` with side channels captured (progress, stderr) and deps injected. */
async function train(
  argv: string[],
  deps: TrainDeps = {},
  tty = false,
): Promise<{ code: number; out: string; progress: string; err: string }> {
  const out: string[] = [];
  let progress = '';
  let err = '';
  const parsed = parseCommand(trainSpec, argv);
  if (parsed === 'help') throw new Error('unexpected --help');
  const code = await trainCommand(parsed, (s) => out.push(s), {
    progress: { write: (s: string) => (progress += s), isTTY: tty },
    stderr: { write: (s: string) => (err += s) },
    ...deps,
  });
  return { code, out: out.join('\n'), progress, err };
}

function writeConfig(json: unknown, name = 'cfg.json'): string {
  const dir = fresh();
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, typeof json === 'string' ? json : JSON.stringify(json, null, 2));
  return p;
}

// The real MNIST digits, loaded once; the test split cut to 300 digits so that evaluating the
// CNN stays fast (training is cut by --steps).
let mnist: Promise<MnistSplit> | null = null;
function cut(ds: Dataset, k: number): Dataset {
  const f = ds.x.length / ds.length;
  return createDataset(ds.x.subarray(0, k * f), (ds.y as Int32Array).subarray(0, k), {
    featureShape: ds.featureShape,
    numClasses: 10,
  });
}
const smallMnist = async (o: MnistOptions): Promise<MnistSplit> => {
  if (o.keepImageShape) {
    const s = await loadMnist(o);
    return { train: s.train, test: cut(s.test, 300) };
  }
  mnist ??= loadMnist(o);
  const s = await mnist;
  return { train: s.train, test: cut(s.test, 300) };
};

const SMALL = {
  model: { name: 'mlp', hidden: [8] },
  data: { name: 'xor', numSamples: 64, testSamples: 16 },
  optimizer: { name: 'adam', lr: 0.01 },
  train: { epochs: 2, batchSize: 16 },
};

describe('gradscope train: the example configs run end to end', () => {
  const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));

  it('there are at least two examples, among them MNIST with Adam and the spiral with SGD', () => {
    expect(examples).toEqual(
      expect.arrayContaining(['mnist-mlp-adam.json', 'spiral-sgd-momentum.json']),
    );
  });

  for (const file of examples) {
    it(`${file}: trains a few steps and writes the run directory`, async () => {
      const out = fresh();
      // The CNN's steps cost about 30× an MLP's: two are enough to go through everything.
      const steps = file.includes('cnn') ? 2 : 6;
      const r = await train(
        ['--config', join(EXAMPLES, file), '--out', out, '--steps', String(steps), '--json'],
        { loadMnist: smallMnist },
      );
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out) as TrainJson;
      expect(j.status).toBe('completed');
      expect(j.steps).toBe(steps);
      expect(j.runDir).toBe(out);
      expect(j.report).toBe(join(out, 'report.html'));
      expect(Number.isFinite(j.finalLoss)).toBe(true);
      expect(Object.keys(j.metrics)).toContain('train.loss');
      for (const f of [
        'config.json',
        'train-config.json',
        'metrics.jsonl',
        'summary.json',
        'checkpoint.json',
        'report.html',
      ])
        expect(existsSync(join(out, f)), f).toBe(true);
      const cfg = JSON.parse(readFileSync(join(out, 'train-config.json'), 'utf8')) as {
        train: { steps: number };
      };
      expect(cfg.train.steps).toBe(steps);
      const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n');
      expect((JSON.parse(lines.at(-1) as string) as { step: number }).step).toBe(steps);
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
        steps: number;
      };
      expect(summary.steps).toBe(steps);
      const html = readFileSync(join(out, 'report.html'), 'utf8');
      expect(html).toContain('<svg');
      expect(html).toContain(`gradscope train: ${j.name}`);
      const config = JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as {
        monitor?: unknown;
      };
      expect(existsSync(join(out, 'monitor.jsonl'))).toBe(config.monitor !== undefined);
    });
  }
});

describe('gradscope train: output', () => {
  it('prints plain progress lines, then a summary naming the run directory', async () => {
    const out = fresh();
    const r = await train(['--config', writeConfig({ ...SMALL, name: 'small' }), '--out', out]);
    expect(r.code).toBe(0);
    expect(r.progress).toMatch(
      /^gradscope train: small — mlp 2-8-2 \(relu\) on xor \(64 train \/ 16 test\), adam; 8 steps\n/,
    );
    expect(r.progress).toMatch(/^step 8\/8 {2}epoch 2 {2}loss /m);
    expect(r.progress).toMatch(/^epoch 2 {2}train\.loss .* val\.accuracy /m);
    expect(r.progress).not.toContain('\r');
    expect(r.out).toMatch(/^DONE: small — 8 steps \(2 epochs\) in /);
    expect(r.out).toContain('monitor: no verdicts');
    expect(r.out).toContain(`Run directory: ${out} (report: ${join(out, 'report.html')})`);
  });

  it('draws a bar on a terminal, and --quiet prints only the summary', async () => {
    const bar = await train(['--config', writeConfig(SMALL), '--out', fresh()], {}, true);
    expect(bar.progress).toContain('\r\x1b[K');
    expect(bar.progress).toMatch(/\[=+\]/);
    const quiet = await train(['--config', writeConfig(SMALL), '--out', fresh(), '--quiet']);
    expect(quiet.progress).toBe('');
    expect(quiet.out).toMatch(/^DONE: cfg/);
  });

  it('a diverging run exits 1 with the monitor verdicts and their remedies', async () => {
    const cfg = writeConfig({
      model: { name: 'rnn', hiddenSize: 8 },
      data: { name: 'addition', T: 10, numSamples: 64, testSamples: 16 },
      optimizer: { name: 'sgd', lr: 1e6 },
      monitor: true,
      train: { steps: 30, batchSize: 16 },
    });
    const r = await train(['--config', cfg, '--out', fresh(), '--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as TrainJson;
    expect(j.status).toBe('diverged');
    expect(j.steps).toBeLessThan(30);
    expect(j.stopReason).toMatch(/^terminateOnNonFinite/);
    expect(j.verdicts.map((v) => v.kind)).toContain('exploding');
    expect(j.verdicts[0]?.remedies[0]).toMatch(/clip/);
    expect(r.progress).toMatch(/monitor: step \d+: exploding \(critical\)/);
  });
});

describe('gradscope train: errors', () => {
  it('an unknown optimizer, a negative lr and a missing field each name the field (exit 3)', async () => {
    const cases: [unknown, RegExp][] = [
      [
        { ...SMALL, optimizer: { name: 'adma', lr: 0.1 } },
        /^gradscope train: ConfigError: invalid config '.*cfg\.json': optimizer\.name = "adma" is not a known optimizer \(did you mean "adam"\?\); expected one of sgd, .*adam/,
      ],
      [
        { ...SMALL, optimizer: { name: 'sgd', lr: -0.1 } },
        /: optimizer\.lr = -0\.1 is invalid; expected a number > 0/,
      ],
      [
        { ...SMALL, optimizer: { name: 'sgd', momentum: 0.9 } },
        /: optimizer\.lr is missing \(sgd has no default learning rate\)/,
      ],
      [{ ...SMALL, train: { batchSize: 16 } }, /: train\.epochs is missing/],
    ];
    for (const [json, re] of cases) {
      const out = fresh();
      const r = await run('train', '--config', writeConfig(json), '--out', out, '--quiet');
      expect(r.code, String(re)).toBe(3);
      expect(r.err).toMatch(re);
      expect(existsSync(out)).toBe(false); // nothing was written
    }
  });

  it('bad JSON names the file, the line and the column (exit 3)', async () => {
    const p = writeConfig(
      '{\n  "model": { "name": "mlp", "hidden": [8] },\n  "train": { "epochs": 1, }\n}',
    );
    const r = await run('train', '--config', p);
    expect(r.code).toBe(3);
    expect(r.err).toBe(
      `gradscope train: ConfigError: ${p}:3:27: invalid JSON: trailing comma before '}' (JSON does not allow it)`,
    );
  });

  it('a missing file is exit 3; bad usage is exit 2', async () => {
    const missing = await run('train', '--config', join(tmp, 'nope.json'));
    expect(missing.code).toBe(3);
    expect(missing.err).toMatch(
      /^gradscope train: ConfigError: cannot read config file '.*nope\.json': ENOENT/,
    );
    const noConfig = await run('train');
    expect(noConfig.code).toBe(2);
    expect(noConfig.err).toMatch(/train: --config FILE is required/);
    const badSteps = await run('train', '--config', writeConfig(SMALL), '--steps', '0');
    expect(badSteps.code).toBe(2);
    expect(badSteps.err).toMatch(/--steps must be an integer >= 1, got '0'/);
    const unknown = await run('train', '--config', writeConfig(SMALL), '--epochs', '3');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(
      /Unknown option '--epochs'.*Allowed options: --config, --out, --steps, --resume, --allow-non-finite, --checkpoint-every, --checkpoint-seconds, --json, --quiet, --max-memory, --max-time, --no-color, --help/,
    );
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, 'keep.txt'), 'x');
    const taken = await run('train', '--config', writeConfig(SMALL), '--out', dir);
    expect(taken.code).toBe(2);
    expect(taken.err).toMatch(/exists and is not empty/);
  });

  it('--resume refuses a checkpoint with NaN weights (exit 3) unless --allow-non-finite', async () => {
    const out = fresh();
    expect((await train(['--config', writeConfig(SMALL), '--out', out])).code).toBe(0);
    // Rewrite the checkpoint with one NaN weight and a valid checksum (a crafted, not a damaged, file).
    const path = join(out, 'checkpoint.json');
    const ckpt = readCheckpoint(path);
    const [name, entry] = Object.entries(ckpt.model)[0]!;
    const t = deserializeState(entry, name) as Tensor;
    t.data[0] = NaN;
    writeFileSync(
      path,
      serializeCheckpoint({ ...ckpt, model: { ...ckpt.model, [name]: serializeState(t) } }),
    );
    const refused = await train(['--resume', out]);
    expect(refused.code).toBe(3);
    expect(refused.err).toMatch(/not finite.*--allow-non-finite/);
    const allowed = await train(['--resume', out, '--allow-non-finite']);
    expect(allowed.code).not.toBe(3);
    expect(allowed.err).not.toMatch(/not finite/);
    const alone = await run('train', '--config', writeConfig(SMALL), '--allow-non-finite');
    expect(alone.code).toBe(2);
    expect(alone.err).toMatch(/--allow-non-finite only applies .* --resume/);
  });

  it('--help documents the command, and the main help lists it', async () => {
    const h = await run('train', '--help');
    expect(h.code).toBe(0);
    expect(h.out).toMatch(
      /^Usage: gradscope train --config FILE \[--out DIR\] \[--steps N\] \[--checkpoint-every N\] \[--checkpoint-seconds S\] \[--json\] \[--quiet\] \[--max-memory SIZE\] \[--max-time DURATION\] \| train --resume DIR \[--allow-non-finite\]/,
    );
    expect(h.out).toContain('--config FILE');
    const all = await run('--help');
    expect(all.out).toMatch(/^ {2}train {10}Train your own run from a JSON config/m);
  });
});
