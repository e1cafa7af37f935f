import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { emptyRunLogs, parseJsonlLog, parseMonitorJson, type RunLogs } from './run-logs.js';

/** Larger log files are skipped (a report must stay a few MB): 64 MiB. */
const MAX_LOG_BYTES = 64 * 1024 * 1024;
const MONITOR_JSON = /(monitor|health|verdict)[^/]*\.json$/i;

/**
 * Reads the logs of a run directory, tolerating whatever is there: every `*.jsonl` file in it
 * and in its direct subdirectories (one per run or configuration; the subdirectory names the
 * run), and `*monitor*.json` / `*health*.json` documents. Unreadable files become `problems`.
 *
 * @example const logs = readRunLogs('runs/20261127-074000-vanishing');
 */
export function readRunLogs(dir: string): RunLogs {
  const logs = emptyRunLogs();
  const visit = (d: string, run: string, depth: number): void => {
    let entries: string[];
    try {
      entries = readdirSync(d).sort();
    } catch (e) {
      logs.problems.push(
        `${relative(dir, d) || '.'}: cannot list the directory (${e instanceof Error ? e.message : String(e)})`,
      );
      return;
    }
    for (const name of entries) {
      const path = join(d, name);
      const rel = relative(dir, path);
      let size: number;
      let isDir: boolean;
      try {
        const st = statSync(path);
        size = st.size;
        isDir = st.isDirectory();
      } catch {
        continue;
      }
      if (isDir) {
        if (depth === 0 && !name.startsWith('.') && name !== 'node_modules') visit(path, name, 1);
        continue;
      }
      const isJsonl = name.endsWith('.jsonl');
      const isMonitorJson = MONITOR_JSON.test(name);
      if (!isJsonl && !isMonitorJson) continue;
      if (size > MAX_LOG_BYTES) {
        logs.problems.push(
          `${rel}: ${(size / 2 ** 20).toFixed(0)} MiB is larger than the ${MAX_LOG_BYTES / 2 ** 20} MiB read for a report; skipped`,
        );
        continue;
      }
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (e) {
        logs.problems.push(`${rel}: cannot read (${e instanceof Error ? e.message : String(e)})`);
        continue;
      }
      const runName =
        depth === 0
          ? isJsonl && !/^(metrics|monitor|records|log|run|health|verdicts?)\.jsonl$/i.test(name)
            ? basename(name, '.jsonl')
            : run
          : run;
      if (isJsonl) parseJsonlLog(text, rel, runName, logs);
      else {
        try {
          parseMonitorJson(JSON.parse(text), rel, runName, logs);
        } catch (e) {
          logs.problems.push(
            `${rel}: not valid JSON (${e instanceof Error ? e.message : String(e)}); skipped`,
          );
        }
      }
    }
  };
  visit(dir, 'run', 0);
  return logs;
}
