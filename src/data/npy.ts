import { ConfigError, DataError, fmt } from '../errors.js';

/** Element types of a `.npy` file that gradscope reads (NumPy's names). */
export type NpyDType =
  | 'float32'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool';

/** The elements of a parsed `.npy` array (64-bit integers become exact float64 numbers). */
export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array;

/** A parsed `.npy` array: dtype, C-order shape and elements. */
export interface NpyArray {
  /** The element type of the file (its `descr`, e.g. '<f4' is 'float32'). */
  dtype: NpyDType;
  /** Sizes per dimension, C order (row-major); [] for a scalar. */
  shape: number[];
  /** The elements in C order (int64/uint64 as Float64Array, refused beyond ±2^53). */
  data: NpyData;
}

/** What a `.npy` header declares, read before the data. */
export interface NpyHeader {
  dtype: NpyDType;
  shape: number[];
  /** Bytes of the magic, version, length field and header dict: where the data starts. */
  dataOffset: number;
  /** Bytes per element. */
  itemSize: number;
  /** Whether the data is big-endian ('>' in descr). */
  bigEndian: boolean;
  /** Total bytes the file must have: dataOffset + elements × itemSize. */
  totalBytes: number;
}

/** descr type code (kind + size) → dtype. */
const KINDS: Readonly<Record<string, NpyDType>> = {
  f4: 'float32',
  f8: 'float64',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  u2: 'uint16',
  u4: 'uint32',
  u8: 'uint64',
  b1: 'bool',
};
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Largest header dict accepted (NumPy writes < 1 KiB; version 2 allows 4 GiB). */
const MAX_HEADER = 1 << 20;

/** A tiny reader of the Python literal NumPy writes: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }. */
function parseHeaderDict(text: string, name: string): Record<string, unknown> {
  let pos = 0;
  const bad = (what: string): never => {
    throw new DataError(
      `${name}: bad .npy header at character ${pos + 1}: ${what} (header ${fmt(text.trim())})`,
    );
  };
  const ws = (): void => {
    while (pos < text.length && /\s/.test(text[pos] as string)) pos++;
  };
  const value = (): unknown => {
    ws();
    const c = text[pos];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, pos + 1);
      if (end < 0) bad('unterminated string');
      const s = text.slice(pos + 1, end);
      pos = end + 1;
      return s;
    }
    if (c === '(') {
      pos++;
      const out: number[] = [];
      for (;;) {
        ws();
        if (text[pos] === ')') {
          pos++;
          return out;
        }
        const m = /^\d+L?/.exec(text.slice(pos));
        if (m === null) bad('expected a non-negative integer in the shape tuple');
        const s = (m as RegExpExecArray)[0];
        out.push(Number(s.replace('L', '')));
        pos += s.length;
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] !== ')') bad("expected ',' or ')' in the shape tuple");
      }
    }
    for (const [w, v] of [
      ['True', true],
      ['False', false],
    ] as const) {
      if (text.startsWith(w, pos)) {
        pos += w.length;
        return v;
      }
    }
    return bad('expected a string, a tuple, True or False');
  };
  ws();
  if (text[pos] !== '{') bad("expected '{'");
  pos++;
  const out: Record<string, unknown> = {};
  for (;;) {
    ws();
    if (text[pos] === '}') {
      pos++;
      break;
    }
    const key = value();
    if (typeof key !== 'string') bad('expected a key in quotes');
    ws();
    if (text[pos] !== ':') bad("expected ':'");
    pos++;
    out[key as string] = value();
    ws();
    if (text[pos] === ',') pos++;
    else if (text[pos] !== '}') bad("expected ',' or '}'");
  }
  ws();
  if (pos < text.length) bad('unexpected text after the dict');
  return out;
}

/**
 * Reads the header of a `.npy` file (NumPy's format, versions 1.0, 2.0 and 3.0): the magic
 * `\x93NUMPY`, the version, the little-endian header length (uint16 in 1.0, uint32 in 2.0/3.0),
 * then the header dict with `descr`, `fortran_order` and `shape`. Refuses Fortran-ordered arrays,
 * structured or unsupported dtypes and object arrays with a DataError naming `name`; `prefix` may
 * be just the first bytes of the file.
 * @example npyHeader(bytes, 'x.npy') // { dtype: 'float32', shape: [150, 4], dataOffset: 128, … }
 * @see https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
export function npyHeader(prefix: Uint8Array, name = '.npy data'): NpyHeader {
  if (!(prefix instanceof Uint8Array))
    throw new ConfigError(`npyHeader: bytes must be a Uint8Array, got ${fmt(prefix)}`);
  if (prefix.length < 10 || MAGIC.some((b, i) => prefix[i] !== b))
    throw new DataError(
      `${name}: not a .npy file (expected the magic bytes \\x93NUMPY, got ${fmt(Array.from(prefix.subarray(0, 6)))})`,
    );
  const major = prefix[6] as number;
  const minor = prefix[7] as number;
  if (![1, 2, 3].includes(major) || minor !== 0)
    throw new DataError(
      `${name}: .npy format version ${major}.${minor} is not supported; expected 1.0, 2.0 or 3.0`,
    );
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (prefix.length < 8 + lenBytes)
    throw new DataError(`${name}: truncated .npy header (${prefix.length} bytes)`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLen > MAX_HEADER)
    throw new DataError(
      `${name}: .npy header length ${headerLen} is over ${MAX_HEADER} bytes (corrupt file?)`,
    );
  const dataOffset = 8 + lenBytes + headerLen;
  if (prefix.length < dataOffset)
    throw new DataError(
      `${name}: truncated .npy header: it declares ${headerLen} bytes, the data has ${Math.max(0, prefix.length - 8 - lenBytes)}`,
    );
  const raw = prefix.subarray(8 + lenBytes, dataOffset);
  // Versions 1 and 2 store the dict in latin1, version 3 in UTF-8.
  const text =
    major === 3 ? new TextDecoder('utf-8').decode(raw) : String.fromCharCode(...Array.from(raw));
  const dict = parseHeaderDict(text, name);
  for (const k of ['descr', 'fortran_order', 'shape'])
    if (!(k in dict)) throw new DataError(`${name}: the .npy header has no '${k}'`);
  const descr = dict['descr'];
  if (typeof descr !== 'string')
    throw new DataError(
      `${name}: .npy descr ${fmt(descr)} is a structured dtype; expected a plain numeric dtype such as '<f4'`,
    );
  const m = /^([<>|=])([a-zA-Z]\d+)$/.exec(descr);
  const dtype = m === null ? undefined : KINDS[m[2] as string];
  if (m === null || dtype === undefined)
    throw new DataError(
      `${name}: .npy dtype ${fmt(descr)} is not supported; expected one of ${Object.keys(KINDS)
        .map((k) => `'<${k}'`)
        .join(', ')} (any byte order)`,
    );
  if (dict['fortran_order'] !== false)
    throw new DataError(
      `${name}: the array is stored in Fortran order (fortran_order: True); save it in C order, e.g. np.save(path, np.ascontiguousarray(a))`,
    );
  const shape = dict['shape'];
  if (!Array.isArray(shape))
    throw new DataError(`${name}: .npy shape ${fmt(shape)} is invalid; expected a tuple`);
  const itemSize = Number((m[2] as string).slice(1));
  let count = 1;
  for (const d of shape as number[]) count *= d;
  return {
    dtype,
    shape: shape as number[],
    dataOffset,
    itemSize,
    bigEndian: m[1] === '>',
    totalBytes: dataOffset + count * itemSize,
  };
}

/**
 * Parses a `.npy` file (see {@link npyHeader} for the header): little- or big-endian floats,
 * signed and unsigned integers and booleans, C order. A truncated file or trailing bytes throw a
 * DataError saying how many bytes are missing or extra; int64 values beyond ±2^53 are refused
 * (they do not fit a float64 exactly). Pure: works in the browser.
 * @example parseNpy(bytes, 'features.npy').shape // [150, 4]
 * @see https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
export function parseNpy(bytes: Uint8Array, name = '.npy data'): NpyArray {
  const h = npyHeader(bytes, name);
  if (bytes.length < h.totalBytes)
    throw new DataError(
      `${name}: truncated: shape (${h.shape.join(', ')}) of ${h.dtype} needs ${h.totalBytes} bytes, the file has ${bytes.length} (${h.totalBytes - bytes.length} missing)`,
    );
  if (bytes.length > h.totalBytes)
    throw new DataError(
      `${name}: ${bytes.length - h.totalBytes} unexpected trailing bytes after the (${h.shape.join(', ')}) ${h.dtype} array`,
    );
  const count = (h.totalBytes - h.dataOffset) / h.itemSize;
  const view = new DataView(bytes.buffer, bytes.byteOffset + h.dataOffset, count * h.itemSize);
  const le = !h.bigEndian;
  const n = h.itemSize;
  let data: NpyData;
  switch (h.dtype) {
    case 'float32':
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * n, le);
      break;
    case 'float64':
      data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(i * n, le);
      break;
    case 'int8':
      data = new Int8Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt8(i);
      break;
    case 'uint8':
    case 'bool':
      data = new Uint8Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getUint8(i);
      break;
    case 'int16':
      data = new Int16Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt16(i * n, le);
      break;
    case 'uint16':
      data = new Uint16Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getUint16(i * n, le);
      break;
    case 'int32':
      data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt32(i * n, le);
      break;
    case 'uint32':
      data = new Uint32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getUint32(i * n, le);
      break;
    case 'int64':
    case 'uint64': {
      data = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const v = h.dtype === 'int64' ? view.getBigInt64(i * n, le) : view.getBigUint64(i * n, le);
        if (v > 9007199254740992n || v < -9007199254740992n)
          throw new DataError(
            `${name}: element ${i} = ${v} is beyond ±2^53 and cannot be represented exactly`,
          );
        data[i] = Number(v);
      }
      break;
    }
  }
  return { dtype: h.dtype, shape: h.shape, data };
}

const DESCR: Readonly<Partial<Record<NpyDType, string>>> = {
  float32: '<f4',
  float64: '<f8',
  int32: '<i4',
  uint8: '|u1',
};

/**
 * Encodes a float32, float64, int32 or uint8 array as a version 1.0 `.npy` file (little-endian,
 * C order, header padded to a multiple of 64 bytes), the inverse of {@link parseNpy}.
 * @example writeFileSync('x.npy', encodeNpy({ dtype: 'float32', shape: [2, 2], data: new Float32Array(4) }))
 */
export function encodeNpy(array: NpyArray): Uint8Array {
  const descr = DESCR[array.dtype];
  if (descr === undefined)
    throw new ConfigError(
      `encodeNpy: dtype ${fmt(array.dtype)} is not supported; expected float32, float64, int32 or uint8`,
    );
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.data.length)
    throw new ConfigError(
      `encodeNpy: shape (${array.shape.join(', ')}) needs ${count} elements, data has ${array.data.length}`,
    );
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = 10 + dict.length + 1;
  dict += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const itemSize = Number(descr.slice(2));
  const out = new Uint8Array(10 + dict.length + count * itemSize);
  out.set(MAGIC);
  out[6] = 1;
  const view = new DataView(out.buffer);
  view.setUint16(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
  const off = 10 + dict.length;
  for (let i = 0; i < count; i++) {
    const v = array.data[i] as number;
    if (array.dtype === 'float32') view.setFloat32(off + 4 * i, v, true);
    else if (array.dtype === 'float64') view.setFloat64(off + 8 * i, v, true);
    else if (array.dtype === 'int32') view.setInt32(off + 4 * i, v, true);
    else view.setUint8(off + i, v);
  }
  return out;
}
