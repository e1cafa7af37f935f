// Node-only: reads a user's data files. The parsing is in csv.ts, npy.ts, idx.ts, labeled-rows.ts
// and file-dataset.ts (pure, browser-safe).
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { BudgetError, ConfigError, DataError, fmt } from '../errors.js';
import { fileDatasets, type FileDatasetOptions, type FileDatasets } from './file-dataset.js';
import { parseIdx } from './idx.js';
import { readMaybeGzip } from './idx-node.js';
import { arrayRows, csvRows, jsonlRows, type LabeledRows } from './labeled-rows.js';
import { npyHeader, parseNpy } from './npy.js';
import {
  DATA_FILE_FORMATS,
  dataFileFormat,
  type DataFileFormat,
  type DataFileSource,
} from './data-file.js';

/** Options of {@link loadDataFiles}. */
export interface LoadDataFilesOptions extends FileDatasetOptions {
  /** Largest memory the data may take, in bytes (default 4 GiB, the train budget); larger files are refused before they are read. */
  maxBytes?: number;
  /** The config path of the section, for messages (default 'data'). */
  section?: string;
}

/** CSV and JSONL are read as one string; V8 strings stop at about 512 MiB. */
const MAX_TEXT_BYTES = 512 * 2 ** 20;

function human(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${bytes} B`;
}

/** Size of a file, refused when over the limit, before anything is read. */
function statChecked(path: string, key: string, limit: number, why: string): number {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (e) {
    throw new ConfigError(`${key} = ${fmt(path)}: cannot read the file (${(e as Error).message})`);
  }
  if (size > limit) throw new BudgetError(`${key} = ${fmt(path)} is ${human(size)}, over ${why}`);
  return size;
}

function readText(path: string, key: string, maxBytes: number): string {
  statChecked(
    path,
    key,
    Math.min(maxBytes, MAX_TEXT_BYTES),
    maxBytes < MAX_TEXT_BYTES
      ? `the memory budget of ${human(maxBytes)} (raise it with --max-memory)`
      : `the ${human(MAX_TEXT_BYTES)} a CSV/JSONL file may have (convert it to .npy)`,
  );
  return readFileSync(path, 'utf8');
}

/** Reads a .npy file, its header first: a declared size over the budget is refused before the data is read. */
function readNpy(path: string, key: string, maxBytes: number): ReturnType<typeof parseNpy> {
  const size = statChecked(path, key, Number.MAX_SAFE_INTEGER, '');
  const fd = openSync(path, 'r');
  let head: Uint8Array;
  try {
    const buf = new Uint8Array(Math.min(size, 65536));
    const n = readSync(fd, buf, 0, buf.length, 0);
    head = buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
  const h = npyHeader(head, path);
  const elements = (h.totalBytes - h.dataOffset) / h.itemSize;
  // Read as float64 rows, then copied into the dataset: about 16 bytes per element.
  if (elements * 16 > maxBytes)
    throw new BudgetError(
      `${key} = ${fmt(path)} declares shape (${h.shape.join(', ')}) = ${elements} elements (${human(elements * 16)} once loaded), over the memory budget of ${human(maxBytes)} (raise it with --max-memory)`,
    );
  if (size !== h.totalBytes)
    throw new DataError(
      `${path}: shape (${h.shape.join(', ')}) of ${h.dtype} needs ${h.totalBytes} bytes, the file has ${size} (${size < h.totalBytes ? 'truncated' : 'trailing bytes'})`,
    );
  const raw = readFileSync(path);
  return parseNpy(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength), path);
}

async function readArray(
  path: string,
  key: string,
  format: 'idx' | 'npy',
  maxBytes: number,
): Promise<ReturnType<typeof parseNpy> | ReturnType<typeof parseIdx>> {
  if (format === 'npy') return readNpy(path, key, maxBytes);
  statChecked(path, key, Number.MAX_SAFE_INTEGER, '');
  try {
    // Gunzipped with its output bounded by the size the IDX header declares.
    return parseIdx(await readMaybeGzip(path, { maxBytes: Math.floor(maxBytes / 8) }), path);
  } catch (e) {
    if (e instanceof DataError && /over the limit/.test(e.message))
      throw new BudgetError(
        `${key} = ${fmt(path)}: ${e.message.replace(`${path}: `, '')} (an eighth of the memory budget of ${human(maxBytes)}; raise it with --max-memory)`,
      );
    throw e;
  }
}

async function readRows(
  src: DataFileSource,
  which: 'train' | 'test',
  format: DataFileFormat,
  regression: boolean,
  section: string,
  maxBytes: number,
): Promise<LabeledRows> {
  const path = which === 'train' ? src.path : (src.testPath as string);
  const key = `${section}.${which === 'train' ? 'path' : 'testPath'}`;
  if (format === 'csv') {
    const tsv = /\.tsv$/i.test(path);
    return csvRows(readText(path, key, maxBytes), path, {
      regression,
      ...(src.labelColumn !== undefined ? { labelColumn: src.labelColumn } : {}),
      ...(src.header !== undefined ? { header: src.header } : {}),
      ...(src.delimiter !== undefined
        ? { delimiter: src.delimiter }
        : tsv
          ? { delimiter: '\t' }
          : {}),
    });
  }
  if (format === 'jsonl')
    return jsonlRows(readText(path, key, maxBytes), path, {
      regression,
      ...(typeof src.labelColumn === 'string' ? { labelKey: src.labelColumn } : {}),
      ...(src.featuresKey !== undefined ? { featuresKey: src.featuresKey } : {}),
    });
  const labelsPath = which === 'train' ? src.labels : src.testLabels;
  const labelsKey = `${section}.${which === 'train' ? 'labels' : 'testLabels'}`;
  if (labelsPath === undefined)
    throw new ConfigError(
      `${labelsKey} is missing; expected the ${format === 'npy' ? '.npy' : 'IDX'} file of the labels (one per sample of ${key} = ${fmt(path)})`,
    );
  const x = await readArray(path, key, format, maxBytes);
  const y = await readArray(labelsPath, labelsKey, format, maxBytes);
  return arrayRows(x, path, y, labelsPath, regression);
}

/**
 * Reads a user's data files (Node only) as training and test datasets: CSV, IDX (gzipped or
 * not), NumPy .npy or JSON Lines (see {@link DataFileSource}), with sizes checked against
 * `maxBytes` before anything is read, then {@link fileDatasets} for the labels, the split and
 * the normalization. Paths are used as given (the CLI resolves them against the config's folder).
 * Errors: ConfigError for a missing or unreadable file, BudgetError for a file too large, DataError
 * `file:line:column: …` for bad content.
 * @example const { train, test, classes } = await loadDataFiles({ path: 'iris.csv', labelColumn: 'species' }, { normalize: 'standard' });
 */
export async function loadDataFiles(
  src: DataFileSource,
  options: LoadDataFilesOptions = {},
): Promise<FileDatasets> {
  const section = options.section ?? 'data';
  const maxBytes = options.maxBytes ?? 4 * 2 ** 30;
  const format = src.format ?? dataFileFormat(src.path);
  if (format === null)
    throw new ConfigError(
      `${section}.format is missing and ${section}.path = ${fmt(src.path)} does not tell it; expected one of ${DATA_FILE_FORMATS.map((f) => fmt(f)).join(', ')}, or a file ending in .csv, .tsv, .npy, .jsonl, .ndjson, -ubyte or .idx (optionally .gz)`,
    );
  const regression = options.task === 'regression';
  const train = await readRows(src, 'train', format, regression, section, maxBytes);
  const test =
    src.testPath === undefined
      ? null
      : await readRows(src, 'test', format, regression, section, maxBytes);
  return fileDatasets(train, test, options);
}
