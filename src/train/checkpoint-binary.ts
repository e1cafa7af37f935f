import { decodeBase64, encodeBase64 } from '../base64.js';
import { GradscopeError } from '../errors.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  type SafetensorsDtype,
  type SafetensorsEntry,
} from '../nn/safetensors.js';
import type { JsonValue } from '../optim/serialize.js';
import { CheckpointError } from './checkpoint-error.js';
import type { Checkpoint } from './checkpoint.js';
import { sha256 } from './sha256.js';

/**
 * The binary checkpoint (format version 2): a safetensors file. Every array of the checkpoint —
 * parameters, buffers, optimizer state — is a tensor of the file, raw little-endian bytes; the
 * rest (step, optimizer structure, generators, loader positions, the loop's state) is JSON text
 * in the header's `__metadata__.state`, where each array is a reference
 * `{"$t": "tensor"|"typed", "dtype", "shape"?, "$ref": name, "$at": [begin, end]}` to its bytes
 * in the data section. `__metadata__.sha256` is the SHA-256 of the state's UTF-8 bytes followed by
 * the data section, so one checksum covers both (and, through `$at`, the layout). One file, so an
 * atomic rename never leaves a mixed checkpoint. The weights open in any safetensors reader.
 */

/** `__metadata__.format` of a binary checkpoint. */
export const BINARY_CHECKPOINT_FORMAT = 'gradscope.checkpoint';
/** `__metadata__.version` of the binary checkpoint (1 is the JSON + base64 text format). */
export const BINARY_CHECKPOINT_VERSION = '2';

const ST_DTYPE: Record<string, SafetensorsDtype> = {
  float32: 'F32',
  float64: 'F64',
  int8: 'I8',
  uint8: 'U8',
  uint8clamped: 'U8',
  int16: 'I16',
  uint16: 'U16',
  int32: 'I32',
  uint32: 'U32',
};

interface NodeCrypto {
  createHash(alg: string): { update(b: Uint8Array): unknown; digest(enc: 'hex'): string };
}
const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
  .process?.getBuiltinModule;
const NODE_CRYPTO = getBuiltin?.('node:crypto') as NodeCrypto | undefined;

/**
 * SHA-256 of the concatenation of `chunks`, as hex: Node's crypto when the runtime offers it
 * (process.getBuiltinModule, Node ≥ 20.16; ~30× faster), the portable {@link sha256} otherwise.
 * Both give the same digest.
 * @example sha256Chunks([new TextEncoder().encode('ab'), new TextEncoder().encode('c')]) // sha256('abc')
 */
export function sha256Chunks(chunks: readonly Uint8Array[]): string {
  if (NODE_CRYPTO !== undefined) {
    const h = NODE_CRYPTO.createHash('sha256');
    for (const c of chunks) h.update(c);
    return h.digest('hex');
  }
  const all = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return sha256(all);
}

function isRecord(v: unknown): v is Record<string, JsonValue> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A serialized array node of serializeState: `{$t: 'typed'|'tensor', dtype, shape?, b64}`. */
function isArrayNode(v: Record<string, JsonValue>): boolean {
  return (v['$t'] === 'typed' || v['$t'] === 'tensor') && typeof v['b64'] === 'string';
}

/**
 * Encodes a checkpoint (as {@link captureCheckpoint} makes it) in the binary format (see the module comment): arrays as raw bytes in a safetensors data section, the rest as JSON, one checksum.
 * @example writeFileAtomic('run/checkpoint.json', encodeCheckpoint(captureCheckpoint({ model, optimizer })));
 */
export function encodeCheckpoint(ckpt: Checkpoint): Uint8Array {
  const entries = new Map<string, SafetensorsEntry>();
  let offset = 0;
  const walk = (v: JsonValue, path: string): JsonValue => {
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}.${i}`));
    if (!isRecord(v)) return v;
    if (isArrayNode(v)) {
      const bytes = decodeBase64(v['b64'] as string);
      const dtype = ST_DTYPE[v['dtype'] as string];
      if (dtype === undefined)
        throw new CheckpointError(`encodeCheckpoint: ${path} has dtype ${String(v['dtype'])}`);
      const width = { F64: 8, F32: 4, I32: 4, U32: 4, I16: 2, U16: 2, I8: 1, U8: 1 }[dtype];
      const shape = Array.isArray(v['shape']) ? (v['shape'] as number[]) : [bytes.length / width];
      entries.set(path, { dtype, shape, bytes });
      const ref: Record<string, JsonValue> = { $t: v['$t'] as string, dtype: v['dtype'] as string };
      if (v['shape'] !== undefined) ref['shape'] = v['shape'];
      ref['$ref'] = path;
      ref['$at'] = [offset, offset + bytes.length];
      offset += bytes.length;
      return ref;
    }
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(v)) out[k] = walk(x, path === '' ? k : `${path}.${k}`);
    return out;
  };
  const state = JSON.stringify(walk(ckpt as unknown as JsonValue, ''));
  const digest = sha256Chunks([
    new TextEncoder().encode(state),
    ...[...entries.values()].map((e) => e.bytes),
  ]);
  return encodeSafetensors(entries, {
    format: BINARY_CHECKPOINT_FORMAT,
    version: BINARY_CHECKPOINT_VERSION,
    sha256: digest,
    state,
  });
}

/**
 * Whether `bytes` are a binary checkpoint rather than text: the old JSON format and other text
 * files start with printable characters, a safetensors file with a u64 header length whose high
 * four bytes are zero (headers are below 100 MB).
 * @example isBinaryCheckpoint(readFileSync('run/checkpoint.json'))
 */
export function isBinaryCheckpoint(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[4] === 0 && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0;
}

/**
 * Decodes and verifies a binary checkpoint: the safetensors structure, the format and version
 * of its metadata, the SHA-256 over the state and the data. Returns the checkpoint's JSON body
 * with the arrays in the version-1 form (`b64`), for the same structural checks and restore.
 * Throws a one-line {@link CheckpointError} naming `source`.
 * @example const body = decodeCheckpointBody(readFileSync(path), path);
 */
export function decodeCheckpointBody(bytes: Uint8Array, source: string): unknown {
  let meta: Record<string, string>;
  try {
    meta = decodeSafetensors(bytes, source).metadata;
  } catch (e) {
    if (!(e instanceof GradscopeError)) throw e;
    throw new CheckpointError(
      `${e.message} (as a binary gradscope checkpoint, version ${BINARY_CHECKPOINT_VERSION}); the file is truncated or corrupt`,
    );
  }
  if (meta['format'] !== BINARY_CHECKPOINT_FORMAT || typeof meta['state'] !== 'string') {
    throw new CheckpointError(
      `${source}: is a safetensors file but not a gradscope checkpoint (__metadata__.format = ${JSON.stringify(meta['format'] ?? null)}); to load its weights into a model use nn.loadSafetensors`,
    );
  }
  if (meta['version'] !== BINARY_CHECKPOINT_VERSION) {
    throw new CheckpointError(
      `${source}: has checkpoint format version ${meta['version'] ?? 'none'}; this gradscope reads versions 1 (JSON) and ${BINARY_CHECKPOINT_VERSION} (binary)`,
    );
  }
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const data = bytes.subarray(8 + n);
  const state = meta['state'];
  const actual = sha256Chunks([new TextEncoder().encode(state), data]);
  if (actual !== meta['sha256']) {
    throw new CheckpointError(
      `${source}: checksum mismatch: the header records sha256 ${String(meta['sha256'])} but the content hashes to ${actual}; the file is corrupt (changed or truncated) and was not loaded`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(state);
  } catch (e) {
    throw new CheckpointError(
      `${source}: state is not JSON although its checksum matches (${(e as Error).message})`,
    );
  }
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!isRecord(v)) return v;
    if (typeof v['$ref'] === 'string') {
      const at = v['$at'];
      if (!Array.isArray(at) || typeof at[0] !== 'number' || typeof at[1] !== 'number')
        throw new CheckpointError(`${source}: array ${v['$ref']} has no byte range`);
      const out: Record<string, unknown> = { $t: v['$t'], dtype: v['dtype'] };
      if (v['shape'] !== undefined) out['shape'] = v['shape'];
      out['b64'] = encodeBase64(data.subarray(at[0], at[1]));
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = walk(x);
    return out;
  };
  return walk(body);
}
