import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderReport } from '../../report/html.js';
import { logNumber } from '../../report/run-logs.js';
import { readRunLogs } from '../../report/run-logs-node.js';
import type { FitSummary } from '../../train/fit-summary.js';
import { trainReportDocument } from './train-report.js';
import { statusOf } from './train.js';

/** True when `dir` is a `gradscope train` run directory (logs, no experiment result.json). */
export function isTrainRunDir(dir: string): boolean {
  return (
    !existsSync(join(dir, 'result.json')) &&
    (existsSync(join(dir, 'metrics.jsonl')) || existsSync(join(dir, 'monitor.jsonl')))
  );
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * The HTML report of a train run directory, rebuilt from its files: train-config.json (name,
 * description, config), summary.json (absent when the run was interrupted: then the steps come
 * from the logs and the status is "interrupted") and the logs, read by the one run-log parser.
 *
 * @example writeReportFile('runs/x/report.html', await renderTrainRunReport('runs/x', stamp));
 */
export async function renderTrainRunReport(dir: string, generatedAt: string): Promise<string> {
  const logs = readRunLogs(dir);
  const config = readJson(join(dir, 'train-config.json')) ?? {};
  const saved = readJson(join(dir, 'summary.json'));
  let lastStep = 0;
  for (const s of logs.scalars) for (const st of s.steps) lastStep = Math.max(lastStep, st);
  const num = (v: unknown): number => logNumber(v) ?? NaN;
  const loss = logs.scalars.find((s) => s.field === 'loss');
  const summary: FitSummary = saved
    ? ({ ...saved, finalLoss: num(saved.finalLoss) } as unknown as FitSummary)
    : {
        steps: lastStep,
        stepsThisRun: lastStep,
        epochs: 0,
        finalLoss: loss ? (loss.values[loss.values.length - 1] ?? NaN) : NaN,
        metrics: {},
        evalHistory: [],
        timeMs: NaN,
        stepsPerSecond: NaN,
        stoppedEarly: true,
        stopReason: 'no summary.json: the run was interrupted or is still running',
        nonFiniteSteps: 0,
        resumedFromStep: null,
        interrupted: true,
      };
  return renderReport(
    trainReportDocument({
      name: typeof config.name === 'string' ? config.name : dir,
      description: typeof config.description === 'string' ? config.description : '',
      status: statusOf(summary),
      summary,
      config,
      logs,
      verdicts: logs.verdicts,
      generatedAt,
      source: `gradscope report ${dir}`,
    }),
  );
}
