import { ConfigError, DataError, fmt } from '../errors.js';
import { allocData, type DType } from '../tensor/dtype.js';
import type { Dataset } from './dataset.js';

/** Element types of the IDX format (the third byte of the magic number). */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A parsed IDX array: its element type, dimensions and data (row-major). */
export interface IdxArray {
  /** The element type named by the file's magic number. */
  type: IdxType;
  /** Sizes per dimension, e.g. [10000, 28, 28]. */
  dims: number[];
  /** The elements in row-major order. */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const CODES: Record<number, { type: IdxType; bytes: number }> = {
  0x08: { type: 'uint8', bytes: 1 },
  0x09: { type: 'int8', bytes: 1 },
  0x0b: { type: 'int16', bytes: 2 },
  0x0c: { type: 'int32', bytes: 4 },
  0x0d: { type: 'float32', bytes: 4 },
  0x0e: { type: 'float64', bytes: 8 },
};

function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}

/**
 * True if the bytes start with the gzip magic number 1f 8b (RFC 1952).
 * @example isGzip(new Uint8Array([0x1f, 0x8b, 8])) // true
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The total size in bytes (magic, dimensions and elements) that an IDX header declares, read from
 * the first bytes of a file; null when `prefix` is too short for the header or is not an IDX
 * header. Lets a reader bound decompression by what the file says it holds.
 * @example idxDeclaredBytes(firstBytes) // 47040016 for train-images-idx3-ubyte
 */
export function idxDeclaredBytes(prefix: Uint8Array): number | null {
  if (prefix.length < 4 || prefix[0] !== 0 || prefix[1] !== 0) return null;
  const spec = CODES[prefix[2] as number];
  const ndim = prefix[3] as number;
  if (spec === undefined || ndim === 0 || prefix.length < 4 + 4 * ndim) return null;
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  let count = 1;
  for (let i = 0; i < ndim; i++) count *= view.getUint32(4 + 4 * i);
  return 4 + 4 * ndim + count * spec.bytes;
}

/**
 * Parses the IDX format of LeCun's MNIST files: a magic number 00 00 TT DD (TT the element type:
 * 08 uint8, 09 int8, 0B int16, 0C int32, 0D float32, 0E float64; DD the number of dimensions),
 * DD big-endian uint32 sizes, then the elements big-endian, row-major. Pure (bytes in, arrays
 * out): works in the browser. A gzip-compressed file, a bad magic number, a truncated file or
 * trailing bytes throw a DataError saying which, naming `name`.
 * @example parseIdx(bytes, 'train-images-idx3-ubyte').dims // [60000, 28, 28]
 * @see Y. LeCun, C. Cortes, C. Burges, "The MNIST database of handwritten digits" (file format section)
 */
export function parseIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  if (!(bytes instanceof Uint8Array))
    throw new ConfigError(`parseIdx: bytes must be a Uint8Array, got ${fmt(bytes)}`);
  if (isGzip(bytes)) {
    throw new DataError(
      `${name}: the data is gzip-compressed; decompress it first (readIdxFile from the Node entry point does this)`,
    );
  }
  if (bytes.length < 4)
    throw new DataError(
      `${name}: truncated: ${bytes.length} bytes, too short for the 4-byte magic number`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const code = bytes[2] as number;
  const ndim = bytes[3] as number;
  const spec = CODES[code];
  if (bytes[0] !== 0 || bytes[1] !== 0 || spec === undefined || ndim === 0) {
    throw new DataError(
      `${name}: bad magic number ${hex(magic)}; expected 0x0000TTDD with type TT in {08, 09, 0b, 0c, 0d, 0e} and DD ≥ 1 dimensions (not an IDX file?)`,
    );
  }
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new DataError(
      `${name}: truncated header: ${ndim} dimensions need ${headerBytes} bytes, the data has ${bytes.length}`,
    );
  }
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i);
    dims.push(d);
    count *= d;
  }
  const expected = headerBytes + count * spec.bytes;
  if (bytes.length < expected) {
    throw new DataError(
      `${name}: truncated: dimensions [${dims.join(', ')}] of ${spec.type} need ${expected} bytes, the data has ${bytes.length} (${expected - bytes.length} missing)`,
    );
  }
  if (bytes.length > expected) {
    throw new DataError(
      `${name}: ${bytes.length - expected} unexpected trailing bytes after ${expected} bytes of [${dims.join(', ')}] ${spec.type}`,
    );
  }
  const off = headerBytes;
  let data: IdxArray['data'];
  switch (spec.type) {
    case 'uint8':
      data = bytes.slice(off, expected);
      break;
    case 'int8':
      data = new Int8Array(bytes.slice(off, expected).buffer);
      break;
    case 'int16':
      data = new Int16Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt16(off + 2 * i);
      break;
    case 'int32':
      data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt32(off + 4 * i);
      break;
    case 'float32':
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(off + 4 * i);
      break;
    case 'float64':
      data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(off + 8 * i);
      break;
  }
  return { type: spec.type, dims, data };
}

/**
 * Encodes an array in the IDX format (the inverse of {@link parseIdx}); handy for writing test
 * files and for exporting subsets.
 * @example encodeIdx({ type: 'uint8', dims: [2], data: new Uint8Array([3, 7]) })
 */
export function encodeIdx(array: IdxArray): Uint8Array {
  const entry = Object.entries(CODES).find(([, s]) => s.type === array.type);
  if (!entry) throw new ConfigError(`encodeIdx: unknown type ${fmt(array.type)}`);
  const code = Number(entry[0]);
  const size = entry[1].bytes;
  const count = array.dims.reduce((a, b) => a * b, 1);
  if (count !== array.data.length) {
    throw new ConfigError(
      `encodeIdx: dims [${array.dims.join(', ')}] need ${count} elements, data has ${array.data.length}`,
    );
  }
  const header = 4 + 4 * array.dims.length;
  const out = new Uint8Array(header + count * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = array.dims.length;
  array.dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  for (let i = 0; i < count; i++) {
    const v = array.data[i] as number;
    const p = header + i * size;
    if (array.type === 'uint8') view.setUint8(p, v);
    else if (array.type === 'int8') view.setInt8(p, v);
    else if (array.type === 'int16') view.setInt16(p, v);
    else if (array.type === 'int32') view.setInt32(p, v);
    else if (array.type === 'float32') view.setFloat32(p, v);
    else view.setFloat64(p, v);
  }
  return out;
}

/** Options of {@link mnistFromIdx}. */
export interface MnistIdxOptions {
  /** dtype of the pixels (default 'float32'). */
  dtype?: DType;
  /** Labels must be in [0, numClasses) (default 10). */
  numClasses?: number;
  /** Names for error messages (default 'images', 'labels'). */
  imagesName?: string;
  labelsName?: string;
  /** Keep the pixel grid: featureShape [1, rows, cols] instead of [rows·cols] (default false). */
  keepImageShape?: boolean;
}

/**
 * Builds an MNIST-style {@link Dataset} from the bytes of an images file (uint8 [N, rows, cols],
 * magic 0x00000803) and a labels file (uint8 [N], magic 0x00000801): pixels scaled to [0, 1] by
 * /255 (as torchvision's ToTensor), features flattened to [rows·cols] (or [1, rows, cols]).
 * Swapped files, image/label count mismatch and labels ≥ numClasses throw a DataError saying which.
 * @example mnistFromIdx(imagesBytes, labelsBytes).length // 60000 for the training files
 * @see Y. LeCun, C. Cortes, C. Burges, "The MNIST database of handwritten digits"
 */
export function mnistFromIdx(
  images: Uint8Array,
  labels: Uint8Array,
  options: MnistIdxOptions = {},
): Dataset {
  const imagesName = options.imagesName ?? 'images';
  const labelsName = options.labelsName ?? 'labels';
  const numClasses = options.numClasses ?? 10;
  const img = parseIdx(images, imagesName);
  const lab = parseIdx(labels, labelsName);
  if (img.type !== 'uint8' || img.dims.length !== 3) {
    throw new DataError(
      `${imagesName}: expected uint8 images [N, rows, cols] (magic 0x00000803), got ${img.type} [${img.dims.join(', ')}]${img.dims.length === 1 ? ' (is this the labels file?)' : ''}`,
    );
  }
  if (lab.type !== 'uint8' || lab.dims.length !== 1) {
    throw new DataError(
      `${labelsName}: expected uint8 labels [N] (magic 0x00000801), got ${lab.type} [${lab.dims.join(', ')}]${lab.dims.length === 3 ? ' (is this the images file?)' : ''}`,
    );
  }
  const [n, rows, cols] = img.dims as [number, number, number];
  const m = lab.dims[0] as number;
  if (n !== m)
    throw new DataError(`${imagesName} has ${n} images but ${labelsName} has ${m} labels`);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const l = lab.data[i] as number;
    if (l >= numClasses)
      throw new DataError(
        `${labelsName}: label ${l} of sample ${i} is out of range [0, ${numClasses})`,
      );
    y[i] = l;
  }
  const x = allocData(options.dtype ?? 'float32', n * rows * cols);
  for (let i = 0; i < x.length; i++) x[i] = (img.data[i] as number) / 255;
  const featureShape = options.keepImageShape ? [1, rows, cols] : [rows * cols];
  return { x, featureShape, y, numClasses, length: n };
}
