import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { renderReport } from '../../report/html.js';
import { runLogCharts } from '../../report/log-charts.js';
import { readRunLogs } from '../../report/run-logs-node.js';
import { emptyRunLogs, type RunLogs } from '../../report/run-logs.js';
import { writeReportFile } from '../../report/write-node.js';
import { EXIT, UsageError, type CommandSpec, type Parsed } from '../args.js';
import { localStamp } from '../format.js';

/** `gradscope compare` spec. */
export const compareSpec: CommandSpec = {
  name: 'compare',
  summary: 'A static HTML report overlaying several run directories (one colour per run).',
  usage: 'compare RUN_DIR RUN_DIR [...] [--out FILE]',
  description:
    'Reads the logs of each run directory (experiment or train run) with the one run-log parser\n' +
    'and writes one self-contained page: loss, accuracy, learning rate and other metrics with\n' +
    'every run overlaid (one colour per run, a legend), per-layer gradient-norm heatmaps on one\n' +
    'shared colour scale, and the verdicts of all runs. Runs are named after their directories.',
  positionals: [
    { name: 'RUN_DIR', required: true, description: 'a run directory' },
    { name: 'RUN_DIR', required: true, variadic: true, description: 'more run directories' },
  ],
  flags: {
    out: {
      type: 'string',
      valueName: 'FILE',
      default: 'compare.html',
      description: 'where to write the page (default compare.html)',
    },
  },
};

/** Unique display names for the run directories (their base names, made unique). */
function runNames(dirs: readonly string[]): string[] {
  const names = dirs.map((d) => basename(resolve(d)));
  return names.map((n, i) =>
    names.indexOf(n) === i && names.lastIndexOf(n) === i ? n : `${n} (${i + 1})`,
  );
}

/** The logs of several run directories in one RunLogs, each run named after its directory. */
export function readComparedLogs(dirs: readonly string[]): RunLogs {
  const all = emptyRunLogs();
  const names = runNames(dirs);
  dirs.forEach((dir, i) => {
    const logs = readRunLogs(dir);
    const name = names[i] as string;
    const rename = (run: string): string => (run === 'run' ? name : `${name}/${run}`);
    for (const s of logs.scalars) all.scalars.push({ ...s, run: rename(s.run) });
    for (const g of logs.gradNorms) all.gradNorms.push({ ...g, run: rename(g.run) });
    for (const r of logs.layerStats) all.layerStats.push({ ...r, run: rename(r.run) });
    for (const v of logs.verdicts) all.verdicts.push({ ...v, run: rename(v.run) });
    all.files.push(...logs.files.map((f) => `${name}/${f}`));
    all.problems.push(...logs.problems.map((p) => `${name}: ${p}`));
  });
  return all;
}

/** Runs `gradscope compare`. */
export async function compareCommand(args: Parsed, out: (s: string) => void): Promise<number> {
  const dirs = args.positionals;
  for (const d of dirs)
    if (!existsSync(d) || !statSync(d).isDirectory())
      throw new UsageError(`compare: RUN_DIR '${d}' is not a directory; expected a run directory`);
  const target = String(args.flags.out ?? 'compare.html');
  if (!target.endsWith('.html'))
    throw new UsageError(`compare: --out must name an .html file, got '${target}'`);
  const logs = readComparedLogs(dirs);
  const { charts, notes } = runLogCharts(logs);
  const names = runNames(dirs);
  const html = await renderReport({
    title: `Comparison of ${dirs.length} runs`,
    subtitle: names.join(' · '),
    sections: [
      {
        title: 'Runs overlaid',
        text: [
          `Runs: ${dirs.map((d, i) => `\`${names[i]}\` (${d})`).join(', ')}.`,
          'One colour per run in every chart; the heatmaps share one colour scale.',
          ...notes,
        ].join('\n\n'),
        charts,
      },
      ...(logs.problems.length > 0
        ? [{ title: 'What could not be read', text: logs.problems.join('\n\n') }]
        : []),
    ],
    generatedAt: localStamp(new Date()),
    footer: `gradscope compare ${dirs.join(' ')}`,
  });
  try {
    writeReportFile(target, html);
  } catch (e) {
    process.stderr.write(
      `gradscope compare: cannot write '${target}': ${e instanceof Error ? e.message : String(e)}\n`,
    );
    return EXIT.error;
  }
  out(`Wrote ${target} (${dirs.length} runs, ${charts.length} charts)`);
  return EXIT.ok;
}
