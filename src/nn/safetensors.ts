import { DataError, DtypeError, fmt } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import type { AnyModule, LoadStateDictResult } from './module.js';

/**
 * A safetensors file that cannot be read: truncated, a header that is not the format's JSON,
 * offsets out of range, overlapping or leaving holes, a shape that does not match its byte span,
 * duplicate names, or a dtype this reader refuses. The message names the source, the tensor (when
 * one is at fault), the value and what was expected.
 */
export class SafetensorsError extends DataError {}

/** The safetensors dtypes this codec stores and reads raw (element widths in bytes). */
const WIDTH: Readonly<Record<SafetensorsDtype, number>> = {
  F64: 8,
  F32: 4,
  I32: 4,
  U32: 4,
  I16: 2,
  U16: 2,
  I8: 1,
  U8: 1,
};

/** A safetensors dtype this codec reads and writes (F16, BF16, I64, U64 and BOOL are refused). */
export type SafetensorsDtype = 'F64' | 'F32' | 'I32' | 'U32' | 'I16' | 'U16' | 'I8' | 'U8';

/** Every dtype of the format's spec, to tell "known but refused" from "not a dtype at all". */
const SPEC_DTYPES = new Set([
  'BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16',
  'I32', 'U32', 'F32', 'F64', 'I64', 'U64',
]); // prettier-ignore

/** One tensor of a safetensors file: its dtype, shape and raw little-endian bytes. */
export interface SafetensorsEntry {
  /** The format's dtype name. */
  readonly dtype: SafetensorsDtype;
  /** Sizes per axis ([] for a scalar). */
  readonly shape: readonly number[];
  /** Row-major little-endian bytes (length = product(shape) × width of dtype). */
  readonly bytes: Uint8Array;
}

/** The decoded content of a safetensors file. */
export interface SafetensorsFile {
  /** Tensors by name, in file order of their data. */
  readonly tensors: Map<string, SafetensorsEntry>;
  /** The optional string→string `__metadata__` of the header ({} when absent). */
  readonly metadata: Record<string, string>;
}

/** Headers above this size are refused, as the reference implementation does (100 MB). */
const MAX_HEADER = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(source: string, what: string): never {
  throw new SafetensorsError(`${source}: ${what}`);
}

function swapped(bytes: Uint8Array, width: number): Uint8Array {
  if (LITTLE_ENDIAN || width === 1) return bytes;
  const out = new Uint8Array(bytes);
  for (let i = 0; i < out.length; i += width) out.subarray(i, i + width).reverse();
  return out;
}

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Encodes tensors (and optional string metadata) as a safetensors file: an 8-byte little-endian
 * u64 header length N, N bytes of JSON header `{name: {dtype, shape, data_offsets: [begin, end]},
 * "__metadata__": {…}}` padded with spaces to a multiple of 8 (so the data is 8-byte aligned),
 * then the raw little-endian data of each tensor, contiguous, in the order given.
 * @example const bytes = encodeSafetensors(new Map([['w', { dtype: 'F32', shape: [2], bytes }]]));
 * @see https://github.com/huggingface/safetensors (format specification in its README).
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, SafetensorsEntry>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__')
      fail('encodeSafetensors', `tensor name "__metadata__" is reserved`);
    const width = WIDTH[t.dtype];
    if (width === undefined)
      fail(
        'encodeSafetensors',
        `tensor "${name}" has dtype ${fmt(t.dtype)}; expected one of ${Object.keys(WIDTH).join(', ')}`,
      );
    if (t.bytes.length !== sizeOf(t.shape) * width) {
      fail(
        'encodeSafetensors',
        `tensor "${name}" has ${t.bytes.length} bytes but shape ${fmt(t.shape)} × ${t.dtype} needs ${sizeOf(t.shape) * width}`,
      );
    }
    header[name] = {
      dtype: t.dtype,
      shape: [...t.shape],
      data_offsets: [offset, offset + t.bytes.length],
    };
    offset += t.bytes.length;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let headerBytes = enc.encode(json);
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad > 0) {
    json += ' '.repeat(pad);
    headerBytes = enc.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    out.set(swapped(t.bytes, WIDTH[t.dtype]), at);
    at += t.bytes.length;
  }
  return out;
}

/**
 * The keys of the top-level JSON object, in order and with repeats (JSON.parse keeps only the
 * last of duplicate keys, so duplicates must be found on the text). Assumes valid JSON.
 */
function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      const start = i;
      for (i++; json[i] !== '"'; i++) if (json[i] === '\\') i++;
      if (depth === 1 && expectKey) {
        keys.push(JSON.parse(json.slice(start, i + 1)) as string);
        expectKey = false;
      }
    } else if (c === '{' || c === '[') {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return keys;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Decodes and validates a safetensors file. Everything is checked before anything is returned:
 * the header length fits the file, the header is a JSON object (UTF-8) of entries with a known
 * dtype, an integer shape and `data_offsets` [begin, end] relative to the data section, names are
 * unique, the entries tile the data section exactly (sorted by begin: the first starts at 0, each
 * starts where the previous ends, the last ends at the end of the file — no overlaps, no holes),
 * and each span equals product(shape) × dtype width. Throws a one-line {@link SafetensorsError}
 * naming `source` and the fault. Tensor bytes are copies (aligned, native byte order).
 * @example const { tensors, metadata } = decodeSafetensors(bytes, 'model.safetensors');
 */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsFile {
  if (!(bytes instanceof Uint8Array))
    fail(source, `expected the file's bytes (Uint8Array), got ${fmt(bytes)}`);
  if (bytes.length < 8)
    fail(
      source,
      `is ${bytes.length} bytes, shorter than the 8-byte header length; not a safetensors file`,
    );
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(bytes.length - 8))
    fail(
      source,
      `header length ${n64} runs past the end of the file (${bytes.length} bytes); the file is truncated or not safetensors`,
    );
  const n = Number(n64);
  if (n > MAX_HEADER) fail(source, `header length ${n} exceeds the ${MAX_HEADER}-byte limit`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail(source, 'header is not valid UTF-8');
  }
  if (!text.startsWith('{'))
    fail(source, `header does not start with "{" (got ${fmt(text.slice(0, 16))})`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(source, `header is not JSON (${(e as Error).message})`);
  }
  if (!isRecord(header)) fail(source, 'header is not a JSON object');
  const seen = new Set<string>();
  for (const k of topLevelKeys(text)) {
    if (seen.has(k)) fail(source, `header names "${k}" twice; tensor names must be unique`);
    seen.add(k);
  }
  const metadata: Record<string, string> = {};
  const meta = header['__metadata__'];
  if (meta !== undefined) {
    if (!isRecord(meta)) fail(source, `__metadata__ = ${fmt(meta)} is not an object of strings`);
    for (const [k, v] of Object.entries(meta)) {
      if (typeof v !== 'string') fail(source, `__metadata__["${k}"] = ${fmt(v)} is not a string`);
      metadata[k] = v;
    }
  }
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const spans: {
    name: string;
    dtype: SafetensorsDtype;
    shape: number[];
    begin: number;
    end: number;
  }[] = [];
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (!isRecord(e))
      fail(source, `tensor "${name}" entry is ${fmt(e)}; expected {dtype, shape, data_offsets}`);
    const { dtype, shape, data_offsets: off } = e;
    if (typeof dtype !== 'string' || !SPEC_DTYPES.has(dtype))
      fail(source, `tensor "${name}" has dtype ${fmt(dtype)}, not a safetensors dtype`);
    if (!(dtype in WIDTH))
      fail(
        source,
        `tensor "${name}" has dtype ${dtype}, which gradscope does not read (supported: ${Object.keys(WIDTH).join(', ')})`,
      );
    if (!Array.isArray(shape) || !shape.every(isIndex))
      fail(
        source,
        `tensor "${name}" has shape ${fmt(shape)}; expected an array of non-negative integers`,
      );
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !isIndex(off[0]) ||
      !isIndex(off[1]) ||
      off[1] < off[0]
    )
      fail(
        source,
        `tensor "${name}" has data_offsets ${fmt(off)}; expected [begin, end] with 0 ≤ begin ≤ end`,
      );
    const [begin, end] = off as [number, number];
    if (end > dataLength)
      fail(
        source,
        `tensor "${name}" data_offsets [${begin}, ${end}] run past the data section (${dataLength} bytes)`,
      );
    const need = sizeOf(shape as number[]) * WIDTH[dtype as SafetensorsDtype];
    if (end - begin !== need)
      fail(
        source,
        `tensor "${name}" spans ${end - begin} bytes but shape ${fmt(shape)} × ${dtype} needs ${need}`,
      );
    spans.push({ name, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end });
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const s of spans) {
    if (s.begin < at)
      fail(
        source,
        `tensor "${s.name}" data_offsets [${s.begin}, ${s.end}] overlap the previous tensor (which ends at ${at})`,
      );
    if (s.begin > at)
      fail(
        source,
        `tensor "${s.name}" starts at ${s.begin} but the previous data ends at ${at}; the data section has a hole`,
      );
    at = s.end;
  }
  if (at !== dataLength)
    fail(
      source,
      `the tensors cover ${at} bytes of the ${dataLength}-byte data section; the file has trailing bytes`,
    );
  const tensors = new Map<string, SafetensorsEntry>();
  for (const s of spans) {
    // A copy (Buffer#slice would be a view of the pooled input): aligned for the typed arrays.
    const raw = new Uint8Array(bytes.subarray(dataStart + s.begin, dataStart + s.end));
    tensors.set(s.name, { dtype: s.dtype, shape: s.shape, bytes: swapped(raw, WIDTH[s.dtype]) });
  }
  return { tensors, metadata };
}

/** A module's parameters and buffers by dotted name (live tensors, not copies). */
function namedState(model: AnyModule): Map<string, Tensor> {
  const own = new Map<string, Tensor>(Object.entries(model.namedParameters()));
  for (const [n, t] of model.namedBuffers()) own.set(n, t);
  return own;
}

/**
 * A tensor's bytes as a safetensors entry (a view on its data, not a copy).
 * @example tensorEntry(model.namedParameters()['0.weight'])
 */
export function tensorEntry(t: {
  readonly data: TypedArray;
  readonly shape: readonly number[];
}): SafetensorsEntry {
  const d = t.data;
  return {
    dtype: d instanceof Float64Array ? 'F64' : 'F32',
    shape: [...t.shape],
    bytes: new Uint8Array(d.buffer, d.byteOffset, d.byteLength),
  };
}

/**
 * A safetensors F32/F64 entry as a tensor (a fresh array). Other dtypes are refused with a
 * {@link DtypeError} naming the tensor and its dtype: gradscope's tensors are float32/float64.
 * @example entryTensor('0.weight', file.tensors.get('0.weight')!)
 */
export function entryTensor(name: string, e: SafetensorsEntry, source = 'safetensors'): Tensor {
  if (e.dtype !== 'F32' && e.dtype !== 'F64')
    throw new DtypeError(
      `${source}: tensor "${name}" has dtype ${e.dtype}; gradscope loads F32 and F64 tensors only`,
    );
  const copy = new Uint8Array(e.bytes);
  const data = e.dtype === 'F64' ? new Float64Array(copy.buffer) : new Float32Array(copy.buffer);
  return new Tensor(data, [...e.shape]);
}

/** Options of {@link saveSafetensors}. */
export interface SaveSafetensorsOptions {
  /** String metadata stored in the header's `__metadata__`. */
  metadata?: Record<string, string>;
}

/**
 * A module's parameters and buffers (its `stateDict()` names, PyTorch's: `0.weight`, `0.bias`)
 * as a safetensors file, F32 or F64 as the tensors are. The result loads in PyTorch with
 * `safetensors.torch.load_file` and back here with {@link loadSafetensors}.
 * @example writeFileSync('model.safetensors', nn.saveSafetensors(model));
 */
export function saveSafetensors(
  model: AnyModule,
  options: SaveSafetensorsOptions = {},
): Uint8Array {
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, t] of namedState(model)) entries.set(name, tensorEntry(t));
  return encodeSafetensors(entries, options.metadata);
}

/** Options of {@link loadSafetensors}. */
export interface LoadSafetensorsOptions {
  /** Throw on missing or unexpected names (default true); shapes are always checked. */
  strict?: boolean;
  /**
   * Convert a tensor whose dtype differs from the module's (default false: throw, since gradscope
   * never casts silently). F32 → F64 is exact; F64 → F32 rounds to nearest, as PyTorch's
   * `load_state_dict` (`copy_`) does.
   */
  convert?: boolean;
  /** Name of the source in error messages (default "safetensors"). */
  source?: string;
}

/**
 * Loads a safetensors file (e.g. a PyTorch `state_dict` saved with `safetensors.torch.save_file`)
 * into a module, by name. The file is fully validated first; then, as in
 * {@link Module.loadStateDict}, every entry is checked before anything is copied: a shape
 * mismatch names each tensor with both shapes, missing or unexpected names are listed (an error
 * with `strict`, returned otherwise), and a dtype different from the module's is an error unless
 * `convert` is set. Non-float dtypes (I*, U8, BOOL, F16, BF16) are refused naming the tensor.
 * @example nn.loadSafetensors(model, readFileSync('model.safetensors'), { strict: true });
 */
export function loadSafetensors(
  model: AnyModule,
  bytes: Uint8Array,
  options: LoadSafetensorsOptions = {},
): LoadStateDictResult {
  const source = options.source ?? 'safetensors';
  const file = decodeSafetensors(bytes, source);
  const own = namedState(model);
  const sd: Record<string, Tensor> = {};
  for (const [name, e] of file.tensors) {
    let t = entryTensor(name, e, source);
    const mine = own.get(name);
    if (mine !== undefined && t.dtype !== mine.dtype) {
      if (options.convert !== true)
        throw new DtypeError(
          `${source}: tensor "${name}" is ${e.dtype} in the file but ${mine.dtype} in the model; pass { convert: true } to convert`,
        );
      const data = mine.dtype === 'float64' ? Float64Array.from(t.data) : Float32Array.from(t.data);
      t = new Tensor(data, t.shape);
    }
    sd[name] = t;
  }
  try {
    return model.loadStateDict(sd, { strict: options.strict ?? true });
  } catch (e) {
    if (e instanceof Error) e.message = `${source}: ${e.message}`;
    throw e;
  }
}
