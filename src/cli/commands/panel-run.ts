import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, fmt } from '../../errors.js';
import { VERDICT_KINDS, type Verdict, type VerdictKind } from '../../monitor/types.js';
import { parseTrainConfig, type TrainConfig } from '../../train/config.js';
import { buildTrainRun, type MnistLoader } from '../../train/config-build.js';
import { parseConfigText } from '../../train/config-json.js';
import { fit } from '../../train/fit.js';

/**
 * What a run must do to confirm its label, measured on the run itself (never on the monitor):
 * one table, each entry a description and its check. A label whose run does not behave as
 * labelled is reported as unconfirmed (the run then does not count as evidence either way).
 */
export const CONFIRMS = {
  /** Final accuracy (last evaluation, else the last epoch's training accuracy) at least this: it learned. */
  minAccuracy: {
    text: (v: number) => `accuracy ≥ ${v}`,
    check: (m: RunMeasures, v: number) => m.accuracy >= v,
  },
  /** Final accuracy at most this: it did not learn (e.g. chance + a margin). */
  maxAccuracy: {
    text: (v: number) => `accuracy ≤ ${v}`,
    check: (m: RunMeasures, v: number) => m.accuracy <= v,
  },
  /** Final loss (mean of the last tenth of the steps) over the first step's loss at most this: it learned. */
  maxFinalOverFirst: {
    text: (v: number) => `final loss ≤ ${v}× first`,
    check: (m: RunMeasures, v: number) => m.finalLoss <= v * m.firstLoss,
  },
  /** Final loss over the chance level ln C at least this: it stayed at chance. */
  minFinalOverChance: {
    text: (v: number) => `final loss ≥ ${v}·ln C`,
    check: (m: RunMeasures, v: number) => m.finalLoss >= v * m.chance,
  },
  /** Final loss over the first step's loss at least this: it did not learn. */
  minFinalOverFirst: {
    text: (v: number) => `final loss ≥ ${v}× first`,
    check: (m: RunMeasures, v: number) => m.finalLoss >= v * m.firstLoss,
  },
  /** Largest loss over the first at least this (a non-finite loss counts as infinite): it diverged. */
  minMaxOverFirst: {
    text: (v: number) => `max loss ≥ ${v}× first`,
    check: (m: RunMeasures, v: number) => m.maxLoss >= v * m.firstLoss,
  },
  /** 1: some step's loss or gradients were NaN/Inf. */
  nonFinite: {
    text: () => 'a non-finite step',
    check: (m: RunMeasures) => m.nonFiniteSteps > 0,
  },
} as const;

/** The confirmation conditions of a panel run (see {@link CONFIRMS}). */
export type Confirm = Partial<Record<keyof typeof CONFIRMS, number>>;

/** One run of the panel, as panel.json lists it. */
export interface PanelEntry {
  /** The train config, relative to the panel file (the `gradscope train --config` format). */
  config: string;
  /** 'healthy', or the verdict kind the run must get. */
  label: 'healthy' | VerdictKind;
  /** Broken runs: the labelled verdict must start at a step ≤ this. */
  within?: number;
  /** Other kinds that are right on this run too (e.g. nonFinite after an explosion); not false positives. */
  also?: VerdictKind[];
  /** How the run is broken (or why it is healthy): the cause built in. */
  cause: string;
  /** What the run must do to confirm the label. */
  confirm: Confirm;
  /** In the quick subset (`gradscope panel --quick`). */
  quick?: boolean;
}

/** What a run did, measured from its losses and metrics. */
export interface RunMeasures {
  steps: number;
  firstLoss: number;
  /** Mean loss over the last tenth of the steps (at least the last step; Infinity if non-finite). */
  finalLoss: number;
  /** Largest step loss (Infinity if a step was non-finite). */
  maxLoss: number;
  /** Accuracy of the last evaluation, else of the last epoch; NaN for regression. */
  accuracy: number;
  /** ln C for classification over C classes, NaN otherwise. */
  chance: number;
  nonFiniteSteps: number;
  timeMs: number;
}

/** One verdict as the panel reports it. */
export interface PanelVerdict {
  kind: VerdictKind;
  step: number;
  message: string;
}

/** The result of one panel run. */
export interface PanelRunResult {
  name: string;
  config: string;
  label: PanelEntry['label'];
  within: number | null;
  cause: string;
  measures: RunMeasures;
  /** Whether the run did what its label says (and which conditions failed). */
  confirmed: boolean;
  unconfirmed: string[];
  /** Every verdict that started, in order. */
  verdicts: PanelVerdict[];
  /** Broken runs: the step the labelled verdict started (null: never). */
  timeToVerdict: number | null;
  /** Healthy: no verdict; broken: the labelled verdict within `within` and no kind outside label/also. */
  pass: boolean;
  /** Kinds that fired that are neither the label nor listed in `also` (healthy: all of them). */
  wrong: VerdictKind[];
}

/** A parsed panel file. */
export interface Panel {
  file: string;
  entries: (PanelEntry & { name: string; path: string })[];
}

function checkEntry(e: unknown, i: number, file: string): PanelEntry {
  const where = `${file}: runs[${i}]`;
  if (e === null || typeof e !== 'object' || Array.isArray(e))
    throw new ConfigError(`${where} = ${fmt(e)} is not an object`);
  const o = e as Record<string, unknown>;
  const known = ['config', 'label', 'within', 'also', 'cause', 'confirm', 'quick'];
  for (const k of Object.keys(o))
    if (!known.includes(k))
      throw new ConfigError(
        `${where}.${k} is not a panel field; expected one of ${known.join(', ')}`,
      );
  if (typeof o.config !== 'string' || o.config === '')
    throw new ConfigError(`${where}.config = ${fmt(o.config)} is not a config path`);
  const labels = ['healthy', ...VERDICT_KINDS];
  if (typeof o.label !== 'string' || !labels.includes(o.label))
    throw new ConfigError(
      `${where}.label = ${fmt(o.label)} is not a label; expected one of ${labels.join(', ')}`,
    );
  if (o.label !== 'healthy' && (typeof o.within !== 'number' || !(o.within >= 1)))
    throw new ConfigError(
      `${where}.within = ${fmt(o.within)}: a broken run needs a step count ≥ 1`,
    );
  if (
    o.also !== undefined &&
    (!Array.isArray(o.also) ||
      o.also.some((k) => !(VERDICT_KINDS as string[]).includes(k as string)))
  )
    throw new ConfigError(`${where}.also = ${fmt(o.also)} is not a list of verdict kinds`);
  if (typeof o.cause !== 'string' || o.cause === '')
    throw new ConfigError(`${where}.cause = ${fmt(o.cause)}: say what is built in`);
  const c = o.confirm;
  if (c === null || typeof c !== 'object' || Array.isArray(c) || Object.keys(c).length === 0)
    throw new ConfigError(`${where}.confirm = ${fmt(c)}: give at least one condition`);
  for (const [k, v] of Object.entries(c as Record<string, unknown>))
    if (!(k in CONFIRMS) || typeof v !== 'number')
      throw new ConfigError(
        `${where}.confirm.${k} = ${fmt(v)}; expected a number for one of ${Object.keys(CONFIRMS).join(', ')}`,
      );
  return o as unknown as PanelEntry;
}

/**
 * Reads a panel file: `{ "runs": [PanelEntry…] }`, each config path relative to the file.
 * @example loadPanel('panel/panel.json').entries.length
 */
export function loadPanel(file: string): Panel {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(
      `cannot read panel '${file}': ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const runs = (raw as { runs?: unknown } | null)?.runs;
  if (!Array.isArray(runs)) throw new ConfigError(`${file}: expected { "runs": [...] }`);
  const entries = runs.map((e, i) => {
    const entry = checkEntry(e, i, file);
    const name = entry.config.replace(/\.json$/, '');
    return { ...entry, name, path: resolve(dirname(file), entry.config) };
  });
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.name)) throw new ConfigError(`${file}: run ${fmt(e.name)} is listed twice`);
    seen.add(e.name);
  }
  return { file, entries };
}

/**
 * Trains one panel run (its config with the monitor on, no run directory) and scores it: the
 * verdicts, the time to the labelled verdict, and whether the run confirmed its label.
 * @example const r = await runPanelEntry(panel.entries[0]); r.pass
 */
export async function runPanelEntry(
  entry: Panel['entries'][number],
  options: { loadMnist?: MnistLoader; enable?: readonly VerdictKind[] } = {},
): Promise<PanelRunResult> {
  let config: TrainConfig;
  try {
    config = parseTrainConfig(parseConfigText(readFileSync(entry.path, 'utf8'), entry.path));
  } catch (e) {
    throw e instanceof ConfigError
      ? new ConfigError(`invalid panel config '${entry.path}': ${e.message}`)
      : e;
  }
  if (config.monitor === undefined || config.monitor === false) config.monitor = true;
  if (options.enable !== undefined && options.enable.length > 0) {
    const m = config.monitor === true ? {} : config.monitor;
    const on = Object.fromEntries(options.enable.map((k) => [k, true]));
    config.monitor = { ...m, detectors: { ...m.detectors, ...on } };
  }
  delete config.out;
  const run = await buildTrainRun(
    config,
    options.loadMnist ? { loadMnist: options.loadMnist } : {},
  );
  const losses: number[] = [];
  const summary = await fit(run.model, run.optimizer, run.train, {
    ...run.fit,
    callbacks: [...(run.fit.callbacks ?? []), { onStep: (s) => void losses.push(s.loss) }],
    monitor: run.monitor,
    silent: true,
  });
  const verdicts: PanelVerdict[] = (run.monitor?.verdicts ?? [])
    .filter((v: Verdict) => v.status === 'started')
    .map((v: Verdict) => ({ kind: v.kind, step: v.step, message: v.message }));
  const n = losses.length;
  const tail = losses.slice(n - Math.max(1, Math.floor(n / 10)));
  const finite = (x: number): boolean => Number.isFinite(x);
  const acc = summary.metrics['val.accuracy'] ?? summary.metrics['train.accuracy'] ?? Number.NaN;
  const measures: RunMeasures = {
    steps: summary.steps,
    firstLoss: losses[0] ?? Number.NaN,
    finalLoss: tail.every(finite) ? tail.reduce((a, b) => a + b, 0) / tail.length : Infinity,
    maxLoss: losses.every(finite) ? Math.max(...losses) : Infinity,
    accuracy: acc,
    chance: run.task.numClasses !== undefined ? Math.log(run.task.numClasses) : Number.NaN,
    nonFiniteSteps: summary.nonFiniteSteps,
    timeMs: summary.timeMs,
  };
  const unconfirmed: string[] = [];
  for (const [k, v] of Object.entries(entry.confirm) as [keyof typeof CONFIRMS, number][]) {
    const c = CONFIRMS[k];
    if (!c.check(measures, v)) unconfirmed.push(c.text(v));
  }
  const ok = new Set<VerdictKind>(
    entry.label === 'healthy' ? [] : [entry.label, ...(entry.also ?? [])],
  );
  const wrong = [...new Set(verdicts.map((v) => v.kind).filter((k) => !ok.has(k)))];
  const hit = entry.label === 'healthy' ? undefined : verdicts.find((v) => v.kind === entry.label);
  const timeToVerdict = hit?.step ?? null;
  const pass =
    entry.label === 'healthy'
      ? verdicts.length === 0
      : timeToVerdict !== null && timeToVerdict <= (entry.within ?? Infinity) && wrong.length === 0;
  return {
    name: entry.name,
    config: entry.config,
    label: entry.label,
    within: entry.within ?? null,
    cause: entry.cause,
    measures,
    confirmed: unconfirmed.length === 0,
    unconfirmed,
    verdicts,
    timeToVerdict,
    pass,
    wrong,
  };
}

/** Precision and recall of one verdict kind over the panel. */
export interface KindScore {
  kind: VerdictKind;
  /** Runs labelled with this kind. */
  labelled: number;
  /** Runs where this kind fired. */
  fired: number;
  /** Labelled runs where it fired within the stated steps. */
  truePositives: number;
  /** Runs where it fired although it is neither their label nor listed as also right. */
  falsePositives: number;
  /** truePositives / (truePositives + falsePositives) (NaN when it never fired). */
  precision: number;
  /** truePositives / labelled (NaN when no run is labelled with it). */
  recall: number;
}

/** The panel's scores: per kind, the false alarms, and the confusion table. */
export interface PanelScore {
  kinds: KindScore[];
  /** Healthy runs with at least one verdict. */
  falseAlarms: number;
  healthy: number;
  broken: number;
  unconfirmed: number;
  passed: number;
  /** Rows: the labels ('healthy' and the kinds); columns: the first verdict of each run ('none' if none). */
  confusion: { label: string; counts: Record<string, number> }[];
}

/**
 * Scores panel results: precision and recall per verdict kind (a hit counts only within the
 * run's stated steps; a kind listed in the run's `also` is neither a hit nor a false positive),
 * the healthy false alarms and a confusion table of label × first verdict. Unconfirmed runs
 * count nowhere.
 * @example scorePanel(results).falseAlarms // 0
 */
export function scorePanel(results: readonly PanelRunResult[]): PanelScore {
  const ok = results.filter((r) => r.confirmed);
  const kinds: KindScore[] = [];
  for (const kind of VERDICT_KINDS) {
    let labelled = 0;
    let fired = 0;
    let tp = 0;
    let fp = 0;
    for (const r of ok) {
      const f = r.verdicts.some((v) => v.kind === kind);
      if (f) fired++;
      if (r.label === kind) {
        labelled++;
        if (r.timeToVerdict !== null && r.timeToVerdict <= (r.within ?? Infinity)) tp++;
      } else if (f && r.wrong.includes(kind)) fp++;
    }
    if (labelled === 0 && fired === 0) continue;
    kinds.push({
      kind,
      labelled,
      fired,
      truePositives: tp,
      falsePositives: fp,
      precision: tp + fp > 0 ? tp / (tp + fp) : Number.NaN,
      recall: labelled > 0 ? tp / labelled : Number.NaN,
    });
  }
  const labels = ['healthy', ...VERDICT_KINDS].filter((l) => ok.some((r) => r.label === l));
  const confusion = labels.map((label) => {
    const counts: Record<string, number> = {};
    for (const r of ok.filter((x) => x.label === label)) {
      const first = r.verdicts[0]?.kind ?? 'none';
      counts[first] = (counts[first] ?? 0) + 1;
    }
    return { label, counts };
  });
  return {
    kinds,
    falseAlarms: ok.filter((r) => r.label === 'healthy' && r.verdicts.length > 0).length,
    healthy: ok.filter((r) => r.label === 'healthy').length,
    broken: ok.filter((r) => r.label !== 'healthy').length,
    unconfirmed: results.length - ok.length,
    passed: ok.filter((r) => r.pass).length,
    confusion,
  };
}
