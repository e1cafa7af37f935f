import type { DataLoader, DataLoaderState } from '../data/data-loader.js';
import { GradscopeError, fmt } from '../errors.js';
import type { AnyModule, TensorData } from '../nn/module.js';
import type { Optimizer, OptimizerStateDict } from '../optim/optimizer.js';
import {
  assertStateCompatible,
  deserializeState,
  serializeState,
  type JsonValue,
} from '../optim/serialize.js';
import type { RngState } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { decodeCheckpointBody, isBinaryCheckpoint } from './checkpoint-binary.js';
import { CheckpointError } from './checkpoint-error.js';
import { findRngs } from './rngs.js';
import { sha256 } from './sha256.js';

/**
 * Everything needed to continue training bit-identically, as plain JSON data: parameters and
 * buffers (exact bytes, base64), the optimizer's state (exact bytes), every random generator of
 * the model, the data loaders' positions and the fit loop's own counters.
 */
export interface Checkpoint {
  /** Optimization steps taken when the checkpoint was made. */
  step: number;
  /** Completed epochs of the training loader (0 without a loader). */
  epoch: number;
  /** ISO 8601 time of saving (informative only). */
  savedAt: string;
  /** Parameters and buffers by dotted name, each a serialized tensor (dtype, shape, base64 bytes). */
  model: Record<string, JsonValue>;
  /** The optimizer's state dict, or null when none was saved. */
  optimizer: OptimizerStateDict | null;
  /** State of every generator found in the model (see {@link findRngs}). */
  rngs: Record<string, RngState>;
  /** Position of the training data loader, or null. */
  loader: DataLoaderState | null;
  /** Position of the evaluation data loader, or null. */
  evalLoader: DataLoaderState | null;
  /** The training loop's own state (running sums, callback states), or null. */
  fit: JsonValue | null;
}

/** What a checkpoint is taken from, or restored into. */
export interface CheckpointTargets {
  /** The model (parameters, buffers and generators). */
  model: AnyModule;
  /** The optimizer (required to capture; optional to restore, e.g. for evaluation only). */
  optimizer?: Optimizer<unknown>;
  /** The training data loader, whose position (epoch, index, shuffle generator) is saved. */
  loader?: DataLoader;
  /** The evaluation data loader. */
  evalLoader?: DataLoader;
}

/** Options of {@link captureCheckpoint}. */
export interface CaptureCheckpointOptions extends CheckpointTargets {
  /** Step count to record (default the optimizer's `stepCount`). */
  step?: number;
  /** The training loop's own state. */
  fit?: JsonValue;
}

const FORMAT = 'gradscope.checkpoint';
const VERSION = 1;
const HEADER =
  /^\{"format":"gradscope\.checkpoint","version":(\d+),"sha256":"([0-9a-f]{64})","body":/;

/**
 * Takes a checkpoint of a model, its optimizer, data loaders and generators (copies: later
 * training does not change it).
 * @example const ckpt = captureCheckpoint({ model, optimizer, loader }); const text = serializeCheckpoint(ckpt);
 */
export function captureCheckpoint(options: CaptureCheckpointOptions): Checkpoint {
  const { model, optimizer, loader, evalLoader } = options;
  const state: Record<string, JsonValue> = {};
  for (const [name, t] of Object.entries(model.stateDict())) {
    state[name] = serializeState(t, name);
  }
  const rngs: Record<string, RngState> = {};
  for (const [name, rng] of findRngs(model)) rngs[name] = rng.state();
  return {
    step: options.step ?? optimizer?.stepCount ?? 0,
    epoch: loader?.epoch ?? 0,
    savedAt: new Date().toISOString(),
    model: state,
    optimizer: optimizer ? optimizer.stateDict() : null,
    rngs,
    loader: loader ? loader.state() : null,
    evalLoader: evalLoader ? evalLoader.state() : null,
    fit: options.fit ?? null,
  };
}

/**
 * Serializes a checkpoint to one JSON document whose body is protected by a SHA-256 checksum:
 * `{"format":"gradscope.checkpoint","version":1,"sha256":"<hex of the body text>","body":{…}}`.
 * The header has a fixed layout, so the body's exact text (not a re-serialization) is hashed.
 * @example writeFile(path, serializeCheckpoint(captureCheckpoint({ model, optimizer })))
 */
export function serializeCheckpoint(ckpt: Checkpoint): string {
  const body = JSON.stringify(ckpt);
  return `{"format":"${FORMAT}","version":${VERSION},"sha256":"${sha256(body)}","body":${body}}`;
}

function fail(source: string, what: string): never {
  throw new CheckpointError(`${source}: ${what}`);
}

function describeNonCheckpoint(text: string, source: string): never {
  if (text.length === 0) fail(source, 'is empty (0 bytes); expected a gradscope checkpoint');
  const start = `{"format":"${FORMAT}"`;
  if (start.startsWith(text) || text.startsWith(start)) {
    fail(
      source,
      `is truncated or has a damaged header (${text.length} bytes); expected a complete gradscope checkpoint`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    fail(source, `is not JSON (${(e as Error).message}); expected a gradscope checkpoint`);
  }
  const format =
    parsed !== null && typeof parsed === 'object'
      ? (parsed as Record<string, unknown>)['format']
      : undefined;
  fail(source, `is not a gradscope checkpoint (format = ${fmt(format)}; expected ${fmt(FORMAT)})`);
}

/** Counters (steps, epochs, positions) are safe integers: 1e308 "steps" is not a plausible count. */
function isInt(v: unknown, min = 0): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
}

/** Options of {@link prepareRestore} and {@link restoreCheckpoint}. */
export interface RestoreOptions {
  /** Accept NaN or ±Infinity in the saved weights and optimizer state (default false: refused, naming the tensor). */
  allowNonFinite?: boolean;
}

/** Where the first non-finite number of a decoded state is ("model.fc1.weight[3]"), or null. */
function firstNonFinite(v: unknown, path: string): string | null {
  if (v instanceof Tensor) return firstNonFinite(v.data, path);
  if (v instanceof Float32Array || v instanceof Float64Array) {
    for (let i = 0; i < v.length; i++)
      if (!Number.isFinite(v[i] as number)) return `${path}[${i}] = ${fmt(v[i])}`;
    return null;
  }
  if (typeof v === 'number') return Number.isFinite(v) ? null : `${path} = ${fmt(v)}`;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = firstNonFinite(v[i], `${path}[${i}]`);
      if (r !== null) return r;
    }
    return null;
  }
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const r = firstNonFinite(x, `${path}.${k}`);
      if (r !== null) return r;
    }
  }
  return null;
}

/**
 * The first non-finite entry of a per-parameter buffer in an optimizer state: a record whose
 * keys are all parameter names (Adam's mu/nu, a momentum trace), or null.
 */
function firstNonFiniteParamBuffer(
  v: unknown,
  path: string,
  params: ReadonlyMap<string, unknown>,
): string | null {
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v) || v instanceof Tensor)
    return null;
  const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
  if (!Array.isArray(v) && entries.length > 0 && entries.every(([k]) => params.has(k)))
    return firstNonFinite(v, path);
  for (const [k, x] of entries) {
    const r = firstNonFiniteParamBuffer(
      x,
      Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`,
      params,
    );
    if (r !== null) return r;
  }
  return null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkBody(body: unknown, source: string): Checkpoint {
  if (!isRecord(body)) fail(source, `body is ${fmt(body)}; expected an object`);
  if (!isInt(body['step']))
    fail(
      source,
      `step = ${fmt(body['step'])} is not a non-negative safe integer (at most 2^53 − 1)`,
    );
  if (!isInt(body['epoch']))
    fail(
      source,
      `epoch = ${fmt(body['epoch'])} is not a non-negative safe integer (at most 2^53 − 1)`,
    );
  if (!isRecord(body['model']))
    fail(source, `model = ${fmt(body['model'])} is not an object of tensors`);
  if (!isRecord(body['rngs'])) fail(source, `rngs = ${fmt(body['rngs'])} is not an object`);
  if (typeof body['savedAt'] !== 'string')
    fail(source, `savedAt = ${fmt(body['savedAt'])} is not a string`);
  for (const k of ['optimizer', 'loader', 'evalLoader', 'fit'] as const) {
    if (body[k] !== null && !isRecord(body[k]))
      fail(source, `${k} = ${fmt(body[k])} is neither null nor an object`);
  }
  const opt = body['optimizer'];
  if (isRecord(opt) && !isInt(opt['step']))
    fail(source, `optimizer.step = ${fmt(opt['step'])} is not a non-negative safe integer`);
  for (const k of ['loader', 'evalLoader'] as const) {
    const l = body[k];
    if (!isRecord(l)) continue;
    for (const f of ['length', 'batchSize', 'epoch', 'index'] as const)
      if (!isInt(l[f])) fail(source, `${k}.${f} = ${fmt(l[f])} is not a non-negative safe integer`);
  }
  return body as unknown as Checkpoint;
}

/**
 * Parses and verifies a serialized checkpoint: the header, the SHA-256 of the body and the
 * body's structure. Reads both formats: the binary one (version 2, bytes of
 * {@link encodeCheckpoint}) and the JSON text of {@link serializeCheckpoint} (version 1, as text
 * or its UTF-8 bytes). Throws a {@link CheckpointError} naming `source` (a file name, say) and the
 * problem — empty, truncated, not JSON, another format, unsupported version, checksum mismatch.
 * @example const ckpt = parseCheckpoint(readFileSync(path), 'run/checkpoint.json');
 */
export function parseCheckpoint(data: string | Uint8Array, source = 'checkpoint'): Checkpoint {
  if (data instanceof Uint8Array) {
    if (isBinaryCheckpoint(data)) return checkBody(decodeCheckpointBody(data, source), source);
    data = new TextDecoder().decode(data);
  }
  const text = data;
  if (typeof text !== 'string') fail(source, `expected the checkpoint's text, got ${fmt(text)}`);
  const m = HEADER.exec(text);
  if (m === null) describeNonCheckpoint(text, source);
  const version = Number(m[1]);
  if (version !== VERSION)
    fail(
      source,
      `has checkpoint format version ${version}; this gradscope reads version ${VERSION}`,
    );
  if (!text.endsWith('}')) {
    fail(
      source,
      `is truncated (${text.length} bytes, the document is not closed); the file is incomplete`,
    );
  }
  const body = text.slice(m[0].length, -1);
  const expected = m[2] as string;
  const actual = sha256(body);
  if (actual !== expected) {
    fail(
      source,
      `checksum mismatch: the header records sha256 ${expected} but the content hashes to ${actual}; the file is corrupt (changed or truncated) and was not loaded`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    fail(source, `body is not JSON although its checksum matches (${(e as Error).message})`);
  }
  return checkBody(parsed, source);
}

function shapeStr(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

function checkRngState(v: unknown): v is RngState {
  return (
    Array.isArray(v) &&
    v.length === 4 &&
    v.every((w) => isInt(w) && w < 4294967296) &&
    v.some((w) => w !== 0)
  );
}

function checkLoader(
  saved: DataLoaderState | null,
  loader: DataLoader | undefined,
  which: string,
  source: string,
): DataLoaderState | null {
  if (loader === undefined) return null;
  if (saved === null) fail(source, `has no ${which} position, but a ${which} was given to restore`);
  const mine = loader.state();
  for (const k of ['length', 'batchSize', 'shuffle', 'dropLast'] as const) {
    if (saved[k] !== mine[k]) {
      fail(
        source,
        `${which} ${k} is ${fmt(saved[k])} in the checkpoint but ${fmt(mine[k])} in this data loader (different data or options)`,
      );
    }
  }
  if (!isInt(saved.epoch))
    fail(source, `${which} epoch = ${fmt(saved.epoch)} is not a non-negative integer`);
  if (!isInt(saved.index) || saved.index >= Math.max(mine.length, 1)) {
    fail(source, `${which} index = ${fmt(saved.index)} is not an integer in [0, ${mine.length})`);
  }
  if (!checkRngState(saved.rngState))
    fail(source, `${which} rngState = ${fmt(saved.rngState)} is not a generator state`);
  return saved;
}

/**
 * Checks that a checkpoint fits the given model, optimizer and loaders — same parameter and
 * buffer names, shapes and dtypes, an optimizer state of the same structure, the same set of
 * generators, loaders over the same number of samples with the same options — and returns a
 * function that applies it. Nothing is changed until that function is called, so a mismatch
 * leaves everything as it was. Throws a {@link CheckpointError} listing what differs.
 * @example const apply = prepareRestore(ckpt, { model, optimizer, loader }); apply();
 */
export function prepareRestore(
  ckpt: Checkpoint,
  targets: CheckpointTargets,
  source = 'checkpoint',
  options: RestoreOptions = {},
): () => void {
  const { model, optimizer, loader, evalLoader } = targets;
  // Model: names, shapes and dtypes of parameters and buffers.
  const own = new Map<string, Tensor>(Object.entries(model.namedParameters()));
  for (const [n, t] of model.namedBuffers()) own.set(n, t);
  const saved = new Map<string, Tensor>();
  const problems: string[] = [];
  for (const [name, v] of Object.entries(ckpt.model)) {
    let t: unknown;
    try {
      t = deserializeState(v, name);
    } catch (e) {
      fail(source, `model entry "${name}" is malformed: ${(e as Error).message}`);
    }
    if (!(t instanceof Tensor)) fail(source, `model entry "${name}" is not a tensor`);
    if (options.allowNonFinite !== true) {
      const bad = firstNonFinite(t, `model["${name}"]`);
      if (bad !== null)
        fail(
          source,
          `${bad}: the saved weights are not finite (a diverged run?); pass allowNonFinite (--allow-non-finite) to load them anyway`,
        );
    }
    saved.set(name, t);
  }
  const missing = [...own.keys()].filter((k) => !saved.has(k));
  const unexpected = [...saved.keys()].filter((k) => !own.has(k));
  if (missing.length > 0) problems.push(`missing in the checkpoint: ${missing.join(', ')}`);
  if (unexpected.length > 0) problems.push(`not in this model: ${unexpected.join(', ')}`);
  for (const [name, t] of own) {
    const s = saved.get(name);
    if (s === undefined) continue;
    if (s.shape.length !== t.shape.length || s.shape.some((d, i) => d !== t.shape[i])) {
      problems.push(
        `"${name}" has shape ${shapeStr(s.shape)} in the checkpoint but ${shapeStr(t.shape)} in this model`,
      );
    } else if (s.dtype !== t.dtype) {
      problems.push(`"${name}" is ${s.dtype} in the checkpoint but ${t.dtype} in this model`);
    }
  }
  if (problems.length > 0) fail(source, `does not fit this model: ${problems.join('; ')}`);

  // Optimizer: same transformation structure (keys, dtypes, lengths of every state buffer).
  if (optimizer !== undefined) {
    const o = ckpt.optimizer;
    if (o === null) fail(source, 'has no optimizer state, but an optimizer was given to restore');
    if (o.format !== 'gradscope.optimizer' || o.version !== 1) {
      fail(
        source,
        `optimizer state has format ${fmt(o.format)} version ${fmt(o.version)}; expected "gradscope.optimizer" version 1`,
      );
    }
    if (!isInt(o.step))
      fail(source, `optimizer step = ${fmt(o.step)} is not a non-negative integer`);
    let decoded: unknown;
    try {
      decoded = deserializeState(o.state);
    } catch (e) {
      if (!(e instanceof GradscopeError)) throw e;
      fail(source, `optimizer state is malformed: ${e.message}`);
    }
    if (options.allowNonFinite !== true) {
      // Per-parameter buffers (moments, traces: records keyed by parameter names) must be
      // finite; the monitor's own statistics use NaN for "not measured" and are not checked.
      const bad = firstNonFiniteParamBuffer(decoded, 'optimizer.state', own);
      if (bad !== null)
        fail(
          source,
          `${bad}: the saved optimizer state is not finite; pass allowNonFinite (--allow-non-finite) to load it anyway`,
        );
    }
    try {
      assertStateCompatible(optimizer.state, decoded);
    } catch (e) {
      if (!(e instanceof GradscopeError)) throw e;
      fail(
        source,
        `optimizer state does not fit this optimizer (another optimizer or other parameters?): ${e.message}`,
      );
    }
  }

  // Generators: the same set, each a valid state.
  const rngs = findRngs(model);
  const savedRngs = Object.keys(ckpt.rngs);
  const rMissing = [...rngs.keys()].filter((k) => !(k in ckpt.rngs));
  const rExtra = savedRngs.filter((k) => !rngs.has(k));
  if (rMissing.length > 0 || rExtra.length > 0) {
    fail(
      source,
      `random generators differ: missing in the checkpoint [${rMissing.join(', ')}], not in this model [${rExtra.join(', ')}]`,
    );
  }
  for (const k of savedRngs) {
    if (!checkRngState(ckpt.rngs[k]))
      fail(source, `rngs["${k}"] = ${fmt(ckpt.rngs[k])} is not a generator state`);
  }

  const loaderState = checkLoader(ckpt.loader, loader, 'data loader', source);
  const evalState = checkLoader(ckpt.evalLoader, evalLoader, 'evaluation data loader', source);

  return () => {
    const tensors: Record<string, TensorData> = {};
    for (const [n, t] of saved) tensors[n] = t;
    model.loadStateDict(tensors);
    if (optimizer !== undefined && ckpt.optimizer !== null) optimizer.loadStateDict(ckpt.optimizer);
    for (const [k, rng] of rngs) rng.setState(ckpt.rngs[k] as RngState);
    if (loader !== undefined && loaderState !== null) loader.loadState(loaderState);
    if (evalLoader !== undefined && evalState !== null) evalLoader.loadState(evalState);
  };
}

/**
 * Restores a checkpoint into a model (and optimizer, loaders) after checking that it fits (see
 * {@link prepareRestore}); on a mismatch nothing is changed.
 * @example restoreCheckpoint(parseCheckpoint(text), { model, optimizer, loader });
 */
export function restoreCheckpoint(
  ckpt: Checkpoint,
  targets: CheckpointTargets,
  source = 'checkpoint',
  options: RestoreOptions = {},
): void {
  prepareRestore(ckpt, targets, source, options)();
}
