import { describe, expect, it } from 'vitest';
import { FIELDS, LOG_SPAN_DECADES, allZeroNote, fieldInfo, wantsLogScale } from './fields.js';

describe('field table', () => {
  it('has a human title and a unit for every field gradscope logs', () => {
    for (const [name, f] of Object.entries(FIELDS)) {
      expect(f.title, name).not.toBe(name);
      expect(f.unit, name).not.toBe('');
    }
    expect(fieldInfo('totalGradNorm (monitor)').title).toBe('Total gradient L2 norm (monitor)');
    expect(fieldInfo('mystery')).toEqual({ title: 'mystery', unit: '', scale: 'auto' });
  });

  it('log axis when positive values span more than 2.5 decades (ratios, norms), never for accuracies', () => {
    expect(LOG_SPAN_DECADES).toBe(2.5);
    // the case: a first/last ratio of 1e-8 next to 1 is 8 decades
    expect(wantsLogScale('firstLastRatio', [[1, 1e-3, 1e-8]])).toBe(true);
    // 10^2.4 ≈ 251: 2.4 decades, linear; 10^2.6 ≈ 398: log
    expect(wantsLogScale('totalGradNorm', [[1, 251]])).toBe(false);
    expect(wantsLogScale('totalGradNorm', [[1, 398]])).toBe(true);
    // the span is over every run of a comparison together
    expect(wantsLogScale('updateRatio', [[1e-1, 1e-2], [1e-4]])).toBe(true);
    // a zero or negative value: linear (a log axis cannot place it); non-finite values are ignored
    expect(wantsLogScale('loss', [[10, 0.001, 0]])).toBe(false);
    expect(wantsLogScale('loss', [[10, 0.001, NaN]])).toBe(true);
    expect(wantsLogScale('val.accuracy', [[0.0001, 1]])).toBe(false);
  });

  it('a chart of constant zero is one line', () => {
    expect(allZeroNote('nonFinite', [[0, 0], [0]])).toBe('no non-finite values');
    expect(allZeroNote('nonFinite', [[0, 3]])).toBeNull();
    expect(allZeroNote('loss', [[0, 0]])).toBeNull();
  });
});
