import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './server-node.js';

const tmp = mkdtempSync(join(tmpdir(), 'gs-serve-'));
const root = join(tmp, 'runs');
const outside = join(tmp, 'secret');
let srv: RunningServer;

/** A raw GET (no client-side URL normalisation, so `..` reaches the server as sent). */
function raw(
  path: string,
  method = 'GET',
): Promise<{ status: number; body: string; type: string }> {
  const u = new URL(srv.url);
  return new Promise((ok, fail) => {
    const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        ok({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }),
      );
    });
    req.on('error', fail);
    req.end();
  });
}

const line = (o: unknown): string => `${JSON.stringify(o)}\n`;

beforeAll(async () => {
  mkdirSync(join(root, 'train-a'), { recursive: true });
  mkdirSync(join(root, 'exp', 'cliff'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'metrics.jsonl'), line({ step: 1, loss: 42 }));
  writeFileSync(join(outside, 'password.txt'), 'hunter2\n');
  symlinkSync(outside, join(root, 'linked-out'));
  symlinkSync(join(outside, 'password.txt'), join(root, 'train-a', 'pw.txt'));
  writeFileSync(
    join(root, 'train-a', 'metrics.jsonl'),
    line({ step: 1, loss: 2 }) + line({ step: 2, loss: 1.5 }),
  );
  writeFileSync(
    join(root, 'train-a', 'monitor.jsonl'),
    line({
      type: 'stats',
      step: 1,
      check: 1,
      loss: 2.1,
      nonFinite: 0,
      layers: [{ name: '0', gradNorm: 0.1 }],
    }),
  );
  writeFileSync(
    join(root, 'exp', 'cliff', 'result.json'),
    JSON.stringify({
      experiment: 'cliff',
      pass: true,
      criteria: [{ name: 'c', expected: '> 1', measured: 2, pass: true }],
    }),
  );
  srv = await startServer({ roots: [root], port: 0, pollMs: 100 });
});

afterAll(async () => {
  await srv.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('gradscope serve: the API', () => {
  it('binds 127.0.0.1 by default and lists train and experiment runs (not symlinks out)', async () => {
    expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const r = await raw('/api/runs');
    const runs = (JSON.parse(r.body) as { runs: { id: string; kind: string }[] }).runs;
    expect(runs.map((x) => [x.id, x.kind]).sort()).toEqual([
      ['0/exp/cliff', 'experiment'],
      ['0/train-a', 'train'],
    ]);
  });

  it("serves a run with the library's parser: metrics and monitor loss apart, per-layer norms", async () => {
    const r = await raw('/api/run?id=' + encodeURIComponent('0/train-a'));
    expect(r.status).toBe(200);
    const d = JSON.parse(r.body) as {
      logs: { scalars: { name: string; steps: number[] }[]; gradNorms: unknown[] };
    };
    expect(d.logs.scalars.map((s) => [s.name, s.steps])).toEqual([
      ['loss', [1, 2]],
      ['loss (monitor)', [1]],
      ['nonFinite', [1]],
    ]);
    expect(d.logs.gradNorms).toHaveLength(1);
    const e = JSON.parse((await raw('/api/run?id=0%2Fexp%2Fcliff')).body) as {
      results: { experiment: string; pass: boolean }[];
    };
    expect(e.results).toEqual([
      {
        experiment: 'cliff',
        pass: true,
        criteria: [{ name: 'c', expected: '> 1', measured: '2', pass: true }],
      },
    ]);
  });

  it('/api/view: the selected runs drawn by the library run view, a gone run kept in the legend', async () => {
    const ids = ['0/train-a', '0/exp/cliff', '0/nope', '0/../secret'].map(encodeURIComponent);
    const r = await raw(`/api/view?ids=${ids.join(',')}`);
    expect(r.status).toBe(200);
    const d = JSON.parse(r.body) as {
      view: {
        legend: { id: string; gone: boolean }[];
        charts: { field: string; runs: number; svg: string }[];
        notes: string[];
        heatmaps: unknown[];
      };
      results: { experiment: string; run: string }[];
    };
    expect(d.view.legend.map((x) => [x.id, x.gone])).toEqual([
      ['0/train-a', false],
      ['0/exp/cliff', false],
      ['0/nope', true],
      ['0/../secret', true],
    ]);
    expect(d.view.charts.map((c) => c.field)).toEqual(['loss', 'loss (monitor)']);
    // one line: train-a's; the folder outside (loss 42) was not read
    expect(d.view.charts[0]?.runs).toBe(1);
    expect(d.view.charts[0]?.svg).toMatch(/^<svg /);
    expect(d.view.notes).toEqual(['no non-finite values']);
    expect(d.view.heatmaps).toHaveLength(1);
    expect(d.results.map((x) => [x.experiment, x.run])).toEqual([['cliff', 'exp/cliff']]);
    const many = Array.from({ length: 25 }, (_, k) => `0/r${k}`).join(',');
    expect((await raw(`/api/view?ids=${many}`)).status).toBe(400);
  });

  it('refuses paths out of the folder: .., %2e%2e, encoded slashes, absolute, symlinks, NUL', async () => {
    const attempts = [
      '/files/0/../secret/password.txt',
      '/files/0/%2e%2e/secret/password.txt',
      '/files/0/..%2fsecret%2fpassword.txt',
      '/files/0/%2e%2e%2f%2e%2e%2fsecret%2fpassword.txt',
      '/files/0//etc/passwd',
      '/files/%2fetc%2fpasswd',
      '/files/0/linked-out/password.txt',
      '/files/0/train-a/pw.txt',
      '/files/0/train-a/metrics.jsonl%00.txt',
      '/files/1/metrics.jsonl',
      '/api/run?id=0%2F..%2Fsecret',
      '/api/run?id=0%2Flinked-out',
      '/api/run?id=%2Fetc',
    ];
    for (const a of attempts) {
      const r = await raw(a);
      expect([403, 404], a).toContain(r.status);
      expect(r.body).not.toContain('hunter2');
      expect(r.body).not.toContain('42');
    }
    // A file inside is served, as inert text.
    const ok = await raw('/files/0/train-a/metrics.jsonl');
    expect(ok.status).toBe(200);
    expect(ok.type).toMatch(/^text\/plain/);
  });

  it('bounds requests: only GET/HEAD, no huge targets', async () => {
    expect((await raw('/api/runs', 'POST')).status).toBe(405);
    expect((await raw('/api/runs?' + 'x'.repeat(5000))).status).toBe(414);
    expect((await raw('/nope')).status).toBe(404);
  });

  it('streams changes: a new line, a half-written line, a deleted run', async () => {
    const u = new URL(srv.url);
    const events: string[] = [];
    const req = request({ host: u.hostname, port: u.port, path: '/api/events' }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => events.push(c));
    });
    req.end();
    const waitFor = async (pred: () => boolean): Promise<void> => {
      for (let i = 0; i < 40 && !pred(); i++) await new Promise((r) => setTimeout(r, 50));
    };
    await waitFor(() => events.length > 0);
    appendFileSync(
      join(root, 'train-a', 'metrics.jsonl'),
      line({ step: 3, loss: 1 }) + '{"step":4,"lo',
    );
    // Poll every 100 ms here: the event arrives well within the 2 s the page promises.
    await waitFor(() => events.join('').includes('event: run'));
    expect(events.join('')).toContain('data: {"id":"0/train-a"}');
    const r = JSON.parse((await raw('/api/run?id=0%2Ftrain-a')).body) as {
      logs: { scalars: { name: string; steps: number[] }[]; pending: string[] };
    };
    expect(r.logs.scalars[0]?.steps).toEqual([1, 2, 3]);
    expect(r.logs.pending).toEqual(['metrics.jsonl']);
    rmSync(join(root, 'train-a'), { recursive: true });
    await waitFor(() => events.join('').includes('event: runs'));
    expect(events.join('')).toContain('event: runs');
    expect((await raw('/api/run?id=0%2Ftrain-a')).status).toBe(404);
    expect((await raw('/api/runs')).status).toBe(200);
    req.destroy();
  });

  it('serves the page with a restrictive content security policy', async () => {
    const r = await raw('/');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>gradscope serve</title>');
    expect(r.body).not.toMatch(/<script[^>]+src=/);
  });
});
