import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Series } from '../report/charts.js';
import type { SweepRecord } from './record.js';

/**
 * The training-loss curve (step, loss) of each record's run directory (its metrics.jsonl; Node
 * only), by point index, named `#<index>`. Missing files and unreadable lines are
 * skipped: a report of a half-finished sweep still renders.
 * @example sweepReportDocument({ ..., curves: readLossCurves(records) })
 */
export function readLossCurves(records: readonly SweepRecord[]): Map<number, Series> {
  const out = new Map<number, Series>();
  for (const r of records) {
    const file = join(r.runDir, 'metrics.jsonl');
    if (!existsSync(file)) continue;
    const x: number[] = [];
    const y: number[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        const o = JSON.parse(line) as { step?: unknown; loss?: unknown };
        if (typeof o.step === 'number' && typeof o.loss === 'number') {
          x.push(o.step);
          y.push(o.loss);
        }
      } catch {
        // a line cut by a crash
      }
    }
    if (x.length > 0) out.set(r.index, { name: `#${r.index}`, x, y });
  }
  return out;
}
