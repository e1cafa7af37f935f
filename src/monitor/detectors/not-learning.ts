import type { Detector } from '../detector.js';
import { fmtNum, round2, type RemedyContext } from '../remedies.js';
import { ringIndex, type HealthState } from '../state.js';
import type { Remedy } from '../types.js';

/** Evidence of a `notLearning` verdict, with the numbers the likeliest causes were ranked from. */
export interface NotLearningEvidence {
  /**
   * 'initial': the loss stayed at its initial level; 'chance': at ln C (cross-entropy over C
   * classes); 'baseline': it fell to the declared input-independent level (e.g. a character
   * model's unigram loss) and stalled there.
   */
  reference: 'initial' | 'chance' | 'baseline';
  /** Mean loss of the first `notLearningStart` finite checks. */
  initialLoss: number;
  /** ln C when the model has C ≥ 2 outputs and started near it (NaN otherwise). */
  chanceLoss: number;
  /** The declared input-independent (marginal) loss, `notLearningBaseline` (NaN when none). */
  baselineLoss: number;
  /** Mean loss over the last `window` finite checks. */
  recentLoss: number;
  /** Mean loss over the `window` finite checks before those (NaN when fewer were kept). */
  previousLoss: number;
  /** Checks made, the window and the budget (checks) it waited. */
  checks: number;
  window: number;
  budget: number;
  /** ‖Δp‖/‖p‖ of the last measured update (NaN if not measured). */
  updateRatio: number;
  /** ‖g‖/max(‖p‖, 1) now. */
  relativeGradient: number;
  /** ‖g‖ of the first layer over the last layer's. */
  firstOverLast: number;
  /** Largest fraction of dead units over the ReLU probes (NaN without probes). */
  deadFraction: number;
  /** Largest saturated fraction over the tanh/sigmoid probes (NaN without probes). */
  saturation: number;
  /** The cause ranked first, as a short key ('deadUnits', 'saturated', 'vanishing', 'noGradient', 'lowLr', 'postLnWithoutWarmup', 'largeEarlySteps', 'unknown'). */
  likelyCause: string;
}

/** The notLearning detector's thresholds. */
export interface NotLearningThresholds {
  /**
   * Checks before the verdict may start (default 200): the stated budget. Calibrated on the
   * panel (panel/panel.json): the slowest healthy run, the 10-layer tanh MLP on MNIST with SGD
   * momentum, is 20 % below its initial loss by check 100; the runs that never learn (tanh RNN
   * on temporal order T = 50, SGD lr 1e-5, zero init, dead biases) stay within 2 % for 300+.
   */
  notLearningBudget: number;
  /** Window (checks) of the recent mean loss (default 50). */
  notLearningWindow: number;
  /** Checks whose mean is the initial level (default 5). */
  notLearningStart: number;
  /**
   * The recent mean is within this fraction of the reference (default 0.05). Panel: runs that
   * do not learn 0–2 %; the healthy runs are ≥ 30 % below their initial loss at check 200.
   */
  notLearningBand: number;
  /**
   * The loss of the best input-independent predictor, declared by the data (gradientHealth's
   * `declared.baselineLoss`, e.g. data.unigramLoss of a character corpus; default 0: none
   * declared). When set, a loss that fell to within `notLearningBand` of it and stalls there
   * is "not learning beyond the marginal predictor". E17: Post-LN without warmup sits at the
   * unigram level 2.853 from step 100 to 800 (2.855/2.854 at the end, seeds 0 and 1).
   */
  notLearningBaseline: number;
  /**
   * At the baseline, the recent window's mean may be at most this fraction of the baseline below
   * the window before it (default 0.01: 0.03 nats per 50 checks on the names): a run still
   * falling through the baseline's band is learning, not stalled.
   */
  notLearningStall: number;
}

/** Running sums of the first checks' losses. */
export interface NotLearningRunning {
  startSum: number;
  startCount: number;
}

/** The measure: which reference, and the recent mean. */
export interface NotLearningMeasure {
  reference: 'initial' | 'chance' | 'baseline';
  recent: number;
  previous: number;
}

/** ln C when the last layer has C ≥ 2 outputs and the run started within 50 % of ln C, else NaN. */
/** |recent − ref| ≤ band·|ref| for a finite reference (a function, not a closure per check). */
function near(recent: number, ref: number, band: number): boolean {
  return Number.isFinite(ref) && Math.abs(recent - ref) <= band * Math.abs(ref);
}

function chanceOf(s: HealthState, initial: number): number {
  const st = s.stats;
  const last = st.layerNames.length - 1;
  let c = 0;
  for (let k = 0; k < st.paramNames.length; k++)
    if (st.paramLayer[k] === last) c = Math.max(c, st.paramShapes[k]?.[0] ?? 0);
  if (c < 2) return NaN;
  const ln = Math.log(c);
  return Math.abs(initial - ln) <= 0.5 * ln ? ln : NaN;
}

function maxProbe(s: HealthState, field: 'deadFraction' | 'saturation'): number {
  let m = NaN;
  for (const p of s.probes) {
    const v = p[field];
    if (Number.isFinite(v) && !(v <= m)) m = v;
  }
  return m;
}

/** The likeliest causes, ranked from the evidence. */
function remediesOf(e: NotLearningEvidence, ctx: RemedyContext): Remedy[] {
  const out: Remedy[] = [];
  const add = (text: string, action: Remedy['action'], why: string): void => {
    out.push({ rank: out.length + 1, text, action, why });
  };
  const recurrent = [...ctx.recurrentOf.keys()];
  const lrUp = (factor: number): { text: string; action: Remedy['action'] } =>
    ctx.lr !== undefined
      ? {
          text: `raise lr to ${fmtNum(round2(ctx.lr * factor))} (from ${fmtNum(ctx.lr)})`,
          action: { action: 'lr', factor, lr: round2(ctx.lr * factor) },
        }
      : { text: `raise the learning rate ${factor}×`, action: { action: 'lr', factor } };
  const plainRnn = [...ctx.recurrentOf].filter(([, c]) => c === 'rnn').map(([l]) => l);
  if (e.reference === 'baseline') {
    baselineRemedies(e, ctx, add);
    return out;
  }
  for (const cause of rankCauses(e, [...ctx.recurrentOf.values()])) {
    if (cause === 'deadUnits')
      add(
        're-initialize the hidden biases to 0 and use heNormal init (or leakyRelu)',
        { action: 'init', init: 'zeros', layers: ctx.layerNames.slice(0, -1), param: 'bias' },
        `${fmtNum(100 * e.deadFraction)}% of a ReLU layer's units output 0 on every sample: no gradient flows through them`,
      );
    else if (cause === 'saturated')
      add(
        'initialize with xavierNormal (tanh/sigmoid) or add LayerNorm before the activations',
        { action: 'normalization', kind: 'layerNorm', layers: ctx.layerNames.slice(0, -1) },
        `${fmtNum(100 * e.saturation)}% of an activation's outputs sit in its flat tails, where its slope is ≈ 0 (Glorot & Bengio 2010)`,
      );
    else if (cause === 'vanishing' && recurrent.length > 0)
      add(
        'use an LSTM or GRU cell (gated memory), with orthogonal recurrent init',
        {
          action: 'architecture',
          kind: 'lstm',
          layers: plainRnn.length > 0 ? plainRnn : recurrent,
        },
        plainRnn.length > 0
          ? `a plain tanh RNN (layer ${plainRnn.join(', ')}): the gradient from early time steps vanishes through the recurrence, so long-range dependencies are not learned (Bengio, Simard & Frasconi 1994); per-layer norms cannot show this (first/last layer ${fmtNum(e.firstOverLast)})`
          : `the first layer gets ${fmtNum(e.firstOverLast)}× the last layer's gradient: the signal of early time steps vanishes through the recurrence (Hochreiter & Schmidhuber 1997)`,
      );
    else if (cause === 'vanishing')
      add(
        'add normalization (LayerNorm) or residual connections, or a better-scaled init',
        { action: 'normalization', kind: 'layerNorm', layers: ctx.layerNames.slice(0, -1) },
        `the first layer gets ${fmtNum(e.firstOverLast)}× the last layer's gradient`,
      );
    else if (cause === 'noGradient')
      add(
        're-initialize the weights randomly (xavierNormal or heNormal): a symmetric start (e.g. all zeros) gives every hidden unit the same, zero, gradient',
        { action: 'init', init: 'xavierNormal', layers: ctx.layerNames.slice(0, -1) },
        e.firstOverLast === 0
          ? 'the first layer gets exactly zero gradient: its units are identical (symmetric) or off'
          : `‖g‖/max(‖p‖, 1) = ${fmtNum(e.relativeGradient)}: the parameters get almost no gradient at all`,
      );
    else if (cause === 'lowLr') {
      const u = lrUp(10);
      add(
        u.text,
        u.action,
        `each update moves the parameters by ${fmtNum(e.updateRatio)} of their norm (healthy runs ~1e-3, Karpathy's rule of thumb): the learning rate is too low`,
      );
    }
  }
  if (!out.some((r) => r.action.action === 'optimizer'))
    add(
      'switch to Adam (lr 1e-3), whose per-parameter step sizes do not depend on the gradient scale',
      { action: 'optimizer', name: 'adam', options: { lr: 1e-3 } },
      'adaptive methods keep learning where plain SGD steps are too small (Kingma & Ba 2015)',
    );
  add(
    'check the data and labels: a model that cannot beat chance may be given targets it cannot predict',
    { action: 'checkData' },
    'with no sign of a gradient problem, the task or the labels may be at fault',
  );
  return out;
}

/**
 * Remedies of a loss stalled at the input-independent level: the model learned the target
 * frequencies (the output bias) in the first steps, then its input path collapsed. In a Post-LN
 * Transformer the gradients of the parameters near the output are large at initialisation and do
 * not shrink with depth, so full-size Adam steps from step 1 break it; a learning-rate warmup or
 * Pre-LN fixes it (Xiong et al., ICML 2020; Liu et al., EMNLP 2020). Without a Post-LN
 * declaration the same early-step story is the likeliest one: warmup, then a lower lr.
 */
function baselineRemedies(
  e: NotLearningEvidence,
  ctx: RemedyContext,
  add: (text: string, action: Remedy['action'], why: string) => void,
): void {
  const post = ctx.declared.transformerNorm === 'post';
  const name = ctx.declared.baselineName ?? 'the input-independent (marginal) predictor';
  const lrNow = ctx.lr !== undefined ? ` to ${fmtNum(ctx.lr)}` : '';
  add(
    `add a learning-rate warmup: ramp the lr linearly from ~0${lrNow} over the first few hundred steps (e.g. 200)`,
    { action: 'schedule', kind: 'linearWarmup' },
    post
      ? `a Post-LN Transformer (LayerNorm after the residual addition): at initialisation the gradients of the parameters near the output are large and do not shrink with depth, so full-size Adam steps from step 1 push the model to ${name} (loss ${fmtNum(e.baselineLoss)}), which ignores the input, and it stays there (Xiong et al., ICML 2020)`
      : `the loss fell from ${fmtNum(e.initialLoss)} to ${name}'s ${fmtNum(e.baselineLoss)} and stalled: the outputs no longer depend on the input, the mark of early steps too large for the model`,
  );
  if (post)
    add(
      'move each LayerNorm inside its residual branch (Pre-LN, as GPT-2: x + f(LN(x)), plus a final LayerNorm), which trains without warmup',
      { action: 'architecture', kind: 'preLN', layers: [...ctx.layerNames] },
      'in a Pre-LN Transformer the gradient near the output scales like 1/√L at initialisation (Xiong et al., Theorem 2), so the first steps do not break it',
    );
  const u = {
    text:
      ctx.lr !== undefined
        ? `lower the learning rate to ${fmtNum(round2(ctx.lr / 3))} (from ${fmtNum(ctx.lr)})`
        : 'lower the learning rate 3×',
    action: {
      action: 'lr',
      factor: 1 / 3,
      ...(ctx.lr !== undefined ? { lr: round2(ctx.lr / 3) } : {}),
    } as Remedy['action'],
  };
  add(
    u.text,
    u.action,
    'smaller first steps keep the input path alive (E17: at lr 1e-3 Post-LN trains without warmup)',
  );
  add(
    'check the inputs reach the model: a loss at the marginal level also results from inputs that carry no information about the targets',
    { action: 'checkData' },
    `the loss equals ${name}'s, which uses no input at all`,
  );
}

/**
 * The causes, likeliest first: dead ReLUs (≥ 50 % of a layer), saturated activations (≥ 30 %),
 * no gradient at all (‖g‖/‖p‖ < 1e-6, or exactly 0 in the first layer: a symmetric init),
 * vanishing gradients (first/last layer ratio < 1e-2, < 0.1 in a recurrent model, or any plain
 * tanh RNN: its vanishing is through time, which per-layer norms do not show), then a too low
 * learning rate (update ratio < 1e-4, or as the fallback).
 */
function rankCauses(e: NotLearningEvidence, cells: readonly string[]): string[] {
  const out: string[] = [];
  if (e.deadFraction >= 0.5) out.push('deadUnits');
  if (e.saturation >= 0.3) out.push('saturated');
  if (e.relativeGradient < 1e-6 || e.firstOverLast === 0) out.push('noGradient');
  if (
    e.firstOverLast < 1e-2 ||
    (cells.length > 0 && e.firstOverLast < 0.1) ||
    cells.includes('rnn')
  )
    out.push('vanishing');
  if (!(e.updateRatio >= 1e-4) || out.length === 0) out.push('lowLr');
  return out;
}

/**
 * `notLearning`: after `notLearningBudget` checks, the mean loss of the last
 * `notLearningWindow` finite checks is still within `notLearningBand` of its initial level
 * (the mean of the first `notLearningStart` checks) — or of chance, ln C, when the model has
 * C ≥ 2 outputs and started near ln C (cross-entropy over C classes) — or, when the data
 * declared the loss of the input-independent predictor (`notLearningBaseline`, e.g. the unigram
 * loss of a character corpus), within the band of it and no longer falling (the window before
 * was at most `notLearningStall`·baseline higher): the model learned the target frequencies and
 * nothing from its input, as E17's Post-LN Transformer without warmup. The verdict ranks the
 * likeliest causes from what the monitor sees: dead units, saturated activations, vanishing
 * gradients (recurrent or deep), no gradient at all (a symmetric init), a too low learning
 * rate (tiny update ratios). Issue 20: a tanh RNN on temporal order (T = 50, SGD) stayed at
 * chance for 400 steps with no verdict.
 */
export const notLearning: Detector<
  'notLearning',
  NotLearningEvidence,
  NotLearningMeasure,
  NotLearningThresholds,
  NotLearningRunning
> = {
  kind: 'notLearning',
  rank: 6.5,
  scope: 'model',
  finiteOnly: true,
  thresholds: {
    notLearningBudget: { default: 200, range: { min: 1, integer: true } },
    notLearningWindow: { default: 50, range: { min: 1, integer: true } },
    notLearningStart: { default: 5, range: { min: 1, integer: true } },
    notLearningBand: { default: 0.05, range: { min: 0, max: 1 } },
    notLearningBaseline: { default: 0, range: { min: 0 } },
    notLearningStall: { default: 0.01, range: { min: 0 } },
  },
  ringWindow: (th) => 2 * th.notLearningWindow,
  running: () => ({ startSum: 0, startCount: 0 }),
  measure(s, th, r) {
    if (s.checks < th.notLearningBudget || r.startCount < th.notLearningStart) return null;
    const ring = s.ring;
    const w = Math.min(th.notLearningWindow, ring.count);
    let sum = 0;
    for (let k = 0; k < w; k++) {
      const l = ring.loss[ringIndex(ring, w, k)] as number;
      if (!Number.isFinite(l)) return null;
      sum += l;
    }
    const recent = sum / w;
    // The window before the recent one (NaN while the ring holds fewer than 2w checks).
    let previous = NaN;
    if (ring.count >= 2 * w) {
      let p = 0;
      for (let k = 0; k < w; k++) p += ring.loss[ringIndex(ring, 2 * w, k)] as number;
      previous = p / w;
    }
    const initial = r.startSum / r.startCount;
    const band = th.notLearningBand;
    if (near(recent, initial, band)) return { reference: 'initial', recent, previous };
    if (near(recent, chanceOf(s, initial), band)) return { reference: 'chance', recent, previous };
    const base = th.notLearningBaseline;
    // At the declared marginal level and no longer falling: stalled there (a finite previous
    // window is required, so a run passing through the band is not caught mid-descent).
    if (
      base > 0 &&
      near(recent, base, band) &&
      Number.isFinite(previous) &&
      previous - recent <= th.notLearningStall * base
    )
      return { reference: 'baseline', recent, previous };
    return null;
  },
  fold(s, th, r) {
    if (r.startCount < th.notLearningStart && Number.isFinite(s.loss)) {
      r.startSum += s.loss;
      r.startCount++;
    }
  },
  patience: () => 1,
  cooldown: (th) => th.cooldown,
  verdict(s, m, th, r, ctx) {
    const st = s.stats;
    const L = st.layerNames.length;
    const initial = r.startSum / r.startCount;
    const chance = chanceOf(s, initial);
    const e: NotLearningEvidence = {
      reference: m.reference,
      initialLoss: initial,
      chanceLoss: chance,
      baselineLoss: th.notLearningBaseline > 0 ? th.notLearningBaseline : NaN,
      recentLoss: m.recent,
      previousLoss: m.previous,
      checks: s.checks,
      window: th.notLearningWindow,
      budget: th.notLearningBudget,
      updateRatio: st.totalUpdateRatio,
      relativeGradient: st.totalGradNorm / Math.max(st.totalParamNorm, 1),
      firstOverLast:
        L >= 2 ? (st.layerGradNorm[0] as number) / (st.layerGradNorm[L - 1] as number) : NaN,
      deadFraction: maxProbe(s, 'deadFraction'),
      saturation: maxProbe(s, 'saturation'),
      likelyCause: '',
    };
    e.likelyCause =
      m.reference === 'baseline'
        ? ctx.declared.transformerNorm === 'post'
          ? 'postLnWithoutWarmup'
          : 'largeEarlySteps'
        : (rankCauses(e, [...ctx.recurrentOf.values()])[0] ?? 'unknown');
    const remedies = remediesOf(e, ctx);
    if (m.reference === 'baseline') {
      const name = ctx.declared.baselineName ?? 'the input-independent (marginal) predictor';
      return {
        kind: 'notLearning',
        status: 'started',
        step: s.step,
        layers: [],
        severity: 'critical',
        message: `not learning beyond ${name}: after ${s.checks} checks the loss fell from ${fmtNum(initial)} to ${name}'s ${fmtNum(th.notLearningBaseline)} and stalled there (mean ${fmtNum(m.recent)} over the last ${th.notLearningWindow} checks, ${fmtNum(m.previous)} over the ${th.notLearningWindow} before): the predictions ignore the input; likeliest cause: ${remedies[0]?.why ?? 'unknown'}`,
        evidence: e,
        remedies,
      };
    }
    const where =
      m.reference === 'chance'
        ? `at chance (ln C = ${fmtNum(chance)})`
        : `at its initial level (${fmtNum(initial)})`;
    return {
      kind: 'notLearning',
      status: 'started',
      step: s.step,
      layers: [],
      severity: 'critical',
      message: `not learning: after ${s.checks} checks the loss is still ${where}: mean ${fmtNum(m.recent)} over the last ${th.notLearningWindow} checks; likeliest cause: ${remedies[0]?.why ?? 'unknown'}`,
      evidence: e,
      remedies,
    };
  },
};
