import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Experiment, ExperimentContext, ExperimentResult } from '../experiments/types.js';
import { formatDuration, ProgressReporter } from '../train/progress.js';
import { parseCommand } from './args.js';
import { runCommand, runSpec } from './commands/run.js';
import { trainCommand, trainSpec } from './commands/train.js';
import { colorEnabled } from './format.js';
import { terminalProgress } from './progress.js';

const tmp = mkdtempSync(join(tmpdir(), 'gs-progress-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A stream capture with an injected isTTY, and a clock the test moves by hand (ms). */
function capture(isTTY: boolean): {
  stream: { write(s: string): true; isTTY: boolean };
  text: () => string;
} {
  let text = '';
  return {
    stream: {
      write: (s: string) => {
        text += s;
        return true;
      },
      isTTY,
    },
    text: () => text,
  };
}
function clock(): { now: () => number; set: (ms: number) => void } {
  let t = 0;
  return { now: () => t, set: (ms) => void (t = ms) };
}
const SGR = /\x1b\[\d+m/;

describe('colorEnabled (no-color.org)', () => {
  it('colours a terminal unless NO_COLOR is non-empty or --no-color is given', () => {
    expect(colorEnabled({ isTTY: true }, {}, {})).toBe(true);
    // "when present and not an empty string": an empty NO_COLOR does not disable colour.
    expect(colorEnabled({ isTTY: true }, {}, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled({ isTTY: true }, {}, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, {}, { NO_COLOR: 'false' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { 'no-color': true }, {})).toBe(false);
    expect(colorEnabled({ isTTY: false }, {}, {})).toBe(false);
    expect(colorEnabled({}, {}, {})).toBe(false);
  });
});

describe('formatDuration', () => {
  it('seconds, minutes, hours', () => {
    expect(formatDuration(4.25)).toBe('4.3 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(7620)).toBe('2 h 07 min');
    expect(formatDuration(NaN)).toBe('?');
  });
});

describe('the progress renderer', () => {
  it('training steps, not a TTY: periodic plain lines with steps/s and the ETA', () => {
    const c = clock();
    const out = capture(false);
    const p = terminalProgress(out.stream, { now: c.now, env: {} });
    p.start(100, 0, 25);
    for (let s = 1; s <= 100; s++) {
      c.set(s * 100); // 10 steps/s
      p.step(s, 0.5, 1e-3, 0);
    }
    // 25 of 100 steps in 2.5 s: 10 steps/s, 75 left: ETA 7.5 s.
    expect(out.text().split('\n')).toEqual([
      'step  25/100  epoch 1  loss 0.5000  lr 0.0010  10.0 steps/s  ETA 7.5 s',
      'step  50/100  epoch 1  loss 0.5000  lr 0.0010  10.0 steps/s  ETA 5.0 s',
      'step  75/100  epoch 1  loss 0.5000  lr 0.0010  10.0 steps/s  ETA 2.5 s',
      'step 100/100  epoch 1  loss 0.5000  lr 0.0010  10.0 steps/s  ETA 0.0 s',
      '',
    ]);
  });
  it('training steps on a TTY: one line redrawn in place (throttled), ended by a newline', () => {
    const c = clock();
    const out = capture(true);
    const p = terminalProgress(out.stream, { now: c.now, env: {} });
    p.start(10);
    for (let s = 1; s <= 10; s++) {
      c.set(s * 60); // redraws at most every 100 ms: steps 1, 3, 5, 7, 9 and the last
      p.step(s, 1, 0.1);
    }
    p.end();
    const frames = out
      .text()
      .split('\r\x1b[K')
      .filter((f) => f !== '');
    expect(frames).toHaveLength(6);
    expect(frames[2]).toBe(
      'step  5/10 [============>           ] loss 1.0000  lr 0.1000  16.7 steps/s  ETA 0.3 s',
    );
    expect(out.text().endsWith('ETA 0.0 s\n')).toBe(true);
    expect(out.text()).not.toMatch(SGR);
  });
  it('any work, not a TTY: a line when the label changes (at most once a second), a heartbeat, and the end', () => {
    const c = clock();
    const out = capture(false);
    const p = terminalProgress(out.stream, { now: c.now, env: {}, unit: 'fraction' });
    p.start(1);
    p.update(0, 'E9: starting');
    c.set(500);
    p.update(0.1, 'E9: seed 1'); // within a second of the last line: skipped
    c.set(2000);
    p.update(0.25, 'E9: seed 2');
    c.set(40000);
    p.update(0.3, 'E9: seed 2'); // same label, but 30 s since the last line: a heartbeat
    c.set(40100);
    p.update(0.31, 'E9: seed 2'); // nothing new
    c.set(60000);
    p.update(1, 'E9: done');
    expect(out.text()).toBe(
      [
        '[  0%] E9: starting — 0.0 s, ETA ?',
        '[ 25%] E9: seed 2 — 2.0 s, ETA 6.0 s',
        '[ 30%] E9: seed 2 — 40.0 s, ETA 1 min 33 s',
        '[100%] E9: done — 1 min 00 s',
        '',
      ].join('\n'),
    );
  });
  it('counted work on a TTY: a bar with done/total, the rate and the ETA', () => {
    const c = clock();
    const out = capture(true);
    const p = terminalProgress(out.stream, { now: c.now, env: {}, unit: 'points' });
    p.start(8);
    c.set(4000);
    p.update(2, 'sweep');
    expect(out.text()).toBe(
      '\r\x1b[K[======>                 ] 2/8 sweep — 4.0 s, 0.50 points/s, ETA 12.0 s',
    );
  });
  it('toned messages are coloured on a terminal, never with NO_COLOR or --no-color, never when piped', () => {
    const msg = (isTTY: boolean, env: Record<string, string>, flags = {}): string => {
      const out = capture(isTTY);
      terminalProgress(out.stream, { env, flags }).message('monitor: exploding', 'error');
      return out.text();
    };
    expect(msg(true, {})).toBe('\x1b[31mmonitor: exploding\x1b[0m\n');
    expect(msg(true, { NO_COLOR: '1' })).toBe('monitor: exploding\n');
    expect(msg(true, {}, { 'no-color': true })).toBe('monitor: exploding\n');
    expect(msg(false, {})).toBe('monitor: exploding\n');
  });
  it('quiet: nothing at all', () => {
    const out = capture(true);
    const p = terminalProgress(out.stream, { quiet: true });
    p.start(2);
    p.step(2, 1, 1);
    p.update(2, 'x');
    p.message('y', 'error');
    expect(out.text()).toBe('');
    expect(new ProgressReporter({ mode: 'silent', write: () => {} }).mode).toBe('silent');
  });
});

describe('commands use it', () => {
  it('gradscope run, piped: a line per seed on stderr (it was silent before)', async () => {
    const c = clock();
    const exp: Experiment = {
      id: 'E99',
      name: 'slow',
      title: 'Slow',
      paper: 'none',
      story: 'A fake experiment with three seeds of 20 s each.',
      defaultSeeds: { full: [1, 2, 3], quick: [1] },
      async run(ctx: ExperimentContext): Promise<ExperimentResult> {
        for (let i = 0; i < 3; i++) {
          ctx.progress?.(i / 3, `slow: seed ${i + 1}`);
          c.set(c.now() + 20000);
        }
        ctx.progress?.(1, 'slow: done');
        return {
          experiment: 'slow',
          title: 'Slow',
          paper: 'none',
          mode: 'full',
          seeds: ctx.seeds,
          pass: true,
          criteria: [{ name: 'ok', expected: 'yes', measured: 1, pass: true }],
          runs: [],
          charts: [],
          verdicts: [],
          timeMs: 60000,
        };
      },
    };
    const err = capture(false);
    const parsed = parseCommand(runSpec, ['slow', '--out', join(tmp, 'run')]);
    if (parsed === 'help') throw new Error('help');
    const code = await runCommand(parsed, () => {}, {
      experiments: [exp],
      stderr: err.stream,
      clock: c.now,
      env: {},
      signal: new AbortController().signal,
    });
    expect(code).toBe(0);
    expect(err.text()).toBe(
      [
        '[  0%] slow: starting (full, 3 seeds) — 0.0 s, ETA ?',
        // 'seed 1' comes in the same instant as the start line: at most one line a second.
        '[ 33%] slow: seed 2 — 20.0 s, ETA 40.0 s',
        '[ 67%] slow: seed 3 — 40.0 s, ETA 20.0 s',
        '[100%] slow: done — 1 min 00 s',
        '',
      ].join('\n'),
    );
  });

  it('gradscope train on a terminal: verdicts in colour, plain with NO_COLOR', async () => {
    const cfg = join(tmp, 'diverge.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        model: { name: 'rnn', hiddenSize: 8 },
        data: { name: 'addition', T: 10, numSamples: 64, testSamples: 16 },
        optimizer: { name: 'sgd', lr: 1e6 },
        monitor: true,
        train: { steps: 30, batchSize: 16 },
      }),
    );
    const go = async (env: Record<string, string>, dir: string): Promise<string> => {
      const out = capture(true);
      const parsed = parseCommand(trainSpec, ['--config', cfg, '--out', join(tmp, dir)]);
      if (parsed === 'help') throw new Error('help');
      await trainCommand(parsed, () => {}, {
        progress: out.stream,
        stderr: { write: () => true },
        env,
        signal: new AbortController().signal,
      });
      return out.text();
    };
    const coloured = await go({}, 'c1');
    expect(coloured).toMatch(/\x1b\[31mmonitor: step \d+: exploding \(critical\)/);
    expect(coloured).toMatch(/\r\x1b\[Kstep +\d+\/30 \[[=> ]+\] .*steps\/s {2}ETA /);
    const plain = await go({ NO_COLOR: '1' }, 'c2');
    expect(plain).toMatch(/monitor: step \d+: exploding \(critical\)/);
    expect(plain).not.toMatch(SGR);
    // Still a terminal: the progress line is redrawn (cursor control is not colour).
    expect(plain).toContain('\r\x1b[K');
  });
});
