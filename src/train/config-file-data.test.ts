import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { createDataset } from '../data/dataset.js';
import { parseTrainConfig, taskOf, type DataConfig } from './config.js';
import { buildTrainRun, type DataFileLoader } from './config-build.js';
import { resolveConfigPaths } from './config-paths.js';

const base = {
  model: { name: 'mlp', hidden: [8] },
  optimizer: { name: 'adam', lr: 0.01 },
  train: { epochs: 1 },
};
const parse = (data: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown =>
  parseTrainConfig({ ...base, ...extra, data: { name: 'file', ...data } });

describe('data "file" in a train config', () => {
  it('accepts each format (given or inferred from the extension)', () => {
    expect(() => parse({ path: 'iris.csv', labelColumn: 'species' })).not.toThrow();
    expect(() => parse({ path: 'x.npy', labels: 'y.npy' })).not.toThrow();
    expect(() => parse({ path: 'train-images-idx3-ubyte.gz', labels: 'l.gz' })).not.toThrow();
    expect(() => parse({ path: 'd.jsonl', featuresKey: 'x', labelColumn: 'y' })).not.toThrow();
    expect(() => parse({ path: 'data.txt', format: 'csv', delimiter: ';' })).not.toThrow();
  });
  it('refuses with one line naming the field, the value and what was expected', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /^data\.path is missing \(required by data "file"\); expected a string$/],
      [{ path: '' }, /^data\.path = "" is invalid; expected a file path$/],
      [{ path: 'x.dat' }, /^data\.format is missing \(data\.path = "x\.dat" does not tell it/],
      [
        { path: 'x.csv', format: 'xlsx' },
        /^data\.format = "xlsx" is invalid; expected one of "csv", "idx", "npy", "jsonl"$/,
      ],
      [{ path: 'x.npy' }, /^data\.labels is missing \(required by the npy format\)/],
      [
        { path: 'x.npy', labels: 'y.npy', header: true },
        /^data\.header is for the csv format; data\.path = "x\.npy" is npy$/,
      ],
      [{ path: 'x.csv', labels: 'y.csv' }, /^data\.labels is for the idx and npy formats/],
      [
        { path: 'x.csv', testPath: 't.csv', testFraction: 0.1 },
        /give either testPath .* or testFraction/,
      ],
      [
        { path: 'x.csv', testFraction: 1 },
        /^data\.testFraction = 1 is invalid; expected a number in \[0, 1\)$/,
      ],
      [
        { path: 'x.csv', delimiter: ';;' },
        /^data\.delimiter = ";;" is invalid; expected one character/,
      ],
      [
        { path: 'x.csv', labelColumn: 1.5 },
        /^data\.labelColumn = 1\.5 is invalid; expected a column name or a 0-based column index/,
      ],
      [
        { path: 'x.jsonl', labelColumn: 2 },
        /^data\.labelColumn = 2 is invalid; expected the key of the label/,
      ],
      [
        { path: 'x.csv', classes: ['a', 'a'] },
        /^data\.classes\[1\] = "a" is invalid; expected a label not listed before/,
      ],
      [
        { path: 'x.csv', normalize: 'zscore' },
        /^data\.normalize = "zscore" is invalid; expected one of "none", "standard", "minmax", "maxAbs"/,
      ],
      [
        { path: 'x.csv', labelColum: 'y' },
        /^data\.labelColum is not a key of data "file" \(did you mean "labelColumn"\?\)/,
      ],
    ];
    for (const [data, re] of cases) {
      let msg = '';
      try {
        parse(data);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        msg = (e as Error).message;
      }
      expect(msg, JSON.stringify(data)).toMatch(re);
      expect(msg).not.toContain('\n');
    }
  });
  it('checks the model and the loss against what can be known before reading', () => {
    expect(() =>
      parseTrainConfig({
        ...base,
        model: { name: 'cnn', channels: [4] },
        data: { name: 'file', path: 'x.csv' },
      }),
    ).toThrow(/model\.name = "cnn" needs images/);
    expect(() => parse({ path: 'x.csv', task: 'regression' }, { loss: 'crossEntropy' })).toThrow(
      /loss = "crossEntropy" needs class labels, but data\.name = "file" is a regression task/,
    );
    expect(() =>
      parse(
        { path: 'x.csv', testFraction: 0 },
        { train: { epochs: 1, earlyStopping: { monitor: 'val.loss' } } },
      ),
    ).toThrow(/there is no test set/);
  });
  it('taskOf knows the sizes once the file is read', () => {
    const d = { name: 'file', path: 'x.csv' } as DataConfig;
    expect(taskOf(d)).toMatchObject({ kind: 'classification', inputShape: [], outputSize: 0 });
    expect(taskOf(d, { features: 4, classes: ['a', 'b', 'c'], outputSize: 3 })).toMatchObject({
      inputShape: [4],
      numClasses: 3,
      outputSize: 3,
    });
  });
  it('buildTrainRun reads through the injected loader and checks model.sizes against the file', async () => {
    const loader: DataFileLoader = async () => ({
      train: createDataset(new Float32Array([0, 1, 1, 0, 1, 1]), new Int32Array([0, 1, 1]), {
        featureShape: [2],
        numClasses: 2,
      }),
      test: null,
      features: 2,
      classes: ['a', 'b'],
      outputSize: 2,
    });
    const cfg = parse({ path: 'x.csv' }) as Parameters<typeof buildTrainRun>[0];
    const run = await buildTrainRun(cfg, { loadDataFiles: loader });
    expect(run.description).toMatch(/^mlp 2-8-2 \(relu\) on x\.csv \(3 train\)/);
    const sized = { ...cfg, model: { name: 'mlp' as const, sizes: [3, 8, 2] } };
    await expect(buildTrainRun(sized, { loadDataFiles: loader })).rejects.toThrow(
      /model\.sizes\[0\] = 3 does not match the data: data\.name = "file" has 2 input features/,
    );
  });
  it('resolveConfigPaths maps the data paths only', () => {
    const json = { model: {}, data: { name: 'file', path: 'a.npy', labels: 'b.npy', seed: 1 } };
    expect(resolveConfigPaths(json, (p) => `/cfg/${p}`)).toEqual({
      model: {},
      data: { name: 'file', path: '/cfg/a.npy', labels: '/cfg/b.npy', seed: 1 },
    });
    expect(resolveConfigPaths({ data: { name: 'spiral' } }, () => 'x')).toEqual({
      data: { name: 'spiral' },
    });
    expect(resolveConfigPaths(null, () => 'x')).toBeNull();
  });
});
