// The race's settings and their URL form (DOM-free, so tests can round-trip them in Node).
import {
  OPTIMIZERS,
  optSpec,
  type HyperName,
  type OptId,
  type OptSettings,
  type RaceTxSettings,
} from './optimizers.js';
import { SURFACES, surfaceById, type SurfaceOptions } from './surfaces.js';
import {
  bool,
  num,
  parseField,
  readValues,
  select,
  writeValues,
  type Field,
  type Values,
} from '../ui/settings.js';
import { clipMenu, scheduleMenu } from '../ui/transform-menus.js';

/** Most racers at once. */
export const MAX_RACERS = 6;

/** Settings shared by the race (not per racer). */
export const RACE_FIELDS: readonly Field[] = [
  select(
    'surface',
    'Loss surface',
    SURFACES.map((s) => [s.id, s.label] as const),
    'rosenbrock',
  ),
  num(
    'kappa',
    'Condition number κ',
    50,
    1,
    1e4,
    'any',
    false,
    'Ratio of the largest to the smallest curvature of the quadratic.',
  ),
  bool('rotate', 'Rotate the quadratic by 45°', false),
  num('steps', 'Steps', 2000, 1, 20000, 1, true),
  num('speed', 'Steps per frame', 20, 1, 1000, 1, true, 'Animation speed.'),
  select('sched', 'Learning-rate schedule', scheduleMenu(), 'constant'),
  num(
    'gamma',
    'Decay γ',
    0.999,
    0,
    1,
    'any',
    false,
    'For the step, multi-step and exponential schedules.',
  ),
  select('clip', 'Gradient clipping', clipMenu(), 'none'),
  num('clipv', 'Clipping threshold', 1, 1e-6, 1e6, 'any'),
];

/** Start point fields (their default is the surface's own start, handled in {@link readRace}). */
const START_U = num('sx', 'Start x', 0, -1e6, 1e6, 'any');
const START_V = num('sy', 'Start y', 0, -1e6, 1e6, 'any');

/** The whole race configuration. */
export interface RaceSettings {
  values: Values;
  start: [number, number];
  racers: OptSettings[];
}

/** The default racers of a fresh page: plain GD against three adaptive/momentum methods. */
export const DEFAULT_RACERS: readonly OptSettings[] = [
  { opt: 'sgd', hypers: { lr: 1e-3 } },
  { opt: 'momentum', hypers: { lr: 5e-4, momentum: 0.9 } },
  { opt: 'adam', hypers: { lr: 0.02, b1: 0.9, b2: 0.999 } },
  { opt: 'rmsprop', hypers: { lr: 5e-3, alpha: 0.99 } },
];

/** The number field of one hyper-parameter of racer i. */
export function hyperField(i: number, opt: OptId, name: HyperName): Field {
  const spec = optSpec(opt).hypers.find((h) => h.name === name);
  if (!spec) throw new Error(`no hyper-parameter ${name} for ${opt}`);
  return num(`o${i}.${name}`, spec.label, spec.def, spec.min, spec.max, 'any');
}

/** The optimizer select of racer i. */
export function optField(i: number): Field {
  return select(
    `o${i}`,
    'Optimizer',
    OPTIMIZERS.map((o) => [o.id, o.label] as const),
    'adam',
  );
}

/** Reads the race from URL parameters (missing values: defaults; racers: the default four). */
export function readRace(params: URLSearchParams): RaceSettings {
  const values = readValues(RACE_FIELDS, params);
  const surface = surfaceById(String(values['surface']));
  const start: [number, number] = [
    params.has('sx') ? Number(parseField(START_U, params.get('sx'))) : surface.start[0],
    params.has('sy') ? Number(parseField(START_V, params.get('sy'))) : surface.start[1],
  ];
  const racers: OptSettings[] = [];
  if (!params.has('n')) {
    racers.push(...DEFAULT_RACERS.map((r) => ({ opt: r.opt, hypers: { ...r.hypers } })));
  } else {
    const n = Number(parseField(num('n', 'racers', 1, 1, MAX_RACERS, 1, true), params.get('n')));
    for (let i = 0; i < n; i++) {
      const opt = String(parseField(optField(i), params.get(`o${i}`))) as OptId;
      const hypers: OptSettings['hypers'] = {};
      for (const hs of optSpec(opt).hypers)
        hypers[hs.name] = Number(
          parseField(hyperField(i, opt, hs.name), params.get(`o${i}.${hs.name}`)),
        );
      racers.push({ opt, hypers });
    }
  }
  return { values, start, racers };
}

/** Writes the race into URL parameters (every setting, explicitly: links stay valid if defaults change). */
export function writeRace(s: RaceSettings, params: URLSearchParams): void {
  writeValues(RACE_FIELDS, s.values, params);
  params.set('sx', String(s.start[0]));
  params.set('sy', String(s.start[1]));
  params.set('n', String(s.racers.length));
  s.racers.forEach((r, i) => {
    params.set(`o${i}`, r.opt);
    for (const hs of optSpec(r.opt).hypers)
      params.set(`o${i}.${hs.name}`, String(r.hypers[hs.name] ?? hs.def));
  });
}

/** The surface options of the settings. */
export function surfaceOptions(v: Values): SurfaceOptions {
  return { kappa: Number(v['kappa']), rotate: Boolean(v['rotate']) };
}

/** The shared transformation settings. */
export function txSettings(v: Values): RaceTxSettings {
  return {
    schedule: String(v['sched']),
    gamma: Number(v['gamma']),
    clip: String(v['clip']),
    clipValue: Number(v['clipv']),
    steps: Number(v['steps']),
  };
}
