import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Rng } from '../tensor/rng.js';
import { sha256 } from './sha256.js';

describe('sha256', () => {
  it('matches the FIPS 180-4 example vectors', () => {
    // NIST FIPS 180-4 / "SHA-256 examples" (csrc.nist.gov): one-block, two-block and empty messages.
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(sha256('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('agrees with node:crypto at every padding boundary and on UTF-8 text', () => {
    const rng = new Rng(7);
    for (let n = 0; n <= 200; n++) {
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n; i++) bytes[i] = rng.int(256);
      expect(sha256(bytes), `length ${n}`).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    const big = new Uint8Array(100_003);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    expect(sha256(big)).toBe(createHash('sha256').update(big).digest('hex'));
    const text = 'poids «0.weight» — Gewicht ∑ 重み 🙂';
    expect(sha256(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
  });
});
