import { describe, expect, it } from 'vitest';
import '../ops/index.js';
import { DtypeError, ShapeError } from '../errors.js';
import { add } from '../ops/elementwise.js';
import {
  arange,
  eye,
  full,
  linspace,
  ones,
  permutation,
  randint,
  randn,
  scalar,
  tensor,
  zeros,
} from './creation.js';
import { setDefaultDtype } from './dtype.js';
import { broadcastShapes, normalizeAxis } from './shape.js';

describe('tensor creation', () => {
  it('from nested arrays, with shape inference', () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(tensor(5).shape).toEqual([]);
    expect(tensor(5).item()).toBe(5);
  });
  it('from typed arrays without copy when the dtype matches', () => {
    const d = new Float64Array([1, 2, 3, 4]);
    const t = tensor(d, { shape: [2, 2] });
    expect(t.dtype).toBe('float64');
    expect(t.data).toBe(d);
  });
  it('ragged arrays and bad shapes are ShapeErrors naming the place', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => tensor([[1, 2], [3]])).toThrow(/values\[1\]/);
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(/needs 4 values, got 3/);
  });
  it('zeros/ones/full/arange/linspace/eye', () => {
    expect(Array.from(zeros([2, 2]).data)).toEqual([0, 0, 0, 0]);
    expect(Array.from(ones([3]).data)).toEqual([1, 1, 1]);
    expect(Array.from(full([2], 7, { dtype: 'float64' }).data)).toEqual([7, 7]);
    expect(Array.from(arange(5).data)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(arange(1, 2, 0.25, { dtype: 'float64' }).data)).toEqual([1, 1.25, 1.5, 1.75]);
    expect(Array.from(linspace(0, 1, 5, { dtype: 'float64' }).data)).toEqual([
      0, 0.25, 0.5, 0.75, 1,
    ]);
    expect(eye(2, 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(scalar(3).shape).toEqual([]);
  });
  it('random creation is seeded and reproducible', () => {
    expect(Array.from(randn([10], 3).data)).toEqual(Array.from(randn([10], 3).data));
    const ri = randint([1000], 2, 5, 1);
    expect(Math.min(...ri.data)).toBe(2);
    expect(Math.max(...ri.data)).toBe(4);
    expect(Array.from(permutation(5, 1).data).sort()).toEqual([0, 1, 2, 3, 4]);
  });
  it('default dtype can be changed', () => {
    setDefaultDtype('float64');
    try {
      expect(zeros([1]).dtype).toBe('float64');
    } finally {
      setDefaultDtype('float32');
    }
    expect(() => setDefaultDtype('int8' as 'float32')).toThrow(DtypeError);
  });
  it('toString is readable and elides long axes', () => {
    const s = arange(100).reshape([10, 10]).toString();
    expect(s).toContain('...');
    expect(s).toContain('shape=[10, 10]');
    expect(tensor([[1.5, 2]]).toString()).toBe('Tensor([[1.5, 2]], shape=[1, 2], dtype=float32)');
  });
});

describe('shapes and dtypes', () => {
  it('broadcasting follows NumPy and names both shapes on failure', () => {
    expect(broadcastShapes([3, 1], [4])).toEqual([3, 4]);
    expect(broadcastShapes([2, 1, 4], [3, 1])).toEqual([2, 3, 4]);
    expect(() => add(zeros([2, 3]), zeros([4]))).toThrow(/\[2, 3\] and \[4\]/);
  });
  it('mixing dtypes is a DtypeError, never a silent cast', () => {
    expect(() => add(zeros([2], { dtype: 'float32' }), zeros([2], { dtype: 'float64' }))).toThrow(
      DtypeError,
    );
  });
  it('invalid axes are ShapeErrors with the allowed range', () => {
    expect(() => normalizeAxis(3, 2)).toThrow(/\[-2, 1\], got 3/);
    expect(() => zeros([2, 2]).sum(5)).toThrow(ShapeError);
  });
  it('item() on a non-scalar names the shape', () => {
    expect(() => zeros([2]).item()).toThrow(/shape \[2\]/);
  });
});
