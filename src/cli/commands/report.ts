import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { probeOutputDir } from '../../fs-guard-node.js';
import { readRunResult, REPORT_FILE } from '../../experiments/run-dir-node.js';
import type { Experiment } from '../../experiments/types.js';
import { renderExperimentReport } from '../../report/experiment-report.js';
import { readRunLogs } from '../../report/run-logs-node.js';
import { writeReportFile } from '../../report/write-node.js';
import { EXIT, UsageError, type CommandSpec, type Parsed } from '../args.js';
import { loadExperiments, type CommandDeps } from './run.js';
import { localStamp } from '../format.js';

/** `gradscope report` spec. */
export const reportSpec: CommandSpec = {
  name: 'report',
  summary: '(Re)build the HTML report of a run directory from its result.json and logs.',
  usage: 'report RUN_DIR [--out FILE]',
  description:
    'Reads RUN_DIR/result.json (written by `gradscope run`) and, when present, the JSONL logs of\n' +
    'the training loop and the monitor (metrics.jsonl, *.jsonl, also in subdirectories) and writes\n' +
    'a self-contained report.html. Logs are read tolerantly: what can be plotted is. A missing or\n' +
    'corrupt result.json is an error naming the file (exit code 3).',
  positionals: [{ name: 'RUN_DIR', required: true, description: 'a run directory' }],
  flags: {
    out: {
      type: 'string',
      valueName: 'FILE',
      description: 'where to write the report (default RUN_DIR/report.html)',
    },
  },
};

/** The catalogue's stories, or none if the catalogue cannot be loaded (a report must not depend on it). */
async function stories(deps: CommandDeps): Promise<Record<string, string>> {
  let experiments: readonly Experiment[] = [];
  try {
    experiments = deps.experiments ?? (await loadExperiments());
  } catch {
    experiments = [];
  }
  return Object.fromEntries(experiments.map((e) => [e.name, e.story]));
}

/** Runs `gradscope report`. */
export async function reportCommand(
  args: Parsed,
  out: (s: string) => void,
  deps: CommandDeps = {},
): Promise<number> {
  const dir = args.positionals[0] as string;
  const target = typeof args.flags.out === 'string' ? args.flags.out : join(dir, REPORT_FILE);
  if (target.trim() === '') throw new UsageError("report: --out must be a file path, got ''");
  // Rebuilding a report replaces the old one; anything else that exists is not ours to overwrite.
  if (existsSync(target) && (statSync(target).isDirectory() || !target.endsWith('.html'))) {
    throw new UsageError(
      `report: --out '${target}' exists and is not an .html report; choose another file`,
    );
  }
  const results = readRunResult(dir);
  // Output first: an unwritable target fails before the report is rendered.
  probeOutputDir(dirname(target), '--out directory');
  const logs = readRunLogs(dir);
  const now = (deps.now ?? (() => new Date()))();
  const html = await renderExperimentReport(results, {
    stories: await stories(deps),
    logs,
    generatedAt: localStamp(now),
    source: dir,
  });
  try {
    writeReportFile(target, html);
  } catch (e) {
    (deps.stderr ?? process.stderr).write(
      `gradscope report: cannot write '${target}': ${e instanceof Error ? e.message : String(e)}\n`,
    );
    return EXIT.error;
  }
  const summary = results
    .map(
      (r) =>
        `${r.experiment} ${r.pass ? 'PASS' : 'FAIL'} ${r.criteria.filter((c) => c.pass).length}/${r.criteria.length}`,
    )
    .join(', ');
  out(
    `Wrote ${target} (${summary}${logs.files.length > 0 ? `; logs: ${logs.files.join(', ')}` : ''})`,
  );
  for (const p of logs.problems) out(`note: ${p}`);
  return EXIT.ok;
}
