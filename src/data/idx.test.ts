import { describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import { encodeIdx, mnistFromIdx, parseIdx } from './idx.js';

/** Hand-written bytes of a tiny IDX file, to check the format independently of encodeIdx. */
const HAND = new Uint8Array([
  0x00,
  0x00,
  0x08,
  0x02, // magic: uint8, 2 dims
  0x00,
  0x00,
  0x00,
  0x02, // 2
  0x00,
  0x00,
  0x00,
  0x03, // 3
  1,
  2,
  3,
  4,
  5,
  255,
]);

function images(n: number, rows = 2, cols = 3): Uint8Array {
  const data = new Uint8Array(n * rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 256;
  return encodeIdx({ type: 'uint8', dims: [n, rows, cols], data });
}

function labels(values: number[]): Uint8Array {
  return encodeIdx({ type: 'uint8', dims: [values.length], data: Uint8Array.from(values) });
}

describe('parseIdx / encodeIdx', () => {
  it('parses hand-written bytes', () => {
    const a = parseIdx(HAND);
    expect(a.type).toBe('uint8');
    expect(a.dims).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 255]);
    expect(encodeIdx(a)).toEqual(HAND);
  });

  it('round-trips every element type, big-endian', () => {
    const cases = [
      { type: 'int8', data: Int8Array.from([-128, 0, 127]) },
      { type: 'int16', data: Int16Array.from([-300, 1, 32767]) },
      { type: 'int32', data: Int32Array.from([-70000, 2, 2 ** 31 - 1]) },
      { type: 'float32', data: Float32Array.from([-1.5, 0.25, 3e38]) },
      { type: 'float64', data: Float64Array.from([Math.PI, -0, 1e-300]) },
    ] as const;
    for (const c of cases) {
      const bytes = encodeIdx({ type: c.type, dims: [3], data: c.data });
      const back = parseIdx(bytes);
      expect(back.type).toBe(c.type);
      expect(Array.from(back.data)).toEqual(Array.from(c.data));
    }
    // int16 −300 is 0xFED4, stored big-endian
    const b = encodeIdx({ type: 'int16', dims: [1], data: Int16Array.from([-300]) });
    expect(Array.from(b.subarray(8))).toEqual([0xfe, 0xd4]);
  });

  it('errors say what is wrong', () => {
    expect(() => parseIdx(new Uint8Array([0x1f, 0x8b, 8, 0]), 'x.gz')).toThrow(
      /x.gz: the data is gzip-compressed/,
    );
    expect(() => parseIdx(new Uint8Array([0, 0]))).toThrow(
      /truncated: 2 bytes, too short for the 4-byte magic number/,
    );
    const bad = HAND.slice();
    bad[2] = 0x07;
    expect(() => parseIdx(bad, 'f')).toThrow(/f: bad magic number 0x00000702/);
    const badLead = HAND.slice();
    badLead[0] = 0x50;
    expect(() => parseIdx(badLead)).toThrow(DataError);
    expect(() => parseIdx(HAND.slice(0, 9))).toThrow(
      /truncated header: 2 dimensions need 12 bytes, the data has 9/,
    );
    expect(() => parseIdx(HAND.slice(0, 16))).toThrow(
      /truncated: dimensions \[2, 3\] of uint8 need 18 bytes, the data has 16 \(2 missing\)/,
    );
    expect(() => parseIdx(new Uint8Array([...HAND, 0]))).toThrow(/1 unexpected trailing bytes/);
  });
});

describe('mnistFromIdx', () => {
  it('scales pixels by 1/255 and keeps labels', () => {
    const ds = mnistFromIdx(images(4), labels([3, 1, 4, 1]));
    expect(ds.length).toBe(4);
    expect(ds.featureShape).toEqual([6]);
    expect(Array.from(ds.y)).toEqual([3, 1, 4, 1]);
    expect(ds.x[1]).toBe(Math.fround(37 / 255));
    const shaped = mnistFromIdx(images(4), labels([0, 0, 0, 0]), {
      keepImageShape: true,
      dtype: 'float64',
    });
    expect(shaped.featureShape).toEqual([1, 2, 3]);
    expect(shaped.x[2]).toBe(74 / 255);
  });

  it('wrong counts, swapped files and labels out of range are DataErrors saying which', () => {
    expect(() => mnistFromIdx(images(4), labels([1, 2, 3]))).toThrow(
      /images has 4 images but labels has 3 labels/,
    );
    expect(() => mnistFromIdx(labels([1]), images(1))).toThrow(
      /images: expected uint8 images \[N, rows, cols\].*is this the labels file/,
    );
    expect(() => mnistFromIdx(images(2), labels([1, 10]))).toThrow(
      /labels: label 10 of sample 1 is out of range \[0, 10\)/,
    );
  });
});
