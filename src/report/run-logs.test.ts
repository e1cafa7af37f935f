import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLogCharts } from './log-charts.js';
import { emptyRunLogs, logNumber, parseJsonlLog, parseMonitorJson } from './run-logs.js';
import { readRunLogs } from './run-logs-node.js';

const jsonl = (...rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('parseJsonlLog', () => {
  it('reads metrics.jsonl records (train loop format), with NaN kept as NaN', () => {
    const logs = emptyRunLogs();
    const text = jsonl(
      { step: 1, epoch: 0, loss: 2.3, lr: 0.1, time: 0.01, metrics: {} },
      { step: 2, epoch: 0, loss: 'NaN', lr: 0.1, time: 0.02, metrics: {} },
      {
        step: 3,
        epoch: 0,
        loss: 1.1,
        lr: null,
        time: 0.03,
        metrics: { 'train.accuracy': 0.5, 'val.loss': 1.3 },
      },
    );
    parseJsonlLog(text, 'metrics.jsonl', 'run', logs);
    const get = (n: string) => logs.scalars.find((s) => s.name === n);
    expect(get('loss')?.steps).toEqual([1, 2, 3]);
    expect(get('loss')?.values).toEqual([2.3, NaN, 1.1]);
    expect(get('lr')?.values).toEqual([0.1, 0.1]);
    expect(get('train.accuracy')).toEqual({
      run: 'run',
      file: 'metrics.jsonl',
      field: 'train.accuracy',
      name: 'train.accuracy',
      steps: [3],
      values: [0.5],
    });
    expect(get('val.loss')?.values).toEqual([1.3]);
    expect(get('epoch')).toBeUndefined();
    expect(get('time')).toBeUndefined();
    expect(logs.problems).toEqual([]);
  });

  it('tolerates a truncated last line and says how many lines were skipped', () => {
    const logs = emptyRunLogs();
    parseJsonlLog(
      '{"step":1,"loss":1}\n{"step":2,"loss":0.5}\n{"step":3,"lo',
      'metrics.jsonl',
      'run',
      logs,
    );
    expect(logs.scalars[0]?.values).toEqual([1, 0.5]);
    expect(logs.problems).toEqual([
      'metrics.jsonl: 1 line is not valid JSON (first at line 3); skipped',
    ]);
    // No trailing newline: the line may still be being written.
    expect(logs.pending).toEqual(['metrics.jsonl']);
  });

  it('does not call a corrupt line in the middle (or a finished bad last line) pending', () => {
    const logs = emptyRunLogs();
    parseJsonlLog('{"step":1,"loss":1}\n{"st\n{"step":2,"loss":0.5}\n', 'm.jsonl', 'run', logs);
    expect(logs.scalars[0]?.values).toEqual([1, 0.5]);
    expect(logs.pending).toEqual([]);
    expect(logs.problems).toHaveLength(1);
  });

  it('keeps two runs apart, and the same field of two files of one run apart', () => {
    // The playground viewer once merged these: one "loss" with a line from step 3 back to 1.
    const logs = emptyRunLogs();
    const metrics = jsonl({ step: 1, loss: 2 }, { step: 2, loss: 1.5 }, { step: 3, loss: 1 });
    parseJsonlLog(metrics, 'a/metrics.jsonl', 'a', logs);
    parseJsonlLog(metrics, 'b/metrics.jsonl', 'b', logs);
    parseJsonlLog(
      jsonl({
        type: 'stats',
        step: 2,
        check: 1,
        loss: 1.6,
        totalGradNorm: 3,
        nonFinite: 0,
        layers: [
          { name: '0', gradNorm: 1e-3, paramNorm: 1, updateRatio: 1e-3 },
          { name: '2', gradNorm: null, paramNorm: 1, updateRatio: null },
        ],
      }),
      'a/monitor.jsonl',
      'a',
      logs,
    );
    const losses = logs.scalars.filter((s) => s.field === 'loss');
    expect(losses.map((s) => [s.run, s.file, s.name, s.steps])).toEqual([
      ['a', 'a/metrics.jsonl', 'loss', [1, 2, 3]],
      ['b', 'b/metrics.jsonl', 'loss', [1, 2, 3]],
      ['a', 'a/monitor.jsonl', 'loss (monitor)', [2]],
    ]);
    // The monitor's per-layer records (null: not finite).
    expect(logs.gradNorms).toEqual([
      {
        run: 'a',
        file: 'a/monitor.jsonl',
        steps: [2],
        layers: [
          { name: '0', values: [1e-3] },
          { name: '2', values: [NaN] },
        ],
      },
    ]);
  });

  it('reads per-layer gradient norms as a map of numbers, of objects, or an array', () => {
    const logs = emptyRunLogs();
    parseJsonlLog(
      jsonl(
        { step: 0, gradNorms: { '0.weight': 1e-6, '2.weight': 0.1 } },
        {
          step: 10,
          layers: { '0.weight': { gradNorm: 2e-6, rms: 1 }, '2.weight': { gradNorm: 'Infinity' } },
        },
        { step: 20, params: [{ name: '2.weight', gradNorm: 0.3 }] },
      ),
      'monitor.jsonl',
      'run',
      logs,
    );
    expect(logs.gradNorms).toEqual([
      {
        run: 'run',
        file: 'monitor.jsonl',
        steps: [0, 10, 20],
        layers: [
          { name: '0.weight', values: [1e-6, 2e-6, null] },
          { name: '2.weight', values: [0.1, Infinity, 0.3] },
        ],
      },
    ]);
  });

  it('reads verdict lines, with remedies as strings or objects', () => {
    const logs = emptyRunLogs();
    parseJsonlLog(
      jsonl(
        {
          kind: 'vanishing',
          step: 50,
          layers: ['0.weight'],
          severity: 'warning',
          message: 'tiny',
          remedies: [{ action: 'He init' }, 'ReLU'],
        },
        { type: 'verdict', step: 60, verdict: { kind: 'exploding', message: 'huge' } },
      ),
      'monitor.jsonl',
      'seed 1',
      logs,
    );
    expect(logs.verdicts).toEqual([
      {
        run: 'seed 1',
        kind: 'vanishing',
        step: 50,
        layers: ['0.weight'],
        severity: 'warning',
        message: 'tiny',
        remedies: ['He init', 'ReLU'],
      },
      {
        run: 'seed 1',
        kind: 'exploding',
        step: 60,
        layers: [],
        severity: 'warning',
        message: 'huge',
        remedies: [],
      },
    ]);
  });

  it('says when nothing in a file was recognised', () => {
    const logs = emptyRunLogs();
    parseJsonlLog(jsonl({ hello: 'world' }, [1, 2]), 'other.jsonl', 'run', logs);
    expect(logs.problems).toEqual([
      'other.jsonl: no line looked like a metrics record, gradient norms or a verdict; nothing plotted from it',
    ]);
  });
});

describe('parseMonitorJson and logNumber', () => {
  it('reads a document with records and verdicts arrays', () => {
    const logs = emptyRunLogs();
    parseMonitorJson(
      {
        records: [{ step: 1, gradNorms: { a: 1 } }],
        verdicts: [{ kind: 'plateau', step: 5, message: 'flat' }],
      },
      'monitor.json',
      'r',
      logs,
    );
    expect(logs.gradNorms[0]?.layers).toEqual([{ name: 'a', values: [1] }]);
    expect(logs.verdicts.map((v) => v.kind)).toEqual(['plateau']);
    expect(logNumber('-Infinity')).toBe(-Infinity);
    expect(logNumber('3')).toBeUndefined();
  });
});

describe('runLogCharts', () => {
  it('groups loss, accuracy, lr, other scalars, a heatmap per run and the verdicts', () => {
    const logs = emptyRunLogs();
    parseJsonlLog(
      jsonl(
        {
          step: 1,
          loss: 100,
          lr: 0.1,
          gradNormGlobal: 3,
          metrics: { 'val.accuracy': 0.2 },
          gradNorms: { a: 1 },
        },
        {
          step: 2,
          loss: 0.01,
          lr: 0.05,
          gradNormGlobal: 2,
          metrics: { 'val.accuracy': 0.9 },
          gradNorms: { a: 2 },
        },
        { kind: 'vanishing', step: 2, severity: 'warning', message: 'm' },
      ),
      'metrics.jsonl',
      'run',
      logs,
    );
    const { charts } = runLogCharts(logs);
    // loss spans 4 decades (> 2.5): log scale; lr spans 0.3 decades: linear. Titles and units
    // come from the field table (fields.ts); an unknown field keeps its name.
    expect(charts.map((c) => c.title)).toEqual([
      'Loss (per logged step and evaluation) · loss · log scale',
      'Accuracy · fraction correct',
      'Learning rate · step size η',
      'gradNormGlobal',
      'Gradient L2 norm per layer · colour log10 ‖g‖₂',
      'Monitor verdicts (from the logs)',
    ]);
  });
});

describe('readRunLogs (node)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradscope-logs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads *.jsonl at the top and in subdirectories (named runs) and skips other files', () => {
    writeFileSync(join(dir, 'metrics.jsonl'), jsonl({ step: 1, loss: 1 }));
    writeFileSync(join(dir, 'result.json'), '{}');
    writeFileSync(join(dir, 'notes.txt'), 'x');
    mkdirSync(join(dir, 'adam'));
    writeFileSync(
      join(dir, 'adam', 'metrics.jsonl'),
      jsonl({ step: 1, loss: 2 }, { step: 2, loss: 'Infinity' }),
    );
    writeFileSync(join(dir, 'adam', 'monitor.json'), '{not json');
    const logs = readRunLogs(dir);
    expect(logs.files).toEqual([join('adam', 'metrics.jsonl'), 'metrics.jsonl']);
    expect(logs.scalars.map((s) => [s.run, s.name, s.values])).toEqual([
      ['adam', 'loss', [2, Infinity]],
      ['run', 'loss', [1]],
    ]);
    expect(logs.problems.length).toBe(1);
    expect(logs.problems[0]).toMatch(/^adam\/monitor\.json: not valid JSON/);
  });
});

describe('the monitor formats (monitor.jsonl stats and verdict lines, summary())', () => {
  it('reads stats lines with per-layer norms (null = not finite) and started verdicts, skipping resolved ones', () => {
    const logs = emptyRunLogs();
    parseJsonlLog(jsonl({ step: 1, loss: 2 }, { step: 2, loss: 1 }), 'metrics.jsonl', 'run', logs);
    parseJsonlLog(
      jsonl(
        {
          type: 'stats',
          step: 0,
          check: 1,
          loss: 2.5,
          totalGradNorm: 1,
          firstLastRatio: 1e-6,
          nonFinite: 0,
          layers: [
            { name: '0', gradNorm: 1e-6, paramNorm: 1, updateRatio: null },
            { name: '2', gradNorm: 1, paramNorm: 1, updateRatio: null },
          ],
        },
        {
          type: 'stats',
          step: 5,
          check: 2,
          loss: null,
          totalGradNorm: null,
          firstLastRatio: null,
          nonFinite: 3,
          layers: [
            { name: '0', gradNorm: null, paramNorm: 1, updateRatio: null },
            { name: '2', gradNorm: 2, paramNorm: 1, updateRatio: null },
          ],
        },
        {
          type: 'verdict',
          kind: 'vanishing',
          status: 'started',
          step: 0,
          layers: ['0'],
          severity: 'critical',
          message: 'm',
          evidence: { ratio: 1e-6 },
          remedies: [
            {
              rank: 1,
              text: 'He init',
              action: { action: 'init', init: 'he', layers: ['0'] },
              why: 'w',
            },
          ],
        },
        {
          type: 'verdict',
          kind: 'vanishing',
          status: 'resolved',
          step: 9,
          layers: ['0'],
          severity: 'critical',
          message: 'm',
          evidence: {},
          remedies: [],
        },
      ),
      'monitor.jsonl',
      'run',
      logs,
    );
    expect(logs.gradNorms).toEqual([
      {
        run: 'run',
        file: 'monitor.jsonl',
        steps: [0, 5],
        layers: [
          { name: '0', values: [1e-6, NaN] },
          { name: '2', values: [1, 2] },
        ],
      },
    ]);
    expect(logs.verdicts).toEqual([
      {
        run: 'run',
        kind: 'vanishing',
        step: 0,
        layers: ['0'],
        severity: 'critical',
        message: 'm',
        remedies: ['He init'],
      },
    ]);
    // The monitor's loss is its own series, not appended to the training loop's.
    expect(logs.scalars.map((s) => [s.name, s.steps])).toEqual([
      ['loss', [1, 2]],
      ['loss (monitor)', [0]],
      ['totalGradNorm', [0]],
      ['firstLastRatio', [0]],
      ['nonFinite', [0, 5]],
    ]);
    expect(logs.problems).toEqual([]);
  });

  it('reads a summary() document: per-layer norms at the checked steps and the verdicts', () => {
    const logs = emptyRunLogs();
    const summary = {
      steps: 20,
      checks: 2,
      checkedSteps: [0, 10],
      layers: [{ name: '0', gradNorm: [1e-7, 2e-7], updateRatio: [0, 0] }],
      totalGradNorm: [1, 2],
      loss: [2, 1],
      firstLastRatio: [1e-7, 1e-7],
      activations: [],
      verdicts: [
        {
          kind: 'vanishing',
          status: 'started',
          step: 10,
          layers: ['0'],
          severity: 'critical',
          message: 'm',
          evidence: {},
          remedies: [],
        },
      ],
      active: [],
    };
    parseMonitorJson(summary, 'monitor-summary.json', 'sigmoid', logs);
    expect(logs.gradNorms).toEqual([
      {
        run: 'sigmoid',
        file: 'monitor-summary.json',
        steps: [0, 10],
        layers: [{ name: '0', values: [1e-7, 2e-7] }],
      },
    ]);
    expect(logs.scalars.find((s) => s.name === 'loss')?.values).toEqual([2, 1]);
    expect(logs.verdicts.map((v) => [v.kind, v.step])).toEqual([['vanishing', 10]]);
  });
});
