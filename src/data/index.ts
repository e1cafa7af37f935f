export { createDataset, validateDataset } from './dataset.js';
export type { Dataset, CreateDatasetOptions, ValidationReport } from './dataset.js';
export { DataLoader } from './data-loader.js';
export type { Batch, DataLoaderOptions, DataLoaderState } from './data-loader.js';
export type { SequenceBatch, SequenceMeta, SequenceOptions } from './sequence-task.js';
export { temporalOrder, temporalOrder3Bit } from './temporal-order.js';
export { addition, multiplication } from './addition.js';
export type { ArithmeticTaskOptions } from './addition.js';
export { randomPermutation } from './permutation-task.js';
export { noiselessMemorization } from './memorization.js';
export type { MemorizationOptions } from './memorization.js';
export { gaussianMixture, MIXTURE_PRESETS } from './gaussian-mixture.js';
export type { GaussianMixtureDataset, GaussianMixtureOptions } from './gaussian-mixture.js';
export { spiral, circles, moons, xor, gauss, toy2d } from './toy-2d.js';
export type { Toy2dDataset, Toy2dName, Toy2dOptions } from './toy-2d.js';
export { loadMnist, mnistSplitFromDigits } from './mnist.js';
export type { MnistOptions, MnistSplit } from './mnist.js';
export { parseIdx, encodeIdx, mnistFromIdx, isGzip } from './idx.js';
export type { IdxArray, IdxType, MnistIdxOptions } from './idx.js';
// Your own data: the formats' parsers (pure) and the labeled rows → datasets step.
export { parseNpy, npyHeader, encodeNpy } from './npy.js';
export type { NpyArray, NpyData, NpyDType, NpyHeader } from './npy.js';
export { parseCsv } from './csv.js';
export type { CsvRecord } from './csv.js';
export { csvRows, jsonlRows, arrayRows } from './labeled-rows.js';
export type { LabeledRows, CsvRowsOptions, JsonlRowsOptions } from './labeled-rows.js';
export { fileDatasets } from './file-dataset.js';
export type { FileDatasets, FileDatasetOptions, FeatureNormalization } from './file-dataset.js';
export { dataFileFormat, DATA_FILE_FORMATS } from './data-file.js';
export type { DataFileFormat, DataFileSource } from './data-file.js';
// Node-only file loaders (readIdxFile, loadMnistIdx, loadMnistDir, readMaybeGzip) live in
// idx-node.ts and are exported from the package's Node entry point, not from here; so is
// loadDataFiles (file-data-node.ts), the reader of a train config's data files.
export {
  charVocabulary,
  charCorpus,
  sampleWindows,
  evalWindows,
  loadFirstNames,
  unigramLoss,
} from './char-text.js';
export type { CharVocab, CharCorpus, CharCorpusOptions, TokenBatch } from './char-text.js';
