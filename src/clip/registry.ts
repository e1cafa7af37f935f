// The registry of clipping rules: for each name (as configs, the CLI and the playground spell
// it) its options with types and ranges (FieldSpec) and how to build it from an options object.
// Adding a clipping rule: its file, its test, one entry here.
import type { FieldSpecs } from '../optim/field-spec.js';
import {
  BETA,
  BOOL,
  INT1,
  NONNEG,
  POS,
  optionsWithout as opts,
  req,
} from '../optim/option-fields.js';
import type { GradientTransformation } from '../optim/types.js';
import { agc } from './agc.js';
import { autoClip } from './auto-clip.js';
import { byBlockRms } from './by-block-rms.js';
import { byGlobalNorm } from './by-global-norm.js';
import { byNorm } from './by-norm.js';
import { byValue } from './by-value.js';
import { spikeClip } from './spike-clip.js';
import { zClip } from './z-clip.js';

type Tx = GradientTransformation<unknown>;
type JsonObject = Record<string, unknown>;

/** A clipping transformation: its fields and builder. */
export interface ClipSpec {
  fields: FieldSpecs;
  build(o: JsonObject): Tx;
}

/** The clipping transformations of `clip`, by config name. */
export const CLIP_REGISTRY = {
  byValue: { fields: { clipValue: req(POS) }, build: (o) => byValue(o['clipValue'] as number) },
  byNorm: { fields: { maxNorm: req(POS) }, build: (o) => byNorm(o['maxNorm'] as number) },
  byGlobalNorm: {
    fields: {
      maxNorm: req(POS),
      normType: {
        type: 'numberOrEnum',
        item: { type: 'number', min: 0, minExclusive: true },
        values: ['inf'],
      },
      errorIfNonfinite: BOOL,
    },
    build: (o) => byGlobalNorm(o['maxNorm'] as number, opts(o, ['maxNorm'])),
  },
  byBlockRms: {
    fields: { threshold: req(POS) },
    build: (o) => byBlockRms(o['threshold'] as number),
  },
  agc: {
    fields: { clipping: POS, eps: NONNEG },
    build: (o) => agc((o['clipping'] as number | undefined) ?? 0.01, opts(o, ['clipping'])),
  },
  autoClip: {
    fields: { percentile: { type: 'number', min: 0, max: 100 }, historySize: INT1 },
    build: (o) => autoClip(opts(o)),
  },
  zClip: {
    fields: {
      alpha: BETA,
      zThreshold: POS,
      warmupSteps: INT1,
      mode: { type: 'enum', values: ['zscore', 'percentile'] },
      clipOption: { type: 'enum', values: ['adaptiveScaling', 'mean'] },
      clipFactor: POS,
      eps: NONNEG,
      maxGradNorm: POS,
      skipUpdateOnSpike: BOOL,
    },
    build: (o) => zClip(opts(o)),
  },
  spikeClip: {
    fields: { threshold: POS, decay: BETA, startStep: INT1 },
    build: (o) => spikeClip(opts(o)),
  },
} as const satisfies Readonly<Record<string, ClipSpec>>;

/** The name of a registered clipping rule. */
export type ClipName = keyof typeof CLIP_REGISTRY;
