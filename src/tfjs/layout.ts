import type { LayersModel, Tensor as TfTensor } from '@tensorflow/tfjs';
import { ConfigError, fmt } from '../errors.js';
import type { ActivationKind } from '../monitor/activation-probe.js';
import type { RecordDtype } from '../monitor/records.js';

/** A TF.js layer as the adapter reads it (the public parts of tf.layers.Layer it uses). */
export type TfLayer = LayersModel['layers'][number];

/** One trainable weight of a TF.js model, named for the records. */
export interface TfParam {
  /** The record's name: `<layer name>.<weight name>` ("dense_Dense1.kernel"), so its layer is the TF.js layer. */
  name: string;
  /** The TF.js variable's name ("dense_Dense1/kernel"), the key of its gradient. */
  tfName: string;
  shape: number[];
  dtype: RecordDtype;
  /** Its current value. */
  read(): TfTensor;
}

/** One activation to probe: the layer whose output it is. */
export interface TfProbe {
  /** The layer whose output is the activation's (a Dense layer with `activation: 'sigmoid'`, an Activation or ReLU layer). */
  layer: TfLayer;
  kind: ActivationKind;
  /** The parameter layer feeding it (the layer itself when it has weights). */
  paramLayer: string;
}

/** What the records need to know about a TF.js model. */
export interface TfLayout {
  params: TfParam[];
  probes: TfProbe[];
  /** "Sequential: dense 784→64 sigmoid, …, dense 64→10 softmax". */
  summary: string;
}

const KINDS: Record<string, ActivationKind> = { relu: 'relu', tanh: 'tanh', sigmoid: 'sigmoid' };

/** The activation a layer applies to its output, if the monitor understands it. */
function activationOf(layer: TfLayer): ActivationKind | null {
  const cls = layer.getClassName();
  if (cls === 'ReLU') return 'relu';
  const act = (layer.getConfig() as { activation?: unknown }).activation;
  return typeof act === 'string' ? (KINDS[act] ?? null) : null;
}

/**
 * The parameters (in `model.layers` order, input to output) and activation probes of a TF.js
 * model. A weight's record name is its layer's name and the weight's own name joined by a dot
 * ("dense_Dense1.kernel", "dense_Dense1.bias"), so that the format's layer rule (the name up to
 * the last dot, docs/records.md) groups them by TF.js layer.
 * @example tfLayout(model).params.map((p) => p.name) // ['dense_Dense1.kernel', 'dense_Dense1.bias', …]
 */
export function tfLayout(model: LayersModel): TfLayout {
  if (model === null || typeof model !== 'object' || !Array.isArray(model.layers))
    throw new ConfigError(`gradscope/tfjs: model = ${fmt(model)} is not a tf.LayersModel`);
  const params: TfParam[] = [];
  const probes: TfProbe[] = [];
  const parts: string[] = [];
  let lastParamLayer = '';
  for (const layer of model.layers) {
    const weights = layer.trainableWeights;
    for (const w of weights) {
      const short = w.originalName.split('/').pop() ?? w.originalName;
      params.push({
        name: `${layer.name}.${short}`,
        tfName: w.name,
        shape: [...w.shape] as number[],
        dtype: w.dtype === 'float32' ? 'float32' : 'float64',
        read: () => w.read(),
      });
    }
    if (weights.length > 0) lastParamLayer = layer.name;
    const kind = activationOf(layer);
    if (kind !== null)
      probes.push({ layer, kind, paramLayer: weights.length > 0 ? layer.name : lastParamLayer });
    const cfg = layer.getConfig() as { units?: unknown; activation?: unknown };
    parts.push(
      `${layer.getClassName().toLowerCase()}${typeof cfg.units === 'number' ? ` ${cfg.units}` : ''}${typeof cfg.activation === 'string' && cfg.activation !== 'linear' ? ` ${cfg.activation}` : ''}`,
    );
  }
  if (params.length === 0)
    throw new ConfigError(
      'gradscope/tfjs: the model has no trainable weights yet (build it first: give the first layer an inputShape, or call model.build)',
    );
  const names = new Set<string>();
  for (const p of params) {
    if (names.has(p.name))
      throw new ConfigError(
        `gradscope/tfjs: two weights are named ${fmt(p.name)}; expected unique layer and weight names`,
      );
    names.add(p.name);
  }
  return { params, probes, summary: `${model.getClassName()}: ${parts.join(', ')}` };
}
