import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { encodeJson } from '../../json-encode.js';
import { DataError, fmt } from '../../errors.js';
import { formatLayers } from '../../monitor/layers.js';
import { RECORD_FORMAT } from '../../monitor/records.js';
import {
  createReplayer,
  type Replayer,
  type ReplayError,
  type ReplayResult,
} from '../../monitor/replay.js';
import { fmtNum } from '../../monitor/remedies.js';
import type { Verdict } from '../../monitor/types.js';
import { UsageError, numberFlag, type CommandSpec, type Parsed } from '../args.js';
import { EXIT } from '../exit-codes.js';
import { catchInterrupts, interruptExitCode } from '../interrupt.js';

/** Record files looked for in a run directory, in order: gradscope's own, then other writers'. */
export const RECORD_FILES = ['monitor.jsonl', 'records.jsonl'] as const;

/** `gradscope diagnose` spec. */
export const diagnoseSpec: CommandSpec = {
  name: 'diagnose',
  summary:
    'Diagnose a training run from its monitor records (gradscope, PyTorch, TensorFlow.js): verdicts, evidence, remedies.',
  usage: 'diagnose RUN_DIR|RECORDS.jsonl [--json] [--follow [--idle S]] [--remedies N]',
  description:
    'Replays the records (format "gradscope.monitor", docs/records.md) through the monitor\'s\n' +
    'detectors and prints every verdict with its evidence and ranked remedies, phrased for the\n' +
    'framework that wrote them (torch.nn.utils.clip_grad_norm_ for PyTorch, clip.byGlobalNorm for\n' +
    'gradscope). A run directory is searched for monitor.jsonl, then records.jsonl.\n' +
    '--follow keeps reading a file that is still being written (a half-written last line waits\n' +
    'for its end) and prints verdicts as they appear, until Ctrl-C or --idle seconds without\n' +
    'growth. --json prints {file, framework, checks, verdicts: [{kind, status, step, layers,\n' +
    'severity, message, evidence, remedies}], active, notes, errors} at the end.\n' +
    'A bad line (truncated, a field of the wrong type, a missing layer) is reported with its line\n' +
    'number and field and skipped; the rest is still diagnosed. Exit codes: 0 records read (with\n' +
    'or without verdicts), 3 some lines were bad or the file unusable, 2 bad arguments,\n' +
    '130/143 --follow interrupted.',
  positionals: [
    {
      name: 'RUN',
      required: true,
      description: 'a run directory (monitor.jsonl or records.jsonl in it) or a records file',
    },
  ],
  flags: {
    json: { type: 'boolean', description: 'print the diagnosis as JSON on stdout' },
    follow: { type: 'boolean', description: 'keep reading the file as it grows' },
    idle: {
      type: 'string',
      valueName: 'S',
      description: 'with --follow: stop after S seconds without new lines (default: never)',
    },
    remedies: {
      type: 'string',
      valueName: 'N',
      description: 'remedies printed per verdict (default 3; --json has all)',
    },
  },
};

/** What `gradscope diagnose --json` prints. */
export interface DiagnoseJson {
  /** The records file read. */
  file: string;
  /** The framework that wrote it (the header's). */
  framework: string;
  /** Stats records replayed. */
  checks: number;
  /** Every verdict, in order, with evidence and ranked remedies. */
  verdicts: Verdict[];
  /** Verdicts still active at the last record: kind, step and layers. */
  active: { kind: string; step: number; layers: string[] }[];
  /** What the records could not check, one sentence each. */
  notes: string[];
  /** Bad lines: line number and message (naming the field). */
  errors: ReplayError[];
}

/** Side channels of {@link diagnoseCommand}, injectable for tests. */
export interface DiagnoseDeps {
  /** Standard error (errors and notes with --json). Default process.stderr. */
  stderr?: { write(s: string): unknown };
  /** Ends --follow when aborted (default: SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** Milliseconds between two reads of a followed file (default 250). */
  pollMs?: number;
}

/**
 * The records file of a run directory or file argument, or null when there is none yet (with
 * --follow the directory or file may still be created; otherwise a DataError).
 */
function recordsFile(arg: string, follow: boolean): string | null {
  let isDir = false;
  try {
    isDir = statSync(arg).isDirectory();
  } catch {
    if (!follow) throw new DataError(`diagnose: ${fmt(arg)} does not exist`);
    return /\.jsonl$/i.test(arg) ? arg : null; // a file, or a run directory, yet to be created
  }
  if (!isDir) return arg;
  for (const f of RECORD_FILES) if (existsSync(join(arg, f))) return join(arg, f);
  if (follow) return null;
  throw new DataError(
    `diagnose: ${fmt(arg)} holds no records; expected ${RECORD_FILES.join(' or ')} in it`,
  );
}

/** Reads a file's bytes from `offset` on (none if it does not exist yet). */
function readFrom(file: string, offset: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw e;
  }
  try {
    const size = statSync(file).size;
    if (size <= offset) return Buffer.alloc(0);
    const buf = Buffer.alloc(size - offset);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * Splits text into complete lines, keeping a last line without its newline as the remainder
 * (a line still being written).
 * @example completeLines('a\nb\nc') // { lines: ['a', 'b'], rest: 'c' }
 */
export function completeLines(text: string): { lines: string[]; rest: string } {
  const parts = text.split('\n');
  const rest = parts.pop() as string;
  return { lines: parts, rest };
}

/** The human form of one verdict: a headline, its layers, the evidence and the first remedies. */
export function verdictText(v: Verdict, layerNames: readonly string[], remedies: number): string {
  const lines = [`step ${v.step}: ${v.kind} (${v.severity}) — ${v.message}`];
  if (v.layers.length > 0) lines.push(`  ${formatLayers(v.layers, layerNames)}`);
  const ev = Object.entries(v.evidence as unknown as Record<string, unknown>)
    .filter(([, x]) => typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean')
    .map(([k, x]) => `${k} ${typeof x === 'number' ? fmtNum(x) : String(x)}`);
  if (ev.length > 0) lines.push(`  evidence: ${ev.join(', ')}`);
  for (const r of v.remedies.slice(0, remedies)) lines.push(`  ${r.rank}. ${r.text} — ${r.why}`);
  return lines.join('\n');
}

/** Runs `gradscope diagnose`. */
export async function diagnoseCommand(
  args: Parsed,
  out: (s: string) => void,
  deps: DiagnoseDeps = {},
): Promise<number> {
  const arg = args.positionals[0];
  if (arg === undefined)
    throw new UsageError('diagnose: missing RUN (a run directory or a records file)');
  const json = args.flags.json === true;
  const follow = args.flags.follow === true;
  const idle = numberFlag('diagnose', 'idle', args.flags.idle, { min: 0 });
  if (idle !== undefined && !follow)
    throw new UsageError('diagnose: --idle only applies with --follow');
  const nRemedies =
    numberFlag('diagnose', 'remedies', args.flags.remedies, { min: 0, integer: true }) ?? 3;
  const stderr = deps.stderr ?? process.stderr;
  let file = recordsFile(arg, follow);
  const say = (s: string): void => {
    if (!json) out(s);
  };

  let replayer: Replayer | null = null;
  let lineNo = 0;
  let rest = '';
  let offset = 0;
  const feed = (lines: readonly string[]): void => {
    for (const text of lines) {
      lineNo++;
      if (replayer === null) {
        if (text.trim() === '') continue;
        let head: unknown;
        try {
          head = JSON.parse(text);
        } catch {
          throw new DataError(
            `diagnose: ${file as string}: line ${lineNo}: expected a header record ({"type":"header","format":"${RECORD_FORMAT}", …}); got ${fmt(text.slice(0, 60))}`,
          );
        }
        try {
          replayer = createReplayer(head, { lenient: true });
        } catch (e) {
          throw new DataError(
            `diagnose: ${file as string}: ${(e as Error).message.replace(/^replay: /, '')}`,
          );
        }
        const h = replayer.header;
        const L = h.layers.length;
        say(
          `gradscope diagnose: ${file as string} — ${h.framework}${h.model?.name ? ` ${h.model.name}` : ''}, ${L} layer${L === 1 ? '' : 's'} (${h.layers[0] as string} … ${h.layers[L - 1] as string})${h.model?.numParameters !== undefined ? `, ${h.model.numParameters} parameters` : ''}`,
        );
        continue;
      }
      const before = replayer.errors.length;
      const vs = replayer.pushLine(text, lineNo);
      if (!json) {
        for (const e of replayer.errors.slice(before)) out(`error: line ${e.line}: ${e.message}`);
        for (const v of vs) out(verdictText(v, replayer.header.layers, nRemedies));
      }
    }
  };
  const readMore = (final: boolean): void => {
    file ??= recordsFile(arg, follow);
    if (file === null) return;
    const buf = readFrom(file, offset);
    offset += buf.length;
    const { lines, rest: r } = completeLines(rest + buf.toString('utf8'));
    rest = r;
    feed(lines);
    if (final && rest.trim() !== '') {
      // a last line without its newline at the end: written in full but for the newline, or cut off
      feed([rest]);
      rest = '';
    }
  };

  let interrupted: number | null = null;
  if (!follow) {
    readMore(true);
  } else {
    const ints =
      deps.signal === undefined
        ? catchInterrupts('following', { write: (s) => void stderr.write(s) })
        : null;
    const signal = deps.signal ?? (ints as NonNullable<typeof ints>).signal;
    const poll = deps.pollMs ?? 250;
    let lastGrowth = Date.now();
    try {
      for (;;) {
        const seen = offset;
        readMore(false);
        if (offset > seen) lastGrowth = Date.now();
        if (signal.aborted) {
          interrupted = interruptExitCode(signal);
          break;
        }
        if (idle !== undefined && Date.now() - lastGrowth >= idle * 1000) break;
        await new Promise<void>((res) => {
          const t = setTimeout(res, poll);
          signal.addEventListener('abort', () => (clearTimeout(t), res()), { once: true });
        });
      }
      if (interrupted === null) readMore(true);
    } finally {
      ints?.dispose();
    }
  }
  if (replayer === null)
    throw new DataError(
      `diagnose: ${file ?? arg} holds no header record (${file === null ? 'no records file appeared' : 'an empty file?'})`,
    );
  const r: ReplayResult = (replayer as Replayer).result();
  if (json) {
    const doc: DiagnoseJson = {
      file: file as string,
      framework: r.header.framework,
      checks: r.checks,
      verdicts: r.verdicts,
      active: r.active.map((v) => ({ kind: v.kind, step: v.step, layers: [...v.layers] })),
      notes: r.notes,
      errors: r.errors,
    };
    out(encodeJson(doc, 2));
  } else {
    const steps = r.checks > 0 ? ` (to step ${r.state.step})` : '';
    const active = r.active.map((v) => `${v.kind} (step ${v.step})`);
    out(
      `${r.checks} check${r.checks === 1 ? '' : 's'}${steps}; ${r.verdicts.length} verdict${r.verdicts.length === 1 ? '' : 's'}${r.verdicts.length === 0 ? ': no problem found' : ''}${active.length > 0 ? `; active at the end: ${active.join(', ')}` : ''}`,
    );
    for (const n of r.notes) out(`note: ${n}`);
    if (r.errors.length > 0)
      out(`${r.errors.length} bad line${r.errors.length === 1 ? '' : 's'} skipped (listed above)`);
  }
  if (interrupted !== null) return interrupted;
  return r.errors.length > 0 ? EXIT.error : EXIT.ok;
}
