/**
 * How parameter names map to layers, in depth order. A layer is the module that owns the
 * parameters ("0.weight", "0.bias" -> layer "0"); a stacked recurrent module's per-layer
 * parameters ("rnn.weightIh_l1") form one layer per stack level ("rnn.l1"), because the depths
 * differ and gradients vanish or explode between them.
 */
export interface LayerLayout {
  /** Parameter names in arena (depth) order. */
  readonly paramNames: readonly string[];
  /** Layer names in depth order (order of first appearance in `paramNames`). */
  readonly layerNames: readonly string[];
  /** The module path owning each layer's parameters ("rnn" for "rnn.l1", "" for top-level parameters). */
  readonly layerModules: readonly string[];
  /** Layer index of each parameter. */
  readonly paramLayer: Int32Array;
}

const STACK_SUFFIX = /^(.*)_l(\d+)$/;

/**
 * The layer a parameter belongs to: its name without the last dotted segment, with a recurrent
 * stack level `_l{k}` kept as ".l{k}"; a name without a dot is its own layer.
 *
 * layerOf("0.weight") = "0";  layerOf("rnn.weightHh_l1") = "rnn.l1";  layerOf("w") = "w"
 * @example layerOf('1.fn.0.bias') // '1.fn.0'
 */
export function layerOf(paramName: string): string {
  const dot = paramName.lastIndexOf('.');
  if (dot < 0) return paramName;
  const prefix = paramName.slice(0, dot);
  const leaf = paramName.slice(dot + 1);
  const m = STACK_SUFFIX.exec(leaf);
  return m ? `${prefix}.l${m[2] as string}` : prefix;
}

/**
 * The module path owning a parameter (the name without its last segment; "" at top level).
 * @example moduleOf('rnn.weightHh_l0') // 'rnn'
 */
export function moduleOf(paramName: string): string {
  const dot = paramName.lastIndexOf('.');
  return dot < 0 ? '' : paramName.slice(0, dot);
}

/**
 * Groups parameter names (in arena order) into layers ordered by depth.
 * @example layoutOf(['0.weight', '0.bias', '2.weight']).layerNames // ['0', '2']
 */
export function layoutOf(paramNames: readonly string[]): LayerLayout {
  const layerNames: string[] = [];
  const layerModules: string[] = [];
  const index = new Map<string, number>();
  const paramLayer = new Int32Array(paramNames.length);
  paramNames.forEach((name, i) => {
    const layer = layerOf(name);
    let li = index.get(layer);
    if (li === undefined) {
      li = layerNames.length;
      index.set(layer, li);
      layerNames.push(layer);
      layerModules.push(moduleOf(name));
    }
    paramLayer[i] = li;
  });
  return { paramNames: [...paramNames], layerNames, layerModules, paramLayer };
}

/**
 * A short human form of a list of layers: a run of three or more consecutive layers (in depth
 * order `order`) as "first–last", otherwise comma-separated.
 * @example formatLayers(['0', '2', '4', '6'], ['0', '2', '4', '6', '8']) // 'layers 0–6'
 */
export function formatLayers(layers: readonly string[], order: readonly string[]): string {
  if (layers.length === 0) return 'no layer';
  if (layers.length === 1) return `layer ${layers[0] as string}`;
  const pos = layers.map((l) => order.indexOf(l));
  const contiguous = pos.every((p, i) => p >= 0 && (i === 0 || p === (pos[i - 1] as number) + 1));
  if (contiguous && layers.length >= 3)
    return `layers ${layers[0] as string}–${layers[layers.length - 1] as string}`;
  return `layers ${layers.join(', ')}`;
}
