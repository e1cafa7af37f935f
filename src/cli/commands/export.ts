import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../../errors.js';
import { encodeSafetensors, tensorEntry, type SafetensorsEntry } from '../../nn/safetensors.js';
import { deserializeState } from '../../optim/serialize.js';
import { emptyRunLogs, parseJsonlLog, type RunLogs } from '../../report/run-logs.js';
import { Tensor } from '../../tensor/tensor.js';
import { writeFileAtomic } from '../../train/atomic-write-node.js';
import { readCheckpoint } from '../../train/checkpoint-node.js';
import { UsageError, type CommandSpec, type Parsed } from '../args.js';
import { EXIT } from '../exit-codes.js';

/** `gradscope export` spec. */
export const exportSpec: CommandSpec = {
  name: 'export',
  summary: "Export a training run's weights (safetensors) or logs (CSV) for other tools.",
  usage: 'export RUN_DIR --format safetensors|csv --out FILE [--what metrics|layers]',
  description:
    "--format safetensors writes the parameters and buffers of RUN_DIR/checkpoint.json (the run's\n" +
    'latest checkpoint) as a .safetensors file, names as in PyTorch (0.weight, 0.bias), loadable\n' +
    'with safetensors.torch.load_file or nn.loadSafetensors.\n' +
    '--format csv writes RUN_DIR/metrics.jsonl as one row per step and a column per metric\n' +
    '(--what metrics, the default), or every per-layer statistic of RUN_DIR/monitor.jsonl in long\n' +
    'form (--what layers): rows (step, layer, level, gradNorm, rms, maxAbs, zeroFraction,\n' +
    'nonFinite, paramNorm, updateRatio, saturation, deadFraction, ...), one per layer and per\n' +
    'parameter at each logged check. Empty cell: not logged;\n' +
    'non-finite values are written nan, inf, -inf (as pandas reads them).\n' +
    'The file is written atomically. Exit codes: 2 bad arguments, 3 unreadable run files or\n' +
    'unwritable output.',
  positionals: [
    { name: 'RUN_DIR', required: true, description: 'a `gradscope train` run directory' },
  ],
  flags: {
    format: {
      type: 'string',
      choices: ['safetensors', 'csv'],
      valueName: 'FORMAT',
      description: 'safetensors (weights) or csv (metrics or per-layer stats)',
    },
    out: { type: 'string', valueName: 'FILE', description: 'the file to write (required)' },
    what: {
      type: 'string',
      choices: ['metrics', 'layers'],
      valueName: 'WHAT',
      description: 'with --format csv: metrics (default) or layers',
    },
  },
};

/** A CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
function field(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A number as a CSV cell: shortest round-trip form; nan, inf, -inf as pandas reads them. */
function cell(v: number | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}

/**
 * A metrics table: one row per step (ascending), a column per metric in order of first
 * appearance, an empty cell where a metric was not logged at a step.
 * @example metricsCsv(logs) // 'step,loss,lr\n1,2.3,0.1\n'
 */
export function metricsCsv(logs: RunLogs): string {
  const names = logs.scalars.map((s) => s.name);
  const rows = new Map<number, (number | undefined)[]>();
  logs.scalars.forEach((s, col) => {
    s.steps.forEach((step, k) => {
      let row = rows.get(step);
      if (!row) rows.set(step, (row = new Array<number | undefined>(names.length)));
      row[col] = s.values[k];
    });
  });
  const lines = [['step', ...names].map(field).join(',')];
  for (const step of [...rows.keys()].sort((a, b) => a - b))
    lines.push([String(step), ...(rows.get(step) as (number | undefined)[]).map(cell)].join(','));
  return lines.join('\n') + '\n';
}

/** The per-layer statistics, in this column order (others the monitor adds follow them). */
const LAYER_STAT_COLUMNS = [
  'gradNorm',
  'rms',
  'maxAbs',
  'zeroFraction',
  'nonFinite',
  'paramNorm',
  'updateRatio',
  'saturation',
  'deadFraction',
];

/**
 * A per-layer table in long form, one row per (step, layer) and per (step, parameter), every
 * statistic the monitor recorded in a column of its own: gradient norm, RMS, max |g|, zero
 * fraction, non-finite count, parameter norm, update ratio, saturation and dead fractions (and
 * the activations' mean, std and gain); `level` says whether the row is a layer's ('0') or a
 * parameter's ('0.weight'). Empty cell: not recorded for that row.
 * @example layersCsv(logs) // 'step,layer,level,gradNorm,…\n1,0,layer,0.5,…\n'
 */
export function layersCsv(logs: RunLogs): string {
  const present = new Set<string>();
  for (const r of logs.layerStats) for (const k of Object.keys(r.stats)) present.add(k);
  const columns = [
    ...LAYER_STAT_COLUMNS.filter((c) => present.has(c)),
    ...[...present].filter((c) => !LAYER_STAT_COLUMNS.includes(c)),
  ];
  const lines = [['step', 'layer', 'level', ...columns].map(field).join(',')];
  for (const r of logs.layerStats)
    lines.push(
      [String(r.step), field(r.layer), r.level, ...columns.map((c) => cell(r.stats[c]))].join(','),
    );
  return lines.join('\n') + '\n';
}

function readLog(dir: string, file: string): RunLogs {
  const path = join(dir, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DataError(`export: cannot read '${path}' (${(e as Error).message})`);
  }
  const logs = emptyRunLogs();
  parseJsonlLog(text, file, dir, logs);
  return logs;
}

/** The checkpoint's parameters and buffers as a safetensors file. */
function checkpointWeights(dir: string): Uint8Array {
  const ckpt = readCheckpoint(join(dir, 'checkpoint.json'));
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, v] of Object.entries(ckpt.model)) {
    const t = deserializeState(v, `model.${name}`);
    if (!(t instanceof Tensor))
      throw new DataError(`export: checkpoint entry "${name}" is not a tensor`);
    entries.set(name, tensorEntry(t));
  }
  return encodeSafetensors(entries, {
    format: 'pt',
    producer: 'gradscope',
    step: String(ckpt.step),
  });
}

/** Runs `gradscope export`. */
export function exportCommand(
  args: Parsed,
  out: (s: string) => void,
  deps: { stderr?: { write(s: string): unknown } } = {},
): number {
  const dir = args.positionals[0] as string;
  const format = args.flags.format;
  const target = args.flags.out;
  if (format === undefined)
    throw new UsageError("export: --format is required; expected 'safetensors' or 'csv'");
  if (typeof target !== 'string' || target.trim() === '')
    throw new UsageError(`export: --out must be a file path, got ${JSON.stringify(target ?? '')}`);
  if (args.flags.what !== undefined && format !== 'csv')
    throw new UsageError(`export: --what ${String(args.flags.what)} applies to --format csv only`);
  if (existsSync(target) && statSync(target).isDirectory())
    throw new UsageError(`export: --out '${target}' is a directory; expected a file path`);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new DataError(`export: run directory '${dir}' does not exist or is not a directory`);
  let data: string | Uint8Array;
  if (format === 'safetensors') data = checkpointWeights(dir);
  else if (args.flags.what === 'layers') {
    const logs = readLog(dir, 'monitor.jsonl');
    if (logs.layerStats.length === 0)
      throw new DataError(`export: '${join(dir, 'monitor.jsonl')}' holds no per-layer statistics`);
    data = layersCsv(logs);
  } else {
    const logs = readLog(dir, 'metrics.jsonl');
    if (logs.scalars.length === 0)
      throw new DataError(`export: '${join(dir, 'metrics.jsonl')}' holds no metrics records`);
    data = metricsCsv(logs);
  }
  try {
    writeFileAtomic(target, data);
  } catch (e) {
    (deps.stderr ?? process.stderr).write(
      `gradscope export: cannot write '${target}': ${(e as Error).message}\n`,
    );
    return EXIT.error;
  }
  out(`wrote ${target} (${data.length} ${typeof data === 'string' ? 'characters' : 'bytes'})`);
  return EXIT.ok;
}
