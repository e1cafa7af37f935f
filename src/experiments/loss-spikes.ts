import { spikeClip } from '../clip/spike-clip.js';
import { zClip } from '../clip/z-clip.js';
import { ConfigError, fmt } from '../errors.js';
import { charCorpus, loadFirstNames, type CharCorpus } from '../data/char-text.js';
import type { Verdict } from '../monitor/types.js';
import type { GradientTransformation } from '../optim/types.js';
import { barChart, lineChart } from '../report/charts.js';
import { trainCharLm } from '../train/char-lm.js';
import { verdictRecord } from './internal/flagship-common.js';
import { above, below, finish, holds, pause, roundTo, seedsOf } from './internal/outcome.js';
import { lossSpikeEvents, spikePeaks, SPIKE_DEFINITION } from './loss-spike-count.js';
import type { Criterion, Experiment, ExperimentContext, ExperimentResult, Json } from './types.js';

// E18 — loss spikes and adaptive clipping, on a character-level GPT over the bundled names.
// Calibrated first with PyTorch (examples/reference/torch_e18_loss_spikes.py: the same model
// family from torch.nn.TransformerEncoderLayer, GPT-2 init, PyTorch's own seeds and batches).
// A sweep of 20 recipes (lr 3e-3 … 1e-1, β₂ 0.99/0.999, batch 4–64, 2–4 blocks, width 64/128,
// Pre-/Post-LN, warmup 0/50) on the whole training stream gave no loss spike in PyTorch: this
// small model at a high learning rate stalls (loss ~2.5–2.9) instead of spiking. Spikes came
// when the model memorises a small stretch of text (512 tokens, ~80 names) with Adam at β₂ 0.999:
// once the training loss is low, its gradients — and Adam's second moment — shrink, and a
// gradient that grows again meets a small √v and takes an outsized step (the "slingshot" of
// Thilak et al. 2022). So E18 is about training loss on that stretch, not validation loss.
// PyTorch, seeds 0/1/2, events in 1,200 steps: no clipping 2/1/4, global norm ≤ 1 1/2/3, ZClip
// 4/1/4, spike clipping 4/2/2 — no clipping rule removes these spikes (their gradient norms are
// only 1.3–3.8× typical); the criteria say so. A recipe whose spikes follow gradient spikes, where
// ZClip should help, is still to be found (docs/EXPERIMENTS.md E18).
// A second search (2026-12-07, same script) found spikes that do follow gradient spikes: full-batch
// training on 257 tokens (8 windows, every step the same batch) at lr 3e-3 — the gradient norm grows
// ×1.3–1.5 per step for 10–15 steps before the loss moves (PyTorch seed 0: 86× before the event at
// step 767). Clipping did not remove those either (ZClip 5 events against 1), but they test the
// monitor's attribution: the `fullBatch` arm (no clipping, monitor on) is where the lossSpike
// verdict must name layers, and E18's own recipe, where no gradient spiked, is its control.
// Criteria revised 2026-12-07: spike timing is chaotic, so the unclipped count is pooled over seeds,
// counting large events (peak ≥ 1.3×), with a control arm at lr 3e-4 (PyTorch: events 1/1/0, all
// ≤ 1.23×; E18's recipe: every one of 24 events ≥ 1.35×); the clipping ratios are reported figures.

/** The model: a 2-block Pre-LN GPT over 28 characters (context 32, 4 heads, width 64, GPT-2 init). */
const MODEL = {
  context: 32,
  layers: 2,
  heads: 4,
  embed: 64,
  init: 'gpt2',
  activation: 'geluTanh',
  norm: 'pre',
} as const;
/** The recipe: Adam (β₂ 0.999) at lr 3e-3, no warmup, batches of 8 windows of the first 512 training tokens. */
const TRAIN = { subset: 512, batch: 8, lr: 3e-3, beta2: 0.999, steps: 1200, quickSteps: 300 };
/** Quick mode: the unclipped run's mean training loss over its last 100 steps is below this. */
const QUICK_BOUND = 2.2;
/**
 * Full mode: no clipping's large spike events (peak ≥ LARGE_PEAK) pooled over the seeds are at
 * least this many per seed (3 over seeds 0–2). Spike timing is chaotic (a float rounding changes
 * the trajectory), so the count is a Poisson draw: PyTorch's unclipped runs gave 7 events over
 * seeds 0–2 (rate ≈ 2.3 per seed per 1,200 steps); at that rate a seed has no event with
 * probability e^−2.3 ≈ 10 %, so "every seed spikes" fails a faithful reproduction about one time
 * in four (1 − 0.9³), while a pooled count of at least 3 fails it with probability
 * P(N ≤ 2 | λ = 7) = e^−7(1 + 7 + 24.5) ≈ 3 %.
 */
const POOLED_MIN_PER_SEED = 1;
/**
 * A large spike: its excursion peaks at ≥ 1.3× the window's mean ({@link spikePeaks}). Fixed from
 * PyTorch before the gradscope control run: all 24 events of E18's recipe (4 arms, seeds 0–2)
 * peaked at 1.35–1.92×; the control's (lr 3e-4: 2 events, 1.15× and 1.23×; lr 1e-4: 3 events,
 * 1.08–1.09×) are batch noise of a model still far from its floor, which the bare event count
 * does not tell apart.
 */
const LARGE_PEAK = 1.3;
/** The `fullBatch` arm's recipe: the first 257 training tokens (8 windows) as one batch, lr 3e-3. */
const FULL_BATCH = { subset: 257, lr: 3e-3 };
/**
 * The control of the pooled-count criterion: E18's recipe (no clipping) at a learning rate where
 * PyTorch's runs did not spike (examples/reference/torch_e18_loss_spikes.py, seeds 0–2).
 */
const CONTROL = { lr: 3e-4 };
/** Full mode: the control's large spike events pooled over seeds 0–2 are at most this many (PyTorch: 0). */
const CONTROL_POOLED_MAX = 1;
/** Global-norm clipping threshold of the `norm` arm (nanoGPT's and PyTorch examples' usual 1). */
const CLIP_NORM = 1;
/** The monitor's lossSpike thresholds: the spike definition's window, z and rise. */
const MONITOR_THRESHOLDS = {
  lossSpikeWindow: SPIKE_DEFINITION.window,
  lossSpikeZ: SPIKE_DEFINITION.z,
  lossSpikeRise: SPIKE_DEFINITION.rise,
};

/**
 * The arms of E18: no clipping, global-norm clipping, ZClip, spike clipping; `fullBatch` (no
 * clipping, full-batch training: the attribution arm) and `control` (no clipping, a learning rate
 * that does not spike).
 */
export type LossSpikeArm = 'none' | 'norm' | 'zclip' | 'spike' | 'fullBatch' | 'control';

/** One arm: a clipping rule before Adam (and, for `fullBatch`, the full-batch recipe). */
interface Arm {
  id: LossSpikeArm;
  label: string;
  clipNorm: number | null;
  transform: () => GradientTransformation<unknown> | null;
  /** Full-batch training on FULL_BATCH's tokens at its lr instead of E18's recipe. */
  fullBatch?: boolean;
  /** A learning rate other than the recipe's (the control). */
  lr?: number;
}
const ARMS: readonly Arm[] = [
  { id: 'none', label: 'no clipping', clipNorm: null, transform: () => null },
  {
    id: 'norm',
    label: `global norm ≤ ${CLIP_NORM}`,
    clipNorm: CLIP_NORM,
    transform: () => null,
  },
  {
    id: 'zclip',
    label: 'ZClip (z 2.5, α 0.97)',
    clipNorm: null,
    transform: () => zClip() as GradientTransformation<unknown>,
  },
  {
    id: 'spike',
    label: 'spike clipping (θ 5000)',
    clipNorm: null,
    transform: () =>
      spikeClip({
        threshold: 5000,
        decay: TRAIN.beta2,
        startStep: 20,
      }) as GradientTransformation<unknown>,
  },
  {
    id: 'fullBatch',
    label: `no clipping, full batch (${FULL_BATCH.subset} tokens, lr ${FULL_BATCH.lr})`,
    clipNorm: null,
    transform: () => null,
    fullBatch: true,
  },
  {
    id: 'control',
    label: `no clipping at lr ${CONTROL.lr.toExponential()} (control)`,
    clipNorm: null,
    transform: () => null,
    lr: CONTROL.lr,
  },
];

/** The arm ids in the order a one-process run trains them (per seed). */
export const LOSS_SPIKE_ARMS: readonly LossSpikeArm[] = ARMS.map((a) => a.id);

/** The corpus E18 trains on: the names corpus with its training stream cut to the first `subset` tokens. */
function memorisationCorpus(corpus: CharCorpus, subset: number): CharCorpus {
  return { ...corpus, train: corpus.train.subarray(0, subset) };
}

/** Mean of the last `n` values. */
function tailMean(xs: readonly number[], n: number): number {
  const t = xs.slice(-n);
  return t.reduce((a, b) => a + b, 0) / t.length;
}

/**
 * Vertical marks at `steps` spanning [lo, hi], one series each (the line chart drops non-finite
 * points and would join marks of one series; lo > 0 for the log axis).
 */
function markers(name: string, steps: readonly number[], lo: number, hi: number) {
  return steps.map((s) => ({ name: `${name} at ${s}`, x: [s, s], y: [lo, hi] }));
}

/** One finished run of an arm: its training losses, spike events and lossSpike verdicts. */
export interface LossSpikeArmRun {
  arm: LossSpikeArm;
  seed: number;
  trainLoss: number[];
  /** Spike events ({@link lossSpikeEvents}, 1-based steps). */
  events: number[];
  /** The monitor's verdicts (the unclipped arms only; the others run without it). */
  verdicts: Verdict[];
}

/**
 * Trains one arm of E18 for one seed (`steps` defaults to full mode's): the memorisation corpus,
 * the GPT and Adam recipe above, the arm's clipping rule (`fullBatch`: no clipping, the first 257
 * tokens as one full batch at lr 3e-3; `control`: no clipping at lr 3e-4); the monitor (lossSpike on, with the spike definition's
 * window, z and rise) watches the unclipped arms.
 * @example const r = await trainLossSpikeArm('none', 0, 300); r.events
 */
export async function trainLossSpikeArm(
  arm: LossSpikeArm,
  seed: number,
  steps: number = TRAIN.steps,
): Promise<LossSpikeArmRun> {
  const a = ARMS.find((x) => x.id === arm);
  if (a === undefined)
    throw new ConfigError(
      `trainLossSpikeArm: arm must be one of ${LOSS_SPIKE_ARMS.join(', ')}, got ${fmt(arm)}`,
    );
  const full = a.fullBatch === true;
  const corpus = memorisationCorpus(
    charCorpus(await loadFirstNames()),
    full ? FULL_BATCH.subset : TRAIN.subset,
  );
  const r = trainCharLm(corpus, {
    model: { ...MODEL, dtype: 'float32' },
    steps,
    batch: TRAIN.batch,
    // 257 tokens are 8 windows of 32: batches of 8 consecutive windows are the whole stream
    order: full ? 'sequential' : 'random',
    lr: full ? FULL_BATCH.lr : (a.lr ?? TRAIN.lr),
    beta2: TRAIN.beta2,
    clipNorm: a.clipNorm,
    transform: a.transform(),
    seed,
    monitor:
      arm === 'none' || full
        ? { detectors: { lossSpike: true }, thresholds: MONITOR_THRESHOLDS }
        : false,
  });
  return {
    arm,
    seed,
    trainLoss: r.trainLoss,
    events: lossSpikeEvents(r.trainLoss),
    verdicts: r.verdicts,
  };
}

/**
 * The monitor on some unclipped runs: their spike events, those met by a lossSpike verdict within
 * 2 steps (the detector applies the spike definition live), and those verdicts naming a layer.
 */
function monitorTally(runs: readonly Trained[]): { events: number; caught: number; named: number } {
  let events = 0;
  let caught = 0;
  let named = 0;
  for (const t of runs) {
    const vs = t.run.verdicts.filter((v) => v.kind === 'lossSpike');
    for (const e of t.events) {
      events++;
      const v = vs.find((x) => Math.abs(x.step - e) <= 2);
      if (v === undefined) continue;
      caught++;
      if (v.layers.length > 0) named++;
    }
  }
  return { events, caught, named };
}

/** One finished run with its arm. */
interface Trained {
  arm: Arm;
  seed: number;
  run: LossSpikeArmRun;
  events: number[];
}

async function run(ctx: ExperimentContext): Promise<ExperimentResult> {
  const t0 = performance.now();
  const seeds = seedsOf(lossSpikes, ctx);
  const steps = ctx.quick ? TRAIN.quickSteps : TRAIN.steps;
  const arms = ctx.quick ? ARMS.filter((a) => a.id === 'none') : ARMS;
  const pieces: LossSpikeArmRun[] = [];
  let done = 0;
  for (const seed of seeds) {
    for (const arm of arms) {
      pieces.push(await trainLossSpikeArm(arm.id, seed, steps));
      ctx.progress?.(++done / (seeds.length * arms.length), `${arm.id} seed ${seed}`);
      await pause();
    }
  }
  return assembleLossSpikes(ctx, seeds, pieces, t0);
}

/**
 * E18's result from its arm runs (run in one process by `run`, or in several and gathered):
 * criteria, run records, charts and the lossSpike verdicts.
 */
export function assembleLossSpikes(
  ctx: ExperimentContext,
  seeds: readonly number[],
  pieces: readonly LossSpikeArmRun[],
  t0: number,
): ExperimentResult {
  // the one-process order (seed, then arm), whatever order the pieces came in
  const rank = (p: LossSpikeArmRun): number =>
    seeds.indexOf(p.seed) * ARMS.length + LOSS_SPIKE_ARMS.indexOf(p.arm);
  const trained: Trained[] = [...pieces]
    .sort((p, q) => rank(p) - rank(q))
    .map((p) => ({
      arm: ARMS.find((a) => a.id === p.arm) as Arm,
      seed: p.seed,
      run: p,
      events: p.events,
    }));
  const runs: Json[] = trained.map((t) => ({
    arm: t.arm.id,
    seed: t.seed,
    spikes: t.events,
    peaks: spikePeaks(t.run.trainLoss, t.events).map((p) => roundTo(p, 3)),
    finalTrainLoss: roundTo(tailMean(t.run.trainLoss, 100), 4),
    lossSpikeVerdicts: t.run.verdicts
      .filter((v) => v.kind === 'lossSpike')
      .map((v) => ({ step: v.step, layers: [...v.layers] })),
    trainLoss: t.run.trainLoss.map((x) => roundTo(x, 4)),
  }));

  const of = (id: LossSpikeArm): Trained[] => trained.filter((t) => t.arm.id === id);
  const criteria: Criterion[] = [];
  let figures: Json = null;
  /** An arm's spike events pooled over the seeds (only the large ones, peak ≥ LARGE_PEAK, if `big`). */
  const countOf = (id: LossSpikeArm, big: boolean): number =>
    of(id).reduce(
      (a, t) =>
        a +
        (big
          ? spikePeaks(t.run.trainLoss, t.events).filter((p) => p >= LARGE_PEAK).length
          : t.events.length),
      0,
    );
  const none = of('none');
  const { events: eventsNone, caught, named } = monitorTally(none);
  const fullBatch = monitorTally(of('fullBatch'));
  if (ctx.quick) {
    criteria.push(
      below(
        `quick, no clipping: mean training loss of steps ${TRAIN.quickSteps - 99}–${TRAIN.quickSteps} (memorising; the unigram level is ≈ 2.85)`,
        Math.max(...none.map((t) => tailMean(t.run.trainLoss, 100))),
        QUICK_BOUND,
        `< ${QUICK_BOUND}`,
      ),
    );
  } else {
    const total = (id: LossSpikeArm): number => countOf(id, false);
    const large = (id: LossSpikeArm): number => countOf(id, true);
    // Pooled over the seeds (a Poisson count, see POOLED_MIN_PER_SEED), with its control: the
    // same recipe at a learning rate that did not spike in PyTorch must stay at or below 1.
    criteria.push(
      holds(
        `no clipping (E18 recipe): spike events peaking at ≥ ${LARGE_PEAK}× their window's mean, pooled over seeds ${seeds.join(', ')} (PyTorch: 7)`,
        large('none') >= POOLED_MIN_PER_SEED * seeds.length,
        `≥ ${POOLED_MIN_PER_SEED * seeds.length}`,
        large('none'),
      ),
      holds(
        `${ARMS.find((a) => a.id === 'control')?.label as string}: spike events peaking at ≥ ${LARGE_PEAK}×, pooled over seeds ${seeds.join(', ')} (PyTorch: 0)`,
        large('control') <= CONTROL_POOLED_MAX,
        `≤ ${CONTROL_POOLED_MAX}`,
        large('control'),
      ),
    );
    // Attribution (fixed 2026-12-07 from PyTorch's leads before the gradscope runs): where the
    // gradient grew first (full batch) the verdict names layers; where it did not (E18's recipe,
    // leads 1.4–2.1) it names none — each the other's control.
    criteria.push(
      above(
        `monitor, ${ARMS.find((a) => a.id === 'fullBatch')?.label as string}: share of its spike events (all seeds) whose lossSpike verdict names a layer (the gradient spiked first)`,
        fullBatch.events === 0 ? NaN : fullBatch.named / fullBatch.events,
        0.5,
        '> 0.5',
      ),
      below(
        'monitor, no clipping (E18 recipe): share of its spike events whose lossSpike verdict names a layer (no gradient spiked)',
        eventsNone === 0 ? NaN : named / eventsNone,
        0.5,
        '< 0.5',
      ),
      above(
        'monitor, no clipping: share of spike events with a lossSpike verdict within 2 steps',
        eventsNone === 0 ? 0 : caught / eventsNone,
        0.5,
        '> 0.5',
      ),
    );
    // Reported, not judged: the clipping arms' pooled events over no clipping's. In PyTorch they
    // were 6/7 (global norm), 9/7 (ZClip), 8/7 (spike clipping): no rule removed these spikes, a
    // negative finding with no arm that a ratio bound could separate it from.
    const ratio = (id: LossSpikeArm): number | string =>
      total('none') === 0 ? 'NaN' : (roundTo(total(id) / total('none'), 3) as number);
    figures = {
      pooledEvents: Object.fromEntries(LOSS_SPIKE_ARMS.map((id) => [id, total(id)])),
      pooledLargeEvents: Object.fromEntries(LOSS_SPIKE_ARMS.map((id) => [id, large(id)])),
      overNoClipping: { norm: ratio('norm'), zclip: ratio('zclip'), spike: ratio('spike') },
    };
  }

  // the seed whose unclipped run spiked most (the first on a tie), so the marks have events to show
  const shown = none.reduce(
    (b, t) => (t.events.length > b.events.length ? t : b),
    none[0] as Trained,
  ).seed;
  const first = trained.filter((t) => t.seed === shown && t.arm.fullBatch !== true);
  const hi = Math.max(...first.flatMap((t) => t.run.trainLoss.slice(100)));
  const lo = Math.min(...first.flatMap((t) => t.run.trainLoss.slice(100)));
  const charts = [
    lineChart({
      id: 'train-loss',
      title: `Training loss (nats/char), seed ${shown}; vertical marks: spike events of the unclipped run`,
      series: [
        ...first.map((t) => ({ name: t.arm.label, y: t.run.trainLoss })),
        ...markers('spike', first.find((t) => t.arm.id === 'none')?.events ?? [], lo, hi),
      ],
      xLabel: 'step',
      yLabel: 'training cross-entropy',
      logY: true,
      maxPoints: 600,
    }),
  ];
  if (figures !== null)
    charts.push(
      barChart({
        id: 'pooled-events',
        title: `Spike events pooled over seeds ${seeds.join(', ')}, per arm: all, and large (peak ≥ ${LARGE_PEAK}× the window's mean)`,
        bars: ARMS.flatMap((a) => [
          { label: a.id, value: countOf(a.id, false), group: 'all events' },
          { label: a.id, value: countOf(a.id, true), group: `peak ≥ ${LARGE_PEAK}×` },
        ]),
        yLabel: 'events (3 seeds × 1,200 steps)',
      }),
    );
  // named share, for the record
  runs.push({ monitor: { events: eventsNone, caught, named, fullBatch } });
  if (figures !== null) runs.push({ figures });
  const res = finish(lossSpikes, ctx, { t0, seeds: [...seeds], criteria, runs, charts });
  res.verdicts = trained.flatMap((t) =>
    t.run.verdicts
      .filter((v: Verdict) => v.kind === 'lossSpike')
      .map((v) => verdictRecord(`${t.arm.id}-seed${t.seed}`, v)),
  );
  return res;
}

/** E18: loss spikes and adaptive clipping on a small character-level GPT. */
export const lossSpikes: Experiment = {
  name: 'loss-spikes',
  id: 'E18',
  title: 'Loss spikes in a small GPT and adaptive clipping (ZClip, spike clipping)',
  paper:
    'A. Kumar, L. Owen, N. R. Chowdhury, F. Güra, "ZClip: Adaptive Spike Mitigation for LLM Pre-Training", 2025; T. Huang, Z. Zhu, G. Jin, L. Liu, Z. Wang, S. Liu, "SPAM: Spike-Aware Adam with Momentum Reset for Stable LLM Training", ICLR 2025',
  story:
    "Loss spikes — the training loss jumping far above its recent level and recovering — plague language-model training; ZClip clips the gradient norm when it jumps above its running mean by a z-score, SPAM clips gradient entries far above their running second moment. A 2-block GPT memorising 512 characters of names with Adam (β₂ 0.999) at lr 3e-3 spikes again and again once its loss is low; we count spikes (a loss more than 4 std and 5 % above the mean of the 20 steps before) with no clipping, global-norm clipping at 1, ZClip and spike clipping (their ratios to no clipping are reported), and let the monitor name the layers whose gradients spiked first. In PyTorch no clipping rule removed these spikes: they are outsized Adam steps on a small second moment, not gradient spikes. Spike timing is chaotic, so the unclipped runs' large spikes (peaking at ≥ 1.3× their window) are pooled over the seeds, and the same recipe at lr 3e-4 — which did not spike in PyTorch — is their control. A fifth arm trains 257 tokens as one full batch at lr 3e-3, where the gradient norm grows for 10–15 steps before the loss spikes: there the lossSpike verdict must name the layers, on E18's recipe it must name none.",
  defaultSeeds: { full: [0, 1, 2], quick: [0] },
  run,
};
