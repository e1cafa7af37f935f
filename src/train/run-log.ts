import { DataError, fmt } from '../errors.js';
import { encodeJsonNumber } from '../json-encode.js';
import type { JsonValue } from '../optim/serialize.js';

/** One line of metrics.jsonl: a logged step. Non-finite numbers are the strings "NaN", "Infinity", "-Infinity". */
export interface MetricsRecord {
  /** Steps taken. */
  step: number;
  /** 0-based epoch the step belongs to. */
  epoch: number;
  /** The step's batch loss. */
  loss: number;
  /** The learning rate of the step (null when the optimizer has none). */
  lr: number | null;
  /** Seconds since the start of this run. */
  time: number;
  /** Values available at this step: "train.*" at the end of an epoch, "val.*" after an evaluation. */
  metrics: Record<string, number>;
}

/**
 * Where {@link fit} records a run: the configuration once, a metrics record per logged step, a
 * summary at the end and (optionally) the latest checkpoint. The Node run directory
 * (`RunDir` from the node entry point) writes files; {@link MemoryRunLog} keeps them in memory
 * (browser, tests).
 */
export interface RunLog {
  /** Records the run's configuration (config.json). */
  writeConfig(config: JsonValue): void;
  /** Appends one metrics record (a line of metrics.jsonl). */
  appendMetrics(record: MetricsRecord): void;
  /** Records the summary (summary.json). */
  writeSummary(summary: JsonValue): void;
  /** Stores the latest serialized checkpoint (checkpoint.json: binary bytes, or version-1 JSON text), if the log keeps checkpoints. */
  writeCheckpoint?(data: string | Uint8Array): void;
  /** Before a resume from `step`: forgets records of later steps (a crash after the checkpoint left them). */
  truncateAfter?(step: number): void;
}

/**
 * Turns a value into JSON data that keeps NaN and ±Infinity (as the strings "NaN", "Infinity",
 * "-Infinity", the encoding of json-encode.ts; JSON.stringify would write null) and drops
 * undefined fields.
 * @example JSON.stringify(toJsonSafe({ loss: NaN })) // '{"loss":"NaN"}'
 */
export function toJsonSafe(value: unknown): JsonValue {
  if (typeof value === 'number') return encodeJsonNumber(value);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : toJsonSafe(v)));
  if (typeof value === 'object') {
    const out: { [k: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined && typeof v !== 'function') out[k] = toJsonSafe(v);
    }
    return out;
  }
  return null;
}

/**
 * The records of a metrics.jsonl text: one JSON object per line. A last line cut by a crash
 * (no closing newline, not JSON) is dropped; any other line that is not a JSON object is a
 * DataError naming `source` and the line number. Non-finite numbers stay strings.
 * @example parseMetricsJsonl('{"step":1,"loss":"NaN"}\n', 'metrics.jsonl') // [{ step: 1, loss: 'NaN' }]
 */
export function parseMetricsJsonl(
  text: string,
  source = 'metrics.jsonl',
): Record<string, unknown>[] {
  const lines = text.split('\n');
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      // Only the last line can be cut short by a crash mid-write.
      if (i === lines.length - 1) break;
      throw new DataError(`${source}:${i + 1}: not JSON (${(e as Error).message})`);
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      throw new DataError(`${source}:${i + 1}: expected a JSON object, got ${fmt(v)}`);
    out.push(v as Record<string, unknown>);
  }
  return out;
}

/**
 * A {@link RunLog} kept in memory: what a run directory would hold, as objects.
 * @example const log = new MemoryRunLog(); await fit(model, opt, data, { epochs: 1, runDir: log }); log.records.length
 */
export class MemoryRunLog implements RunLog {
  /** The configuration, once written. */
  config: JsonValue | null = null;
  /** The metrics records, in order. */
  records: MetricsRecord[] = [];
  /** The summary, once written. */
  summary: JsonValue | null = null;
  /** The latest serialized checkpoint (bytes of the binary format, or JSON text). */
  checkpoint: string | Uint8Array | null = null;

  writeConfig(config: JsonValue): void {
    this.config = config;
  }

  appendMetrics(record: MetricsRecord): void {
    this.records.push({ ...record, metrics: { ...record.metrics } });
  }

  writeSummary(summary: JsonValue): void {
    this.summary = summary;
  }

  writeCheckpoint(data: string | Uint8Array): void {
    this.checkpoint = data;
  }

  truncateAfter(step: number): void {
    this.records = this.records.filter((r) => r.step <= step);
  }
}
