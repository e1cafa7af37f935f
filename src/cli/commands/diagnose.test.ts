import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataLoader, gaussianMixture, type Batch } from '../../data/index.js';
import { crossEntropy, mlp } from '../../nn/index.js';
import { Optimizer, chain, sgd } from '../../optim/index.js';
import { gradientHealth } from '../../monitor/gradient-health.js';
import { logHealthToJsonl } from '../../monitor/node.js';
import { encodeJson } from '../../json-encode.js';
import { parseCommand, type Parsed } from '../args.js';
import { main } from '../main.js';
import { readRunLogs } from '../../report/run-logs-node.js';
import { addReplayedVerdicts } from '../../serve/replayed-verdicts-node.js';
import { listRuns } from '../../serve/run-index-node.js';
import { completeLines, diagnoseCommand, diagnoseSpec, type DiagnoseJson } from './diagnose.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'gradscope-diagnose-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A 10-layer sigmoid MLP's monitor log (vanishing from step 10) and its live verdicts. */
function sigmoidRun(dir: string, steps: number): { text: string; live: unknown[] } {
  const data = gaussianMixture({ numClasses: 4, dim: 16, numSamples: 256 }, 11);
  const batches: Batch[] = [];
  for (const b of new DataLoader(data, { batchSize: 32, seed: 2, dropLast: true })) batches.push(b);
  const net = mlp({ sizes: [16, ...Array<number>(9).fill(32), 4], activation: 'sigmoid', seed: 0 });
  const health = gradientHealth({ model: net, lr: 0.1 });
  const stop = logHealthToJsonl(health, dir);
  const opt = new Optimizer(net, chain(health, sgd({ lr: 0.1, momentum: 0.9 })));
  for (let i = 0; i < steps; i++) {
    const b = batches[i % batches.length] as Batch;
    opt.zeroGrad();
    const loss = crossEntropy(net.forward(b.x), b.y as Int32Array);
    loss.backward();
    opt.step({ loss: loss.item() });
  }
  stop();
  return {
    text: readFileSync(path.join(dir, 'monitor.jsonl'), 'utf8'),
    live: health.verdicts.map((v) => JSON.parse(encodeJson(v)) as unknown),
  };
}

const own = path.join(tmp, 'own');
const run = sigmoidRun(own, 30);

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    ['diagnose', ...argv],
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The same records as if another framework had written them (the header's framework changed). */
function asFramework(framework: string, text = run.text): string {
  const [head, ...rest] = text.split('\n');
  const h = JSON.parse(head as string) as Record<string, unknown>;
  return [JSON.stringify({ ...h, framework }), ...rest].join('\n');
}

describe('gradscope diagnose', () => {
  it("a gradscope run directory: the live run's verdicts with evidence and remedies; --json has them in full", async () => {
    const r = await cli([own]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^gradscope diagnose: .*monitor\.jsonl — gradscope, 10 layers \(0 … 18\)/,
    );
    expect(r.out).toMatch(/^step 10: vanishing \(critical\) — vanishing gradients/m);
    expect(r.out).toMatch(/^ {2}evidence: ratio /m);
    expect(r.out).toMatch(/^ {2}1\. replace sigmoid by ReLU .* — σ' ≤ 1\/4/m);
    expect(r.out).toMatch(
      /^30 checks \(to step 30\); 1 verdict; active at the end: vanishing \(step 10\)$/m,
    );
    const j = await cli([own, '--json']);
    expect(j.code).toBe(0);
    const doc = JSON.parse(j.out) as DiagnoseJson;
    expect(doc.framework).toBe('gradscope');
    expect(doc.checks).toBe(30);
    expect(doc.verdicts).toEqual(run.live);
    expect(Object.keys(doc.verdicts[0] ?? {})).toEqual(
      expect.arrayContaining(['kind', 'step', 'layers', 'evidence', 'remedies']),
    );
    expect(doc.errors).toEqual([]);
  });

  it('records.jsonl from PyTorch (a file or its run directory): remedies name PyTorch code', async () => {
    const dir = path.join(tmp, 'torch-run');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'records.jsonl'), asFramework('pytorch'));
    const r = await cli([dir, '--remedies', '2']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/— pytorch, 10 layers/);
    expect(r.out).toMatch(/1\. replace nn\.Sigmoid by nn\.ReLU \(with nn\.init\.kaiming_normal_/);
    expect(r.out).toMatch(/2\. nn\.init\.kaiming_normal_\(m\.weight, nonlinearity='relu'\)/);
    expect(r.out).not.toMatch(/^ {2}3\./m);
    const f = await cli([path.join(dir, 'records.jsonl'), '--json']);
    const doc = JSON.parse(f.out) as DiagnoseJson;
    expect(doc.verdicts[0]?.remedies[0]?.action).toEqual({
      action: 'activation',
      from: 'sigmoid',
      to: 'relu',
      layers: doc.verdicts[0]?.layers,
    });
  });

  it('bad lines: named by line and field, skipped, the rest diagnosed; exit 3', async () => {
    const lines = run.text.trim().split('\n');
    lines[2] = (lines[2] as string).slice(0, 50);
    const rec = JSON.parse(lines[4] as string) as Record<string, unknown>;
    lines[4] = JSON.stringify({ ...rec, nonFinite: 'NaN' });
    const file = path.join(tmp, 'bad.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const r = await cli([file]);
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^error: line 3: not JSON \(a truncated line\?\)/m);
    expect(r.out).toMatch(
      /^error: line 5: nonFinite = "NaN" is invalid; expected an integer >= 0 \(a count\)$/m,
    );
    expect(r.out).toMatch(/: vanishing \(critical\)/);
    expect(r.out).toMatch(/^28 checks .*\n(note: .*\n)*2 bad lines skipped/m);
    const j = JSON.parse((await cli([file, '--json'])).out) as DiagnoseJson;
    expect(j.errors.map((e) => e.line)).toEqual([3, 5]);
    expect(j.verdicts.map((v) => v.kind)).toEqual(['vanishing']);
  });

  it('unusable input: no header, missing file, --idle without --follow', async () => {
    const file = path.join(tmp, 'nohead.jsonl');
    writeFileSync(file, run.text.split('\n').slice(1).join('\n'));
    const r = await cli([file]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/line 1: expected a header record/);
    expect((await cli([path.join(tmp, 'nope')])).code).toBe(3);
    expect((await cli([own, '--idle', '1'])).code).toBe(2);
  });

  it('--follow: reads a file as it is written, a half-written last line waits for its end', async () => {
    const file = path.join(tmp, 'follow', 'records.jsonl');
    const lines = asFramework('tfjs').trim().split('\n');
    const out: string[] = [];
    const ac = new AbortController();
    const done = diagnoseCommand(
      parseCommand(diagnoseSpec, [path.dirname(file), '--follow']) as Parsed,
      (s) => out.push(s),
      { signal: ac.signal, pollMs: 5 },
    );
    await new Promise((r) => setTimeout(r, 30)); // neither the directory nor the file exist yet
    mkdirSync(path.dirname(file));
    let k = 0;
    for (const line of lines) {
      // each line written in two pieces, the first without its newline
      appendFileSync(file, line.slice(0, 40));
      if (k++ % 5 === 0) await new Promise((r) => setTimeout(r, 8));
      appendFileSync(file, `${line.slice(40)}\n`);
    }
    for (let i = 0; i < 200 && !out.some((s) => s.includes('vanishing (critical)')); i++)
      await new Promise((r) => setTimeout(r, 10));
    ac.abort('SIGINT');
    expect(await done).toBe(130);
    const text = out.join('\n');
    expect(text).not.toMatch(/error:/);
    expect(text).toMatch(/step 10: vanishing \(critical\)/);
    expect(text).toMatch(/clipByGlobalNorm|kernelInitializer: 'heNormal'/);
    expect(text).toMatch(/^30 checks/m);
  });

  it('--follow --idle S: stops once the file stopped growing', async () => {
    const r = await cli([own, '--follow', '--idle', '0.05', '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as DiagnoseJson).checks).toBe(30);
  });

  it('gradscope serve lists a run directory with PyTorch records.jsonl and shows its replayed verdicts', () => {
    const root = path.join(tmp, 'serve-root');
    const dir = path.join(root, 'torch-e12');
    mkdirSync(dir, { recursive: true });
    // the hook writes statistics only, no verdict lines
    const statsOnly = asFramework('pytorch')
      .split('\n')
      .filter((l) => !l.includes('"type":"verdict"'))
      .join('\n');
    writeFileSync(path.join(dir, 'records.jsonl'), statsOnly);
    const runs = listRuns([root]);
    expect(runs.map((r) => [r.name, r.kind])).toEqual([['torch-e12', 'train']]);
    const logs = readRunLogs(dir);
    addReplayedVerdicts(dir, logs);
    expect(logs.problems).toEqual([]);
    expect(logs.verdicts.map((v) => [v.run, v.kind, v.step])).toEqual([['run', 'vanishing', 10]]);
    expect(logs.verdicts[0]?.remedies[0]).toMatch(/^replace nn\.Sigmoid by nn\.ReLU/);
    expect(logs.gradNorms[0]?.layers.map((l) => l.name)).toEqual([
      '0',
      '2',
      '4',
      '6',
      '8',
      '10',
      '12',
      '14',
      '16',
      '18',
    ]);
    // a records file with verdict lines (written live) is left to the log reader
    const own = readRunLogs(path.dirname(path.join(tmp, 'torch-run', 'records.jsonl')));
    const n = own.verdicts.length;
    addReplayedVerdicts(path.join(tmp, 'torch-run'), own);
    expect(own.verdicts.length).toBe(n);
  });

  it('completeLines keeps a last line without its newline for later', () => {
    expect(completeLines('a\nb\nc')).toEqual({ lines: ['a', 'b'], rest: 'c' });
    expect(completeLines('a\n')).toEqual({ lines: ['a'], rest: '' });
  });
});
