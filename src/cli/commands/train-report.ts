import type { VerdictRecord } from '../../experiments/types.js';
import type { ReportBadge, ReportDocument, ReportSection } from '../../report/html.js';
import { formatValue } from '../../report/html.js';
import { runLogCharts } from '../../report/log-charts.js';
import type { RunLogs } from '../../report/run-logs.js';
import type { FitSummary } from '../../train/fit-summary.js';

/** What the report of a `gradscope train` run shows. */
export interface TrainReportInput {
  name: string;
  /** One line: model, data, optimizer. */
  description: string;
  status: 'completed' | 'stopped' | 'diverged' | 'interrupted';
  /** For an interrupted run: the command that continues it. */
  resumeWith?: string;
  summary: FitSummary;
  /** The validated config (shown as JSON). */
  config: unknown;
  /** The run directory's logs (metrics.jsonl, monitor.jsonl). */
  logs: RunLogs;
  /** Monitor verdicts of the run. */
  verdicts: readonly VerdictRecord[];
  /** Footer text: when (the caller's clock) and where. */
  generatedAt?: string;
  source?: string;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/**
 * The report document of a training run: status and final metrics, the loss / accuracy / lr /
 * gradient-norm charts of its logs, the monitor's verdicts with remedies, and the config. Pure.
 * @example const html = await renderReport(trainReportDocument(input));
 */
export function trainReportDocument(r: TrainReportInput): ReportDocument {
  const s = r.summary;
  const tone =
    r.status === 'diverged'
      ? 'fail'
      : r.status === 'stopped' || r.status === 'interrupted'
        ? 'warn'
        : 'pass';
  const badges: ReportBadge[] = [
    {
      label: r.status === 'interrupted' ? `INTERRUPTED AT STEP ${s.steps}` : r.status.toUpperCase(),
      tone,
    },
    { label: `${s.steps} steps, ${s.epochs} epoch${s.epochs === 1 ? '' : 's'}`, tone: 'info' },
    { label: seconds(s.timeMs), tone: 'info' },
  ];
  const acc = s.metrics['val.accuracy'] ?? s.metrics['train.accuracy'];
  if (acc !== undefined && Number.isFinite(acc))
    badges.push({ label: `accuracy ${(100 * acc).toFixed(1)} %`, tone: 'info' });
  if (r.verdicts.length > 0)
    badges.push({
      label: `${r.verdicts.length} monitor verdict${r.verdicts.length === 1 ? '' : 's'}`,
      tone: 'warn',
    });
  const facts = [
    `${s.steps} steps (${s.epochs} epochs) in ${seconds(s.timeMs)}, ${s.stepsPerSecond.toFixed(1)} steps/s.`,
    s.interrupted
      ? `Interrupted at step ${s.steps}; the checkpoint of that step is saved${r.resumeWith ? `: continue with ${r.resumeWith}` : ''}.`
      : s.stopReason
        ? `Stopped early: ${s.stopReason}.`
        : '',
    s.nonFiniteSteps > 0 ? `${s.nonFiniteSteps} steps had a non-finite loss or gradients.` : '',
  ]
    .filter((x) => x)
    .join(' ');
  const sections: ReportSection[] = [
    {
      id: 'result',
      title: 'Result',
      text: facts,
      table: {
        columns: ['Metric', 'Value'],
        rows: [
          ['final batch loss', formatValue(s.finalLoss)],
          ...Object.entries(s.metrics).map(([k, v]) => [k, formatValue(v)]),
        ],
      },
    },
  ];
  const { charts, notes } = runLogCharts(r.logs);
  sections.push({
    id: 'logs',
    title: 'Training logs',
    text: [
      r.logs.files.length > 0
        ? `Read from the run directory: ${r.logs.files.map((f) => `\`${f}\``).join(', ')}.`
        : 'No log files were found in the run directory.',
      ...notes,
      ...r.logs.problems,
    ]
      .filter((x) => x)
      .join('\n\n'),
    charts,
  });
  if (r.verdicts.length > 0) {
    sections.push({
      id: 'verdicts',
      title: 'Monitor verdicts',
      table: {
        caption: `${r.verdicts.length} verdict${r.verdicts.length === 1 ? '' : 's'}`,
        columns: ['Step', 'Verdict', 'Severity', 'Layers', 'Evidence', 'Remedies'],
        rows: r.verdicts
          .slice(0, 200)
          .map((v) => [
            v.step,
            v.kind,
            v.severity,
            v.layers.join(', '),
            v.message,
            v.remedies.slice(0, 3).join('; '),
          ]),
      },
    });
  }
  sections.push({
    id: 'config',
    title: 'Configuration',
    text: 'The validated config (train-config.json in the run directory; rerun it with `gradscope train --config`).',
    details: { summary: 'Show the config (JSON)', body: JSON.stringify(r.config, null, 2) },
  });
  return {
    title: `gradscope train: ${r.name}`,
    subtitle: r.description,
    badges,
    sections,
    ...(r.generatedAt ? { generatedAt: r.generatedAt } : {}),
    ...(r.source ? { footer: r.source } : {}),
  };
}
