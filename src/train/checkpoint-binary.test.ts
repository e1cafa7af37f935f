import { describe, expect, it } from 'vitest';
import { DataLoader } from '../data/data-loader.js';
import { spiral } from '../data/toy-2d.js';
import { BatchNorm1d, Dropout, Linear, ReLU, Sequential, crossEntropy } from '../nn/index.js';
import { decodeSafetensors, encodeSafetensors, saveSafetensors } from '../nn/safetensors.js';
import { Optimizer, adam, deserializeState } from '../optim/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { encodeCheckpoint, isBinaryCheckpoint, sha256Chunks } from './checkpoint-binary.js';
import { CheckpointError } from './checkpoint-error.js';
import {
  captureCheckpoint,
  parseCheckpoint,
  restoreCheckpoint,
  serializeCheckpoint,
} from './checkpoint.js';
import { findRngs } from './rngs.js';
import { sha256 } from './sha256.js';

function setup(seed: number) {
  const model = new Sequential(
    new Linear(2, 16, { seed }),
    new BatchNorm1d(16, { seed: seed + 1 }),
    new ReLU(),
    new Dropout(0.3, { seed: seed + 2 }),
    new Linear(16, 3, { seed: seed + 3 }),
  );
  const optimizer = new Optimizer(model, adam({ lr: 1e-2 }));
  const loader = new DataLoader(spiral(0, { numSamples: 50 }), { batchSize: 20, seed: seed + 10 });
  return { model, optimizer, loader };
}

function train(s: ReturnType<typeof setup>, steps: number): void {
  for (let i = 0; i < steps; i++) {
    const b = s.loader.nextBatch();
    s.optimizer.zeroGrad();
    crossEntropy(s.model.forward(b.x), b.y).backward();
    s.optimizer.step();
  }
}

function bits(s: ReturnType<typeof setup>): string {
  const parts: string[] = [];
  for (const [n, t] of Object.entries(s.model.stateDict()))
    parts.push(n, Buffer.from(t.data.buffer).toString('hex'));
  for (const [n, r] of findRngs(s.model)) parts.push(n, r.state().join(','));
  parts.push(JSON.stringify(s.optimizer.stateDict()), JSON.stringify(s.loader.state()));
  return parts.join('|');
}

describe('binary checkpoints (version 2)', () => {
  const a = setup(1);
  train(a, 7);
  const ckpt = captureCheckpoint({ model: a.model, optimizer: a.optimizer, loader: a.loader });
  const bytes = encodeCheckpoint(ckpt);

  it('restore bit-exactly, and continue like the uninterrupted run', () => {
    const b = setup(50);
    restoreCheckpoint(parseCheckpoint(bytes, 'c'), {
      model: b.model,
      optimizer: b.optimizer,
      loader: b.loader,
    });
    expect(bits(b)).toBe(bits(a));
    train(a, 5);
    train(b, 5);
    expect(bits(b)).toBe(bits(a));
  });

  it('hold the same checkpoint as the JSON format, which is still read (as text or bytes)', () => {
    const fromBinary = parseCheckpoint(bytes);
    const text = serializeCheckpoint(ckpt);
    expect(isBinaryCheckpoint(bytes)).toBe(true);
    expect(isBinaryCheckpoint(new TextEncoder().encode(text))).toBe(false);
    expect(fromBinary).toEqual(parseCheckpoint(text));
    expect(fromBinary).toEqual(parseCheckpoint(new TextEncoder().encode(text)));
  });

  it('are a safetensors file: every array raw, the rest JSON state in __metadata__', () => {
    const f = decodeSafetensors(bytes);
    expect(f.metadata['format']).toBe('gradscope.checkpoint');
    expect(f.metadata['version']).toBe('2');
    const w = f.tensors.get('model.0.weight');
    expect(w).toMatchObject({ dtype: 'F32', shape: [16, 2] });
    const saved = deserializeState(ckpt.model['0.weight']) as Tensor;
    expect(Array.from(new Float32Array(w!.bytes.buffer))).toEqual(Array.from(saved.data));
    // Raw bytes: the file is the floats plus a header (no base64 inflation).
    const raw = [...f.tensors.values()].reduce((s, t) => s + t.bytes.length, 0);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(bytes.length).toBe(8 + n + raw);
    expect(f.metadata['sha256']).toBe(
      sha256Chunks([new TextEncoder().encode(f.metadata['state']), bytes.subarray(8 + n)]),
    );
  });

  it('sha256Chunks equals the portable sha256 of the concatenation', () => {
    const enc = new TextEncoder();
    expect(sha256Chunks([enc.encode('ab'), enc.encode(''), enc.encode('c')])).toBe(sha256('abc'));
  });

  it('refuse damage with one line naming the file and the problem', () => {
    const flip = (i: number): Uint8Array => {
      const c = Uint8Array.from(bytes);
      c[i]! ^= 1;
      return c;
    };
    const fail = (b: Uint8Array): string => {
      try {
        parseCheckpoint(b, 'run/ck.json');
      } catch (e) {
        expect(e).toBeInstanceOf(CheckpointError);
        expect((e as Error).message).not.toContain('\n');
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(fail(flip(bytes.length - 3))).toMatch(/^run\/ck\.json: checksum mismatch/);
    // A digit of the JSON state (inside the header): still a valid safetensors file.
    const meta = new TextDecoder().decode(bytes.subarray(8, 4000));
    const k = 8 + meta.indexOf('\\"step\\":') + 9;
    expect(fail(flip(k))).toMatch(/checksum mismatch|not JSON/);
    expect(fail(bytes.subarray(0, bytes.length - 100))).toMatch(
      /^run\/ck\.json: tensor "[^"]+" data_offsets .* run past .* \(as a binary gradscope checkpoint, version 2\); the file is truncated or corrupt$/,
    );
    expect(fail(bytes.subarray(0, 500))).toMatch(/header length \d+ runs past the end/);
    expect(fail(saveSafetensors(a.model))).toMatch(
      /is a safetensors file but not a gradscope checkpoint .*use nn\.loadSafetensors/,
    );
    const f = decodeSafetensors(bytes);
    const v3 = encodeSafetensors(f.tensors, { ...f.metadata, version: '3' });
    expect(fail(v3)).toMatch(/format version 3; this gradscope reads versions 1 \(JSON\) and 2/);
    expect(fail(new Uint8Array(0))).toMatch(/is empty/);
  });
});
