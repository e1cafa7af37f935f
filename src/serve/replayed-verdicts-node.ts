import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { replay } from '../monitor/replay.js';
import type { RunLogs } from '../report/run-logs.js';

/** Larger records files are not replayed for the page (as the report reader skips them): 64 MiB. */
const MAX_BYTES = 64 * 1024 * 1024;

/**
 * Adds the verdicts of a run directory's `records.jsonl` — monitor records written by another
 * framework's hook (PyTorch, TensorFlow.js; docs/records.md) — to its logs: such a hook writes
 * statistics only, so the verdicts are replayed through the monitor's detectors, remedies phrased
 * for the framework, and `gradscope serve` shows them as it shows a gradscope run's. A file that
 * already holds verdict lines is left to the log reader. Bad lines become `problems`.
 * @example const logs = readRunLogs(dir); addReplayedVerdicts(dir, logs);
 */
export function addReplayedVerdicts(dir: string, logs: RunLogs): void {
  const file = join(dir, 'records.jsonl');
  let text: string;
  try {
    if (statSync(file).size > MAX_BYTES) return;
    text = readFileSync(file, 'utf8');
  } catch {
    return; // no records file
  }
  if (text.includes('"type":"verdict"')) return;
  try {
    const r = replay(text, { lenient: true });
    for (const v of r.verdicts) {
      if (v.status !== 'started') continue;
      logs.verdicts.push({
        run: 'run',
        kind: v.kind,
        step: v.step,
        layers: [...v.layers],
        severity: v.severity,
        message: v.message,
        remedies: v.remedies.map((x) => x.text),
      });
    }
    for (const e of r.errors) logs.problems.push(`records.jsonl: line ${e.line}: ${e.message}`);
  } catch (e) {
    logs.problems.push(`records.jsonl: ${e instanceof Error ? e.message : String(e)}`);
  }
}
