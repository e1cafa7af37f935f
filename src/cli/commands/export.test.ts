import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mlp } from '../../nn/mlp.js';
import { loadSafetensors } from '../../nn/safetensors.js';
import { adam } from '../../optim/adam.js';
import { Optimizer } from '../../optim/optimizer.js';
import { saveCheckpoint } from '../../train/checkpoint-node.js';
import { main } from '../main.js';

const tmp = mkdtempSync(join(tmpdir(), 'gs-export-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

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

function runDir(): { dir: string; model: ReturnType<typeof mlp> } {
  const dir = join(tmp, 'run');
  mkdirSync(dir, { recursive: true });
  const model = mlp({ sizes: [3, 5, 2], activation: 'tanh', dtype: 'float64', seed: 7 });
  saveCheckpoint(join(dir, 'checkpoint.json'), {
    model,
    optimizer: new Optimizer(model, adam({ lr: 0.01 })),
    step: 4,
  });
  // As fit writes them: a record per logged step; eval metrics only at some steps; a NaN.
  writeFileSync(
    join(dir, 'metrics.jsonl'),
    [
      '{"step":1,"epoch":0,"loss":2.5,"lr":0.01}',
      '{"step":2,"epoch":0,"loss":"NaN","lr":0.01}',
      '{"step":2,"epoch":0,"val.accuracy":0.5}',
      '{"step":3,"epoch":1,"loss":1.25,"lr":0.005}',
      '{"step":4,"loss":1',
    ].join('\n'),
  );
  // As the monitor's statsRecord writes them (src/monitor/records.ts).
  writeFileSync(
    join(dir, 'monitor.jsonl'),
    [
      '{"type":"stats","step":1,"check":1,"loss":2.5,"layers":[{"name":"0","gradNorm":0.5,"paramNorm":1,"updateRatio":0.01},{"name":"2","gradNorm":0.25,"paramNorm":1,"updateRatio":0.01}]}',
      '{"type":"stats","step":3,"check":2,"loss":1.25,"layers":[{"name":"0","gradNorm":0.125,"paramNorm":1,"updateRatio":0.01},{"name":"2","gradNorm":null,"paramNorm":1,"updateRatio":0.01}]}',
    ].join('\n') + '\n',
  );
  return { dir, model };
}

describe('gradscope export', () => {
  const { dir, model } = runDir();

  it('--format safetensors writes the checkpoint weights, loadable bit for bit', async () => {
    const out = join(tmp, 'w.safetensors');
    const r = await run('export', dir, '--format', 'safetensors', '--out', out);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^wrote .*w\.safetensors \(\d+ bytes\)$/);
    const other = mlp({ sizes: [3, 5, 2], activation: 'tanh', dtype: 'float64', seed: 8 });
    loadSafetensors(other, readFileSync(out));
    for (const [n, t] of Object.entries(model.namedParameters()))
      expect(Array.from(other.namedParameters()[n]!.data), n).toEqual(Array.from(t.data));
  });

  it('--format csv writes one row per step and a column per metric (pandas-readable)', async () => {
    const out = join(tmp, 'm.csv');
    expect((await run('export', dir, '--format', 'csv', '--out', out)).code).toBe(0);
    // Step 2's loss was NaN; val.accuracy only logged at step 2; the truncated last line is skipped.
    expect(readFileSync(out, 'utf8')).toBe(
      'step,loss,lr,val.accuracy\n1,2.5,0.01,\n2,nan,0.01,0.5\n3,1.25,0.005,\n',
    );
  });

  it('--what layers writes every per-layer statistic of monitor.jsonl in long form', async () => {
    const out = join(tmp, 'l.csv');
    expect(
      (await run('export', dir, '--format', 'csv', '--what', 'layers', '--out', out)).code,
    ).toBe(0);
    // The monitor writes a non-finite norm as null; the parser reads it back as NaN. Every
    // statistic of the records is a column (paramNorm and updateRatio too, not just gradNorm).
    expect(readFileSync(out, 'utf8')).toBe(
      'step,layer,level,gradNorm,paramNorm,updateRatio\n' +
        '1,0,layer,0.5,1,0.01\n1,2,layer,0.25,1,0.01\n3,0,layer,0.125,1,0.01\n3,2,layer,nan,1,0.01\n',
    );
  });

  it.skipIf(!existsSync('/usr/bin/python3'))(
    'a real train run: every per-layer statistic, in long form that pandas (or the csv module) reads',
    async () => {
      const dir = join(tmp, 'train');
      const config = join(tmp, 'cfg.json');
      writeFileSync(
        config,
        JSON.stringify({
          model: { name: 'mlp', hidden: [8, 8], activation: 'relu' },
          data: { name: 'spiral', classes: 3, numSamples: 30, testSamples: 10 },
          optimizer: { name: 'adam', lr: 0.01 },
          monitor: { logEvery: 5 },
          train: { steps: 40, batchSize: 16, seed: 3 },
        }),
      );
      expect((await run('train', '--config', config, '--out', dir, '--quiet')).code).toBe(0);
      const out = join(tmp, 'layers.csv');
      expect(
        (await run('export', dir, '--format', 'csv', '--what', 'layers', '--out', out)).code,
      ).toBe(0);
      // pandas when installed, else the csv module: the same summary either way.
      const script = [
        'import sys, json, csv, math',
        'path = sys.argv[1]',
        'try:',
        '    import pandas as pd',
        '    df = pd.read_csv(path)',
        '    cols = list(df.columns)',
        '    rows = df.to_dict("records")',
        'except ImportError:',
        '    with open(path, newline="") as f:',
        '        r = csv.DictReader(f)',
        '        cols = list(r.fieldnames)',
        '        rows = [{k: (v if k in ("layer", "level") else (float(v) if v != "" else float("nan"))) for k, v in row.items()} for row in r]',
        'steps = sorted({int(r["step"]) for r in rows})',
        'levels = sorted({r["level"] for r in rows})',
        'layers = sorted({str(r["layer"]) for r in rows if r["level"] == "layer"})',
        'params = sorted({str(r["layer"]) for r in rows if r["level"] == "param"})',
        'p = [r for r in rows if r["level"] == "param"]',
        'ok = all(r["rms"] > 0 and r["maxAbs"] >= r["rms"] and 0 <= r["zeroFraction"] <= 1 and r["nonFinite"] == 0 for r in p)',
        'dead = [r["deadFraction"] for r in rows if r["level"] == "layer" and not math.isnan(r["deadFraction"])]',
        'print(json.dumps({"cols": cols, "steps": steps, "levels": levels, "layers": layers, "params": params, "ok": ok, "dead": len(dead)}))',
      ].join('\n');
      const py = spawnSync('/usr/bin/python3', ['-c', script, out], { encoding: 'utf8' });
      expect(py.status, py.stderr).toBe(0);
      const got = JSON.parse(py.stdout) as Record<string, unknown>;
      expect(got.cols).toEqual([
        'step',
        'layer',
        'level',
        'gradNorm',
        'rms',
        'maxAbs',
        'zeroFraction',
        'nonFinite',
        'paramNorm',
        'updateRatio',
        'saturation',
        'deadFraction',
        'actMean',
        'actStd',
        'actGain',
      ]);
      // Checks at steps 1, 6, 11, … (every 5th check is logged with logEvery 5, one check a step).
      expect((got.steps as number[])[0]).toBe(1);
      expect(got.levels).toEqual(['layer', 'param']);
      expect(got.layers).toEqual(['0', '2', '4']);
      expect(got.params).toEqual([
        '0.bias',
        '0.weight',
        '2.bias',
        '2.weight',
        '4.bias',
        '4.weight',
      ]);
      // max|g| ≥ RMS ≥ 0 and a zero fraction in [0, 1] on every parameter row; ReLU layers
      // have a dead fraction.
      expect(got.ok).toBe(true);
      expect(got.dead as number).toBeGreaterThan(0);
    },
    60_000,
  );

  it.each([
    [['export', 'X', '--out', 'f'], 2, /--format is required/],
    [['export', 'X', '--format', 'npz', '--out', 'f'], 2, /format/],
    [['export', 'X', '--format', 'csv'], 2, /--out must be a file path/],
    [
      ['export', 'X', '--format', 'safetensors', '--what', 'layers', '--out', 'f'],
      2,
      /--what layers applies to --format csv only/,
    ],
    [
      ['export', '/nonexistent-gs', '--format', 'csv', '--out', 'f'],
      3,
      /run directory '\/nonexistent-gs' does not exist/,
    ],
  ])('rejects %j with exit %i and one line', async (argv, code, message) => {
    const r = await run(...argv);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
  });

  it('exit 3 naming the file when the run has no checkpoint or log, or the output is unwritable', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const a = await run('export', empty, '--format', 'safetensors', '--out', join(tmp, 'x.st'));
    expect(a.code).toBe(3);
    expect(a.err).toMatch(/empty[\\/]checkpoint\.json: cannot be read/);
    const b = await run(
      'export',
      empty,
      '--format',
      'csv',
      '--what',
      'layers',
      '--out',
      join(tmp, 'x.csv'),
    );
    expect(b.code).toBe(3);
    expect(b.err).toMatch(/cannot read '.*monitor\.jsonl'/);
    const c = await run(
      'export',
      dir,
      '--format',
      'csv',
      '--out',
      join(tmp, 'no', 'such', 'dir.csv'),
    );
    expect(c.code).toBe(3);
    expect(existsSync(join(tmp, 'x.st'))).toBe(false);
  });
});
