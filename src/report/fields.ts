/**
 * The one table of logged fields → human title, unit and axis scale, used by every chart of run
 * logs: the static report (`gradscope report`), `gradscope compare`, the `gradscope serve`
 * dashboard and the playground's run viewer. A field not in the table keeps its name as title.
 */

/** How a field's y axis is scaled. */
export type FieldScale = 'auto' | 'linear' | 'log';

/** What a chart of one logged field shows. */
export interface FieldInfo {
  /** Human title, e.g. 'Total gradient L2 norm'. */
  title: string;
  /** Unit or quantity of the y axis, e.g. '‖g‖₂' or 'fraction correct'. */
  unit: string;
  /** 'auto' (log when {@link wantsLogScale} says so), or fixed. */
  scale: FieldScale;
  /** When every value is zero the chart is replaced by this one line (e.g. 'no non-finite values'). */
  allZero?: string;
}

/** Decades the positive values of an 'auto' field must span for a log axis. */
export const LOG_SPAN_DECADES = 2.5;

/**
 * Fields gradscope writes (metrics.jsonl of `fit`, the monitor's stats records, evaluation
 * metrics), by the name the run-log parser gives their series.
 */
export const FIELDS: Readonly<Record<string, FieldInfo>> = {
  loss: { title: 'Training loss (batch mean, per logged step)', unit: 'loss', scale: 'auto' },
  'loss (monitor)': {
    title: 'Loss seen by the monitor (per check)',
    unit: 'loss',
    scale: 'auto',
  },
  'train.loss': { title: 'Training-set loss (at evaluation)', unit: 'loss', scale: 'auto' },
  'val.loss': { title: 'Validation loss', unit: 'loss', scale: 'auto' },
  'test.loss': { title: 'Test loss', unit: 'loss', scale: 'auto' },
  'train.accuracy': {
    title: 'Training accuracy (at evaluation)',
    unit: 'fraction correct',
    scale: 'linear',
  },
  'val.accuracy': { title: 'Validation accuracy', unit: 'fraction correct', scale: 'linear' },
  'test.accuracy': { title: 'Test accuracy', unit: 'fraction correct', scale: 'linear' },
  lr: { title: 'Learning rate', unit: 'step size η', scale: 'auto' },
  totalGradNorm: { title: 'Total gradient L2 norm', unit: '‖g‖₂', scale: 'auto' },
  totalParamNorm: { title: 'Total parameter L2 norm', unit: '‖θ‖₂', scale: 'auto' },
  updateRatio: {
    title: 'Update / parameter norm ratio',
    unit: '‖Δθ‖₂ / ‖θ‖₂',
    scale: 'auto',
  },
  firstLastRatio: {
    title: 'First / last layer gradient-norm ratio',
    unit: '‖g₁‖₂ / ‖g_L‖₂',
    scale: 'auto',
  },
  cosine: {
    title: 'Cosine between successive gradients',
    unit: 'cos(g_t, g_t−1)',
    scale: 'linear',
  },
  nonFinite: {
    title: 'Non-finite gradient entries',
    unit: 'entries (count)',
    scale: 'linear',
    allZero: 'no non-finite values',
  },
  gradNorm: { title: 'Gradient L2 norm per layer', unit: 'log10 ‖g‖₂', scale: 'log' },
};

/**
 * The title, unit and scale of a logged field: from {@link FIELDS}, else guessed from its name
 * (`*.loss` → loss, `*.accuracy` → fraction correct), else the name itself with no unit.
 * @example fieldInfo('totalGradNorm').title // 'Total gradient L2 norm'
 */
export function fieldInfo(name: string): FieldInfo {
  const known = FIELDS[name];
  if (known) return known;
  // 'totalGradNorm (monitor)': the same field from a second file of the run.
  const base = name.replace(/ \(.*\)$/, '');
  const of = FIELDS[base];
  if (of) return { ...of, title: `${of.title} ${name.slice(base.length + 1)}` };
  if (/loss/i.test(name)) return { title: name, unit: 'loss', scale: 'auto' };
  if (/acc/i.test(name)) return { title: name, unit: 'fraction correct', scale: 'linear' };
  return { title: name, unit: '', scale: 'auto' };
}

/**
 * Whether a y axis should be logarithmic: a field whose scale is 'log' always (when it has a
 * positive value), 'linear' never, and 'auto' when every finite value is positive and they span
 * more than {@link LOG_SPAN_DECADES} decades (max / min > 10^2.5 ≈ 316): ratios and norms that
 * move by orders of magnitude (a first/last ratio of 1e-8 next to 1) are unreadable on a linear
 * axis, while a loss going from 2.3 to 0.1 reads better on one.
 * @example wantsLogScale('firstLastRatio', [[1, 1e-3, 1e-8]]) // true
 */
export function wantsLogScale(name: string, values: readonly ArrayLike<number>[]): boolean {
  const scale = fieldInfo(name).scale;
  if (scale === 'linear') return false;
  let lo = Infinity;
  let hi = -Infinity;
  for (const vs of values)
    for (let i = 0; i < vs.length; i++) {
      const v = vs[i] as number;
      if (!Number.isFinite(v)) continue;
      if (v <= 0) return false;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  if (!(hi > 0)) return false;
  return scale === 'log' || Math.log10(hi / lo) > LOG_SPAN_DECADES;
}

/**
 * The one-line note that replaces a chart whose values are all zero, or null when the field has
 * none or a value is not zero.
 * @example allZeroNote('nonFinite', [[0, 0, 0]]) // 'no non-finite values'
 */
export function allZeroNote(name: string, values: readonly ArrayLike<number>[]): string | null {
  const note = fieldInfo(name).allZero;
  if (note === undefined) return null;
  for (const vs of values) for (let i = 0; i < vs.length; i++) if (vs[i] !== 0) return null;
  return note;
}

/** Fewest points of a never-finite field that make it a note rather than a chart. */
const NEVER_FINITE_POINTS = 5;

/**
 * The one-line note that replaces a chart with nothing to draw, or null to draw it: a field
 * whose values are all zero and that has an {@link FieldInfo.allZero} note ('no non-finite
 * values'), or one never finite over 5 or more points (cos(g, g_prev) with direction tracking
 * off). A few points without a finite one (a run's first NaN losses) stay a chart.
 * @example emptyChartNote('cosine', [[NaN, NaN, NaN, NaN, NaN]]) // 'Cosine between successive gradients: no finite values (5 points)'
 */
export function emptyChartNote(name: string, values: readonly ArrayLike<number>[]): string | null {
  const zero = allZeroNote(name, values);
  if (zero !== null) return zero;
  let points = 0;
  for (const vs of values)
    for (let i = 0; i < vs.length; i++) {
      if (Number.isFinite(vs[i] as number)) return null;
      points++;
    }
  return points >= NEVER_FINITE_POINTS
    ? `${fieldInfo(name).title}: no finite values (${points} points)`
    : null;
}

/**
 * A chart's title with its unit and scale, as every view writes it: 'Title · unit · log scale'.
 * @example chartTitle('totalGradNorm', true) // 'Total gradient L2 norm · ‖g‖₂ · log scale'
 */
export function chartTitle(name: string, log: boolean): string {
  const f = fieldInfo(name);
  return [f.title, f.unit, log ? 'log scale' : ''].filter((x) => x !== '').join(' · ');
}
