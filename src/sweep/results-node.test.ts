import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { errorRecord, stableRecord, sweepCsv, type SweepRecord } from './record.js';
import { SweepResults } from './results-node.js';

function rec(index: number, patch: Partial<SweepRecord> = {}): SweepRecord {
  return {
    index,
    hash: `h${index}`,
    values: { 'optimizer.lr': 0.1 * (index + 1), 'model.hidden': [4, index] },
    status: 'completed',
    steps: 10,
    finalLoss: 0.1 + 0.2, // 0.30000000000000004: the CSV must keep every bit
    metrics: { 'val.loss': 1 / 3, 'train.loss': 0.5 },
    verdicts: { vanishing: 3, saturated: 7 },
    firstVerdict: 'vanishing',
    firstVerdictStep: 3,
    verdictCount: 4,
    runDir: `/x/runs/${index}`,
    timeMs: 12,
    worker: 'host:1',
    ...patch,
  };
}

describe('sweepCsv', () => {
  it('writes one row per point in index order with exact numbers and RFC 4180 quoting', () => {
    const csv = sweepCsv(['optimizer.lr', 'model.hidden'], [rec(1), rec(0, { error: 'a "b", c' })]);
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'index,hash,optimizer.lr,model.hidden,status,steps,finalLoss,train.loss,val.loss,verdicts,firstVerdict,firstVerdictStep,verdictCount,timeMs,runDir,worker,error',
    );
    expect(lines[1]).toBe(
      '0,h0,0.1,"[4,0]",completed,10,0.30000000000000004,0.5,0.3333333333333333,vanishing@3;saturated@7,vanishing,3,4,12,/x/runs/0,host:1,"a ""b"", c"',
    );
    expect(lines[2]?.startsWith('1,h1,0.2,"[4,1]",')).toBe(true);
  });
  it('stableRecord drops where and when a point ran', () => {
    expect(stableRecord(rec(0))).toEqual(
      stableRecord(rec(0, { runDir: '/y', timeMs: 99, worker: 'other:2' })),
    );
    expect(stableRecord(rec(0))).not.toEqual(stableRecord(rec(0, { finalLoss: 0.3 })));
  });
});

describe('SweepResults', () => {
  it('records a hash once, and reopens skipping cut lines and errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-sweep-res-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const res = SweepResults.open(dir, ['optimizer.lr']);
    expect(res.add(rec(0))).toBe(true);
    expect(res.add(rec(0, { timeMs: 5 }))).toBe(false);
    expect(res.add(errorRecord(rec(1), '/x', 'h:1', 'died'))).toBe(true);
    expect(res.add(rec(2))).toBe(true);
    // A crash in the middle of a line.
    appendFileSync(join(dir, 'sweep.jsonl'), '{"index":3,"hash":"h3","val');
    expect(readFileSync(join(dir, 'sweep.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(4);

    const again = SweepResults.open(dir, ['optimizer.lr']);
    expect(again.records().map((r) => r.hash)).toEqual(['h0', 'h2']);
    expect(again.has('h1')).toBe(false); // the error runs again
    expect(again.get('h0')).toEqual(rec(0));
    const lines = readFileSync(join(dir, 'sweep.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    expect(lines.map((l) => (JSON.parse(l) as SweepRecord).hash)).toEqual(['h0', 'h2']);
    expect(again.add(rec(1))).toBe(true);
    expect(again.records().map((r) => r.index)).toEqual([0, 1, 2]);
  });

  it('rebuilds sweep.csv from sweep.jsonl on reopening when it is missing or stale', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-sweep-res-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const res = SweepResults.open(dir, ['optimizer.lr']);
    res.add(rec(0));
    res.add(rec(1));
    const csv = join(dir, 'sweep.csv');
    const full = readFileSync(csv, 'utf8');
    // A crash between the flushed jsonl line (the commit) and the csv's rename: one row short.
    writeFileSync(csv, full.trimEnd().split('\n').slice(0, 2).join('\n'));
    SweepResults.open(dir, ['optimizer.lr']);
    expect(readFileSync(csv, 'utf8')).toBe(full);
    rmSync(csv);
    SweepResults.open(dir, ['optimizer.lr']);
    expect(readFileSync(csv, 'utf8')).toBe(full);
  });
});
