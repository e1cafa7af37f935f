import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseResultJson } from '../../report/result-json.js';
import { EXIT, parseCommand, UsageError, type Parsed } from '../args.js';
import { main } from '../main.js';
import { gradientHealth, type GradientHealth } from '../../monitor/gradient-health.js';
import { crossEntropy } from '../../nn/losses.js';
import { mlp } from '../../nn/mlp.js';
import { chain } from '../../optim/chain.js';
import { Optimizer } from '../../optim/optimizer.js';
import { sgd } from '../../optim/sgd.js';
import { Tensor } from '../../tensor/tensor.js';
import {
  demoCommand,
  demoSpec,
  fitWidth,
  formatDemoSummary,
  LiveView,
  type DemoSummary,
} from './demo.js';

/** A monitor that has checked two steps of a tiny MLP. */
function checkedMonitor(): GradientHealth {
  const model = mlp({ sizes: [3, 4, 2], activation: 'tanh', seed: 0 });
  const health = gradientHealth({ model });
  const opt = new Optimizer(model, chain(health, sgd({ lr: 0.1 })));
  const x = new Tensor(Float32Array.from([0.1, -0.2, 0.3, 0.5, 0.4, -0.1]), [2, 3]);
  for (let k = 0; k < 2; k++) {
    opt.zeroGrad();
    crossEntropy(model.forward(x), new Int32Array([0, 1])).backward();
    opt.step();
  }
  return health;
}

const root = mkdtempSync(join(tmpdir(), 'gradscope-demo-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function parsed(argv: string[]): Parsed {
  const p = parseCommand(demoSpec, argv);
  if (p === 'help') throw new Error('unexpected help');
  return p;
}

describe('gradscope demo', () => {
  it('--help names the flags; a non-empty --out is refused before anything runs', async () => {
    const out: string[] = [];
    expect(
      await main(
        ['demo', '--help'],
        (s) => out.push(s),
        () => undefined,
      ),
    ).toBe(EXIT.ok);
    expect(out.join('\n')).toMatch(/--quick[\s\S]*--out DIR[\s\S]*--json/);
    const taken = join(root, 'taken');
    mkdirSync(taken);
    writeFileSync(join(taken, 'x'), 'x');
    await expect(
      demoCommand(parsed(['--quick', '--out', taken]), () => undefined, {
        stderr: { write: () => true },
      }),
    ).rejects.toThrow(UsageError);
  });

  it('demo --quick --out DIR: runs E12, E13, E3, E14, prints the summary table and writes the report with the charts', async () => {
    const dir = join(root, 'demo');
    const out: string[] = [];
    let err = '';
    const code = await demoCommand(parsed(['--quick', '--out', dir]), (s) => out.push(s), {
      stderr: { write: (s: string) => (err += s), isTTY: false },
      now: () => new Date(2026, 10, 27, 7, 40, 0),
    });
    const text = out.join('\n');
    expect(code, text + err).toBe(EXIT.ok);
    // The table: one row per experiment with verdicts, remedies and the result.
    expect(text).toMatch(/experiment\s+verdicts raised\s+fixed by/);
    expect(text).toMatch(
      /E12 vanishing\s+vanishing at step \d+ \(layers 0, 2, 4, …\)\s+tanh \+ Xavier 0\.\d\d/,
    );
    expect(text).toMatch(/E13 exploding\s+exploding at step \d+/);
    expect(text).toMatch(/nonFinite at step \d+/);
    for (const name of ['E12 vanishing', 'E13 exploding', 'E3 amsgrad', 'E14 roots'])
      expect(text).toMatch(new RegExp(`${name}[^\\n]*PASS \\d+/\\d+`));
    expect(text).toContain('PASS: 4/4 experiments passed');
    expect(text).toContain(join(dir, 'report.html'));
    // Not a terminal: plain lines (verdicts, run outcomes, the monitor's plain view), no ANSI redraws.
    expect(err).toMatch(
      /\[E12 vanishing\] sigmoid \+ standard init \(seed 0\): step \d+: vanishing \(critical\)/,
    );
    expect(err).toMatch(/\[E13 exploding\] tanh RNN[^\n]*: step \d+: exploding \(critical\)/);
    expect(err).toMatch(/layer\s+log10 \|g\|/);
    expect(err).not.toContain('\u001b[');
    // The run directory: the report with every experiment's charts, all results, one JSON each.
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    for (const id of [
      'heatmap-sigmoid-standard',
      'heatmap-tanh-xavier',
      'accuracy',
      'eval-mse',
      'heatmap-tanh-rnn',
      'x-first',
    ])
      expect(html).toContain(`id="${id}"`);
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(20);
    const results = parseResultJson(readFileSync(join(dir, 'result.json'), 'utf8'), 'result.json');
    expect(results.map((r) => r.experiment)).toEqual([
      'vanishing',
      'exploding',
      'amsgrad',
      'roots',
    ]);
    for (const r of results) {
      expect(r.pass).toBe(true);
      expect(existsSync(join(dir, `${r.experiment}.json`))).toBe(true);
    }
    expect(results[0]?.verdicts.some((v) => v.kind === 'vanishing')).toBe(true);
    expect(results[1]?.verdicts.some((v) => v.kind === 'nonFinite')).toBe(true);
  }, 180_000);

  it('Ctrl-C during the second experiment: it is abandoned, the first is written with a report marked interrupted, exit 130', async () => {
    const dir = join(root, 'demo-interrupted');
    const ctl = new AbortController();
    let err = '';
    const code = await demoCommand(parsed(['--quick', '--out', dir]), () => undefined, {
      stderr: {
        write: (s: string) => {
          err += s;
          // The second flagship starts: press Ctrl-C.
          if (s.includes('[E13 exploding]') && !ctl.signal.aborted) ctl.abort('SIGINT');
        },
        isTTY: false,
      },
      now: () => new Date(2026, 10, 27, 7, 40, 0),
      signal: ctl.signal,
    });
    expect(code, err).toBe(130);
    expect(err).toMatch(/\[E13 exploding\] interrupted during exploding step \d+: abandoned/);
    expect(err).toContain(
      'gradscope demo: interrupted during exploding; the 1 finished experiment is in',
    );
    expect(existsSync(join(dir, 'vanishing.json'))).toBe(true);
    expect(existsSync(join(dir, 'exploding.json'))).toBe(false);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain(
      'interrupted during exploding: 1 of 4 experiments done',
    );
  }, 120_000);

  it('live view on a terminal: the monitor frame is redrawn in place and cleared before each outcome line', () => {
    let w = '';
    const live = new LiveView({ write: (s: string) => (w += s), isTTY: true, rows: 50 });
    const hooks = live.hooks('[T]');
    const health = checkedMonitor();
    hooks.onMonitor?.(health, 'run A', 2, 2);
    expect(w).toMatch(/^\[T\] · run A · update 2\/2\n\u001b\[1mgradscope monitor/);
    const frame = w.split('\n').length - 1;
    hooks.onMonitor?.(health, 'run A', 2, 2);
    // the second frame starts by moving up over the first one and erasing it
    expect(w).toContain(`\u001b[${frame}F\u001b[J[T] · run A`);
    hooks.onRunEnd?.('run A', 'all good', 'remedy');
    expect(w.endsWith(`\u001b[${frame}F\u001b[J  [T] remedy   run A: all good\n`)).toBe(true);
  });

  it('live view on a narrow terminal: each frame line fits one row, so the redraw leaves no stale rows', () => {
    let w = '';
    const live = new LiveView({
      write: (s: string) => (w += s),
      isTTY: true,
      rows: 50,
      columns: 24,
    });
    const hooks = live.hooks('[T]');
    const health = checkedMonitor();
    hooks.onMonitor?.(health, 'a run with a long name', 2, 2);
    const first = w.split('\n').slice(0, -1);
    // Visible width (escape sequences removed) of every line ≤ columns − 1: no line wraps.
    const visible = (l: string): number => [...l.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '')].length;
    expect(Math.max(...first.map(visible))).toBeLessThanOrEqual(23);
    hooks.onMonitor?.(health, 'a run with a long name', 2, 2);
    // The cursor goes up exactly as many rows as were drawn.
    expect(w).toContain(`\u001b[${first.length}F\u001b[J`);
    expect(fitWidth('\u001b[31mabcdef\u001b[0m', 3)).toBe('\u001b[31mabc\u001b[0m');
    expect(fitWidth('abc', 3)).toBe('abc');
  });

  it("live view elsewhere: verdicts and outcomes as plain lines, the monitor's view after a baseline", () => {
    let w = '';
    const live = new LiveView({ write: (s: string) => (w += s), isTTY: false });
    const hooks = live.hooks('[T]');
    const health = checkedMonitor();
    hooks.onMonitor?.(health, 'base', 2, 2);
    expect(w).toBe('');
    hooks.onRunEnd?.('base', 'it failed', 'baseline');
    expect(w).toMatch(
      /^  \[T\] baseline base: it failed\n      the monitor at its last finite check:\n      gradscope monitor/,
    );
    expect(w).not.toContain('\u001b[');
  });

  it('formatDemoSummary wraps long cells and reports failures', () => {
    const s: DemoSummary = {
      size: 'quick',
      pass: false,
      timeMs: 1234,
      runDir: 'runs/x',
      report: 'runs/x/report.html',
      experiments: [
        {
          experiment: 'vanishing',
          id: 'E12',
          title: 't',
          pass: true,
          criteriaPassed: 3,
          criteria: 3,
          verdicts: ['vanishing at step 9 (layers 0, 2, 4, …)'],
          fixedBy: [
            'a 0.91',
            'b 0.90',
            'c 0.87',
            'd 0.89',
            'e 0.88',
            'f 0.86',
            'g 0.85',
            'h 0.84',
            'i 0.83',
            'j 0.82',
            'k 0.81',
          ],
          notFixed: [],
          timeMs: 1,
          resultFile: 'runs/x/vanishing.json',
        },
        {
          experiment: 'roots',
          id: 'E14',
          title: 't',
          pass: false,
          criteriaPassed: 1,
          criteria: 2,
          verdicts: [],
          fixedBy: [],
          notFixed: [],
          timeMs: 1,
          resultFile: 'runs/x/roots.json',
        },
      ],
    };
    const lines = formatDemoSummary(s);
    // 'fixed by' is at most 60 characters wide: the 11 remedies (87 characters) take two lines.
    const e12 = lines.findIndex((l) => l.startsWith('E12 vanishing'));
    expect(lines[e12]).toContain('PASS 3/3');
    expect(lines[e12 + 1]?.startsWith(' '.repeat(14))).toBe(true);
    expect(lines.find((l) => l.startsWith('E14 roots'))).toMatch(/—\s+—\s+FAIL 1\/2$/);
    expect(lines).toContain('FAIL: 1/2 experiments passed in 1.2 s (quick size)');
  });
});
