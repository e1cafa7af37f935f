import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FUZZ_RUNS, typedOutcome, typedOutcomeAsync } from '../../test/fuzz.js';
import { encodeIdx, parseIdx } from './idx.js';
import { readIdxFile } from './idx-node.js';

// Fuzzing the IDX reader (issue 15): random bytes, headers with random (also absurd) dimensions,
// gzip files whose content disagrees with the header — an array or a DataError, never a crash,
// and never an allocation of what a header merely claims.

const dir = mkdtempSync(join(tmpdir(), 'gs-idx-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CODES = [0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e];

/** An IDX header (magic + dims) followed by `body`. */
function withHeader(code: number, dims: readonly number[], body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  const v = new DataView(out.buffer);
  out[2] = code;
  out[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  out.set(body, 4 + 4 * dims.length);
  return out;
}

const headered = fc
  .tuple(
    fc.oneof(fc.constantFrom(...CODES), fc.nat(255)),
    fc.array(fc.oneof(fc.nat(6), fc.constant(0xffffffff), fc.nat(0xffffffff)), {
      minLength: 0,
      maxLength: 4,
    }),
    fc.uint8Array({ maxLength: 64 }),
  )
  .map(([c, d, b]) => withHeader(c, d, b));

describe('fuzz: IDX reader', () => {
  it(`bytes: an array or a DataError (${FUZZ_RUNS.idxBytes} inputs)`, () => {
    const counts = { result: 0, error: 0 };
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), headered), (bytes) => {
        counts[typedOutcome(() => parseIdx(bytes, 'fuzz'))]++;
      }),
      { numRuns: FUZZ_RUNS.idxBytes, seed: 15 },
    );
    expect(counts.result).toBeGreaterThan(0);
  });

  it(`gzip files: an array or a DataError, decompression bounded by the header (${FUZZ_RUNS.idxGzipFiles} inputs)`, async () => {
    let k = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          headered,
          // a valid file with extra zeros appended (up to 1 MiB): "more than declared"
          fc.tuple(fc.nat(8), fc.nat(2 ** 20)).map(([n, extra]) => {
            const f = encodeIdx({ type: 'uint8', dims: [n], data: new Uint8Array(n) });
            const out = new Uint8Array(f.length + extra);
            out.set(f);
            return out;
          }),
        ),
        fc.boolean(),
        async (bytes, cut) => {
          const gz = gzipSync(bytes, { level: 1 });
          const p = join(dir, `f${k++}.gz`);
          writeFileSync(p, cut ? gz.subarray(0, Math.max(2, gz.length >> 1)) : gz);
          await typedOutcomeAsync(() => readIdxFile(p, { maxBytes: 2 ** 24 }));
          rmSync(p);
        },
      ),
      { numRuns: FUZZ_RUNS.idxGzipFiles, seed: 15, timeout: 10_000 },
    );
  });
});
