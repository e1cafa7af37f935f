import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledReferencePath } from '../conformance/reference-node.js';
import { main } from './main.js';

const OPS = bundledReferencePath('torch-ops-reference.json');
const OPTIM = bundledReferencePath('torch-optim-reference.json');
const TRANSFORMER = bundledReferencePath('torch-transformer-reference.json');
const HVP = bundledReferencePath('torch-hvp-reference.json');

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('gradscope conformance', () => {
  it('passes every ops case and prints the JSON schema with --json', async () => {
    const r = await run('conformance', OPS, '--dtype', 'float32', '--kernels', 'js', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      cases: { name: string; pass: boolean; maxAbsErr: number; maxRelErr: number }[];
      passed: number;
      failed: number;
    };
    expect(j.passed).toBe(41);
    expect(j.failed).toBe(0);
    expect(Object.keys(j.cases[0]!)).toEqual(
      expect.arrayContaining(['name', 'pass', 'maxAbsErr', 'maxRelErr']),
    );
  });

  it('passes every optimizer, clipping and schedule case (20 + 8 + 14) in float64', async () => {
    const r = await run('conformance', OPTIM, '--json');
    const j = JSON.parse(r.out) as {
      cases: { section: string; pass: boolean }[];
      passed: number;
      failed: number;
    };
    expect(r.code).toBe(0);
    expect(j.cases.filter((c) => c.section === 'optimizers').length).toBe(20);
    expect(j.cases.filter((c) => c.section === 'clipping').length).toBe(8);
    expect(j.cases.filter((c) => c.section === 'schedules').length).toBe(14);
    expect(j.failed).toBe(0);
  });

  it('without FILE runs every bundled reference (41 ops + 10 Transformer + 14 HVP + 42 optimizer cases)', async () => {
    const r = await run('conformance', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      files: { file: string; passed: number; failed: number }[];
      passed: number;
      failed: number;
    };
    expect(j.files.map((f) => f.file)).toEqual([OPS, TRANSFORMER, HVP, OPTIM]);
    expect(j.files.map((f) => f.passed)).toEqual([41, 10, 14, 42]);
    expect([j.passed, j.failed]).toEqual([107, 0]);
    const text = await run('conformance', '--dtype', 'float32');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/torch-ops-reference\.json:/);
    expect(text.out).toMatch(/all bundled references: 107 passed, 0 failed/);
  });

  it('exits 1 and marks the case when a reference value is wrong', async () => {
    const file = JSON.parse((await import('node:fs')).readFileSync(OPS, 'utf8')) as {
      cases: { output: { data: number[] } }[];
    };
    file.cases = file.cases.slice(0, 2);
    file.cases[1]!.output.data[0]! += 1;
    const dir = mkdtempSync(join(tmpdir(), 'gs-'));
    const p = join(dir, 'bad.json');
    writeFileSync(p, JSON.stringify(file));
    try {
      const r = await run('conformance', p);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/FAIL/);
      expect(r.out).toMatch(/1 passed, 1 failed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('usage errors say what is allowed (exit 2)', async () => {
    const bad = await run('conformance', OPS, '--dtype', 'float16');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--dtype must be one of float64, float32, got 'float16'/);
    const unknown = await run('conformance', OPS, '--fast');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(
      /Unknown option '--fast'.*Allowed options: --dtype, --kernels, --json, --help/,
    );
    const extra = await run('conformance', OPS, OPTIM);
    expect(extra.code).toBe(2);
    expect(extra.err).toMatch(/unexpected argument/);
    expect((await run('nonsense')).code).toBe(2);
  });

  // Issue 15: an unreadable reference is invalid input (exit 3, like train and report), not usage (was 2).
  it('an unreadable file is exit 3 naming the file and the cause', async () => {
    const r = await run('conformance', '/nonexistent/ref.json');
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/cannot open '\/nonexistent\/ref.json': no such file/);
  });
});

// Issue 15: one exit-code contract. A reference file that cannot be read or is not a valid
// reference is invalid input (3) — never usage (2), never a pass (0), and null is never 0.
describe('gradscope conformance: invalid reference files are exit 3', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-conformance-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // add: [1, 2] + [3, 4] = [4, 6]; d/dx of ⟨u, x + y⟩ is u for both inputs.
  const addCase = {
    name: 'add_small',
    op: 'add',
    args: {},
    inputs: [
      { shape: [2], data: [1, 2] },
      { shape: [2], data: [3, 4] },
    ],
    output: { shape: [2], data: [4, 6] },
    cotangent: { shape: [2], data: [1, -1] },
    grads: [
      { shape: [2], data: [1, -1] },
      { shape: [2], data: [1, -1] },
    ],
  };
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('a valid one-case file passes (exit 0)', async () => {
    const r = await run('conformance', file('ok.json', JSON.stringify({ cases: [addCase] })));
    expect(r.out).toMatch(/1 passed, 0 failed/);
    expect(r.code).toBe(0);
  });

  it('a directory, a truncated file, an empty case list: exit 3 naming the problem', async () => {
    const d = await run('conformance', dir);
    expect([d.code, d.err]).toEqual([3, expect.stringMatching(/is a directory \(EISDIR\)/)]);
    const text = JSON.stringify({ cases: [addCase] });
    const t = await run('conformance', file('trunc.json', text.slice(0, text.length / 2)));
    expect([t.code, t.err]).toEqual([
      3,
      expect.stringMatching(/is not valid JSON \(truncated\?\)/),
    ]);
    const e = await run('conformance', file('empty.json', '{"cases": []}'));
    expect([e.code, e.err]).toEqual([3, expect.stringMatching(/has no cases/)]);
    expect(e.out).not.toMatch(/0 passed, 0 failed/);
  });

  it('a null reference value is an error naming the case and the field, not 0', async () => {
    const bad = { ...addCase, output: { shape: [2], data: [4, null] } };
    const r = await run('conformance', file('null.json', JSON.stringify({ cases: [bad] })));
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/case add_small\.output\.data\[1\] = null is not a number/);
    const opt = {
      optimizers: [
        {
          name: 'sgd_null',
          optimizer: 'sgd',
          options: { lr: 0.1 },
          shapes: [[1]],
          params0: [[1]],
          grads: [[[1]]],
          params: [[[null]]],
        },
      ],
    };
    const o = await run('conformance', file('null-opt.json', JSON.stringify(opt)));
    expect(o.code).toBe(3);
    expect(o.err).toMatch(/optimizers\[sgd_null\]\.params\[0\]\[0\]\[0\] = null is not a number/);
  });
});

describe('gradscope --version', () => {
  it("prints package.json's version", async () => {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    const r = await run('--version');
    expect([r.code, r.out]).toEqual([0, `gradscope ${pkg.version}`]);
  });
});

describe('gradscope roots / newton', () => {
  // Issue 15: --json wrote ±Infinity as null; json-encode.ts writes it explicitly.
  it('roots --json writes non-finite roots as "Infinity" / "-Infinity", not null', async () => {
    // Naive formula for 1·x² + 1e308·x + 1: b² overflows to Infinity, so −b ± √Inf = ∓Infinity.
    const r = await run('roots', '1', '1e308', '1', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { naive: { roots: unknown[] } };
    expect(j.naive.roots).toEqual(['-Infinity', 'Infinity']);
    expect(r.out).not.toContain('null');
  });

  it('roots accepts negative coefficients and prints stable and naive roots', async () => {
    const r = await run('roots', '1', '-1e5', '1', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { stable: { roots: number[] }; naive: { roots: number[] } };
    // E14: exact small root 1.0000000001000001e-5; the naive formula gives 1.0000003385357559e-5.
    expect(j.stable.roots[0]).toBe(1.0000000001000001e-5);
    expect(j.naive.roots[0]).toBe(1.0000003385357559e-5);
  });

  it('newton on an expression uses the autodiff derivative and converges quadratically', async () => {
    const r = await run('newton', 'x^2 - 2', '--x0', '1', '--root', String(Math.SQRT2), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { status: string; x: number; errorRatios: number[] };
    expect(j.status).toBe('converged');
    expect(Math.abs(j.x - Math.SQRT2)).toBeLessThan(1e-15);
    // |e_{k+1}|/|e_k|² → |f''/(2f')| = 1/(2√2) ≈ 0.3536 for a simple root.
    expect(j.errorRatios.some((q) => Math.abs(q - 1 / (2 * Math.SQRT2)) < 0.01)).toBe(true);
  });

  it('newton reports a cycle (x³ − 2x + 2 from 0) with exit 1, and takes negative --x0', async () => {
    const r = await run('newton', '1,0,-2,2', '--x0', '0');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^cycle/);
    const neg = await run('newton', 'x^3 - 2*x + 2', '--x0', '-1.5', '--json');
    expect(JSON.parse(neg.out).status).toBe('converged');
  });

  it('newton without --x0 is a usage error', async () => {
    const r = await run('newton', 'x^2 - 2');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--x0 is required/);
  });
});

describe('gradscope check-grad', () => {
  it('checks every op of the table and passes', async () => {
    const r = await run('check-grad', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      cases: { name: string; pass: boolean }[];
      passed: number;
      failed: number;
    };
    expect(j.cases.length).toBeGreaterThan(50);
    expect(j.failed).toBe(0);
  });

  it('filters by name, and a filter matching nothing is a usage error', async () => {
    const r = await run('check-grad', '--op', 'matmul');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/matmul 2-D\s+pass/);
    expect(r.out).not.toMatch(/softmax/);
    const none = await run('check-grad', '--op', 'nope');
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/no case name contains 'nope'/);
  });

  it('a too-large step makes the check fail (exit 1)', async () => {
    // eps = 0.5: the central-difference error of exp is about eps^2 * exp(x) / 6, far above 1e-6.
    const r = await run('check-grad', '--op', 'exp', '--eps', '0.5');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL/);
  });
});
