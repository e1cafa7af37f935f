// The registry of clipping rules: for each name (as configs, the CLI and the playground spell
// it) its options with types and ranges (FieldSpec) and how to build it from an options object.
// Adding a clipping rule: its file, its test, one entry here.
// Each rule's fields are declared once, in its own file (BY_GLOBAL_NORM_FIELDS, …): the factory
// checks its arguments against them and this table hands them to the config parser.
import type { FieldSpecs } from '../optim/field-spec.js';
import { optionsWithout as opts } from '../optim/option-fields.js';
import type { GradientTransformation } from '../optim/types.js';
import { AGC_FIELDS, agc } from './agc.js';
import { AUTO_CLIP_FIELDS, autoClip } from './auto-clip.js';
import { BY_BLOCK_RMS_FIELDS, byBlockRms } from './by-block-rms.js';
import { BY_GLOBAL_NORM_FIELDS, byGlobalNorm } from './by-global-norm.js';
import { BY_NORM_FIELDS, byNorm } from './by-norm.js';
import { BY_VALUE_FIELDS, byValue } from './by-value.js';
import { SPIKE_CLIP_FIELDS, spikeClip } from './spike-clip.js';
import { Z_CLIP_FIELDS, zClip } from './z-clip.js';

type Tx = GradientTransformation<unknown>;
type JsonObject = Record<string, unknown>;

/** A clipping transformation: its fields and builder. */
export interface ClipSpec {
  fields: FieldSpecs;
  build(o: JsonObject): Tx;
}

/** The clipping transformations of `clip`, by config name. */
export const CLIP_REGISTRY = {
  byValue: { fields: BY_VALUE_FIELDS, build: (o) => byValue(o['clipValue'] as number) },
  byNorm: { fields: BY_NORM_FIELDS, build: (o) => byNorm(o['maxNorm'] as number) },
  byGlobalNorm: {
    fields: BY_GLOBAL_NORM_FIELDS,
    build: (o) => byGlobalNorm(o['maxNorm'] as number, opts(o, ['maxNorm'])),
  },
  byBlockRms: {
    fields: BY_BLOCK_RMS_FIELDS,
    build: (o) => byBlockRms(o['threshold'] as number),
  },
  agc: {
    fields: AGC_FIELDS,
    build: (o) => agc((o['clipping'] as number | undefined) ?? 0.01, opts(o, ['clipping'])),
  },
  autoClip: { fields: AUTO_CLIP_FIELDS, build: (o) => autoClip(opts(o)) },
  zClip: { fields: Z_CLIP_FIELDS, build: (o) => zClip(opts(o)) },
  spikeClip: { fields: SPIKE_CLIP_FIELDS, build: (o) => spikeClip(opts(o)) },
} as const satisfies Readonly<Record<string, ClipSpec>>;

/** The name of a registered clipping rule. */
export type ClipName = keyof typeof CLIP_REGISTRY;
