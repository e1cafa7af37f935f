import { statSync } from 'node:fs';
import { startServer } from '../../serve/server-node.js';
import { listRuns } from '../../serve/run-index-node.js';
import { EXIT, UsageError, type CommandSpec, type Parsed } from '../args.js';

/** `gradscope serve` spec. */
export const serveSpec: CommandSpec = {
  name: 'serve',
  summary: 'A local dashboard of run directories: overlay runs, watch a training run live.',
  usage: 'serve [DIR ...] [--port N] [--host H]',
  description:
    'Serves a page that lists the run directories under the given folders (default runs/):\n' +
    'experiment runs (result.json) and train runs (metrics.jsonl, monitor.jsonl). Select several\n' +
    'to overlay them (one colour per run): loss, metrics and learning rate, per-layer gradient-norm\n' +
    'heatmaps on one colour scale, verdict timelines. A run that is being written updates live.\n' +
    'Binds 127.0.0.1 (this machine only) unless --host says otherwise; reads only files under the\n' +
    'given folders and never runs anything it reads. Stop with Ctrl-C.',
  positionals: [
    {
      name: 'DIR',
      required: false,
      variadic: true,
      description: 'folders to serve (default runs)',
    },
  ],
  flags: {
    port: {
      type: 'string',
      valueName: 'N',
      default: '8765',
      description: 'port (0: any free port)',
    },
    host: {
      type: 'string',
      valueName: 'H',
      default: '127.0.0.1',
      description: 'interface to bind (0.0.0.0 exposes your runs to the network)',
    },
  },
};

/** What `serve` waits for before closing (tests pass their own). */
export interface ServeDeps {
  /** Resolves when the server should stop (default: SIGINT or SIGTERM). */
  until?: Promise<unknown>;
  stderr?: { write(s: string): unknown };
}

/** Runs `gradscope serve` until interrupted. */
export async function serveCommand(
  args: Parsed,
  out: (s: string) => void,
  deps: ServeDeps = {},
): Promise<number> {
  const roots = args.positionals.length > 0 ? args.positionals : ['runs'];
  for (const r of roots) {
    let ok = false;
    try {
      ok = statSync(r).isDirectory();
    } catch {
      ok = false;
    }
    if (!ok)
      throw new UsageError(
        `serve: DIR '${r}' is not a directory; expected a folder of run directories`,
      );
  }
  const portText = String(args.flags.port ?? '8765');
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new UsageError(`serve: --port must be an integer in [0, 65535], got '${portText}'`);
  const host = String(args.flags.host ?? '127.0.0.1');
  if (host.trim() === '') throw new UsageError("serve: --host must name an interface, got ''");
  const stderr = deps.stderr ?? process.stderr;
  let server;
  try {
    server = await startServer({ roots, host, port });
  } catch (e) {
    stderr.write(
      `gradscope serve: cannot listen on ${host}:${port} (${e instanceof Error ? e.message : String(e)})\n`,
    );
    return EXIT.error;
  }
  const n = listRuns(roots).length;
  out(
    `gradscope serve: ${server.url}  (${n} run${n === 1 ? '' : 's'} under ${roots.join(', ')}; Ctrl-C stops)`,
  );
  if (!['127.0.0.1', 'localhost', '::1'].includes(host))
    stderr.write(
      `gradscope serve: warning: bound to ${host}; anyone who can reach it can read these runs\n`,
    );
  const until =
    deps.until ??
    new Promise<string>((done) => {
      process.once('SIGINT', () => done('SIGINT'));
      process.once('SIGTERM', () => done('SIGTERM'));
    });
  await until;
  await server.close();
  return EXIT.ok;
}
