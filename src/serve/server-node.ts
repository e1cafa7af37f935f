import { readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { encodeJson } from '../json-encode.js';
import { parseResultJson } from '../report/result-json.js';
import { readRunLogs } from '../report/run-logs-node.js';
import type { RunLogs } from '../report/run-logs.js';
import { runView, type ViewRun } from '../report/run-view.js';
import { servePage } from './page.js';
import { addReplayedVerdicts } from './replayed-verdicts-node.js';
import { listRuns, resolveServed, runFilesStamp, type RunEntry } from './run-index-node.js';

/** Options of {@link startServer}. */
export interface ServeOptions {
  /** Folders whose run directories are served (only files under them are ever read). */
  roots: readonly string[];
  /** Interface to bind (default 127.0.0.1: this machine only). */
  host?: string;
  /** Port (default 8765; 0 picks a free one). */
  port?: number;
  /** How often run files are checked for changes, ms (default 500: new points within 2 s). */
  pollMs?: number;
}

/** A running dashboard server. */
export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8765/ */
  readonly url: string;
  readonly server: Server;
  /** Stops polling, ends the event streams and closes the server. */
  close(): Promise<void>;
}

/** Longest request target accepted (longer: 414). */
const MAX_URL = 4096;
/** Most simultaneous event streams (more: 503). */
const MAX_STREAMS = 64;
/** Most runs overlaid in one view. */
const MAX_VIEW_RUNS = 24;
/** Largest raw file served from a run directory (larger: 413). */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** What the page gets for one run. */
interface RunPayload {
  id: string;
  name: string;
  kind: RunEntry['kind'];
  logs: RunLogs;
  results: {
    experiment: string;
    pass: boolean;
    criteria: { name: string; expected: string; measured: string; pass: boolean }[];
  }[];
  problems: string[];
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', encodeJson(value));
}

/**
 * Starts the `gradscope serve` dashboard: a page that lists and overlays the runs under
 * `roots`, a JSON API (`/api/runs`, `/api/run?id=`, and `/api/view?ids=a,b`: the selected runs
 * drawn by the library's run view, src/report/run-view.ts), an event stream (`/api/events`: `runs` when
 * the list changes, `run` with an id when a run's files change) and raw run files
 * (`/files/<id>/<file>`, as text, never executed). Binds 127.0.0.1 unless told otherwise; reads
 * only files under `roots` (`..`, encoded `..`, absolute paths and symlinks out are refused).
 *
 * @example const s = await startServer({ roots: ['runs'], port: 0 }); console.log(s.url);
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const roots = [...options.roots];
  const host = options.host ?? '127.0.0.1';
  const streams = new Set<ServerResponse>();
  const cache = new Map<string, { stamp: string; payload: RunPayload }>();
  let runs = listRuns(roots);

  const runPayload = (entry: RunEntry): RunPayload => {
    const stamp = `${entry.mtimeMs}:${entry.bytes}`;
    const hit = cache.get(entry.id);
    if (hit && hit.stamp === stamp) return hit.payload;
    const logs = readRunLogs(entry.dir);
    addReplayedVerdicts(entry.dir, logs); // another framework's records.jsonl (issue 17)
    const problems: string[] = [];
    let results: RunPayload['results'] = [];
    if (entry.kind === 'experiment') {
      try {
        const file = join(entry.dir, 'result.json');
        results = parseResultJson(readFileSync(file, 'utf8'), 'result.json').map((r) => ({
          experiment: r.experiment,
          pass: r.pass,
          criteria: r.criteria.map((c) => ({
            name: c.name,
            expected: c.expected,
            measured: typeof c.measured === 'string' ? c.measured : JSON.stringify(c.measured),
            pass: c.pass,
          })),
        }));
        for (const r of parseResultJson(readFileSync(file, 'utf8'), 'result.json'))
          logs.verdicts.push(...r.verdicts);
      } catch (e) {
        problems.push(e instanceof Error ? e.message : String(e));
      }
    }
    const payload: RunPayload = {
      id: entry.id,
      name: entry.name,
      kind: entry.kind,
      logs,
      results,
      problems,
    };
    cache.set(entry.id, { stamp, payload });
    return payload;
  };

  /** A served run's payload by id, or null when its directory is gone or was never served. */
  const payloadOf = (id: string): RunPayload | null => {
    const dir = resolveServed(roots, id);
    const stamp = dir === null ? null : runFilesStamp(dir);
    if (dir === null || stamp === null) return null;
    const name = runs.find((r) => r.id === id)?.name ?? id;
    return runPayload({ id, name, dir, ...stamp });
  };

  const broadcast = (event: string, data: string): void => {
    for (const s of streams) s.write(`event: ${event}\ndata: ${data}\n\n`);
  };

  // Polling (not fs.watch): works the same on every platform and file system, and a deleted or
  // recreated run directory is just a changed listing.
  const poll = setInterval(() => {
    if (streams.size === 0) return;
    const next = listRuns(roots);
    const before = new Map(runs.map((r) => [r.id, `${r.mtimeMs}:${r.bytes}`]));
    const listChanged = next.length !== runs.length || next.some((r) => !before.has(r.id));
    runs = next;
    if (listChanged) broadcast('runs', '{}');
    for (const r of next) {
      const old = before.get(r.id);
      if (old !== undefined && old !== `${r.mtimeMs}:${r.bytes}`)
        broadcast('run', JSON.stringify({ id: r.id }));
    }
    for (const id of cache.keys()) if (!next.some((r) => r.id === id)) cache.delete(id);
  }, options.pollMs ?? 500);
  const ping = setInterval(() => {
    for (const s of streams) s.write(': ping\n\n');
  }, 15_000);

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const target = req.url ?? '/';
    if (target.length > MAX_URL) return send(res, 414, 'text/plain', 'request target too long\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, 'text/plain', 'only GET and HEAD\n');
    }
    let url: URL;
    let path: string;
    try {
      url = new URL(target, 'http://localhost');
      path = decodeURIComponent(url.pathname);
    } catch {
      return send(res, 400, 'text/plain', 'malformed request target\n');
    }
    if (path === '/' || path === '/index.html') {
      res.setHeader(
        'content-security-policy',
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
      );
      return send(res, 200, 'text/html; charset=utf-8', servePage());
    }
    if (path === '/api/runs') {
      runs = listRuns(roots);
      return sendJson(res, 200, {
        roots,
        runs: runs.map(({ id, kind, name, mtimeMs }) => ({ id, kind, name, mtimeMs })),
      });
    }
    if (path === '/api/run') {
      const id = url.searchParams.get('id') ?? '';
      const payload = payloadOf(id);
      if (payload === null)
        return sendJson(res, 404, { error: `no run directory '${id}' under the served folders` });
      return sendJson(res, 200, payload);
    }
    if (path === '/api/view') {
      // The selected runs drawn by the library's run view (one colour per run in this order).
      const ids = (url.searchParams.get('ids') ?? '').split(',').filter((x) => x !== '');
      if (ids.length > MAX_VIEW_RUNS)
        return sendJson(res, 400, {
          error: `ids names ${ids.length} runs; at most ${MAX_VIEW_RUNS} can be overlaid`,
        });
      const shown: ViewRun[] = [];
      const results: (RunPayload['results'][number] & { run: string })[] = [];
      const problems: string[] = [];
      for (const id of [...new Set(ids)]) {
        const p = payloadOf(id);
        const name = p?.name ?? runs.find((r) => r.id === id)?.name ?? id;
        shown.push({ id, name, logs: p === null ? null : p.logs });
        if (p === null) continue;
        for (const r of p.results) results.push({ ...r, run: name });
        // A line a writer is in the middle of is not a problem: the next read has it whole.
        for (const q of p.logs.problems)
          if (!p.logs.pending.some((f) => q.startsWith(`${f}:`))) problems.push(`${name}: ${q}`);
        for (const q of p.problems) problems.push(`${name}: ${q}`);
      }
      return sendJson(res, 200, { view: runView(shown), results, problems });
    }
    if (path === '/api/events') {
      if (streams.size >= MAX_STREAMS)
        return send(res, 503, 'text/plain', 'too many event streams\n');
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write('retry: 1000\n\n');
      streams.add(res);
      req.socket.setTimeout(0);
      res.on('close', () => streams.delete(res));
      return;
    }
    if (path.startsWith('/files/')) {
      const file = resolveServed(roots, path.slice('/files/'.length));
      if (file === null) return send(res, 404, 'text/plain', 'not found\n');
      let size: number;
      try {
        const st = statSync(file);
        if (!st.isFile()) return send(res, 404, 'text/plain', 'not found\n');
        size = st.size;
      } catch {
        return send(res, 404, 'text/plain', 'not found\n');
      }
      if (size > MAX_FILE_BYTES) return send(res, 413, 'text/plain', 'file too large\n');
      // Served as inert text: a report.html or script in a run directory is shown, not run.
      const type = file.endsWith('.json') ? 'application/json' : 'text/plain; charset=utf-8';
      res.setHeader('content-security-policy', 'sandbox');
      return send(res, 200, type, readFileSync(file, 'utf8'));
    }
    return send(res, 404, 'text/plain', 'not found\n');
  };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (e) {
      if (!res.headersSent)
        send(res, 500, 'text/plain', `${e instanceof Error ? e.message : String(e)}\n`);
      else res.end();
    }
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.maxHeadersCount = 64;
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 8765, host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}/`,
    server,
    close: () =>
      new Promise<void>((ok) => {
        clearInterval(poll);
        clearInterval(ping);
        for (const s of streams) s.end();
        streams.clear();
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
