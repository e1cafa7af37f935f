// E18 (loss-spikes) full mode with its eighteen training runs (6 arms × 3 seeds) in separate
// processes, for a loaded machine: each arm is deterministic for its seed, so the assembled
// result is the one `gradscope run loss-spikes` computes in one process (same code: the arms are
// trainLossSpikeArm, the result assembleLossSpikes, which orders the pieces as one process would).
//   npx tsx examples/e18-parallel.ts arm SEED ARM DIR    # one arm → DIR/seedSEED-ARM.json
//   npx tsx examples/e18-parallel.ts assemble DIR OUT   # result.json + report.html in OUT
// Two at a time on two cores (ARM: none, norm, zclip, spike, fullBatch, control):
//   for s in 0 1 2; do for a in none norm zclip spike fullBatch control; do
//     echo "$s $a"; done; done | xargs -P 2 -n 2 sh -c \
//     'npx tsx examples/e18-parallel.ts arm "$0" "$1" /tmp/e18-arms'
//   npx tsx examples/e18-parallel.ts assemble /tmp/e18-arms /tmp/e18-run
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import '../src/autograd/backward.js';
import {
  assembleLossSpikes,
  lossSpikes,
  LOSS_SPIKE_ARMS,
  trainLossSpikeArm,
  type LossSpikeArm,
  type LossSpikeArmRun,
} from '../src/experiments/loss-spikes.js';
import { prepareRunDir, REPORT_FILE, writeRunResult } from '../src/experiments/run-dir-node.js';
import { renderExperimentReport } from '../src/report/experiment-report.js';
import { writeReportFile } from '../src/report/write-node.js';

const [mode, ...rest] = process.argv.slice(2);
const usage = (): never => {
  process.stderr.write(
    `usage: npx tsx examples/e18-parallel.ts arm SEED ARM DIR | assemble DIR OUT (ARM: ${LOSS_SPIKE_ARMS.join(', ')})\n`,
  );
  process.exit(2);
};
const fileOf = (dir: string, seed: number, arm: string): string =>
  join(dir, `seed${seed}-${arm}.json`);
// non-finite losses (a divergence) survive the JSON round trip as strings
const replacer = (_k: string, v: unknown): unknown =>
  typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
const reviver = (_k: string, v: unknown): unknown =>
  v === 'NaN' || v === 'Infinity' || v === '-Infinity' ? Number(v) : v;

if (mode === 'arm') {
  const [seedText, arm, dir] = rest;
  if (seedText === undefined || arm === undefined || dir === undefined) usage();
  const seed = Number(seedText);
  if (!Number.isInteger(seed) || seed < 0) usage();
  if (!LOSS_SPIKE_ARMS.includes(arm as LossSpikeArm)) usage();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await trainLossSpikeArm(arm as LossSpikeArm, seed);
  const cpu = process.cpuUsage(c0);
  mkdirSync(dir as string, { recursive: true });
  const file = fileOf(dir as string, seed, arm as string);
  writeFileSync(
    `${file}.tmp`,
    JSON.stringify(
      {
        run: r,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        wallSeconds: (performance.now() - t0) / 1000,
      },
      replacer,
    ),
  );
  renameSync(`${file}.tmp`, file);
  process.stdout.write(
    `seed ${seed} ${arm}: events ${r.events.join(' ') || 'none'}, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU\n`,
  );
} else if (mode === 'assemble') {
  const [dir, out] = rest;
  if (dir === undefined || out === undefined) usage();
  const t0 = performance.now();
  const seeds = lossSpikes.defaultSeeds.full;
  const pieces: LossSpikeArmRun[] = [];
  let cpu = 0;
  for (const seed of seeds)
    for (const arm of LOSS_SPIKE_ARMS) {
      const j = JSON.parse(readFileSync(fileOf(dir as string, seed, arm), 'utf8'), reviver) as {
        run: LossSpikeArmRun;
        cpuSeconds: number;
      };
      pieces.push(j.run);
      cpu += j.cpuSeconds;
    }
  const result = assembleLossSpikes({ quick: false, seeds }, seeds, pieces, t0);
  const runDir = prepareRunDir({
    experiment: lossSpikes.name,
    now: new Date(),
    out: out as string,
  });
  writeRunResult(runDir, result);
  writeReportFile(
    join(runDir, REPORT_FILE),
    await renderExperimentReport([result], {
      stories: { [result.experiment]: lossSpikes.story },
      generatedAt: new Date().toISOString(),
      source: runDir,
    }),
  );
  for (const p of pieces)
    process.stdout.write(`seed ${p.seed} ${p.arm}: ${p.events.length} events\n`);
  for (const c of result.criteria)
    process.stdout.write(
      `${c.pass ? 'pass' : 'FAIL'}  ${c.name}: ${String(c.measured)} (expected ${c.expected})\n`,
    );
  process.stdout.write(
    `training CPU ${cpu.toFixed(1)} s over ${pieces.length} runs\n${result.pass ? 'PASS' : 'FAIL'} — ${runDir}\n`,
  );
} else usage();
