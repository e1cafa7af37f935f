// The data bundle of one workload: the initial weights and the batches, generated ONCE per run and
// read by every system, so that all of them start from the same bits and see the same data.
//
// On disk: <dir>/<id>.bin (raw little-endian float32 / int32 tensors, back to back) and
// <dir>/<id>.json (the manifest: spec, seed, and for each tensor name, dtype, shape, byte offset,
// and the SHA-256 of the .bin, which every runner reports back so the harness can check it).
// bench/torch_workloads.py reads the same files.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Rng } from '../../src/tensor/rng.js';
import { sizeOfShape, workloadSpec, type WorkloadId, type WorkloadSpec } from './spec.js';

/** One tensor in a bundle. */
export interface BundleEntry {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  /** Byte offset in the .bin file. */
  offset: number;
}

/** The manifest (<id>.json). */
export interface BundleManifest {
  format: 'gradscope-bench-bundle';
  version: 1;
  spec: WorkloadSpec;
  seed: number;
  sha256: string;
  entries: BundleEntry[];
}

/** A loaded bundle: the manifest and typed views of every tensor. */
export interface Bundle {
  manifest: BundleManifest;
  spec: WorkloadSpec;
  /** The float32 tensor `name` (a parameter or "x"). */
  f32(name: string): Float32Array;
  /** The int32 tensor `name` ("y"). */
  i32(name: string): Int32Array;
}

// W1m is W1 monitored: the same seed, so the same initial weights and batches.
const SEEDS: Record<WorkloadId, number> = {
  W1: 701,
  W1m: 701,
  W2: 702,
  W3: 703,
  W4: 704,
  W5: 705,
  W6: 706,
};

/**
 * The tensors of a workload, deterministic in the seed: every parameter ~ U(−b, b) with PyTorch's
 * default bound, inputs x ~ N(0, 1), and labels y = argmax(x·T) of a fixed random linear teacher T
 * (so the task is learnable and the loss falls during the run).
 */
export function generateTensors(
  spec: WorkloadSpec,
  seed: number,
): { name: string; data: Float32Array | Int32Array; shape: number[] }[] {
  const rng = new Rng(seed);
  const out: { name: string; data: Float32Array | Int32Array; shape: number[] }[] = [];
  for (const p of spec.params) {
    const data = new Float32Array(sizeOfShape(p.shape));
    if (p.fill !== undefined) data.fill(p.fill);
    else rng.fillUniform(data, -p.bound, p.bound);
    out.push({ name: p.name, data, shape: [...p.shape] });
  }
  if (spec.model.kind === 'gpt') return [...out, ...tokenBatches(spec, spec.model.vocab, rng)];
  const nb = spec.distinctBatches;
  const perBatch = sizeOfShape(spec.xShape);
  const x = new Float32Array(nb * perBatch);
  rng.fillNormal(x);
  const B = spec.batch;
  const C = spec.classes;
  const d = perBatch / B;
  const teacher = new Float64Array(d * C);
  rng.fillNormal(teacher);
  const y = new Int32Array(nb * B);
  // Sample b of batch k: its d features, wherever the layout puts them (RNN data is time-major).
  const timeMajor = spec.model.kind === 'rnn';
  const T = timeMajor ? (spec.xShape[0] as number) : 1;
  const I = d / T;
  const feat = new Float64Array(d);
  for (let k = 0; k < nb; k++) {
    const base = k * perBatch;
    for (let b = 0; b < B; b++) {
      if (timeMajor) {
        for (let t = 0; t < T; t++)
          for (let i = 0; i < I; i++) feat[t * I + i] = x[base + (t * B + b) * I + i] as number;
      } else {
        for (let j = 0; j < d; j++) feat[j] = x[base + b * d + j] as number;
      }
      let best = 0;
      let bestScore = -Infinity;
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (feat[j] as number) * (teacher[j * C + c] as number);
        if (s > bestScore) {
          bestScore = s;
          best = c;
        }
      }
      y[k * B + b] = best;
    }
  }
  out.push({ name: 'x', data: x, shape: [nb, ...spec.xShape] });
  out.push({ name: 'y', data: y, shape: [nb, B] });
  return out;
}

function atomicWrite(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/**
 * Token sequences of a fixed random bigram model (each token's successor drawn from a
 * distribution over 8 likely next tokens, so the sequences are learnable): x [nb, B, T] token
 * ids as float32 integers, y [nb, B·T] the next tokens.
 */
function tokenBatches(
  spec: WorkloadSpec,
  vocab: number,
  rng: Rng,
): { name: string; data: Float32Array | Int32Array; shape: number[] }[] {
  const [B, T] = spec.xShape as [number, number];
  const nb = spec.distinctBatches;
  const next = new Int32Array(vocab * 8);
  for (let i = 0; i < next.length; i++) next[i] = rng.int(vocab);
  const x = new Float32Array(nb * B * T);
  const y = new Int32Array(nb * B * T);
  for (let s = 0; s < nb * B; s++) {
    let tok = rng.int(vocab);
    for (let t = 0; t <= T; t++) {
      const succ = next[tok * 8 + rng.int(8)] as number;
      if (t < T) x[s * T + t] = tok;
      if (t > 0) y[s * T + t - 1] = tok;
      tok = succ;
    }
  }
  return [
    { name: 'x', data: x, shape: [nb, B, T] },
    { name: 'y', data: y, shape: [nb, B * T] },
  ];
}

/** Generates the bundle of `id` into `dir` (once per run); returns the manifest. */
export function writeBundle(dir: string, id: WorkloadId): BundleManifest {
  const spec = workloadSpec(id);
  const seed = SEEDS[id];
  const tensors = generateTensors(spec, seed);
  const entries: BundleEntry[] = [];
  let offset = 0;
  for (const t of tensors) {
    entries.push({
      name: t.name,
      dtype: t.data instanceof Int32Array ? 'int32' : 'float32',
      shape: t.shape,
      offset,
    });
    offset += t.data.byteLength;
  }
  const bin = new Uint8Array(offset);
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i]!;
    bin.set(
      new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
      entries[i]!.offset,
    );
  }
  const sha256 = createHash('sha256').update(bin).digest('hex');
  const manifest: BundleManifest = {
    format: 'gradscope-bench-bundle',
    version: 1,
    spec,
    seed,
    sha256,
    entries,
  };
  atomicWrite(path.join(dir, `${id}.bin`), bin);
  atomicWrite(path.join(dir, `${id}.json`), `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}

/** Reads the bundle of `id` from `dir` and checks its hash. */
export function readBundle(dir: string, id: WorkloadId): Bundle {
  const manifest = JSON.parse(readFileSync(path.join(dir, `${id}.json`), 'utf8')) as BundleManifest;
  if (manifest.format !== 'gradscope-bench-bundle' || manifest.version !== 1)
    throw new Error(`${id}.json: not a gradscope-bench-bundle v1 manifest`);
  const bin = readFileSync(path.join(dir, `${id}.bin`));
  const sha = createHash('sha256').update(bin).digest('hex');
  if (sha !== manifest.sha256)
    throw new Error(`${id}.bin: SHA-256 ${sha} differs from the manifest's ${manifest.sha256}`);
  // A copy into a fresh, aligned buffer (Buffer's pool offset may not be 4-aligned).
  const buf = new Uint8Array(bin.byteLength);
  buf.set(bin);
  const find = (name: string, dtype: BundleEntry['dtype']): BundleEntry => {
    const e = manifest.entries.find((x) => x.name === name);
    if (!e) throw new Error(`${id}: no tensor "${name}" in the bundle`);
    if (e.dtype !== dtype) throw new Error(`${id}: tensor "${name}" is ${e.dtype}, not ${dtype}`);
    return e;
  };
  return {
    manifest,
    spec: manifest.spec,
    f32: (name) => {
      const e = find(name, 'float32');
      return new Float32Array(buf.buffer, e.offset, sizeOfShape(e.shape));
    },
    i32: (name) => {
      const e = find(name, 'int32');
      return new Int32Array(buf.buffer, e.offset, sizeOfShape(e.shape));
    },
  };
}
