import type { ActivationKind } from './activation-probe.js';
import { formatLayers } from './layers.js';
import type { NonFiniteAnomaly, NonFiniteOrigin } from './detectors/non-finite.js';
import type { Remedy, RemedyAction } from './types.js';

/** What the remedies are computed from, besides a verdict's evidence. */
export interface RemedyContext {
  /** All layer names in depth order. */
  layerNames: readonly string[];
  /** Activation following each layer (from the probes; absent when not attached). */
  activationOf: ReadonlyMap<string, ActivationKind>;
  /** Recurrent cell type of recurrent layers (from the weightHh shapes). */
  recurrentOf: ReadonlyMap<string, 'rnn' | 'lstm' | 'gru'>;
  /** The configured learning rate, if known. */
  lr: number | undefined;
  /** The effective step size ‖Δp‖/‖g‖ of the last measured update (NaN if unknown). */
  effectiveLr: number;
  /** Median ‖g‖ of recent checks without an exploding trigger (NaN if fewer than 5). */
  healthyMedianNorm: number;
  /** Anomaly mode's first record of the check (live, or from the record; null if none). */
  anomaly: NonFiniteAnomaly | null;
  /** The tape trace of a non-finite value from the watched loss (null if none). */
  origin: NonFiniteOrigin | null;
  /** What the model and the data declared to the monitor (gradientHealth's `declared`). */
  declared: DeclaredContext;
}

/**
 * What a model and its data can tell the monitor about a run, for detectors and remedies that
 * the gradients alone cannot inform: the loss of the best predictor that ignores the inputs (a
 * character model's unigram loss; a classifier's class-prior entropy), and, for a Transformer,
 * where its LayerNorm sits.
 * @example gradientHealth({ declared: { baselineLoss: unigramLoss(corpus), baselineName: 'the unigram model', transformerNorm: 'post' } })
 */
export interface DeclaredContext {
  /**
   * Cross-entropy of the best input-independent predictor (the marginal of the targets), e.g.
   * data.unigramLoss for a character corpus. notLearning fires when the loss stalls there: the
   * model learned the target frequencies and nothing from its inputs.
   */
  baselineLoss?: number;
  /** What that predictor is, for messages (default 'the input-independent (marginal) predictor'). */
  baselineName?: string;
  /** Where a Transformer's LayerNorm sits ('post': after the residual addition; 'pre': inside the branch). */
  transformerNorm?: 'pre' | 'post';
}

/** A number with two significant digits, for remedy texts and actions ("3e-4", "1.8"). @example round2(0.000333) // 0.00033 */
export function round2(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(2));
}

/** Short scientific/plain form of a number for messages. @example fmtNum(4.3e-8) // '4.3e-8' */
export function fmtNum(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Inf' : '-Inf';
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return x.toExponential(1).replace('e+', 'e');
  return String(Number(x.toPrecision(3)));
}

class Ranked {
  readonly list: Remedy[] = [];
  add(text: string, action: RemedyAction, why: string): this {
    this.list.push({ rank: this.list.length + 1, text, action, why });
    return this;
  }
}

function lrChange(
  ctx: RemedyContext,
  factor: number,
  verb: string,
): { text: string; action: RemedyAction } {
  if (ctx.lr !== undefined && Number.isFinite(ctx.lr) && ctx.lr > 0) {
    const lr = round2(ctx.lr * factor);
    return {
      text: `${verb} lr to ${fmtNum(lr)} (from ${fmtNum(ctx.lr)})`,
      action: { action: 'lr', factor, lr },
    };
  }
  const eff =
    Number.isFinite(ctx.effectiveLr) && ctx.effectiveLr > 0
      ? ` (effective step ‖Δp‖/‖g‖ ≈ ${fmtNum(ctx.effectiveLr)})`
      : '';
  return {
    text: `${verb} the learning rate ${factor < 1 ? `${fmtNum(1 / factor)}× lower` : `${fmtNum(factor)}× higher`}${eff}`,
    action: { action: 'lr', factor },
  };
}

function recurrentLayers(ctx: RemedyContext, layers: readonly string[]): string[] {
  const inList = layers.filter((l) => ctx.recurrentOf.has(l));
  return inList.length > 0 ? inList : [...ctx.recurrentOf.keys()];
}

function plainRnnLayers(ctx: RemedyContext, layers: readonly string[]): string[] {
  return recurrentLayers(ctx, layers).filter((l) => ctx.recurrentOf.get(l) === 'rnn');
}

function kindsOf(ctx: RemedyContext, layers: readonly string[]): Set<ActivationKind> {
  const s = new Set<ActivationKind>();
  for (const l of layers) {
    const k = ctx.activationOf.get(l);
    if (k !== undefined) s.add(k);
  }
  return s;
}

/** Hidden (non-final) layers among `layers`: the last layer is usually the linear read-out. */
function hidden(ctx: RemedyContext, layers: readonly string[]): string[] {
  const last = ctx.layerNames[ctx.layerNames.length - 1];
  const h = layers.filter((l) => l !== last);
  return h.length > 0 ? h : [...layers];
}

/**
 * Remedies for vanishing gradients, most effective first: gated cells / orthogonal recurrent init
 * for recurrent layers; for feed-forward stacks, away from sigmoid, then the init matching the
 * activation (He for ReLU, Xavier for tanh), normalization and residual connections.
 * @see Glorot & Bengio 2010; He et al. 2015; Ioffe & Szegedy 2015; He et al. 2016 (ResNets); Hochreiter & Schmidhuber 1997.
 * @example vanishingRemedies(ctx, ['0', '2'])[0].action // { action: 'activation', from: 'sigmoid', … }
 */
export function vanishingRemedies(ctx: RemedyContext, layers: readonly string[]): Remedy[] {
  const r = new Ranked();
  const names = ctx.layerNames;
  const rnn = plainRnnLayers(ctx, layers);
  if (rnn.length > 0) {
    r.add(
      `use LSTM/GRU cells instead of the tanh RNN (${formatLayers(rnn, names)})`,
      { action: 'architecture', kind: 'lstm', layers: rnn },
      'gating gives the gradient an additive path through time (Hochreiter & Schmidhuber 1997)',
    );
    r.add(
      `orthogonal recurrent init for ${formatLayers(rnn, names)}`,
      { action: 'recurrentInit', init: 'orthogonal', layers: rnn },
      'eigenvalues of modulus 1 keep ‖∏ Wᵀ‖ from shrinking (Saxe et al. 2014)',
    );
  }
  const hid = hidden(ctx, layers);
  const kinds = kindsOf(ctx, hid);
  const where = formatLayers(hid, names);
  if (kinds.has('sigmoid')) {
    const sig = hid.filter((l) => ctx.activationOf.get(l) === 'sigmoid');
    r.add(
      `replace sigmoid by ReLU (with heNormal init) or tanh (with xavierNormal) after ${formatLayers(sig, names)}`,
      { action: 'activation', from: 'sigmoid', to: 'relu', layers: sig },
      "σ' ≤ 1/4 shrinks the gradient at least 4× per layer (Glorot & Bengio 2010)",
    );
  }
  const initName = kinds.has('relu') || kinds.has('sigmoid') ? 'heNormal' : 'xavierNormal';
  if (rnn.length === 0 || hid.some((l) => !ctx.recurrentOf.has(l))) {
    const ff = hid.filter((l) => !ctx.recurrentOf.has(l));
    r.add(
      `${initName} init for ${formatLayers(ff, names)}${kinds.has('sigmoid') ? ' (with ReLU)' : ''}`,
      { action: 'init', init: initName, layers: ff },
      initName === 'heNormal'
        ? 'Var(w) = 2/fanIn keeps activations and gradients at scale through ReLU layers (He et al. 2015)'
        : 'Var(w) = 2/(fanIn + fanOut) balances forward and backward variance (Glorot & Bengio 2010)',
    );
    r.add(
      `add LayerNorm after the linear maps of ${where}`,
      { action: 'normalization', kind: 'layerNorm', layers: ff },
      'normalized pre-activations keep units out of the flat regions and rescale gradients (Ba et al. 2016; Ioffe & Szegedy 2015)',
    );
    r.add(
      `add residual connections around the hidden blocks`,
      { action: 'architecture', kind: 'residual', layers: ff },
      'identity paths carry the gradient past the layers (He et al. 2016)',
    );
  }
  return r.list;
}

/**
 * Remedies for exploding gradients: clip at the typical norm, lower the lr, fix the recurrent
 * spectrum, add the health-aware decay. With a global-norm clip already after the monitor
 * (`clipNorm` > 0), clipping is proposed only to lower that clip to the typical norm.
 * @see Pascanu, Mikolov & Bengio 2013 (clipping at the average norm).
 * @example explodingRemedies(ctx, ['rnn.l0'], 1.8)[0].action // { action: 'clip', kind: 'globalNorm', maxNorm: 1.8 }
 */
export function explodingRemedies(
  ctx: RemedyContext,
  layers: readonly string[],
  medianNorm: number,
  clipNorm = 0,
): Remedy[] {
  const r = new Ranked();
  const names = ctx.layerNames;
  const haveMedian = Number.isFinite(ctx.healthyMedianNorm) && ctx.healthyMedianNorm > 0;
  const maxNorm = haveMedian ? round2(ctx.healthyMedianNorm) : 1;
  if (clipNorm <= 0)
    r.add(
      haveMedian
        ? `clip.byGlobalNorm at ≈ the median norm (${fmtNum(maxNorm)})`
        : `clip.byGlobalNorm(1) (no healthy history for a median yet${Number.isFinite(medianNorm) ? `; recent median ${fmtNum(medianNorm)}` : ''}; 1 is Pascanu et al.'s threshold)`,
      { action: 'clip', kind: 'globalNorm', maxNorm },
      'rescaling to the typical norm keeps the direction and removes the jump (Pascanu et al. 2013)',
    );
  else if (maxNorm < clipNorm)
    r.add(
      `lower the global-norm clip from ${fmtNum(clipNorm)} to ≈ the median norm (${fmtNum(maxNorm)})`,
      { action: 'clip', kind: 'globalNorm', maxNorm },
      'the clip after the monitor lets through steps above the typical norm; rescaling to the typical norm removes the jump (Pascanu et al. 2013)',
    );
  const lr = lrChange(ctx, 0.1, 'lower');
  r.add(
    lr.text,
    lr.action,
    'a step larger than the curvature allows diverges; 10× is the usual first cut',
  );
  const rec = recurrentLayers(ctx, layers);
  if (rec.length > 0) {
    r.add(
      `orthogonal recurrent init for ${formatLayers(rec, names)} (spectral radius 1)`,
      { action: 'recurrentInit', init: 'orthogonal', layers: rec },
      'a recurrent spectral radius > 1 is what lets ‖∏ Wᵀ‖ explode (Pascanu et al. 2013)',
    );
    const rnn = plainRnnLayers(ctx, layers);
    if (rnn.length > 0)
      r.add(
        `use LSTM/GRU cells (${formatLayers(rnn, names)})`,
        { action: 'architecture', kind: 'lstm', layers: rnn },
        'bounded gates tame the recurrent Jacobian',
      );
  }
  r.add(
    'add schedule.healthAwareDecay() after the optimizer',
    { action: 'schedule', kind: 'healthAwareDecay' },
    'cuts the step at each spike and recovers while gradients are healthy',
  );
  return r.list;
}

/**
 * Remedies for NaN/Inf gradients, from what the trace and anomaly mode found.
 * @example nonFiniteRemedies(ctx, { kind: 'input', name: 'input', row: 3 }, null, false)[0].action // checkData
 */
export function nonFiniteRemedies(
  ctx: RemedyContext,
  origin: { kind: string; name: string; row: number } | null,
  anomalyOp: string | null,
  exploded: boolean,
): Remedy[] {
  const r = new Ranked();
  if (origin !== null && origin.kind === 'input') {
    r.add(
      `check the input data: row ${origin.row} of the batch already holds ${'NaN/Inf'}`,
      { action: 'checkData', rows: [origin.row] },
      'the trace ends in the data, not in an op; DataLoader validates datasets at construction',
    );
  }
  const op = origin?.kind === 'op' ? origin.name : anomalyOp;
  if (op !== null && /log|exp|div|sqrt|pow|reciprocal|softmax|entropy|bce/i.test(op)) {
    r.add(
      `use a numerically stable form of '${op}' (e.g. crossEntropy/bceWithLogits on logits, clamp before log/sqrt)`,
      { action: 'stableOp', op },
      'this op produced the first NaN/Inf from finite inputs',
    );
  }
  if (exploded || origin === null || origin.kind !== 'input') {
    const maxNorm =
      Number.isFinite(ctx.healthyMedianNorm) && ctx.healthyMedianNorm > 0
        ? round2(ctx.healthyMedianNorm)
        : 1;
    r.add(
      `clip.byGlobalNorm at ≈ ${fmtNum(maxNorm)}`,
      { action: 'clip', kind: 'globalNorm', maxNorm },
      'most NaNs in training follow an overflow after a gradient explosion',
    );
    const lr = lrChange(ctx, 0.1, 'lower');
    r.add(lr.text, lr.action, 'overflow usually follows too large a step');
  }
  r.add(
    'wrap the chain in skipNonFinite(...) so such steps are skipped',
    { action: 'skipNonFinite' },
    'an occasional bad batch then costs one step, not the run',
  );
  return r.list;
}

/**
 * Remedies for saturated tanh/sigmoid layers. @see Glorot & Bengio 2010 §3.
 * @example saturatedRemedies(ctx, '6', 'sigmoid')[0].text
 */
export function saturatedRemedies(
  ctx: RemedyContext,
  layer: string,
  kind: 'tanh' | 'sigmoid',
): Remedy[] {
  const r = new Ranked();
  const layers = layer === '' ? [] : [layer];
  const where = layer === '' ? 'the layer' : `layer ${layer}`;
  if (kind === 'sigmoid') {
    r.add(
      `replace sigmoid by tanh (zero-centred) or ReLU after ${where}`,
      { action: 'activation', from: 'sigmoid', to: 'tanh', layers },
      "a non-zero-centred sigmoid pushes the top hidden layer to 0, where σ' is small (Glorot & Bengio 2010)",
    );
  }
  r.add(
    `xavierNormal init for ${where}`,
    { action: 'init', init: 'xavierNormal', layers },
    'keeps pre-activations at unit scale at the start (Glorot & Bengio 2010)',
  );
  r.add(
    `add LayerNorm (or BatchNorm) before the ${kind} of ${where}`,
    { action: 'normalization', kind: 'layerNorm', layers },
    'normalized pre-activations stay in the steep part of the curve (Ioffe & Szegedy 2015)',
  );
  const lr = lrChange(ctx, 1 / 3, 'lower');
  r.add(lr.text, lr.action, 'large steps drive pre-activations into the tails');
  if (kind === 'tanh')
    r.add(
      `replace tanh by ReLU (with heNormal init) after ${where}`,
      { action: 'activation', from: 'tanh', to: 'relu', layers },
      'ReLU does not saturate for positive inputs',
    );
  return r.list;
}

/**
 * Remedies for dead ReLU units. @see Lu et al., "Dying ReLU and Initialization", 2019; Maas et al. 2013 (leaky ReLU).
 * @example deadUnitsRemedies(ctx, '2')[0].action // re-initialize the biases
 */
export function deadUnitsRemedies(ctx: RemedyContext, layer: string): Remedy[] {
  const r = new Ranked();
  const layers = layer === '' ? [] : [layer];
  const where = layer === '' ? 'the layer' : `layer ${layer}`;
  r.add(
    `re-initialize the biases of ${where} to 0 (or a small positive constant such as 0.01)`,
    { action: 'init', init: 'constant', param: 'bias', value: 0.01, layers },
    'a strongly negative bias keeps every pre-activation below 0, so no gradient flows to revive the unit',
  );
  r.add(
    `replace ReLU by LeakyReLU(0.01) or GELU after ${where}`,
    { action: 'activation', from: 'relu', to: 'leakyRelu', layers },
    'a non-zero slope for x < 0 lets dead units recover (Maas et al. 2013)',
  );
  const lr = lrChange(ctx, 1 / 3, 'lower');
  r.add(
    lr.text,
    lr.action,
    "one large step can push a unit's pre-activations negative for all inputs",
  );
  r.add(
    `heNormal init for ${where}`,
    { action: 'init', init: 'heNormal', layers },
    'He et al. 2015',
  );
  return r.list;
}

/**
 * Remedies for a plateau (flat loss, tiny gradients).
 * @example plateauRemedies(ctx)[0].action // { action: 'optimizer', name: 'adam', … }
 */
export function plateauRemedies(ctx: RemedyContext): Remedy[] {
  const r = new Ranked();
  r.add(
    'switch to adam (per-parameter step sizes escape flat regions)',
    { action: 'optimizer', name: 'adam', options: { lr: 1e-3 } },
    'Kingma & Ba 2015',
  );
  const lr = lrChange(ctx, 3, 'raise');
  r.add(lr.text, lr.action, 'tiny gradients times a small lr make tiny steps');
  r.add(
    'add a warm-restart schedule (schedule.cosineWarmRestarts)',
    { action: 'schedule', kind: 'cosineWarmRestarts' },
    'Loshchilov & Hutter 2017 (SGDR)',
  );
  return r.list;
}

/**
 * Remedies for a saddle point. @see Jin et al. 2017; Dauphin et al. 2014.
 * @example saddleRemedies(ctx, 2e-4)[1].action // { action: 'noise', scale: 0.002 }
 */
export function saddleRemedies(ctx: RemedyContext, gradNorm: number): Remedy[] {
  const r = new Ranked();
  r.add(
    'use momentum or adam: they leave saddles far faster than plain gradient descent',
    { action: 'optimizer', name: 'adam', options: { lr: 1e-3 } },
    'Dauphin et al. 2014; E10 (the x² − y² race)',
  );
  const scale = round2(Math.max(gradNorm, 1e-8) * 10);
  r.add(
    `add isotropic noise of scale ≈ ${fmtNum(scale)} to the parameters (perturbed gradient descent)`,
    { action: 'noise', scale },
    'a random kick finds the negative-curvature direction (Jin et al. 2017)',
  );
  return r.list;
}

/**
 * Remedies for an oscillating loss (lr too high). With the sharpness λmax of a curvature probe,
 * the first remedy's reason states it against 2/lr (the edge of stability, Cohen et al. 2021).
 * @example oscillationRemedies({ ...ctx, lr: 0.3 })[0].action // { action: 'lr', factor: 1/3, lr: 0.1 }
 */
export function oscillationRemedies(ctx: RemedyContext, sharpness = NaN): Remedy[] {
  const r = new Ranked();
  const lr = lrChange(ctx, 1 / 3, 'lower');
  const known = Number.isFinite(sharpness) && sharpness > 0;
  r.add(
    lr.text,
    lr.action,
    known
      ? `the sharpness λmax = ${fmtNum(sharpness)}${ctx.lr !== undefined && ctx.lr > 0 ? ` against 2/lr = ${fmtNum(2 / ctx.lr)}` : ''}: gradient descent is stable along the top Hessian direction only for lr < 2/λmax = ${fmtNum(2 / sharpness)} (the edge of stability, Cohen et al. 2021)`
      : 'the iterate bounces across a valley whose curvature exceeds 2/lr',
  );
  r.add(
    'add a decaying schedule (schedule.warmupCosine)',
    { action: 'schedule', kind: 'warmupCosine' },
    'shrinks the step as training settles',
  );
  const maxNorm =
    Number.isFinite(ctx.healthyMedianNorm) && ctx.healthyMedianNorm > 0
      ? round2(ctx.healthyMedianNorm)
      : 1;
  r.add(
    `clip.byGlobalNorm at ≈ ${fmtNum(maxNorm)}`,
    { action: 'clip', kind: 'globalNorm', maxNorm },
    'bounds the step length',
  );
  return r.list;
}

// ---------------------------------------------------------------------------------------------
// Remedies phrased for the framework that wrote the records (issue 17). The detectors phrase
// their remedies for gradscope; the machine-readable `action` of each remedy is the same in every
// framework, and this table turns it into the code a PyTorch or TensorFlow.js user would write.

/** Frameworks with their own remedy phrasing ('gradscope' is the detectors' own). */
export type RemedyFramework = 'pytorch' | 'tfjs' | 'neutral';

type ActionName = RemedyAction['action'];
type Phrase<A extends ActionName> = (
  a: Extract<RemedyAction, { action: A }>,
  where: string,
  original: string,
) => string;
/** One framework's column of the table: a phrasing for every action. */
type PhraseColumn = { [A in ActionName]: Phrase<A> };

const PT_ACT: Record<string, string> = {
  relu: 'nn.ReLU',
  tanh: 'nn.Tanh',
  sigmoid: 'nn.Sigmoid',
  leakyRelu: 'nn.LeakyReLU(0.01)',
  gelu: 'nn.GELU',
};
const PT_INIT: Record<string, string> = {
  heNormal: "nn.init.kaiming_normal_(m.weight, nonlinearity='relu')",
  heUniform: "nn.init.kaiming_uniform_(m.weight, nonlinearity='relu')",
  xavierNormal: 'nn.init.xavier_normal_(m.weight)',
  xavierUniform: 'nn.init.xavier_uniform_(m.weight)',
  orthogonal: 'nn.init.orthogonal_(m.weight)',
};
const TF_INIT: Record<string, string> = {
  heNormal: "'heNormal'",
  heUniform: "'heUniform'",
  xavierNormal: "'glorotNormal'",
  xavierUniform: "'glorotUniform'",
  orthogonal: "'orthogonal'",
};
const PT_SCHEDULE: Record<string, string> = {
  warmupCosine: 'torch.optim.lr_scheduler.OneCycleLR (warmup, then cosine decay)',
  cosineWarmRestarts: 'torch.optim.lr_scheduler.CosineAnnealingWarmRestarts',
  healthAwareDecay: 'torch.optim.lr_scheduler.ReduceLROnPlateau (cuts the lr when the loss stalls)',
  linearWarmup:
    'torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1 / 200, total_iters=200) (a linear warmup)',
};
const PT_OPT: Record<string, string> = {
  adam: 'Adam',
  adamw: 'AdamW',
  sgd: 'SGD',
  rmsprop: 'RMSprop',
};
const TF_OPT: Record<string, string> = {
  adam: 'adam',
  sgd: 'sgd',
  rmsprop: 'rmsprop',
  adamw: 'adam',
};

/** "lr=0.001" / "0.001": the options of an optimizer remedy. */
function lrOf(a: { options?: Record<string, number> }): number | undefined {
  return a.options?.['lr'];
}

/**
 * The phrasing table: for each framework and each remedy action, the remedy's text. `where` is
 * the action's layers in words ("layers 0–8"), `original` the gradscope text (kept where a remedy
 * names no code).
 */
const REMEDY_PHRASES: Readonly<Record<RemedyFramework, PhraseColumn>> = {
  pytorch: {
    init: (a, where) =>
      a.param === 'bias'
        ? `nn.init.constant_(m.bias, ${a.value ?? 0}) for the Linear/Conv modules of ${where}`
        : `${PT_INIT[a.init] ?? `nn.init.${a.init}`} for the Linear/Conv modules m of ${where}`,
    activation: (a, where) =>
      `replace ${PT_ACT[a.from] ?? a.from} by ${PT_ACT[a.to] ?? a.to}${a.to === 'relu' ? " (with nn.init.kaiming_normal_(m.weight, nonlinearity='relu'))" : ''} after ${where}`,
    clip: (a) =>
      a.kind === 'zClip'
        ? `ZClip between loss.backward() and optimizer.step(): with n = the global gradient norm and μ, σ² EMAs (α 0.97) of it, when z = (n − μ)/σ > ${fmtNum(a.zThreshold)} scale the gradients to μ + (${fmtNum(a.zThreshold)}²/z)·σ (the ZClip reference code's zclip.step(model))`
        : a.kind === 'spikeClip'
          ? `between loss.backward() and optimizer.step(), clip each gradient entry to ±√(${fmtNum(a.threshold)}·v) where g² > ${fmtNum(a.threshold)}·v (v = an EMA of g², as the optimizer's exp_avg_sq; SPAM's spike clipping)`
          : `torch.nn.utils.clip_grad_norm_(model.parameters(), ${fmtNum(a.maxNorm)}) between loss.backward() and optimizer.step()`,
    lr: (a, _w, original) =>
      a.lr !== undefined
        ? `${original}: for g in optimizer.param_groups: g['lr'] = ${fmtNum(a.lr)}`
        : `${original} (optimizer.param_groups[i]['lr'])`,
    schedule: (a) => `add ${PT_SCHEDULE[a.kind] ?? `an lr schedule (${a.kind})`}`,
    normalization: (a, where) =>
      `add ${a.kind === 'batchNorm' ? 'nn.BatchNorm1d' : 'nn.LayerNorm'} after the linear maps of ${where} (before the activation)`,
    architecture: (a, where) =>
      a.kind === 'residual'
        ? `add residual connections (x + block(x)) around the hidden blocks of ${where}`
        : a.kind === 'preLN'
          ? 'build the blocks Pre-LN: nn.TransformerEncoderLayer(..., norm_first=True), plus a final nn.LayerNorm before the head'
          : `use ${a.kind === 'lstm' ? 'nn.LSTM' : 'nn.GRU'} instead of nn.RNN (${where})`,
    recurrentInit: (_a, where) => `nn.init.orthogonal_ on the weight_hh_l* of ${where}`,
    optimizer: (a) => {
      const lr = lrOf(a);
      return `switch to torch.optim.${PT_OPT[a.name] ?? a.name}(model.parameters()${lr !== undefined ? `, lr=${fmtNum(lr)}` : ''})`;
    },
    skipNonFinite: () =>
      'skip optimizer.step() when the loss or a gradient is not finite (check torch.isfinite; torch.cuda.amp.GradScaler does this)',
    checkData: (_a, _w, original) => original,
    stableOp: (a) =>
      `use a numerically stable form of '${a.op}' (F.cross_entropy / F.binary_cross_entropy_with_logits on logits, torch.clamp before log/sqrt)`,
    noise: (a) =>
      `add noise of scale ≈ ${fmtNum(a.scale)} to the parameters (p.add_(torch.randn_like(p) * ${fmtNum(a.scale)}) under torch.no_grad())`,
  },
  tfjs: {
    init: (a, where) =>
      a.param === 'bias'
        ? `biasInitializer: tf.initializers.constant({value: ${a.value ?? 0}}) for ${where}`
        : `kernelInitializer: ${TF_INIT[a.init] ?? `'${a.init}'`} for ${where}`,
    activation: (a, where) =>
      `activation: '${a.to === 'leakyRelu' ? 'relu' : a.to}' instead of '${a.from}'${a.to === 'leakyRelu' ? ' (or a tf.layers.leakyReLU({alpha: 0.01}) layer)' : ''}${a.to === 'relu' ? " (with kernelInitializer: 'heNormal')" : ''} after ${where}`,
    clip: (a) =>
      a.kind === 'zClip'
        ? `clip the gradients' global norm n before optimizer.applyGradients when z = (n − μ)/σ > ${fmtNum(a.zThreshold)} (μ, σ² EMAs of n; ZClip) to μ + (${fmtNum(a.zThreshold)}²/z)·σ`
        : a.kind === 'spikeClip'
          ? `before optimizer.applyGradients, clip each gradient entry to ±√(${fmtNum(a.threshold)}·v) where g² > ${fmtNum(a.threshold)}·v (v = an EMA of g²; SPAM's spike clipping)`
          : `clip the gradients by their global norm at ${fmtNum(a.maxNorm)} before optimizer.applyGradients (clipByGlobalNorm(grads, ${fmtNum(a.maxNorm)}) from gradscope/tfjs; tfjs optimizers have no clipnorm)`,
    lr: (a, _w, original) =>
      a.lr !== undefined
        ? `${original}: tf.train.sgd(${fmtNum(a.lr)}) / tf.train.momentum(${fmtNum(a.lr)}, …) (or optimizer.setLearningRate(${fmtNum(a.lr)}) on SGD/momentum)`
        : original,
    schedule: (a) =>
      `add a learning-rate schedule (${a.kind}): set the optimizer's rate each epoch in a callback (optimizer.setLearningRate on SGD/momentum)`,
    normalization: (a, where) =>
      `add ${a.kind === 'batchNorm' ? 'tf.layers.batchNormalization()' : 'tf.layers.layerNormalization()'} after the dense layers of ${where} (with the activation moved after it)`,
    architecture: (a, where) =>
      a.kind === 'residual'
        ? `add residual connections (tf.layers.add() of a block's input and output) around ${where}`
        : a.kind === 'preLN'
          ? "apply each block's layerNormalization to the input of its attention and feed-forward branches (Pre-LN: x + f(LN(x))), plus a final layerNormalization"
          : `use tf.layers.${a.kind} instead of tf.layers.simpleRNN (${where})`,
    recurrentInit: (_a, where) => `recurrentInitializer: 'orthogonal' for ${where}`,
    optimizer: (a) => {
      const lr = lrOf(a);
      return `switch to tf.train.${TF_OPT[a.name] ?? a.name}(${lr !== undefined ? fmtNum(lr) : ''})`;
    },
    skipNonFinite: () =>
      'skip optimizer.applyGradients when the loss or a gradient is not finite (tf.isNaN / tf.isInf on computeGradients results)',
    checkData: (_a, _w, original) => original,
    stableOp: (a) =>
      `use a numerically stable form of '${a.op}' (tf.losses.softmaxCrossEntropy / sigmoidCrossEntropy on logits, tf.clipByValue before log/sqrt)`,
    noise: (a) =>
      `add noise of scale ≈ ${fmtNum(a.scale)} to the weights (w.assign(w.add(tf.randomNormal(w.shape, 0, ${fmtNum(a.scale)}))))`,
  },
  neutral: {
    init: (a, where) =>
      a.param === 'bias'
        ? `set the biases of ${where} to ${a.value ?? 0}`
        : `${a.init === 'heNormal' ? 'He (Kaiming) normal' : a.init === 'xavierNormal' ? 'Xavier (Glorot) normal' : a.init} init for ${where}`,
    activation: (a, where) => `replace ${a.from} by ${a.to} after ${where}`,
    clip: (a) =>
      a.kind === 'zClip'
        ? `clip the gradients' global norm when its z-score against its running mean exceeds ${fmtNum(a.zThreshold)} (ZClip)`
        : a.kind === 'spikeClip'
          ? `clip each gradient entry whose square exceeds ${fmtNum(a.threshold)}× its running mean square (SPAM's spike clipping)`
          : `clip the gradients' global norm at ${fmtNum(a.maxNorm)} before each update`,
    lr: (_a, _w, original) => original,
    schedule: (a) => `add a learning-rate schedule (${a.kind})`,
    normalization: (a, where) =>
      `add ${a.kind === 'batchNorm' ? 'BatchNorm' : 'LayerNorm'} after the linear maps of ${where}`,
    architecture: (a, where) =>
      a.kind === 'residual'
        ? `add residual connections around ${where}`
        : a.kind === 'preLN'
          ? 'move each LayerNorm inside its residual branch (Pre-LN: x + f(LN(x))), plus a final LayerNorm'
          : `use ${a.kind.toUpperCase()} cells (${where})`,
    recurrentInit: (_a, where) => `orthogonal recurrent init for ${where}`,
    optimizer: (a) =>
      `switch to ${a.name}${lrOf(a) !== undefined ? ` (lr ${fmtNum(lrOf(a) as number)})` : ''}`,
    skipNonFinite: () => 'skip updates whose loss or gradients are not finite',
    checkData: (_a, _w, original) => original,
    stableOp: (a) =>
      `use a numerically stable form of '${a.op}' (losses on logits, clamp before log/sqrt)`,
    noise: (a) => `add isotropic noise of scale ≈ ${fmtNum(a.scale)} to the parameters`,
  },
};

/**
 * The remedies of a verdict phrased for the framework that wrote the records: 'gradscope' keeps
 * the detectors' texts; 'pytorch' and 'tfjs' name their own code (`torch.nn.utils.clip_grad_norm_
 * (model.parameters(), 1.8)`, `kernelInitializer: 'heNormal'`); any other framework gets
 * framework-neutral words. Ranks, actions and reasons are unchanged.
 * @example phraseRemedies(v.remedies, 'pytorch', header.layers)[0].text
 */
export function phraseRemedies(
  remedies: readonly Remedy[],
  framework: string,
  layerNames: readonly string[],
): Remedy[] {
  if (framework === 'gradscope') return [...remedies];
  const column =
    REMEDY_PHRASES[framework === 'pytorch' || framework === 'tfjs' ? framework : 'neutral'];
  return remedies.map((r) => {
    const a = r.action;
    const layers = 'layers' in a ? a.layers : [];
    const where = formatLayers(layers, layerNames);
    const phrase = column[a.action] as Phrase<ActionName>;
    return { ...r, text: phrase(a as never, where, r.text) };
  });
}
