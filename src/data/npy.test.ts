import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import { encodeNpy, npyHeader, parseNpy } from './npy.js';

// Fixtures written by NumPy itself (reference/make_npy_fixture.py, numpy.lib.format.write_array)
// with their dtype, shape and values stored beside them in expected.json.
const DIR = new URL('../../reference/npy/', import.meta.url);
const EXPECTED = JSON.parse(readFileSync(new URL('expected.json', DIR), 'utf8')) as {
  files: Record<
    string,
    { dtype?: string; shape?: number[]; data?: number[]; version?: number[]; error?: string }
  >;
};

/** A hand-built .npy v1.0 file: magic, version, uint16 LE header length, dict, data (no writer). */
function handBuilt(dict: string, data: number[], version = 1): Uint8Array {
  const lenBytes = version === 1 ? 2 : 4;
  const out = new Uint8Array(8 + lenBytes + dict.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  // header length, little-endian
  out[8] = dict.length & 0xff;
  out[9] = dict.length >> 8;
  for (let i = 0; i < dict.length; i++) out[8 + lenBytes + i] = dict.charCodeAt(i);
  out.set(data, 8 + lenBytes + dict.length);
  return out;
}

describe('parseNpy on files written by NumPy', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.npy'));
  it('has a fixture per expected entry', () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED.files).sort());
  });
  for (const [file, exp] of Object.entries(EXPECTED.files)) {
    it(file, () => {
      const bytes = new Uint8Array(readFileSync(new URL(file, DIR)));
      if (exp.error !== undefined) {
        expect(() => parseNpy(bytes, file)).toThrow(DataError);
        expect(() => parseNpy(bytes, file)).toThrow(/Fortran order.*np\.ascontiguousarray/);
        return;
      }
      const a = parseNpy(bytes, file);
      expect(a.dtype).toBe(exp.dtype);
      expect(a.shape).toEqual(exp.shape);
      expect(Array.from(a.data)).toEqual(exp.data);
      // NumPy pads the whole header to a multiple of 64 bytes (format spec).
      expect(npyHeader(bytes, file).dataOffset % 64).toBe(0);
    });
  }
});

describe('parseNpy on hand-built buffers', () => {
  it('reads a little-endian int16 vector (bytes written by hand)', () => {
    // -2 = 0xfffe, 258 = 0x0102, little-endian: fe ff, 02 01
    const b = handBuilt(
      "{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }\n",
      [0xfe, 0xff, 0x02, 0x01],
    );
    const a = parseNpy(b, 'hand.npy');
    expect(a).toEqual({ dtype: 'int16', shape: [2], data: new Int16Array([-2, 258]) });
  });
  it('reads a big-endian float32 and a version 2.0 header', () => {
    // 1.0f = 0x3f800000 big-endian: 3f 80 00 00
    const b = handBuilt(
      "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 1)}",
      [0x3f, 0x80, 0, 0],
      2,
    );
    expect(parseNpy(b).data).toEqual(new Float32Array([1]));
    expect(parseNpy(b).shape).toEqual([1, 1]);
  });
  it('refuses bad magic, unknown versions, dtypes, Fortran order, truncation and trailing bytes', () => {
    const ok = "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }";
    expect(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 'x.npy')).toThrow(
      /x\.npy: not a \.npy file/,
    );
    const v9 = handBuilt(ok, [1, 2, 3]);
    v9[6] = 9;
    expect(() => parseNpy(v9, 'x.npy')).toThrow(/version 9\.0 is not supported/);
    expect(() =>
      parseNpy(handBuilt("{'descr': '<c16', 'fortran_order': False, 'shape': (1,)}", []), 'x'),
    ).toThrow(/dtype "<c16" is not supported/);
    expect(() =>
      parseNpy(handBuilt("{'descr': '|u1', 'fortran_order': True, 'shape': (1,)}", [1])),
    ).toThrow(/Fortran order/);
    expect(() =>
      parseNpy(handBuilt("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", [1])),
    ).toThrow(DataError);
    expect(() => parseNpy(handBuilt(ok, [1, 2]), 'x.npy')).toThrow(/truncated.*1 missing/);
    expect(() => parseNpy(handBuilt(ok, [1, 2, 3, 4]), 'x.npy')).toThrow(/1 unexpected trailing/);
    expect(() => parseNpy(handBuilt("{'descr': '|u1', 'shape': (1,)}", [1]), 'x.npy')).toThrow(
      /no 'fortran_order'/,
    );
  });
  it('npyHeader declares the size before the data is read (a huge shape is known from 128 bytes)', () => {
    const b = handBuilt(
      "{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }",
      [],
    );
    expect(npyHeader(b).totalBytes).toBe(b.length + 8e10);
  });
});

describe('encodeNpy', () => {
  it('round-trips through parseNpy with a 64-byte aligned header', () => {
    for (const [dtype, data] of [
      ['float32', new Float32Array([1.5, -2, 3, 0.25])],
      ['float64', new Float64Array([1e-300, 2, 3, 4])],
      ['int32', new Int32Array([-1, 0, 7, 2 ** 31 - 1])],
      ['uint8', new Uint8Array([0, 1, 254, 255])],
    ] as const) {
      const b = encodeNpy({ dtype, shape: [2, 2], data });
      expect(npyHeader(b).dataOffset % 64).toBe(0);
      expect(parseNpy(b)).toEqual({ dtype, shape: [2, 2], data });
    }
    expect(() => encodeNpy({ dtype: 'float32', shape: [3], data: new Float32Array(2) })).toThrow(
      /needs 3 elements/,
    );
  });
});
