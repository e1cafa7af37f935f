import type { ExperimentResult, VerdictRecord } from '../experiments/types.js';
import { verdictTimeline } from './charts.js';
import { renderReport, type ReportBadge, type ReportDocument, type ReportSection } from './html.js';
import { runLogCharts } from './log-charts.js';
import type { RunLogs } from './run-logs.js';

/** Options of {@link renderExperimentReport}. */
export interface ExperimentReportOptions {
  /** Page title (default: the experiment's title, or "gradscope: N experiments"). */
  title?: string;
  /** Each experiment's story paragraph, by experiment name (from the catalogue). */
  stories?: Readonly<Record<string, string>>;
  /** Logs found in the run directory (metrics.jsonl, monitor logs). */
  logs?: RunLogs;
  /** Shown in the footer ("2026-11-27 07:40"); the caller passes it so rendering stays pure. */
  generatedAt?: string;
  /** The run directory or command, shown in the footer. */
  source?: string;
  /** Most verdict rows listed per experiment (default 200; all are on the timeline). */
  maxVerdictRows?: number;
  /** Most characters of run records shown (default 60,000). */
  maxRunJson?: number;
}

function seconds(ms: number): string {
  if (!Number.isFinite(ms)) return 'unknown time';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function passed(r: ExperimentResult): number {
  return r.criteria.filter((c) => c.pass).length;
}

function verdictTable(verdicts: readonly VerdictRecord[], max: number): ReportSection['table'] {
  const rows = verdicts
    .slice(0, max)
    .map((v) => [
      v.run,
      v.step,
      v.kind,
      v.severity,
      v.layers.join(', '),
      v.message,
      v.remedies.slice(0, 3).join('; '),
    ]);
  return {
    caption:
      verdicts.length > max
        ? `First ${max} of ${verdicts.length} verdicts`
        : `${verdicts.length} verdict${verdicts.length === 1 ? '' : 's'}`,
    columns: ['Run', 'Step', 'Verdict', 'Severity', 'Layers', 'Evidence', 'Remedies'],
    rows,
  };
}

function resultSections(
  r: ExperimentResult,
  opts: ExperimentReportOptions,
  many: boolean,
): ReportSection[] {
  const out: ReportSection[] = [];
  const story = opts.stories?.[r.experiment];
  const facts = [
    r.paper ? `Paper: ${r.paper}.` : '',
    `Mode ${r.mode}, seed${r.seeds.length === 1 ? '' : 's'} ${r.seeds.length > 0 ? r.seeds.join(', ') : '(none)'}, ran in ${seconds(r.timeMs)}; ${passed(r)} of ${r.criteria.length} criteria passed.`,
  ]
    .filter((s) => s)
    .join(' ');
  const badges: ReportBadge[] = [
    r.pass ? { label: 'PASS', tone: 'pass' } : { label: 'FAIL', tone: 'fail' },
  ];
  out.push({
    id: `${r.experiment}-result`,
    title: many ? `${r.experiment}: ${r.title}` : 'Criteria',
    badges,
    text: [story ?? '', facts].filter((s) => s).join('\n\n'),
    criteria: r.criteria,
  });
  const charts = [...r.charts];
  if (r.verdicts.length > 0)
    charts.push(
      verdictTimeline({
        id: `${r.experiment}-verdicts`,
        title: 'Monitor verdicts over steps',
        verdicts: r.verdicts,
      }),
    );
  if (charts.length > 0)
    out.push({
      id: `${r.experiment}-charts`,
      title: many ? `${r.experiment}: charts` : 'Charts',
      charts,
    });
  if (r.verdicts.length > 0) {
    const table = verdictTable(r.verdicts, opts.maxVerdictRows ?? 200);
    out.push({
      id: `${r.experiment}-verdicts`,
      title: many ? `${r.experiment}: monitor verdicts` : 'Monitor verdicts',
      ...(table ? { table } : {}),
    });
  }
  if (r.runs.length > 0) {
    const max = opts.maxRunJson ?? 60_000;
    const json = JSON.stringify(r.runs, null, 1);
    const body =
      json.length > max
        ? `${json.slice(0, max)}\n… (${json.length - max} more characters in result.json)`
        : json;
    out.push({
      id: `${r.experiment}-runs`,
      title: many ? `${r.experiment}: run records` : 'Run records',
      text: `${r.runs.length} run record${r.runs.length === 1 ? '' : 's'} (per seed or configuration), as stored in result.json.`,
      details: { summary: 'Show the run records (JSON)', body },
    });
  }
  return out;
}

/**
 * Builds the report document of one or more experiment results (and a run directory's logs):
 * a header with pass/fail badges, per experiment its story, the criteria table, its charts, the
 * verdict timeline and table, and the run records; then the training logs' charts. Pure.
 *
 * @example const doc = experimentReportDocument([result], { stories: { cliff: experiment.story } });
 */
export function experimentReportDocument(
  results: readonly ExperimentResult[],
  opts: ExperimentReportOptions = {},
): ReportDocument {
  const many = results.length > 1;
  const allPass = results.length > 0 && results.every((r) => r.pass);
  const nCrit = results.reduce((n, r) => n + r.criteria.length, 0);
  const nPass = results.reduce((n, r) => n + passed(r), 0);
  const first = results[0];
  const title =
    opts.title ??
    (many || !first
      ? `gradscope: ${results.length} experiment${results.length === 1 ? '' : 's'}`
      : first.title);
  const badges: ReportBadge[] = [
    results.length === 0
      ? { label: 'NO RESULTS', tone: 'warn' }
      : allPass
        ? { label: 'PASS', tone: 'pass' }
        : { label: 'FAIL', tone: 'fail' },
    { label: `${nPass}/${nCrit} criteria passed`, tone: nPass === nCrit ? 'pass' : 'fail' },
  ];
  if (many)
    badges.push({
      label: `${results.filter((r) => r.pass).length}/${results.length} experiments passed`,
      tone: allPass ? 'pass' : 'fail',
    });
  const modes = [...new Set(results.map((r) => r.mode))];
  if (modes.length > 0) badges.push({ label: `${modes.join(' + ')} mode`, tone: 'info' });
  if (!many && first) {
    badges.push({ label: `seeds ${first.seeds.join(', ') || '—'}`, tone: 'info' });
    badges.push({ label: seconds(first.timeMs), tone: 'info' });
  }
  const sections: ReportSection[] = [];
  if (results.length === 0)
    sections.push({ title: 'No results', text: 'The result file holds no experiment results.' });
  if (many) {
    sections.push({
      id: 'summary',
      title: 'Summary',
      table: {
        columns: ['Experiment', 'Title', 'Mode', 'Criteria passed', 'Result', 'Time'],
        rows: results.map((r) => [
          r.experiment,
          r.title,
          r.mode,
          `${passed(r)}/${r.criteria.length}`,
          r.pass ? 'pass' : 'FAIL',
          seconds(r.timeMs),
        ]),
      },
    });
  }
  for (const r of results) sections.push(...resultSections(r, opts, many));
  const logs = opts.logs;
  if (logs && (logs.files.length > 0 || logs.problems.length > 0)) {
    const { charts, notes } = runLogCharts(logs);
    const text = [
      logs.files.length > 0
        ? `Read from the run directory: ${logs.files.map((f) => `\`${f}\``).join(', ')}.`
        : 'No log files were found in the run directory.',
      charts.length === 0 ? 'Nothing in them could be plotted.' : '',
      ...notes,
      ...logs.problems,
    ]
      .filter((s) => s)
      .join('\n\n');
    sections.push({ id: 'logs', title: 'Training logs', text, charts });
  }
  const subtitle = many ? results.map((r) => r.experiment).join(' · ') : (first?.paper ?? '');
  return {
    title,
    ...(subtitle ? { subtitle } : {}),
    badges,
    sections,
    ...(opts.generatedAt ? { generatedAt: opts.generatedAt } : {}),
    ...(opts.source ? { footer: opts.source } : {}),
  };
}

/**
 * Renders experiment results (and optional run logs) to a self-contained HTML page.
 *
 * @example const html = await renderExperimentReport([result], { generatedAt: new Date().toISOString() });
 */
export async function renderExperimentReport(
  results: readonly ExperimentResult[],
  opts: ExperimentReportOptions = {},
): Promise<string> {
  return renderReport(experimentReportDocument(results, opts));
}
