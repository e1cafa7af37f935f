import { encodeJson } from '../../json-encode.js';
import { VERDICT_KINDS, type VerdictKind } from '../../monitor/types.js';
import type { MnistLoader } from '../../train/config-build.js';
import { EXIT, UsageError, type CommandSpec, type Parsed } from '../args.js';
import {
  loadPanel,
  runPanelEntry,
  scorePanel,
  type PanelRunResult,
  type PanelScore,
} from './panel-run.js';

/** The panel bundled with the repository. */
export const DEFAULT_PANEL = 'panel/panel.json';

/** `gradscope panel` spec. */
export const panelSpec: CommandSpec = {
  name: 'panel',
  summary:
    "Run the monitor's labelled panel of healthy and broken runs and score its verdicts (precision, recall, time to verdict, false alarms).",
  usage: 'panel [FILE] [--quick] [--only NAMES] [--enable KINDS] [--json]',
  description:
    'FILE (default panel/panel.json) lists train configs (the `gradscope train --config` format),\n' +
    'each labelled "healthy" or with the verdict it must get within a stated number of steps, the\n' +
    'cause built in, and what the run must do to confirm its label (accuracy, loss against the\n' +
    'first loss or chance) — measured on the run, not by the monitor. Every run is trained with\n' +
    'the monitor on and no run directory. Prints one line per run (label, confirmation, verdicts,\n' +
    'time to verdict), then precision and recall per verdict kind, the healthy false alarms and a\n' +
    'confusion table (label × first verdict). Unconfirmed runs are listed and count nowhere.\n' +
    '--quick runs the runs marked "quick"; --only runs the named ones (comma-separated).\n' +
    '--json prints a PanelJson document. Exit code 0 when every run is confirmed and passes (no\n' +
    'verdict on a healthy run, the labelled verdict in time and nothing unexpected on a broken\n' +
    'one), 1 otherwise, 3 for an unreadable or invalid panel or config.',
  positionals: [
    { name: 'FILE', required: false, description: `the panel file (default ${DEFAULT_PANEL})` },
  ],
  flags: {
    quick: { type: 'boolean', default: false, description: 'only the runs marked "quick"' },
    only: {
      type: 'string',
      valueName: 'NAMES',
      description: 'only these runs (comma-separated names, e.g. broken/spiral-momentum-2)',
    },
    enable: {
      type: 'string',
      valueName: 'KINDS',
      description:
        'also switch on these detectors in every run (comma-separated kinds, e.g. lossSpike, which is opt-in)',
    },
    json: { type: 'boolean', default: false, description: 'print the PanelJson result' },
  },
};

/** What `gradscope panel --json` prints. */
export interface PanelJson {
  file: string;
  runs: PanelRunResult[];
  score: PanelScore;
  timeMs: number;
}

/** Side channels of `gradscope panel`, injectable for tests. */
export interface PanelDeps {
  /** Progress lines (default stderr with --json, else nothing: the table comes at the end). */
  progress?: { write(s: string): unknown };
  /** MNIST loader (default data.loadMnist, the bundled digits). */
  loadMnist?: MnistLoader;
}

const pct = (x: number): string => (Number.isNaN(x) ? '   –' : x.toFixed(2).padStart(4));
const num = (x: number): string =>
  !Number.isFinite(x) ? String(x) : Math.abs(x) >= 1e4 ? x.toExponential(2) : x.toFixed(3);

/** One line per run. */
function runLine(r: PanelRunResult): string {
  const m = r.measures;
  const status = !r.confirmed ? 'UNCONFIRMED' : r.pass ? 'pass' : 'FAIL';
  const first = r.verdicts
    .slice(0, 3)
    .map((v) => `${v.kind}@${v.step}`)
    .join(', ');
  const ttv =
    r.label === 'healthy'
      ? ''
      : ` verdict at ${r.timeToVerdict ?? 'never'} (≤ ${r.within as number})`;
  const acc = Number.isNaN(m.accuracy) ? '' : ` acc ${(100 * m.accuracy).toFixed(1)}%`;
  return `${status.padEnd(11)} ${r.name.padEnd(36)} ${r.label.padEnd(11)} loss ${num(m.firstLoss)} → ${num(m.finalLoss)}${acc};${ttv} [${first || 'no verdict'}]${r.wrong.length > 0 ? ` unexpected: ${r.wrong.join(', ')}` : ''}${r.unconfirmed.length > 0 ? ` not confirmed: ${r.unconfirmed.join('; ')}` : ''}`;
}

/**
 * The result tables of a panel: per kind precision and recall, time to verdict of the broken
 * runs, the false alarms and the confusion table (Markdown, as docs/monitor-panel.md shows them).
 * @example formatPanelTables(results, scorePanel(results)).join('\n')
 */
export function formatPanelTables(runs: readonly PanelRunResult[], s: PanelScore): string[] {
  const out: string[] = [];
  out.push('| verdict kind | labelled | fired | true pos. | false pos. | precision | recall |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const k of s.kinds)
    out.push(
      `| ${k.kind} | ${k.labelled} | ${k.fired} | ${k.truePositives} | ${k.falsePositives} | ${pct(k.precision).trim()} | ${pct(k.recall).trim()} |`,
    );
  out.push('');
  out.push(
    `Healthy runs: ${s.healthy}, false alarms: ${s.falseAlarms}. Broken runs: ${s.broken}. Unconfirmed: ${s.unconfirmed}. Passed: ${s.passed} of ${runs.length}.`,
  );
  out.push('');
  out.push('| broken run | label | within | verdict at | other verdicts | loss first → final |');
  out.push('| --- | --- | ---: | ---: | --- | --- |');
  for (const r of runs.filter((x) => x.label !== 'healthy'))
    out.push(
      `| ${r.name} | ${r.label} | ${r.within as number} | ${r.timeToVerdict ?? 'never'} | ${
        r.verdicts
          .filter((v) => v.kind !== r.label)
          .map((v) => `${v.kind}@${v.step}`)
          .join(', ') || '–'
      } | ${num(r.measures.firstLoss)} → ${num(r.measures.finalLoss)} |`,
    );
  out.push('');
  const cols = [
    ...new Set(['none', ...s.confusion.flatMap((row) => Object.keys(row.counts))]),
  ].sort((a, b) => (a === 'none' ? -1 : b === 'none' ? 1 : 0));
  out.push(`| label \\ first verdict | ${cols.join(' | ')} |`);
  out.push(`| --- | ${cols.map(() => '---:').join(' | ')} |`);
  for (const row of s.confusion)
    out.push(`| ${row.label} | ${cols.map((c) => String(row.counts[c] ?? 0)).join(' | ')} |`);
  return out;
}

/** Runs `gradscope panel`. */
export async function panelCommand(
  args: Parsed,
  out: (s: string) => void,
  deps: PanelDeps = {},
): Promise<number> {
  const file = args.positionals[0] ?? DEFAULT_PANEL;
  const panel = loadPanel(file);
  let entries = panel.entries;
  if (args.flags.quick === true) entries = entries.filter((e) => e.quick === true);
  const only = args.flags.only;
  if (typeof only === 'string') {
    const names = only.split(',').map((x) => x.trim());
    for (const n of names)
      if (!panel.entries.some((e) => e.name === n))
        throw new UsageError(
          `panel: --only names unknown run ${JSON.stringify(n)}; runs are ${panel.entries.map((e) => e.name).join(', ')}`,
        );
    entries = entries.filter((e) => names.includes(e.name));
  }
  const enable: VerdictKind[] = [];
  if (typeof args.flags.enable === 'string')
    for (const k of args.flags.enable.split(',').map((x) => x.trim())) {
      if (!(VERDICT_KINDS as readonly string[]).includes(k))
        throw new UsageError(
          `panel: --enable names unknown verdict kind ${JSON.stringify(k)}; expected one of ${VERDICT_KINDS.join(', ')}`,
        );
      enable.push(k as VerdictKind);
    }
  const json = args.flags.json === true;
  const progress = deps.progress ?? (json ? process.stderr : { write: () => true });
  const t0 = performance.now();
  const runs: PanelRunResult[] = [];
  for (const e of entries) {
    const r = await runPanelEntry(e, {
      enable,
      ...(deps.loadMnist ? { loadMnist: deps.loadMnist } : {}),
    });
    runs.push(r);
    if (json) progress.write(`${runLine(r)}\n`);
    else out(runLine(r));
  }
  const score = scorePanel(runs);
  const timeMs = performance.now() - t0;
  if (json) {
    const res: PanelJson = { file, runs, score, timeMs };
    out(encodeJson(res, 2));
  } else {
    out('');
    for (const line of formatPanelTables(runs, score)) out(line);
    out('');
    out(`${runs.length} runs in ${(timeMs / 1000).toFixed(1)} s`);
  }
  const ok = runs.every((r) => r.confirmed && r.pass);
  return ok ? EXIT.ok : EXIT.failed;
}
