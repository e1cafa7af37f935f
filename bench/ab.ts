// `npm run bench:ab -- --baseline DIR` : gradscope against an older gradscope, side by side in the
// same run. DIR is another checkout of this repository (for example a git worktree of an earlier
// commit, with `npm ci && npm run build:wasm` done in it). For each workload W1–W4 and thread
// count, the two trees' runners (bench/workloads/node-runner.ts of each tree, run from that tree
// so that each imports its own src/) train from the same data bundle, alternating A, B, A, B… for
// `--rounds` rounds; each round is the suite's protocol (warm-up trajectory, then `--reps` timed
// repetitions, median). Reported: the best steps/s of each tree over the rounds (on a shared
// machine the best is the robust statistic), the median of the per-round ratios, and whether the
// two trees' loss trajectories are bit-identical (they are unless a bug fix changed numbers).
//
// This is how the redesign (issue 14) shows "bench ratios not worse, same run, before vs after":
//   git worktree add ../gs-baseline bb16516 && (cd ../gs-baseline && npm ci && npm run build:wasm)
//   npm run bench:ab -- --baseline ../gs-baseline
//
// Options:
//   --baseline DIR   the other tree (required)
//   --only LIST      workloads, comma-separated (default W1,W2,W3,W4)
//   --threads LIST   thread counts (default 1,2)
//   --rounds N       alternations (default 3)
//   --reps N         timed repetitions per round (default 3)
//   --budget SEC     time budget per runner (default 30)
//   --out FILE       JSON report (default bench/results/ab-<timestamp>.json), written atomically
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR, runChild } from './suite/child.js';
import { writeBundle } from './workloads/bundle.js';
import type { RunFailure, RunRequest, RunResult } from './workloads/protocol.js';
import { WORKLOAD_IDS, workloadSpec, type WorkloadId } from './workloads/spec.js';

const USAGE =
  'usage: npm run bench:ab -- --baseline DIR [--only W1,W2] [--threads 1,2] [--rounds N] [--reps N] [--budget SEC] [--out FILE]';

interface Options {
  baseline: string;
  only: WorkloadId[];
  threads: number[];
  rounds: number;
  reps: number;
  budget: number;
  out: string | null;
}

function fail(msg: string): never {
  process.stderr.write(`bench:ab: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

function parse(argv: readonly string[]): Options {
  const o: Options = {
    baseline: '',
    only: [...WORKLOAD_IDS],
    threads: [1, 2],
    rounds: 3,
    reps: 3,
    budget: 30,
    out: null,
  };
  const int = (flag: string, v: string | undefined, min: number, max: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min || n > max)
      fail(`${flag} ${v ?? '(missing)'}: expected an integer in [${min}, ${max}]`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    switch (a) {
      case '--baseline':
        if (v === undefined) fail('--baseline: expected a directory');
        o.baseline = path.resolve(v);
        i++;
        break;
      case '--only':
        o.only = (v ?? '').split(',').map((s) => {
          if (!(WORKLOAD_IDS as readonly string[]).includes(s))
            fail(`--only ${v ?? '(missing)'}: expected workloads from ${WORKLOAD_IDS.join(',')}`);
          return s as WorkloadId;
        });
        i++;
        break;
      case '--threads':
        o.threads = (v ?? '').split(',').map((s) => int('--threads', s, 1, 2));
        i++;
        break;
      case '--rounds':
        o.rounds = int(a, v, 1, 20);
        i++;
        break;
      case '--reps':
        o.reps = int(a, v, 1, 20);
        i++;
        break;
      case '--budget':
        o.budget = int(a, v, 1, 600);
        i++;
        break;
      case '--out':
        if (v === undefined) fail('--out: expected a file path');
        o.out = path.resolve(v);
        i++;
        break;
      case '--help':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        fail(`unknown option ${a}`);
    }
  }
  if (o.baseline === '') fail('--baseline is required');
  const runner = path.join(o.baseline, 'bench/workloads/node-runner.ts');
  if (!existsSync(runner))
    fail(`--baseline ${o.baseline}: no bench/workloads/node-runner.ts there`);
  if (!existsSync(path.join(o.baseline, 'node_modules/tsx')))
    fail(`--baseline ${o.baseline}: no node_modules (run npm ci && npm run build:wasm there)`);
  return o;
}

interface Row {
  workload: WorkloadId;
  threads: number;
  baseline: number[];
  current: number[];
  sameLosses: boolean | null;
  errors: string[];
}

async function runTree(tree: string, req: RunRequest): Promise<RunResult | RunFailure | null> {
  const o = await runChild(
    process.execPath,
    ['--import', 'tsx', path.join(tree, 'bench/workloads/node-runner.ts'), JSON.stringify(req)],
    { cwd: tree, timeoutSec: 2 * req.budgetSec + 60 },
  );
  const r = o.result as RunResult | RunFailure | null;
  return r !== null && typeof r === 'object' && 'ok' in r ? r : null;
}

const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '—');

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const current = path.resolve(BENCH_DIR, '..');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gradscope-ab-'));
  const rows: Row[] = [];
  const started = new Date();
  try {
    for (const id of o.only) {
      writeBundle(dataDir, id);
      const steps = workloadSpec(id).steps;
      for (const threads of o.threads) {
        const row: Row = {
          workload: id,
          threads,
          baseline: [],
          current: [],
          sameLosses: null,
          errors: [],
        };
        const req: RunRequest = {
          system: 'gradscope',
          workload: id,
          dataDir,
          reps: o.reps,
          steps,
          budgetSec: o.budget,
          fullTrajectory: true,
          threads,
        };
        for (let r = 0; r < o.rounds; r++) {
          const a = await runTree(o.baseline, req);
          const b = await runTree(current, req);
          for (const [name, x, into] of [
            ['baseline', a, row.baseline],
            ['current', b, row.current],
          ] as const) {
            if (x === null) row.errors.push(`${name}: no report`);
            else if (!x.ok) row.errors.push(`${name}: ${x.error}`);
            else into.push(x.stepsPerSec);
          }
          if (a !== null && a.ok && b !== null && b.ok) {
            const same =
              a.losses.length === b.losses.length &&
              a.losses.every((l, k) => Object.is(l, b.losses[k]));
            row.sameLosses = (row.sameLosses ?? true) && same;
          }
          process.stderr.write(
            `bench:ab ${id} ${threads}t round ${r + 1}/${o.rounds}: baseline ${fmt(row.baseline.at(-1) ?? NaN)} current ${fmt(row.current.at(-1) ?? NaN)} steps/s\n`,
          );
        }
        rows.push(row);
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const lines = [
    `gradscope A/B, ${started.toISOString()}, baseline ${o.baseline}, ${o.rounds} rounds × ${o.reps} reps, load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
    '',
    '| workload | threads | baseline best steps/s | current best steps/s | current ÷ baseline (best) | median of round ratios | losses bit-identical |',
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const bestA = Math.max(...r.baseline, -Infinity);
    const bestB = Math.max(...r.current, -Infinity);
    const ratios = r.current
      .map((x, k) => x / (r.baseline[k] ?? NaN))
      .filter(Number.isFinite)
      .sort((p, q) => p - q);
    const med = ratios.length > 0 ? ratios[Math.floor(ratios.length / 2)]! : NaN;
    lines.push(
      `| ${r.workload} | ${r.threads} | ${fmt(bestA)} | ${fmt(bestB)} | ${bestA > 0 && bestB > 0 ? `${(bestB / bestA).toFixed(2)}×` : '—'} | ${Number.isFinite(med) ? `${med.toFixed(2)}×` : '—'} | ${r.sameLosses === null ? '—' : r.sameLosses ? 'yes' : 'no'}${r.errors.length > 0 ? ` (${r.errors.join('; ')})` : ''} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const out =
    o.out ??
    path.join(BENCH_DIR, 'results', `ab-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(
    tmp,
    `${JSON.stringify({ date: started.toISOString(), options: o, rows }, null, 1)}\n`,
  );
  renameSync(tmp, out);
  process.stdout.write(`\nwrote ${out}\n`);
}

await main();
