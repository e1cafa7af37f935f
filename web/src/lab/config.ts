// The gradient lab's settings: schema (controls + URL), the typed configuration the worker
// trains, and how a monitor remedy rewrites it. DOM-free.
import type { RemedyAction } from './monitor-types.js';
import {
  bool,
  num,
  readValues,
  select,
  writeValues,
  type Field,
  type Values,
} from '../ui/settings.js';

/** Datasets of the lab. */
export type DatasetId =
  'spiral' | 'circles' | 'moons' | 'xor' | 'gauss' | 'mnist' | 'temporalOrder' | 'addition';

/** Architectures. */
export type ArchId = 'mlp' | 'rnn' | 'lstm' | 'gru';

/** Sequence tasks need a recurrent network. */
export function isSequence(d: string): boolean {
  return d === 'temporalOrder' || d === 'addition';
}

/** Toy 2-D sets get a decision-boundary plot. */
export function isToy2d(d: string): boolean {
  return d === 'spiral' || d === 'circles' || d === 'moons' || d === 'xor' || d === 'gauss';
}

/** Most stacked recurrent layers (each unrolls T steps; deeper stacks would crawl in a browser). */
export const MAX_RECURRENT_DEPTH = 4;

/** Every lab setting, in the order of the controls. */
export const LAB_FIELDS: readonly Field[] = [
  select(
    'data',
    'Dataset',
    [
      ['spiral', 'Spiral (3 classes, 2-D)'],
      ['circles', 'Circles (2-D)'],
      ['moons', 'Moons (2-D)'],
      ['xor', 'XOR (2-D)'],
      ['gauss', 'Gaussian blobs (2-D)'],
      ['mnist', 'MNIST digits (10,000, lazy-loaded)'],
      ['temporalOrder', 'Temporal order (sequence)'],
      ['addition', 'Adding problem (sequence)'],
    ],
    'spiral',
  ),
  num(
    'T',
    'Sequence length T',
    20,
    10,
    200,
    1,
    true,
    'Length of the sequences of the sequence tasks.',
  ),
  select(
    'arch',
    'Network',
    [
      ['mlp', 'MLP'],
      ['rnn', 'tanh RNN'],
      ['lstm', 'LSTM'],
      ['gru', 'GRU'],
    ],
    'mlp',
  ),
  num(
    'depth',
    'Depth (hidden layers)',
    4,
    1,
    20,
    1,
    true,
    `Recurrent networks stack at most ${MAX_RECURRENT_DEPTH} layers.`,
  ),
  num('width', 'Width', 32, 2, 512, 1, true),
  select(
    'act',
    'Activation',
    [
      ['relu', 'ReLU'],
      ['tanh', 'tanh'],
      ['sigmoid', 'sigmoid'],
      ['leakyRelu', 'LeakyReLU'],
      ['elu', 'ELU'],
      ['gelu', 'GELU'],
      ['softplus', 'softplus'],
      ['identity', 'identity (linear)'],
    ],
    'tanh',
  ),
  select(
    'init',
    'Weight init',
    [
      ['default', 'PyTorch default U(±1/√fanIn)'],
      ['xavierUniform', 'Xavier uniform'],
      ['xavierNormal', 'Xavier normal'],
      ['heUniform', 'He (Kaiming) uniform'],
      ['heNormal', 'He (Kaiming) normal'],
      ['lecunNormal', 'LeCun normal'],
      ['orthogonal', 'orthogonal'],
    ],
    'default',
  ),
  select(
    'rinit',
    'Recurrent init',
    [
      ['default', 'as the weights'],
      ['orthogonal', 'orthogonal'],
    ],
    'default',
  ),
  select(
    'norm',
    'Normalisation',
    [
      ['none', 'none'],
      ['layer', 'LayerNorm'],
      ['batch', 'BatchNorm'],
    ],
    'none',
  ),
  bool('residual', 'Residual connections', false),
  select(
    'opt',
    'Optimizer',
    [
      ['sgd', 'SGD'],
      ['momentum', 'SGD + momentum'],
      ['nesterov', 'SGD + Nesterov'],
      ['ema', 'EMA momentum'],
      ['adagrad', 'AdaGrad'],
      ['rmsprop', 'RMSProp'],
      ['adam', 'Adam'],
      ['adamw', 'AdamW'],
      ['lion', 'Lion'],
    ],
    'adam',
  ),
  num('lr', 'Learning rate', 0.01, 0, 10, 'any'),
  num('mom', 'Momentum / β', 0.9, 0, 0.999, 'any'),
  num('wd', 'Weight decay', 0, 0, 1, 'any'),
  select(
    'clip',
    'Gradient clipping',
    [
      ['none', 'none'],
      ['norm', 'by global norm'],
      ['value', 'by value'],
      ['agc', 'adaptive (AGC)'],
      ['zclip', 'ZClip (z-score)'],
    ],
    'none',
  ),
  num('clipv', 'Clipping threshold', 1, 1e-6, 1e6, 'any'),
  select(
    'sched',
    'Schedule',
    [
      ['constant', 'constant'],
      ['cosine', 'cosine'],
      ['warmupCosine', 'warm-up + cosine'],
      ['step', 'step decay (×0.1 at ⅓ and ⅔)'],
      ['healthAware', 'health-aware decay'],
      ['cosineWarmRestarts', 'cosine warm restarts'],
    ],
    'constant',
  ),
  bool('skipnf', 'Skip non-finite steps', false),
  num('batch', 'Batch size', 64, 1, 1024, 1, true),
  num('steps', 'Training steps', 1500, 10, 100000, 1, true),
  num('seed', 'Seed', 1, 0, 2 ** 31 - 1, 1, true),
];

/** The typed configuration the worker trains. */
export interface LabConfig {
  data: DatasetId;
  T: number;
  arch: ArchId;
  depth: number;
  width: number;
  act: string;
  init: string;
  rinit: string;
  norm: 'none' | 'layer' | 'batch';
  residual: boolean;
  opt: string;
  lr: number;
  mom: number;
  wd: number;
  clip: 'none' | 'norm' | 'value' | 'agc' | 'zclip';
  clipv: number;
  sched: string;
  skipnf: boolean;
  batch: number;
  steps: number;
  seed: number;
}

/** Values → config, making the combination consistent (sequence tasks are recurrent, images are not). */
export function toConfig(v: Values): LabConfig {
  const data = String(v['data']) as DatasetId;
  let arch = String(v['arch']) as ArchId;
  if (isSequence(data) && arch === 'mlp') arch = 'rnn';
  if (!isSequence(data) && arch !== 'mlp') arch = 'mlp';
  const depth = Number(v['depth']);
  return {
    data,
    T: Number(v['T']),
    arch,
    depth: arch === 'mlp' ? depth : Math.min(depth, MAX_RECURRENT_DEPTH),
    width: Number(v['width']),
    act: String(v['act']),
    init: String(v['init']),
    rinit: String(v['rinit']),
    norm: String(v['norm']) as LabConfig['norm'],
    residual: Boolean(v['residual']),
    opt: String(v['opt']),
    lr: Number(v['lr']),
    mom: Number(v['mom']),
    wd: Number(v['wd']),
    clip: String(v['clip']) as LabConfig['clip'],
    clipv: Number(v['clipv']),
    sched: String(v['sched']),
    skipnf: Boolean(v['skipnf']),
    batch: Number(v['batch']),
    steps: Number(v['steps']),
    seed: Number(v['seed']),
  };
}

/** Config → values (for the controls and the URL). */
export function toValues(c: LabConfig): Values {
  return { ...c };
}

/** Reads the lab from URL parameters. */
export function readLab(params: URLSearchParams): Values {
  return readValues(LAB_FIELDS, params);
}

/** Writes the lab into URL parameters. */
export function writeLab(v: Values, params: URLSearchParams): void {
  writeValues(LAB_FIELDS, v, params);
}

const INIT_NAMES = new Set([
  'xavierUniform',
  'xavierNormal',
  'heUniform',
  'heNormal',
  'lecunNormal',
  'orthogonal',
]);
const ACTS = new Set([
  'relu',
  'tanh',
  'sigmoid',
  'leakyRelu',
  'elu',
  'gelu',
  'softplus',
  'identity',
]);
const OPTS = new Set([
  'sgd',
  'momentum',
  'nesterov',
  'ema',
  'adagrad',
  'rmsprop',
  'adam',
  'adamw',
  'lion',
]);
const SCHEDS = new Set([
  'cosine',
  'warmupCosine',
  'healthAware',
  'healthAwareDecay',
  'cosineWarmRestarts',
]);

/**
 * The configuration with a monitor remedy applied, and what changed (for the UI), or null with
 * the reason when the lab cannot express it. The lab's controls are network-wide, so a remedy for
 * some layers is applied to all of them (said in `note`).
 */
export function applyRemedy(
  c: LabConfig,
  a: RemedyAction,
): { config: LabConfig; changes: string[] } | { config: null; reason: string } {
  const next: LabConfig = { ...c };
  const changes: string[] = [];
  switch (a.action) {
    case 'init':
      if (a.param === 'bias')
        return { config: null, reason: 'the lab sets bias initialisation per layer type only' };
      if (!INIT_NAMES.has(a.init))
        return { config: null, reason: `init '${a.init}' is not offered by the lab` };
      next.init = a.init;
      changes.push(`init → ${a.init}`);
      break;
    case 'activation':
      if (!ACTS.has(a.to))
        return { config: null, reason: `activation '${a.to}' is not offered by the lab` };
      next.act = a.to;
      changes.push(`activation → ${a.to}`);
      // The remedy's own advice pairs ReLU with He init and tanh with Xavier init.
      if (a.to === 'relu' && c.init === 'default') {
        next.init = 'heNormal';
        changes.push('init → heNormal');
      } else if (a.to === 'tanh' && c.init === 'default') {
        next.init = 'xavierNormal';
        changes.push('init → xavierNormal');
      }
      break;
    case 'clip':
      if (a.kind === 'spikeClip')
        return { config: null, reason: 'the lab does not offer spike clipping' };
      if (a.kind === 'zClip') {
        next.clip = 'zclip';
        next.clipv = a.zThreshold;
        changes.push(`ZClip at z ${next.clipv}`);
        break;
      }
      next.clip = 'norm';
      next.clipv =
        a.maxNorm > 0 && Number.isFinite(a.maxNorm) ? Number(a.maxNorm.toPrecision(3)) : 1;
      changes.push(`clip by global norm ${next.clipv}`);
      break;
    case 'lr':
      next.lr = Number((a.lr ?? c.lr * a.factor).toPrecision(3));
      changes.push(`lr → ${next.lr}`);
      break;
    case 'schedule': {
      const kind = a.kind === 'healthAwareDecay' ? 'healthAware' : a.kind;
      if (!SCHEDS.has(kind))
        return { config: null, reason: `schedule '${a.kind}' is not offered by the lab` };
      next.sched = kind;
      changes.push(`schedule → ${kind}`);
      break;
    }
    case 'normalization':
      if (c.arch !== 'mlp')
        return { config: null, reason: 'normalisation layers are offered for MLPs only' };
      next.norm = a.kind === 'batchNorm' ? 'batch' : 'layer';
      changes.push(`normalisation → ${a.kind}`);
      break;
    case 'architecture':
      if (a.kind === 'residual') {
        if (c.arch !== 'mlp')
          return { config: null, reason: 'residual connections are offered for MLPs only' };
        next.residual = true;
        changes.push('residual connections on');
      } else if (a.kind === 'preLN') {
        return {
          config: null,
          reason: 'Pre-LN applies to Transformers, which the lab does not offer',
        };
      } else {
        if (c.arch === 'mlp')
          return { config: null, reason: `${a.kind.toUpperCase()} cells need a sequence task` };
        next.arch = a.kind;
        changes.push(`network → ${a.kind.toUpperCase()}`);
      }
      break;
    case 'recurrentInit':
      if (c.arch === 'mlp')
        return { config: null, reason: 'recurrent init applies to recurrent networks' };
      next.rinit = 'orthogonal';
      changes.push('recurrent init → orthogonal');
      break;
    case 'optimizer':
      if (!OPTS.has(a.name))
        return { config: null, reason: `optimizer '${a.name}' is not offered by the lab` };
      next.opt = a.name;
      changes.push(`optimizer → ${a.name}`);
      if (a.options?.['lr'] !== undefined) {
        next.lr = a.options['lr'];
        changes.push(`lr → ${next.lr}`);
      }
      break;
    case 'skipNonFinite':
      next.skipnf = true;
      changes.push('skip non-finite steps');
      break;
    default:
      return {
        config: null,
        reason: 'this remedy is advice for your own code (the lab cannot apply it)',
      };
  }
  return { config: next, changes };
}
