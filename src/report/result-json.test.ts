import { describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import type { ExperimentResult } from '../experiments/types.js';
import { parseResultJson, resultToJson } from './result-json.js';

const result: ExperimentResult = {
  experiment: 'fake',
  title: 'Fake',
  paper: 'P',
  mode: 'quick',
  seeds: [1],
  pass: false,
  criteria: [{ name: 'diverges', expected: 'NaN loss', measured: NaN, pass: false }],
  runs: [{ seed: 1 }],
  charts: [{ id: 'c', title: 'C', spec: { mark: 'point', data: { values: [] } } }],
  verdicts: [
    {
      run: 'r',
      kind: 'nonFinite',
      step: 3,
      layers: [],
      severity: 'critical',
      message: 'NaN',
      remedies: ['clip'],
    },
  ],
  timeMs: 12,
};

describe('resultToJson / parseResultJson', () => {
  it('round-trips a result, keeping NaN as NaN (JSON.stringify alone would write null)', () => {
    const text = resultToJson(result);
    expect(text).toContain('"measured": "NaN"');
    const [back] = parseResultJson(text, 'result.json');
    expect(back).toEqual(result);
  });

  it('accepts an array of results and {results: [...]}', () => {
    expect(
      parseResultJson(resultToJson([result, { ...result, experiment: 'b' }]), 'f').map(
        (r) => r.experiment,
      ),
    ).toEqual(['fake', 'b']);
    expect(parseResultJson(JSON.stringify({ results: [result] }), 'f').length).toBe(1);
  });

  it('names the file and the field at fault', () => {
    expect(() =>
      parseResultJson('{"experiment": "x", "criteria": [', 'runs/x/result.json'),
    ).toThrow(DataError);
    expect(() =>
      parseResultJson('{"experiment": "x", "criteria": [', 'runs/x/result.json'),
    ).toThrow(/result file 'runs\/x\/result.json' is not valid JSON/);
    expect(() => parseResultJson('{"criteria": []}', 'f.json')).toThrow(
      /result file 'f.json': the top level.experiment must be the experiment's name/,
    );
    expect(() =>
      parseResultJson('{"experiment": "x", "criteria": [{"name": "a"}]}', 'f.json'),
    ).toThrow(/the top level.criteria\[0\] must be/);
    expect(() => parseResultJson('[]', 'f.json')).toThrow(/is empty/);
  });
});
