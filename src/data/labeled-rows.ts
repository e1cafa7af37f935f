import { DataError, fmt } from '../errors.js';
import { parseCsv } from './csv.js';
import type { IdxArray } from './idx.js';
import type { NpyArray } from './npy.js';

/**
 * Samples read from a user's file before they become a Dataset: features as float64 rows, the
 * raw labels (class names or numbers, or regression targets) and where each sample came from.
 */
export interface LabeledRows {
  /** Features, row-major [rows, features]. */
  x: Float64Array;
  /** Number of samples. */
  rows: number;
  /** Features per sample (after flattening). */
  features: number;
  /** Raw labels, one per sample: strings (class names) or numbers. */
  labels: (string | number)[];
  /** Regression targets per sample (labels then unused): [rows, targetSize]. */
  targetSize: number;
  /** The feature names (CSV header) when known. */
  featureNames?: string[];
  /** Where sample i is, for error messages: "iris.csv:12" or "x.npy: sample 7". */
  where(i: number): string;
  /** Where sample i's label is: "iris.csv:12:17" or "y.npy: element 7". */
  whereLabel(i: number): string;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

/** A cell as a number, or null when it is not a number at all ('abc', ''). NaN/Inf spelled out give NaN/±Infinity. */
function cellNumber(s: string): number | null {
  const t = s.trim();
  if (NUMBER.test(t)) return Number(t);
  if (NON_FINITE.test(t)) return Number(t.replace(/inf$/i, 'Infinity').replace(/^nan$/i, 'NaN'));
  return null;
}

/** Options of {@link csvRows}. */
export interface CsvRowsOptions {
  /** The label column: a header name or a 0-based index; negative counts from the end (default -1, the last). */
  labelColumn?: string | number;
  /** Whether the first record is a header (default: detected — a header has a non-number where the second row has a number). */
  header?: boolean;
  /** Field separator (default ','). */
  delimiter?: string;
  /** Regression: the label column holds numbers (targets). */
  regression?: boolean;
}

/**
 * Reads CSV text (see {@link parseCsv}) as labeled rows: every column but the label column is a
 * feature and must be a finite number; every row must have as many fields as the first. Errors
 * are DataErrors `name:line:column: …` naming the column (by header name when there is one).
 * @example csvRows('x1,x2,y\n0.5,1,a\n', 'd.csv', { labelColumn: 'y' }).labels // ['a']
 */
export function csvRows(text: string, name: string, options: CsvRowsOptions = {}): LabeledRows {
  const records = parseCsv(text, name, options.delimiter ?? ',');
  const first = records[0];
  if (first === undefined) throw new DataError(`${name}: the file has no rows`);
  const width = first.cells.length;
  if (width < 2)
    throw new DataError(
      `${name}:${first.line}: ${width} column; expected at least 2 (features and a label)${options.delimiter === undefined && first.cells[0]?.includes(';') ? ' (is the delimiter ";"? set data.delimiter)' : ''}`,
    );
  const lc = options.labelColumn ?? -1;
  let header: boolean;
  if (options.header !== undefined) header = options.header;
  else if (typeof lc === 'string') header = true;
  else {
    const second = records[1];
    header =
      second !== undefined &&
      first.cells.some(
        (c, j) => cellNumber(c) === null && cellNumber(second.cells[j] ?? '') !== null,
      );
  }
  const names = header ? first.cells.map((c) => c.trim()) : undefined;
  let label: number;
  if (typeof lc === 'string') {
    if (names === undefined)
      throw new DataError(
        `${name}: labelColumn ${fmt(lc)} names a column, but the file has no header row (header is false); give the column's 0-based index`,
      );
    label = names.indexOf(lc);
    if (label < 0)
      throw new DataError(
        `${name}:${first.line}: no column named ${fmt(lc)} in the header; expected one of ${names.map((s) => fmt(s)).join(', ')}`,
      );
  } else {
    label = lc < 0 ? width + lc : lc;
    if (!Number.isInteger(lc) || label < 0 || label >= width)
      throw new DataError(
        `${name}: labelColumn ${lc} is out of range; the file has ${width} columns (0 to ${width - 1}, or -1 for the last)`,
      );
  }
  const colName = (j: number): string =>
    names !== undefined ? `column ${fmt(names[j])}` : `column ${j}`;
  const body = header ? records.slice(1) : records;
  const rows = body.length;
  if (rows === 0) throw new DataError(`${name}: the file has a header but no data rows`);
  const features = width - 1;
  const x = new Float64Array(rows * features);
  const labels: (string | number)[] = new Array<string | number>(rows);
  const lines = new Int32Array(rows);
  const labelCols = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const r = body[i] as (typeof body)[number];
    lines[i] = r.line;
    if (r.cells.length !== width)
      throw new DataError(
        `${name}:${r.line}: ${r.cells.length} fields, expected ${width} as in line ${first.line} (mismatched feature count)`,
      );
    let k = 0;
    for (let j = 0; j < width; j++) {
      const cell = r.cells[j] as string;
      const at = `${name}:${r.line}:${r.columns[j] as number}`;
      if (j === label) {
        labelCols[i] = r.columns[j] as number;
        if (options.regression) {
          const v = cellNumber(cell);
          if (v === null || !Number.isFinite(v))
            throw new DataError(
              `${at}: target ${fmt(cell)} in ${colName(j)} is not a finite number (regression targets must be numbers; row ${i + 1})`,
            );
          labels[i] = v;
        } else {
          const t = cell.trim();
          if (t === '') throw new DataError(`${at}: empty label in ${colName(j)} (row ${i + 1})`);
          const v = cellNumber(t);
          if (v !== null && !Number.isFinite(v))
            throw new DataError(
              `${at}: label ${fmt(cell)} in ${colName(j)}: NaN and Infinity are refused as class labels (row ${i + 1})`,
            );
          labels[i] = v !== null ? v : t;
        }
        continue;
      }
      const v = cellNumber(cell);
      if (v === null)
        throw new DataError(
          `${at}: ${cell.trim() === '' ? 'empty value' : fmt(cell)} in ${colName(j)} is not a number; expected a finite number (row ${i + 1})`,
        );
      if (!Number.isFinite(v))
        throw new DataError(
          `${at}: ${fmt(v)} in ${colName(j)}: NaN and Infinity are refused in the data (row ${i + 1}); fill or drop the row`,
        );
      x[i * features + k++] = v;
    }
  }
  return {
    x,
    rows,
    features,
    labels,
    targetSize: 1,
    ...(names !== undefined ? { featureNames: names.filter((_, j) => j !== label) } : {}),
    where: (i) => `${name}:${lines[i]}`,
    whereLabel: (i) => `${name}:${lines[i]}:${labelCols[i]}`,
  };
}

/** Options of {@link jsonlRows}. */
export interface JsonlRowsOptions {
  /** The key of the feature array (default 'features'). */
  featuresKey?: string;
  /** The key of the label (default 'label'). */
  labelKey?: string;
  /** Regression: labels are numbers or arrays of numbers. */
  regression?: boolean;
}

/**
 * Reads JSON Lines (one JSON object per line, blank lines skipped) as labeled rows: each object
 * has a flat array of finite numbers under `featuresKey` and a label (string or number; for
 * regression a number or an array of numbers) under `labelKey`. Errors are DataErrors
 * `name:line:column: …`.
 * @example jsonlRows('{"features":[1,2],"label":"a"}\n', 'd.jsonl').features // 2
 */
export function jsonlRows(text: string, name: string, options: JsonlRowsOptions = {}): LabeledRows {
  const fk = options.featuresKey ?? 'features';
  const lk = options.labelKey ?? 'label';
  const lines = text.split('\n');
  const x: number[] = [];
  const labels: (string | number)[] = [];
  const targets: number[] = [];
  const at: number[] = [];
  let features = -1;
  let targetSize = -1;
  let firstLine = 0;
  for (let l = 0; l < lines.length; l++) {
    const raw = (lines[l] as string).replace(/\r$/, '');
    if (raw.trim() === '') continue;
    const ln = l + 1;
    let o: unknown;
    try {
      o = JSON.parse(raw);
    } catch (e) {
      const m = /position (\d+)/.exec((e as Error).message);
      throw new DataError(
        `${name}:${ln}${m ? `:${Number(m[1]) + 1}` : ''}: invalid JSON (${(e as Error).message.split('\n')[0]})`,
      );
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o))
      throw new DataError(
        `${name}:${ln}: expected a JSON object {"${fk}": [...], "${lk}": ...}, got ${fmt(o).slice(0, 60)}`,
      );
    const rec = o as Record<string, unknown>;
    const f = rec[fk];
    if (!Array.isArray(f))
      throw new DataError(
        `${name}:${ln}: "${fk}" is ${f === undefined ? 'missing' : fmt(f).slice(0, 60)}; expected an array of numbers (data.featuresKey names the key)`,
      );
    if (features < 0) {
      features = f.length;
      firstLine = ln;
      if (features === 0) throw new DataError(`${name}:${ln}: "${fk}" is empty`);
    } else if (f.length !== features)
      throw new DataError(
        `${name}:${ln}: "${fk}" has ${f.length} values, expected ${features} as in line ${firstLine} (mismatched feature count)`,
      );
    f.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new DataError(
          `${name}:${ln}: "${fk}"[${j}] = ${fmt(v)} is not a finite number; expected a finite number (NaN and Infinity are refused)`,
        );
      x.push(v);
    });
    const lab = rec[lk];
    if (lab === undefined)
      throw new DataError(`${name}:${ln}: "${lk}" is missing (data.labelColumn names the key)`);
    if (options.regression) {
      const t = Array.isArray(lab) ? lab : [lab];
      if (targetSize < 0) targetSize = t.length;
      if (t.length !== targetSize || t.length === 0)
        throw new DataError(
          `${name}:${ln}: "${lk}" has ${t.length} values, expected ${targetSize} as in line ${firstLine}`,
        );
      for (const v of t) {
        if (typeof v !== 'number' || !Number.isFinite(v))
          throw new DataError(
            `${name}:${ln}: "${lk}" = ${fmt(lab)} is not a finite number; regression targets must be finite numbers`,
          );
        targets.push(v);
      }
    } else if (typeof lab === 'string' || typeof lab === 'number') {
      labels.push(typeof lab === 'string' ? lab.trim() : lab);
    } else
      throw new DataError(
        `${name}:${ln}: "${lk}" = ${fmt(lab).slice(0, 60)} is not a class label; expected a string or a number`,
      );
    at.push(ln);
  }
  if (at.length === 0) throw new DataError(`${name}: the file has no records`);
  const rows = at.length;
  return {
    x: Float64Array.from(x),
    rows,
    features,
    labels: options.regression ? targets : labels,
    targetSize: options.regression ? targetSize : 1,
    where: (i) => `${name}:${at[i]}`,
    whereLabel: (i) => `${name}:${at[i]}`,
  };
}

/**
 * Labeled rows from two arrays (IDX or .npy): features [N, ...] (flattened to [N, prod(rest)])
 * and labels [N] (classes: integers; regression: [N] or [N, k] numbers). The counts must agree
 * and every feature must be finite (a NaN names its sample and position).
 * @example arrayRows(parseNpy(xBytes, 'x.npy'), 'x.npy', parseNpy(yBytes, 'y.npy'), 'y.npy')
 */
export function arrayRows(
  features: NpyArray | IdxArray,
  featuresName: string,
  labels: NpyArray | IdxArray,
  labelsName: string,
  regression = false,
): LabeledRows {
  const fs = 'shape' in features ? features.shape : features.dims;
  const ls = 'shape' in labels ? labels.shape : labels.dims;
  if (fs.length < 1 || fs[0] === undefined)
    throw new DataError(
      `${featuresName}: a scalar array; expected features [samples, ...] (at least 1 dimension)`,
    );
  const rows = fs[0];
  const per = fs.length === 1 ? 1 : fs.slice(1).reduce((a, b) => a * b, 1);
  if (rows === 0 || per === 0)
    throw new DataError(`${featuresName}: shape [${fs.join(', ')}] holds no samples`);
  if (ls[0] !== rows)
    throw new DataError(
      `${labelsName} has ${ls[0] ?? 'no'} labels (shape [${ls.join(', ')}]) for the ${rows} samples of ${featuresName} (shape [${fs.join(', ')}])`,
    );
  const targetSize = ls.length <= 1 ? 1 : ls.slice(1).reduce((a, b) => a * b, 1);
  if (!regression && ls.length !== 1)
    throw new DataError(
      `${labelsName}: shape [${ls.join(', ')}]; class labels must be a vector [${rows}] (or set data.task = "regression" for targets)`,
    );
  const x = new Float64Array(rows * per);
  for (let i = 0; i < x.length; i++) {
    const v = features.data[i] as number;
    if (!Number.isFinite(v))
      throw new DataError(
        `${featuresName}: sample ${Math.floor(i / per)} has ${fmt(v)} at feature ${i % per}: NaN and Infinity are refused in the data`,
      );
    x[i] = v;
  }
  const out: number[] = Array.from(labels.data as ArrayLike<number>);
  out.forEach((v, i) => {
    if (!Number.isFinite(v))
      throw new DataError(
        `${labelsName}: ${regression ? 'target' : 'label'} of sample ${Math.floor(i / targetSize)} is ${fmt(v)}; expected a finite number`,
      );
  });
  return {
    x,
    rows,
    features: per,
    labels: out,
    targetSize: regression ? targetSize : 1,
    where: (i) => `${featuresName}: sample ${i}`,
    whereLabel: (i) => `${labelsName}: element ${i}`,
  };
}
