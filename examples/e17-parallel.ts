// E17 (pre-post-ln) full mode with part (b)'s nine training runs (3 arms × 3 seeds) in separate
// processes, for a loaded machine: each arm is deterministic for its seed, so the assembled
// result is the one `gradscope run pre-post-ln` computes in one process (same code: the arms are
// trainPrePostLnArm, the result runPrePostLn with a trainer that reads the arms' files).
//   npx tsx examples/e17-parallel.ts arm SEED ARM DIR    # one arm → DIR/seedSEED-ARM.json
//   npx tsx examples/e17-parallel.ts assemble DIR OUT   # result.json + report.html in OUT
// All nine arms at once (ARM: post, post-warmup, pre):
//   for s in 0 1 2; do for a in post post-warmup pre; do
//     npx tsx examples/e17-parallel.ts arm $s $a /tmp/e17-arms & done; done; wait
//   npx tsx examples/e17-parallel.ts assemble /tmp/e17-arms /tmp/e17-run
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import '../src/autograd/backward.js';
import { charCorpus, loadFirstNames } from '../src/data/char-text.js';
import {
  prePostLn,
  runPrePostLn,
  trainPrePostLnArm,
  type PrePostLnArmId,
  type PrePostLnArmRun,
} from '../src/experiments/pre-post-ln.js';
import { prepareRunDir, REPORT_FILE, writeRunResult } from '../src/experiments/run-dir-node.js';
import { renderExperimentReport } from '../src/report/experiment-report.js';
import { writeReportFile } from '../src/report/write-node.js';

const [mode, ...rest] = process.argv.slice(2);
const usage = (): never => {
  process.stderr.write(
    'usage: npx tsx examples/e17-parallel.ts arm SEED ARM DIR | assemble DIR OUT\n',
  );
  process.exit(2);
};
const fileOf = (dir: string, seed: number, arm: string): string =>
  join(dir, `seed${seed}-${arm}.json`);

if (mode === 'arm') {
  const [seedText, arm, dir] = rest;
  if (seedText === undefined || arm === undefined || dir === undefined) usage();
  const seed = Number(seedText);
  const corpus = charCorpus(await loadFirstNames());
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = trainPrePostLnArm(corpus, arm as PrePostLnArmId, seed);
  const cpu = process.cpuUsage(c0);
  mkdirSync(dir as string, { recursive: true });
  const file = fileOf(dir as string, seed, arm as string);
  writeFileSync(
    `${file}.tmp`,
    JSON.stringify({
      seed,
      arm,
      evals: r.evals,
      verdicts: r.verdicts,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      wallSeconds: (performance.now() - t0) / 1000,
    }),
  );
  renameSync(`${file}.tmp`, file);
  process.stdout.write(
    `seed ${seed} ${arm}: final validation loss ${r.evals.at(-1)?.valLoss}, verdicts ${r.verdicts.map((v) => `${v.kind}@${v.step}`).join(' ') || 'none'}\n`,
  );
} else if (mode === 'assemble') {
  const [dir, out] = rest;
  if (dir === undefined || out === undefined) usage();
  const seeds = prePostLn.defaultSeeds.full;
  const result = await runPrePostLn(
    { quick: false, seeds },
    (_corpus, arm, seed) =>
      JSON.parse(readFileSync(fileOf(dir as string, seed, arm), 'utf8')) as PrePostLnArmRun,
  );
  const runDir = prepareRunDir({ experiment: prePostLn.name, now: new Date(), out: out as string });
  writeRunResult(runDir, result);
  writeReportFile(
    join(runDir, REPORT_FILE),
    await renderExperimentReport([result], {
      stories: { [result.experiment]: prePostLn.story },
      generatedAt: new Date().toISOString(),
      source: runDir,
    }),
  );
  for (const c of result.criteria)
    process.stdout.write(
      `${c.pass ? 'pass' : 'FAIL'}  ${c.name}: ${String(c.measured)} (expected ${c.expected})\n`,
    );
  process.stdout.write(`${result.pass ? 'PASS' : 'FAIL'} — ${runDir}\n`);
} else usage();
