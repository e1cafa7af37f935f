import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataError, DtypeError, ShapeError } from '../errors.js';
import { tensor } from '../tensor/creation.js';
import type { DType } from '../tensor/dtype.js';
import { Tanh } from './activations.js';
import { BatchNorm1d } from './batch-norm.js';
import { Linear } from './linear.js';
import { mlp } from './mlp.js';
import {
  SafetensorsError,
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  saveSafetensors,
  type SafetensorsEntry,
} from './safetensors.js';
import { Sequential } from './sequential.js';

function bits(model: { namedParameters(): Record<string, { data: ArrayLike<number> }> }): string[] {
  return Object.entries(model.namedParameters()).map(
    ([n, t]) => `${n}:${Buffer.from(new Float64Array(Array.from(t.data)).buffer).toString('hex')}`,
  );
}

/** A safetensors file built by hand: header text as given, then `data` bytes. */
function raw(header: string, data = new Uint8Array(0), declaredLength?: number): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(declaredLength ?? h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const F32 = (name: string, shape: number[], begin: number, end: number): string =>
  `"${name}":{"dtype":"F32","shape":${JSON.stringify(shape)},"data_offsets":[${begin},${end}]}`;

describe('safetensors codec', () => {
  it('round-trips a model bit for bit (float32 and float64, including NaN payloads, -0 and a buffer)', () => {
    for (const dtype of ['float32', 'float64'] as DType[]) {
      const a = new Sequential(new Linear(3, 4, { dtype, seed: 1 }), new BatchNorm1d(4, { dtype }));
      const w = a.namedParameters()['0.weight']!;
      w.data[0] = NaN;
      w.data[1] = -0;
      w.data[2] = Infinity;
      const bytes = a.save({ metadata: { note: 'hi' } });
      expect(bytes.length % 8).toBe(0); // header padded so data is 8-byte aligned
      const b = new Sequential(new Linear(3, 4, { dtype, seed: 2 }), new BatchNorm1d(4, { dtype }));
      const res = loadSafetensors(b, bytes);
      expect(res).toEqual({ missingKeys: [], unexpectedKeys: [] });
      for (const [n, t] of Object.entries(a.stateDict())) {
        const u = b.stateDict()[n]!;
        expect(Buffer.from(u.data.buffer).equals(Buffer.from(t.data.buffer)), n).toBe(true);
      }
      expect(decodeSafetensors(bytes).metadata).toEqual({ note: 'hi' });
      expect(saveSafetensors(b)).toEqual(saveSafetensors(a));
    }
  });

  it('writes the layout of the spec: u64 LE header length, JSON header, data offsets relative to the data section', () => {
    const m = new Linear(2, 1, { dtype: 'float32', seed: 0 });
    const bytes = saveSafetensors(m);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<
      string,
      unknown
    >;
    expect(header).toEqual({
      weight: { dtype: 'F32', shape: [1, 2], data_offsets: [0, 8] },
      bias: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
    });
    expect(bytes.length).toBe(8 + n + 12);
    expect(Array.from(new Float32Array(bytes.slice(8 + n, 8 + n + 8).buffer))).toEqual(
      Array.from(m.namedParameters()['weight']!.data),
    );
  });

  it('reads integer dtypes at the codec level and a scalar shape []', () => {
    const f = decodeSafetensors(
      raw(
        `{"a":{"dtype":"I32","shape":[],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}}`,
        new Uint8Array([7, 0, 0, 0, 1, 2]),
      ),
    );
    expect(new Int32Array(f.tensors.get('a')!.bytes.buffer)[0]).toBe(7);
    expect(Array.from(f.tensors.get('b')!.bytes)).toEqual([1, 2]);
  });

  const cases: [string, Uint8Array, RegExp][] = [
    ['shorter than 8 bytes', new Uint8Array(5), /5 bytes, shorter than the 8-byte header length/],
    [
      'header length past EOF',
      raw('{}', new Uint8Array(0), 1000),
      /header length 1000 runs past the end of the file \(10 bytes\)/,
    ],
    ['header not JSON', raw('{"a":'), /header is not JSON/],
    ['header not an object', raw('[1,2]  '), /does not start with "\{"/],
    ['header not UTF-8', raw('{"\u00ff"}').map((v, i) => (i === 10 ? 0xff : v)), /not valid UTF-8/],
    [
      'offsets past the data',
      raw(`{${F32('w', [2], 0, 8)}}`, new Uint8Array(4)),
      /tensor "w" data_offsets \[0, 8\] run past the data section \(4 bytes\)/,
    ],
    [
      'offsets reversed',
      raw(`{${F32('w', [0], 8, 0)}}`, new Uint8Array(8)),
      /tensor "w" has data_offsets \[8, 0\]/,
    ],
    [
      'overlapping tensors',
      raw(`{${F32('a', [2], 0, 8)},${F32('b', [2], 4, 12)}}`, new Uint8Array(12)),
      /tensor "b" data_offsets \[4, 12\] overlap the previous tensor \(which ends at 8\)/,
    ],
    [
      'a hole',
      raw(`{${F32('a', [1], 0, 4)},${F32('b', [1], 8, 12)}}`, new Uint8Array(12)),
      /tensor "b" starts at 8 but the previous data ends at 4; the data section has a hole/,
    ],
    [
      'trailing bytes',
      raw(`{${F32('a', [1], 0, 4)}}`, new Uint8Array(8)),
      /cover 4 bytes of the 8-byte data section/,
    ],
    [
      'shape × dtype ≠ span',
      raw(`{${F32('w', [3], 0, 8)}}`, new Uint8Array(8)),
      /tensor "w" spans 8 bytes but shape \[3\] × F32 needs 12/,
    ],
    [
      'duplicate names',
      raw(`{${F32('w', [1], 0, 4)},${F32('w', [1], 4, 8)}}`, new Uint8Array(8)),
      /header names "w" twice/,
    ],
    [
      'unknown dtype',
      raw(`{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}`, new Uint8Array(4)),
      /tensor "w" has dtype "F33", not a safetensors dtype/,
    ],
    [
      'refused dtype F16',
      raw(`{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, new Uint8Array(4)),
      /tensor "w" has dtype F16, which gradscope does not read/,
    ],
    [
      'refused dtype BOOL',
      raw(`{"m":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}}`, new Uint8Array(1)),
      /tensor "m" has dtype BOOL/,
    ],
    [
      'bad shape',
      raw(`{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, new Uint8Array(4)),
      /tensor "w" has shape \[-1\]/,
    ],
    ['bad metadata', raw(`{"__metadata__":{"k":1}}`), /__metadata__\["k"\] = 1 is not a string/],
  ];
  it.each(cases)('refuses a corrupt file: %s, with one typed line', (_what, bytes, message) => {
    let err: unknown;
    try {
      decodeSafetensors(bytes, 'x.safetensors');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SafetensorsError);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(/^x\.safetensors: /);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });

  it('refuses to encode bytes that do not match the shape', () => {
    const e: SafetensorsEntry = { dtype: 'F32', shape: [3], bytes: new Uint8Array(8) };
    expect(() => encodeSafetensors(new Map([['w', e]]))).toThrow(
      /tensor "w" has 8 bytes but shape \[3\] × F32 needs 12/,
    );
  });
});

describe('loadSafetensors into a module', () => {
  it('names shape mismatches, missing and unexpected keys; strict: false loads the matching ones', () => {
    const src = mlp({ sizes: [4, 8, 3], activation: 'tanh', dtype: 'float32', seed: 1 });
    const bytes = saveSafetensors(src);
    const wrong = mlp({ sizes: [4, 7, 3], activation: 'tanh', dtype: 'float32', seed: 1 });
    expect(() => loadSafetensors(wrong, bytes)).toThrow(ShapeError);
    expect(() => loadSafetensors(wrong, bytes)).toThrow(
      /"0\.weight": expected shape \[7, 4\], got \[8, 4\]/,
    );
    const small = new Sequential(new Linear(4, 8, { dtype: 'float32' }));
    expect(() => loadSafetensors(small, bytes)).toThrow(
      /unexpected keys \["2\.weight", "2\.bias"\]/,
    );
    const before = bits(small);
    expect(loadSafetensors(small, bytes, { strict: false })).toEqual({
      missingKeys: [],
      unexpectedKeys: ['2.weight', '2.bias'],
    });
    expect(bits(small)).not.toEqual(before);
    const shifted = new Sequential(
      new Linear(4, 8, { dtype: 'float32' }),
      new Tanh(),
      new Tanh(),
      new Linear(8, 3, { dtype: 'float32' }),
    );
    expect(() => loadSafetensors(shifted, bytes)).toThrow(
      /missing keys \["3\.weight", "3\.bias"\]; unexpected keys \["2\.weight", "2\.bias"\]/,
    );
  });

  it('refuses a dtype different from the model unless convert: true (F32→F64 exact, F64→F32 rounded)', () => {
    const f32 = mlp({ sizes: [2, 3], dtype: 'float32', seed: 3 });
    const f64 = mlp({ sizes: [2, 3], dtype: 'float64', seed: 4 });
    expect(() => loadSafetensors(f64, saveSafetensors(f32))).toThrow(DtypeError);
    expect(() => loadSafetensors(f64, saveSafetensors(f32))).toThrow(
      /tensor "0\.weight" is F32 in the file but float64 in the model; pass \{ convert: true \}/,
    );
    loadSafetensors(f64, saveSafetensors(f32), { convert: true });
    expect(Array.from(f64.namedParameters()['0.weight']!.data)).toEqual(
      Array.from(f32.namedParameters()['0.weight']!.data),
    );
    const g64 = mlp({ sizes: [2, 3], dtype: 'float64', seed: 5 });
    loadSafetensors(f32, saveSafetensors(g64), { convert: true });
    expect(Array.from(f32.namedParameters()['0.bias']!.data)).toEqual(
      Array.from(Float32Array.from(g64.namedParameters()['0.bias']!.data)),
    );
  });

  it('refuses integer tensors by name at the module level', () => {
    const m = new Linear(1, 1, { dtype: 'float32' });
    const bytes = raw(
      `{"weight":{"dtype":"I32","shape":[1,1],"data_offsets":[0,4]},${F32('bias', [1], 4, 8)}}`,
      new Uint8Array(8),
    );
    expect(() => loadSafetensors(m, bytes, { source: 'm.safetensors' })).toThrow(
      /^m\.safetensors: tensor "weight" has dtype I32; gradscope loads F32 and F64 tensors only$/,
    );
  });
});

describe('PyTorch fixture (reference/make_safetensors_fixture.py, torch 1.13)', () => {
  // A state_dict of torch.nn.Sequential(Linear(4, 8), Tanh(), Linear(8, 3)) saved as safetensors
  // by the script; the JSON beside it holds five inputs and torch's outputs for them.
  it.each([
    ['f32', 'float32', 1e-6],
    ['f64', 'float64', 1e-12],
  ] as const)('loads the %s state_dict and reproduces torch outputs', (tag, dtype, tol) => {
    const dir = new URL('../../reference/safetensors/', import.meta.url);
    const bytes = readFileSync(new URL(`mlp-4-8-3-tanh-${tag}.safetensors`, dir));
    const ref = JSON.parse(readFileSync(new URL(`mlp-4-8-3-tanh-${tag}.json`, dir), 'utf8')) as {
      input: number[][];
      output: number[][];
    };
    const model = mlp({ sizes: [4, 8, 3], activation: 'tanh', dtype, seed: 99 });
    expect(loadSafetensors(model, bytes)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(decodeSafetensors(bytes).metadata['torch']).toBe('1.13.0a0');
    const y = model.forward(tensor(ref.input, { dtype }));
    const want = ref.output.flat();
    expect(y.shape).toEqual([5, 3]);
    let worst = 0;
    want.forEach((w, i) => {
      worst = Math.max(worst, Math.abs((y.data[i] as number) - w) / Math.max(Math.abs(w), 1e-3));
    });
    expect(worst).toBeLessThanOrEqual(tol);
  });
});
