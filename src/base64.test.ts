import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeBase64, encodeBase64 } from './base64.js';
import { DataError } from './errors.js';

/** The module loaded without Node's Buffer, as in a browser. */
async function portable(): Promise<typeof import('./base64.js')> {
  vi.resetModules();
  vi.stubGlobal('Buffer', undefined);
  return import('./base64.js');
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe('base64 (one module, one strict contract)', () => {
  const bytes = Uint8Array.from({ length: 4099 }, (_, i) => (i * 7919 + 13) & 255);

  it('the Buffer path and the portable path give the same text and bytes', async () => {
    const p = await portable();
    for (const n of [0, 1, 2, 3, 4, 5, 4099]) {
      const b = bytes.subarray(7, 7 + n); // a view at an offset
      const text = encodeBase64(b);
      expect(p.encodeBase64(b)).toBe(text);
      expect(Array.from(decodeBase64(text))).toEqual(Array.from(b));
      expect(Array.from(p.decodeBase64(text))).toEqual(Array.from(b));
    }
  });

  it("refuses bad padding and characters in both paths: 'AQ=' throws, 'AQ==' is [1]", async () => {
    expect(() => decodeBase64('AQ=')).toThrow(DataError);
    const p = await portable();
    for (const dec of [decodeBase64, p.decodeBase64]) {
      expect(Array.from(dec('AQ=='))).toEqual([1]);
      expect(() => dec('AQ=')).toThrow(/length 3 is not a multiple of 4/);
      expect(() => dec('A===')).toThrow(/misplaced '=' padding/);
      expect(() => dec('AQ=A')).toThrow(/misplaced '=' padding/);
      expect(() => dec('AQ==AQ==')).toThrow(/misplaced/);
      expect(() => dec('AQ\nA')).toThrow(/invalid character "\\n" at index 2/);
      expect(() => dec('AQ-_')).toThrow(/invalid character "-" at index 2/);
    }
  });
});
