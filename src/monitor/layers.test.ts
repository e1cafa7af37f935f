import { describe, expect, it } from 'vitest';
import { formatLayers, layerOf, layoutOf, moduleOf } from './layers.js';

describe('layer grouping', () => {
  it('maps parameter names to their owning module, with recurrent stack levels split', () => {
    expect(layerOf('0.weight')).toBe('0');
    expect(layerOf('0.bias')).toBe('0');
    expect(layerOf('1.fn.0.bias')).toBe('1.fn.0');
    expect(layerOf('rnn.weightHh_l0')).toBe('rnn.l0');
    expect(layerOf('rnn.biasIh_l1')).toBe('rnn.l1');
    expect(layerOf('w')).toBe('w');
    expect(moduleOf('rnn.weightHh_l1')).toBe('rnn');
    expect(moduleOf('w')).toBe('');
  });

  it('orders layers by first appearance (arena order = depth)', () => {
    const l = layoutOf([
      '0.weight',
      '0.bias',
      '2.weight',
      '2.bias',
      'rnn.weightIh_l0',
      'rnn.weightHh_l0',
      'head.weight',
    ]);
    expect(l.layerNames).toEqual(['0', '2', 'rnn.l0', 'head']);
    expect(l.layerModules).toEqual(['0', '2', 'rnn', 'head']);
    expect(Array.from(l.paramLayer)).toEqual([0, 0, 1, 1, 2, 2, 3]);
  });

  it('formats runs of consecutive layers as ranges', () => {
    const order = ['0', '2', '4', '6', '8'];
    expect(formatLayers(['0', '2', '4', '6'], order)).toBe('layers 0–6');
    expect(formatLayers(['0', '4'], order)).toBe('layers 0, 4');
    expect(formatLayers(['2'], order)).toBe('layer 2');
    expect(formatLayers([], order)).toBe('no layer');
  });
});
