/** The file formats of a user's data. */
export type DataFileFormat = 'csv' | 'idx' | 'npy' | 'jsonl';

/** The file formats, in the order the docs list them. */
export const DATA_FILE_FORMATS: readonly DataFileFormat[] = ['csv', 'idx', 'npy', 'jsonl'];

/** Where a user's data is and how to read it (the `data` section of a train config with name "file"). */
export interface DataFileSource {
  /** The features file (CSV and JSONL: features and labels). */
  path: string;
  /** The format (default: from the extension: .csv/.tsv, .npy, .jsonl/.ndjson, -ubyte/.idx[.gz]). */
  format?: DataFileFormat;
  /** IDX / .npy: the labels file. */
  labels?: string;
  /** CSV: the label column (header name or 0-based index, default the last); JSONL: the label's key (default "label"). */
  labelColumn?: string | number;
  /** JSONL: the key of the feature array (default "features"). */
  featuresKey?: string;
  /** CSV: whether the first row is a header (default: detected). */
  header?: boolean;
  /** CSV: the field separator (default ',', or a tab for .tsv). */
  delimiter?: string;
  /** A separate test file in the same format (instead of testFraction). */
  testPath?: string;
  /** IDX / .npy: the test labels file (with testPath). */
  testLabels?: string;
}

/**
 * The format of a data file from its name: .csv/.tsv → csv, .npy → npy, .jsonl/.ndjson → jsonl,
 * -ubyte/.idx/.idxN (each optionally .gz) → idx; null when the name does not tell.
 * @example dataFileFormat('train-images-idx3-ubyte.gz') // 'idx'
 */
export function dataFileFormat(path: string): DataFileFormat | null {
  const p = path.toLowerCase().replace(/\.gz$/, '');
  if (/\.(csv|tsv)$/.test(p)) return 'csv';
  if (p.endsWith('.npy')) return 'npy';
  if (/\.(jsonl|ndjson)$/.test(p)) return 'jsonl';
  if (/(-ubyte|\.idx\d?)$/.test(p)) return 'idx';
  return null;
}
