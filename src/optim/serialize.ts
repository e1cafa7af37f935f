import { DataError, fmt } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { decodeBase64, encodeBase64 } from '../base64.js';

/** A value that JSON represents exactly. */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

type AnyTypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

const TYPED: Record<
  string,
  { new (buffer: ArrayBuffer): AnyTypedArray; BYTES_PER_ELEMENT: number }
> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  uint8clamped: Uint8ClampedArray,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
};

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function typedName(v: unknown): string | null {
  if (v instanceof Float32Array) return 'float32';
  if (v instanceof Float64Array) return 'float64';
  if (v instanceof Int8Array) return 'int8';
  if (v instanceof Uint8ClampedArray) return 'uint8clamped';
  if (v instanceof Uint8Array) return 'uint8';
  if (v instanceof Int16Array) return 'int16';
  if (v instanceof Uint16Array) return 'uint16';
  if (v instanceof Int32Array) return 'int32';
  if (v instanceof Uint32Array) return 'uint32';
  return null;
}

function swapBytes(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let i = 0; i < bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a] as number;
      bytes[a] = bytes[b] as number;
      bytes[b] = t;
    }
  }
}

function encodeTyped(arr: AnyTypedArray): string {
  const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  // Checkpoints are little-endian whatever the machine, so they move between machines.
  if (!LITTLE_ENDIAN) {
    const swapped = bytes.slice();
    swapBytes(swapped, arr.BYTES_PER_ELEMENT);
    return encodeBase64(swapped);
  }
  return encodeBase64(bytes);
}

function decodeTyped(dtype: string, b64: unknown, path: string): AnyTypedArray {
  const ctor = TYPED[dtype];
  if (ctor === undefined)
    throw new DataError(
      `deserializeState: ${path} has unknown dtype ${fmt(dtype)}; expected one of ${Object.keys(TYPED).join(', ')}`,
    );
  if (typeof b64 !== 'string')
    throw new DataError(`deserializeState: ${path}.b64 = ${fmt(b64)} is not a base64 string`);
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(b64);
  } catch (e) {
    throw new DataError(
      `deserializeState: ${path}.b64 is not valid base64 (${(e as Error).message})`,
    );
  }
  if (bytes.length % ctor.BYTES_PER_ELEMENT !== 0) {
    throw new DataError(
      `deserializeState: ${path} has ${bytes.length} bytes, not a multiple of ${ctor.BYTES_PER_ELEMENT} (${dtype})`,
    );
  }
  if (!LITTLE_ENDIAN) swapBytes(bytes, ctor.BYTES_PER_ELEMENT);
  return new ctor(bytes.buffer as ArrayBuffer);
}

function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function encodeNumber(v: number): JsonValue {
  if (Number.isNaN(v)) return { $t: 'num', v: 'NaN' };
  if (v === Infinity) return { $t: 'num', v: 'Infinity' };
  if (v === -Infinity) return { $t: 'num', v: '-Infinity' };
  if (Object.is(v, -0)) return { $t: 'num', v: '-0' };
  return v;
}

/**
 * Converts a state tree — numbers (including NaN, ±Infinity and −0), booleans, strings, null,
 * undefined, typed arrays (their exact bytes, little-endian base64, with the dtype), Tensors,
 * arrays and plain objects — to JSON-safe data that {@link deserializeState} turns back into an
 * identical tree, bit for bit. JSON.stringify of finite doubles is exact (shortest round-trip
 * form), so only the non-finite values and −0 need a tagged form `{ $t: 'num', v: 'NaN' }`.
 *
 * @example JSON.stringify(serializeState(opt.state))
 */
export function serializeState(tree: unknown, path = 'state'): JsonValue {
  if (tree === null) return null;
  if (tree === undefined) return { $t: 'undef' };
  if (typeof tree === 'number') return encodeNumber(tree);
  if (typeof tree === 'boolean' || typeof tree === 'string') return tree;
  if (typeof tree !== 'object')
    throw new DataError(
      `serializeState: ${path} = ${fmt(tree)} (${typeof tree}) cannot be saved; expected numbers, typed arrays, arrays and plain objects`,
    );
  const dtype = typedName(tree);
  if (dtype !== null) return { $t: 'typed', dtype, b64: encodeTyped(tree as AnyTypedArray) };
  if (tree instanceof Tensor) {
    return { $t: 'tensor', dtype: tree.dtype, shape: [...tree.shape], b64: encodeTyped(tree.data) };
  }
  if (Array.isArray(tree)) return tree.map((v, i) => serializeState(v, `${path}[${i}]`));
  if (!isPlainObject(tree)) {
    throw new DataError(
      `serializeState: ${path} is a ${tree.constructor?.name ?? 'non-plain object'}, which cannot be saved; expected numbers, typed arrays, arrays and plain objects`,
    );
  }
  const out: { [key: string]: JsonValue } = {};
  for (const [k, v] of Object.entries(tree)) out[k] = serializeState(v, `${path}.${k}`);
  return '$t' in out ? { $t: 'obj', v: out } : out;
}

/**
 * Inverse of {@link serializeState}: rebuilds the state tree (fresh typed arrays with the saved
 * bytes). Throws a DataError naming the path on malformed input.
 * @example const state = deserializeState(JSON.parse(text));
 */
export function deserializeState(json: unknown, path = 'state'): unknown {
  if (json === null || typeof json === 'boolean' || typeof json === 'string') return json;
  if (typeof json === 'number') return json;
  if (Array.isArray(json)) return json.map((v, i) => deserializeState(v, `${path}[${i}]`));
  if (typeof json !== 'object')
    throw new DataError(`deserializeState: ${path} = ${fmt(json)} is not JSON data`);
  const rec = json as Record<string, unknown>;
  if ('$t' in rec) {
    const tag = rec['$t'];
    switch (tag) {
      case 'undef':
        return undefined;
      case 'num': {
        const v = rec['v'];
        if (v === 'NaN') return NaN;
        if (v === 'Infinity') return Infinity;
        if (v === '-Infinity') return -Infinity;
        if (v === '-0') return -0;
        throw new DataError(`deserializeState: ${path} has an unknown special number ${fmt(v)}`);
      }
      case 'typed':
        return decodeTyped(String(rec['dtype']), rec['b64'], path);
      case 'tensor': {
        const dtype = rec['dtype'];
        if (dtype !== 'float32' && dtype !== 'float64')
          throw new DataError(
            `deserializeState: ${path} is a tensor of dtype ${fmt(dtype)}; expected float32 or float64`,
          );
        const data = decodeTyped(dtype, rec['b64'], path) as Float32Array | Float64Array;
        const shape = rec['shape'];
        if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
          throw new DataError(`deserializeState: ${path}.shape = ${fmt(shape)} is not a shape`);
        }
        return new Tensor(data, shape as number[]);
      }
      case 'obj':
        return decodeObject(rec['v'], path);
      default:
        throw new DataError(`deserializeState: ${path} has an unknown tag $t = ${fmt(tag)}`);
    }
  }
  return decodeObject(rec, path);
}

function decodeObject(v: unknown, path: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new DataError(`deserializeState: ${path} = ${fmt(v)} is not an object`);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = deserializeState(x, `${path}.${k}`);
  return out;
}

function withArticle(kind: string): string {
  if (kind === 'null' || kind === 'undefined') return kind;
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  const t = typedName(v);
  if (t !== null) return `${t} array`;
  if (v instanceof Tensor) return 'tensor';
  return typeof v;
}

/**
 * Checks that a loaded state tree fits a transformation's fresh state: same object keys, same
 * kinds, typed arrays of the same dtype and length, tensors of the same shape. Arrays of numbers
 * (histories) may differ in length. Throws a DataError naming the first mismatching path.
 * @example assertStateCompatible(tx.init(params), deserializeState(saved));
 */
export function assertStateCompatible(template: unknown, loaded: unknown, path = 'state'): void {
  const kt = kind(template);
  const kl = kind(loaded);
  if (kt !== kl) {
    throw new DataError(
      `loadStateDict: ${path} is ${withArticle(kl)} in the checkpoint but ${withArticle(kt)} in this optimizer`,
    );
  }
  if (kt.endsWith(' array')) {
    const a = template as AnyTypedArray;
    const b = loaded as AnyTypedArray;
    if (a.length !== b.length)
      throw new DataError(
        `loadStateDict: ${path} has ${b.length} elements in the checkpoint but ${a.length} in this optimizer`,
      );
    return;
  }
  if (kt === 'tensor') {
    const a = template as Tensor;
    const b = loaded as Tensor;
    if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
      throw new DataError(
        `loadStateDict: ${path} has shape ${fmt(b.shape)} in the checkpoint but ${fmt(a.shape)} in this optimizer`,
      );
    }
    return;
  }
  if (kt === 'array') {
    const a = template as unknown[];
    const b = loaded as unknown[];
    const numeric = a.every((x) => typeof x === 'number') && b.every((x) => typeof x === 'number');
    if (numeric) return;
    if (a.length !== b.length)
      throw new DataError(
        `loadStateDict: ${path} has ${b.length} entries in the checkpoint but ${a.length} in this optimizer`,
      );
    for (let i = 0; i < a.length; i++) assertStateCompatible(a[i], b[i], `${path}[${i}]`);
    return;
  }
  if (kt === 'object') {
    const a = template as Record<string, unknown>;
    const b = loaded as Record<string, unknown>;
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    const missing = ka.filter((k) => !(k in b));
    const extra = kb.filter((k) => !(k in a));
    if (missing.length > 0 || extra.length > 0) {
      throw new DataError(
        `loadStateDict: ${path} keys differ: missing in the checkpoint [${missing.join(', ')}], unexpected [${extra.join(', ')}]`,
      );
    }
    for (const k of ka) assertStateCompatible(a[k], b[k], `${path}.${k}`);
  }
}
