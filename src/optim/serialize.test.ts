import { describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import {
  assertStateCompatible,
  decodeBase64,
  deserializeState,
  encodeBase64,
  serializeState,
} from './index.js';

const roundTrip = (x: unknown): unknown =>
  deserializeState(JSON.parse(JSON.stringify(serializeState(x))));

function bytesOf(a: ArrayBufferView): number[] {
  return [...new Uint8Array(a.buffer, a.byteOffset, a.byteLength)];
}

describe('base64', () => {
  it('matches the RFC 4648 test vectors both ways', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, coded] of vectors) {
      const bytes = Uint8Array.from(plain, (c) => c.charCodeAt(0));
      expect(encodeBase64(bytes)).toBe(coded);
      expect([...(decodeBase64(coded) as Uint8Array)]).toEqual([...bytes]);
    }
    // One contract since the two decoders were merged (src/base64.ts): malformed text throws.
    expect(() => decodeBase64('Zm9')).toThrow(DataError);
    expect(() => decodeBase64('Zm9*')).toThrow(DataError);
  });

  it('round-trips every byte value, long inputs included', () => {
    const bytes = Uint8Array.from({ length: 70000 }, (_, i) => (i * 7919) & 255);
    expect([...(decodeBase64(encodeBase64(bytes)) as Uint8Array)]).toEqual([...bytes]);
  });
});

describe('serializeState / deserializeState', () => {
  it('round-trips numbers bit for bit, including NaN, ±Infinity, −0 and subnormals', () => {
    const nums = [
      0,
      -0,
      1,
      -1.5,
      Math.PI,
      5e-324,
      -Number.MAX_VALUE,
      0.1 + 0.2,
      NaN,
      Infinity,
      -Infinity,
    ];
    const back = roundTrip(nums) as number[];
    back.forEach((x, i) => expect(Object.is(x, nums[i])).toBe(true));
  });

  it('round-trips typed arrays by their exact bytes (NaN payloads included) with their dtype', () => {
    const f32 = new Float32Array([1.1, -0, NaN, Infinity, 3.4e38, 1e-45]);
    new Uint32Array(f32.buffer)[2] = 0x7fc00123; // a NaN with a payload
    const f64 = new Float64Array([0.1, -0, -Infinity, 5e-324]);
    const view = new Float64Array(new Float64Array([9, 8, 7, 6]).buffer, 8, 2); // a subarray view
    const ints = new Int32Array([-1, 2 ** 31 - 1]);
    const u8 = new Uint8Array([0, 255]);
    const back = roundTrip({ f32, f64, view, ints, u8 }) as Record<string, ArrayBufferView>;
    expect(back['f32']).toBeInstanceOf(Float32Array);
    expect(bytesOf(back['f32'] as Float32Array)).toEqual(bytesOf(f32));
    expect(bytesOf(back['f64'] as Float64Array)).toEqual(bytesOf(f64));
    expect([...(back['view'] as Float64Array)]).toEqual([8, 7]);
    expect(back['ints']).toBeInstanceOf(Int32Array);
    expect([...(back['ints'] as Int32Array)]).toEqual([-1, 2 ** 31 - 1]);
    expect([...(back['u8'] as Uint8Array)]).toEqual([0, 255]);
  });

  it('round-trips nested trees, null/undefined/booleans/strings, tensors, and objects with a "$t" key', () => {
    const tree = {
      count: 3,
      flags: [true, false, null, undefined, 'x'],
      nested: { a: [{ b: new Float64Array([1]) }], $t: 'user key' },
      t: new Tensor(new Float32Array([1, 2, 3, 4]), [2, 2]),
    };
    const back = roundTrip(tree) as typeof tree;
    expect(back.count).toBe(3);
    expect(back.flags).toEqual([true, false, null, undefined, 'x']);
    expect(back.nested.$t).toBe('user key');
    expect([...(back.nested.a[0]?.b as Float64Array)]).toEqual([1]);
    expect(back.t).toBeInstanceOf(Tensor);
    expect(back.t.shape).toEqual([2, 2]);
    expect(back.t.dtype).toBe('float32');
  });

  it('rejects what it cannot represent, with the path', () => {
    expect(() => serializeState({ a: { m: new Map() } })).toThrow(/state\.a\.m is a Map/);
    expect(() => serializeState({ f: () => 1 })).toThrow(/state\.f .* cannot be saved/);
    expect(() => deserializeState({ x: { $t: 'typed', dtype: 'float16', b64: '' } })).toThrow(
      /state\.x has unknown dtype "float16"/,
    );
    expect(() => deserializeState({ x: { $t: 'typed', dtype: 'float64', b64: 'AAAA' } })).toThrow(
      DataError,
    );
    expect(() => deserializeState({ $t: 'nope' })).toThrow(/unknown tag/);
  });

  it('assertStateCompatible names the first mismatch', () => {
    const a = { count: 0, mu: { w: new Float32Array(3) }, hist: [1, 2] };
    expect(() =>
      assertStateCompatible(a, { count: 1, mu: { w: new Float32Array(3) }, hist: [1, 2, 3] }),
    ).not.toThrow();
    expect(() =>
      assertStateCompatible(a, { count: 1, mu: { w: new Float64Array(3) }, hist: [] }),
    ).toThrow(/state\.mu\.w is a float64 array in the checkpoint but a float32 array/);
    expect(() => assertStateCompatible(a, { count: 1, mu: {}, hist: [] })).toThrow(
      /missing in the checkpoint \[w\]/,
    );
  });
});
