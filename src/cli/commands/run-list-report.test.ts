import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GradscopeError } from '../../errors.js';
import type { Experiment, ExperimentContext, ExperimentResult } from '../../experiments/types.js';
import { barChart } from '../../report/charts.js';
import { EXIT, parseCommand, UsageError, type CommandSpec, type Parsed } from '../args.js';
import { listCommand, listSpec } from './list.js';
import { reportCommand, reportSpec } from './report.js';
import { chooseSeeds, runCommand, runSpec, type CommandDeps } from './run.js';

const root = mkdtempSync(join(tmpdir(), 'gradscope-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Calls seen by the fake experiments. */
const calls: { name: string; ctx: ExperimentContext }[] = [];

function fake(
  id: string,
  name: string,
  behaviour: 'pass' | 'fail' | 'inconsistent' | 'crash',
): Experiment {
  return {
    id,
    name,
    title: `Fake ${behaviour}`,
    paper: 'Doe & Roe 2024',
    story: `A fake experiment that will ${behaviour}.`,
    defaultSeeds: { full: [1, 2], quick: [7] },
    async run(ctx: ExperimentContext): Promise<ExperimentResult> {
      calls.push({ name, ctx });
      ctx.progress?.(0.5, 'half way');
      if (behaviour === 'crash') throw new Error('out of coffee');
      const second = behaviour === 'pass';
      return {
        experiment: name,
        title: `Fake ${behaviour}`,
        paper: 'Doe & Roe 2024',
        mode: ctx.quick ? 'quick' : 'full',
        seeds: ctx.seeds,
        // 'inconsistent' claims a pass although a criterion failed
        pass: behaviour !== 'fail',
        criteria: [
          { name: 'loss below 0.1', expected: '< 0.1', measured: 0.05, pass: true },
          {
            name: 'accuracy above 0.9',
            expected: '> 0.9',
            measured: second ? 0.95 : 0.5,
            pass: second,
          },
        ],
        runs: ctx.seeds.map((s) => ({ seed: s, finalLoss: 0.05 })),
        charts: [
          barChart({
            id: 'acc',
            title: 'Accuracy per seed',
            bars: ctx.seeds.map((s) => ({ label: `seed ${s}`, value: 0.9 })),
          }),
        ],
        verdicts: [],
        timeMs: 12,
      };
    },
  };
}

const experiments: readonly Experiment[] = [
  fake('E10', 'fake-fail', 'fail'),
  fake('E2', 'fake-pass', 'pass'),
  fake('E3', 'fake-crash', 'crash'),
  fake('E4', 'fake-liar', 'inconsistent'),
];

type Handler = (
  args: Parsed,
  out: (s: string) => void,
  deps?: CommandDeps,
) => number | Promise<number>;

/** Runs a command the way src/cli/main.ts does (UsageError → 2, GradscopeError → 3), capturing stdout and stderr. */
async function invoke(
  spec: CommandSpec,
  handler: Handler,
  argv: string[],
  opts: { tty?: boolean; signal?: AbortSignal } = {},
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  let err = '';
  const deps: CommandDeps = {
    experiments,
    stderr: { write: (s: string) => (err += s), isTTY: opts.tty ?? false },
    now: () => new Date(2026, 10, 27, 7, 40, 12),
    runsRoot: join(root, 'runs'),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  try {
    const parsed = parseCommand(spec, argv);
    if (parsed === 'help') return { code: EXIT.ok, out: 'help', err };
    const code = await handler(parsed, (s) => out.push(s), deps);
    return { code, out: out.join('\n'), err };
  } catch (e) {
    if (e instanceof UsageError)
      return { code: EXIT.usage, out: out.join('\n'), err: err + e.message };
    if (e instanceof GradscopeError)
      return { code: EXIT.error, out: out.join('\n'), err: err + e.message };
    throw e;
  }
}

describe('gradscope list', () => {
  it('prints id, name, title, paper in catalogue order (E2 before E10)', async () => {
    const r = await invoke(listSpec, listCommand, []);
    expect(r.code).toBe(EXIT.ok);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^id\s+name\s+title\s+paper$/);
    expect(lines.slice(1, 5).map((l) => l.split(/\s+/)[0])).toEqual(['E2', 'E3', 'E4', 'E10']);
    expect(lines[1]).toMatch(/^E2\s+fake-pass\s+Fake pass\s+Doe & Roe 2024$/);
  });

  it('--json prints the entries', async () => {
    const r = await invoke(listSpec, listCommand, ['--json']);
    const entries = JSON.parse(r.out) as { id: string; name: string; defaultSeeds: unknown }[];
    expect(entries.map((e) => e.name)).toEqual([
      'fake-pass',
      'fake-crash',
      'fake-liar',
      'fake-fail',
    ]);
    expect(entries[0]).toMatchObject({
      id: 'E2',
      title: 'Fake pass',
      paper: 'Doe & Roe 2024',
      defaultSeeds: { full: [1, 2], quick: [7] },
    });
  });
});

describe('chooseSeeds', () => {
  it('takes the first N defaults, extended with the smallest unused positive integers', () => {
    expect(chooseSeeds([1, 2, 3], undefined)).toEqual([1, 2, 3]);
    expect(chooseSeeds([1, 2, 3], 2)).toEqual([1, 2]);
    expect(chooseSeeds([1, 2, 3], 5)).toEqual([1, 2, 3, 4, 5]);
    expect(chooseSeeds([7, 2], 4)).toEqual([7, 2, 1, 3]);
  });
});

describe('gradscope run', () => {
  it('passes: prints the criteria table and summary, writes result.json and report.html, exit 0', async () => {
    const out = join(root, 'pass');
    calls.length = 0;
    const r = await invoke(runSpec, runCommand, ['fake-pass', '--out', out]);
    expect(r.code).toBe(EXIT.ok);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.ctx.quick).toBe(false);
    expect(calls[0]?.ctx.seeds).toEqual([1, 2]);
    // Progress is always reported to the command (it is where Ctrl-C abandons the run). Piped,
    // it is printed as plain lines on stderr (issue #16: \`run\` was silent for minutes): what
    // starts, then a line per run or seed at most once a second ('half way' comes within the
    // same second here), and the end.
    expect(typeof calls[0]?.ctx.progress).toBe('function');
    expect(r.out).toMatch(/^criterion\s+expected\s+measured\s+result$/m);
    expect(r.out).toMatch(/^accuracy above 0\.9\s+> 0\.9\s+0\.95\s+pass$/m);
    expect(r.out).toContain('PASS: fake-pass, 2/2 criteria passed in 0.01 s');
    expect(r.out).toContain(`Run directory: ${out} (result.json, report.html)`);
    expect(r.err).toMatch(
      /^\[ {2}0%\] fake-pass: starting \(full, 2 seeds\) — \d+\.\d s, ETA \?\n\[100%\] fake-pass: finished — \d+\.\d s\n$/,
    );
    expect(readdirSync(out).sort()).toEqual(['report.html', 'result.json']);
    const saved = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as ExperimentResult;
    expect(saved).toMatchObject({
      experiment: 'fake-pass',
      pass: true,
      seeds: [1, 2],
      mode: 'full',
    });
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/https?:\/\/|<script/i);
    expect(html).toContain('A fake experiment that will pass.');
    expect(html).toContain('accuracy above 0.9');
    expect(html.match(/<svg/g)?.length).toBe(1);
  });

  it('fails a criterion: exit 1 and FAIL in the summary; --quick and --seeds reach the experiment', async () => {
    calls.length = 0;
    const r = await invoke(runSpec, runCommand, [
      'fake-fail',
      '--quick',
      '--seeds',
      '3',
      '--out',
      join(root, 'fail'),
    ]);
    expect(r.code).toBe(EXIT.failed);
    expect(calls[0]?.ctx).toMatchObject({ quick: true, seeds: [7, 1, 2] });
    expect(r.out).toMatch(/^accuracy above 0\.9\s+> 0\.9\s+0\.5\s+FAIL$/m);
    expect(r.out).toContain('FAIL: fake-fail, 1/2 criteria passed');
  });

  it('does not call a result a pass when one of its criteria failed', async () => {
    const out = join(root, 'liar');
    const r = await invoke(runSpec, runCommand, ['fake-liar', '--out', out]);
    expect(r.code).toBe(EXIT.failed);
    expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).pass).toBe(false);
  });

  it('--json prints exactly the ExperimentResult on stdout', async () => {
    const out = join(root, 'json');
    const r = await invoke(runSpec, runCommand, ['E2', '--json', '--out', out]);
    expect(r.code).toBe(EXIT.ok);
    const printed = JSON.parse(r.out) as ExperimentResult;
    expect(printed).toEqual(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')));
    expect(printed.experiment).toBe('fake-pass');
    expect(r.err).toContain(`Run directory: ${out}`);
  });

  it('writes to runs/<timestamp>-<name> by default, and a second run the same second gets a new directory', async () => {
    const a = await invoke(runSpec, runCommand, ['fake-pass', '--quick']);
    const b = await invoke(runSpec, runCommand, ['fake-pass', '--quick']);
    expect([a.code, b.code]).toEqual([EXIT.ok, EXIT.ok]);
    expect(readdirSync(join(root, 'runs')).sort()).toEqual([
      '20261127-074012-fake-pass',
      '20261127-074012-fake-pass-2',
    ]);
  });

  it('shows a redrawn progress line on a terminal', async () => {
    const r = await invoke(runSpec, runCommand, ['fake-pass', '--out', join(root, 'tty')], {
      tty: true,
    });
    expect(r.err).toContain('half way');
    expect(r.err).toContain(' 50% ');
  });

  it('interrupted (SIGINT): abandoned at the next progress report, nothing written, exit 130', async () => {
    const out = join(root, 'interrupted');
    const ctl = new AbortController();
    ctl.abort('SIGINT');
    const r = await invoke(runSpec, runCommand, ['fake-pass', '--out', out], {
      signal: ctl.signal,
    });
    expect(r.code).toBe(130);
    expect(r.err).toContain(
      "gradscope run: interrupted during half way (50%): experiment 'fake-pass' abandoned, nothing written",
    );
    expect(existsSync(out)).toBe(false);
  });

  it('unknown experiment: exit 2 with the valid names', async () => {
    const r = await invoke(runSpec, runCommand, ['nope']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toBe(
      "run: unknown experiment 'nope'. Valid experiments: fake-fail, fake-pass, fake-crash, fake-liar (see gradscope list)",
    );
  });

  it('refuses an existing non-empty --out before running anything (exit 2), and leaves it alone', async () => {
    const out = join(root, 'taken');
    mkdirSync(out);
    writeFileSync(join(out, 'precious.txt'), 'keep me');
    calls.length = 0;
    const r = await invoke(runSpec, runCommand, ['fake-pass', '--out', out]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain(`--out directory '${out}' exists and is not empty`);
    expect(calls).toHaveLength(0);
    expect(readdirSync(out)).toEqual(['precious.txt']);
  });

  it('bad --seeds: exit 2', async () => {
    for (const bad of ['0', '1.5', 'many']) {
      const r = await invoke(runSpec, runCommand, ['fake-pass', '--seeds', bad]);
      expect(r.code).toBe(EXIT.usage);
      expect(r.err).toContain(`--seeds must be an integer >= 1, got '${bad}'`);
    }
  });

  it('an experiment that throws: exit 3 with its message, no run directory', async () => {
    const out = join(root, 'crash');
    const r = await invoke(runSpec, runCommand, ['fake-crash', '--out', out]);
    expect(r.code).toBe(EXIT.error);
    expect(r.err).toContain("experiment 'fake-crash' stopped with an error");
    expect(r.err).toContain('out of coffee');
    expect(existsSync(out)).toBe(false);
  });
});

describe('gradscope report', () => {
  it('rebuilds report.html from result.json and plots the logs found next to it', async () => {
    const dir = join(root, 'rebuild');
    expect((await invoke(runSpec, runCommand, ['fake-pass', '--out', dir])).code).toBe(EXIT.ok);
    rmSync(join(dir, 'report.html'));
    writeFileSync(
      join(dir, 'metrics.jsonl'),
      '{"step":1,"loss":2,"lr":0.1}\n{"step":2,"loss":1,"lr":0.1}\n{"step":3,"lo',
    );
    const r = await invoke(reportSpec, reportCommand, [dir]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain(
      `Wrote ${join(dir, 'report.html')} (fake-pass PASS 2/2; logs: metrics.jsonl)`,
    );
    expect(r.out).toContain(
      'note: metrics.jsonl: 1 line is not valid JSON (first at line 3); skipped',
    );
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('Training logs');
    expect(html).toContain('<figcaption>Loss (per logged step and evaluation) · loss</figcaption>');
    expect(html).toContain('A fake experiment that will pass.');
  });

  it('a corrupt result.json: exit 3 naming the file', async () => {
    const dir = join(root, 'corrupt');
    mkdirSync(dir);
    writeFileSync(join(dir, 'result.json'), '{"experiment": "x", "criteria": [');
    const r = await invoke(reportSpec, reportCommand, [dir]);
    expect(r.code).toBe(EXIT.error);
    expect(r.err).toContain(`result file '${join(dir, 'result.json')}' is not valid JSON`);
    expect(existsSync(join(dir, 'report.html'))).toBe(false);
  });

  it('a missing result.json or run directory: exit 3 naming it', async () => {
    const dir = join(root, 'empty');
    mkdirSync(dir);
    const r = await invoke(reportSpec, reportCommand, [dir]);
    expect(r.code).toBe(EXIT.error);
    expect(r.err).toContain(`result file '${join(dir, 'result.json')}' is missing`);
    const r2 = await invoke(reportSpec, reportCommand, [join(root, 'no-such-dir')]);
    expect(r2.code).toBe(EXIT.error);
    expect(r2.err).toContain(`run directory '${join(root, 'no-such-dir')}' does not exist`);
  });

  it('--out writes elsewhere, and refuses to overwrite something that is not an .html report', async () => {
    const dir = join(root, 'for-out');
    expect((await invoke(runSpec, runCommand, ['fake-pass', '--out', dir])).code).toBe(EXIT.ok);
    const target = join(root, 'elsewhere', 'r.html');
    expect((await invoke(reportSpec, reportCommand, [dir, '--out', target])).code).toBe(EXIT.ok);
    expect(readFileSync(target, 'utf8')).toMatch(/^<!doctype html>/);
    writeFileSync(join(root, 'notes.txt'), 'mine');
    const r = await invoke(reportSpec, reportCommand, [dir, '--out', join(root, 'notes.txt')]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain('exists and is not an .html report');
    expect(readFileSync(join(root, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('a missing argument: exit 2', async () => {
    const r = await invoke(reportSpec, reportCommand, []);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain('missing argument RUN_DIR');
  });
});
