import '../autograd/backward.js';
import { ConfigError, DataError, DtypeError, ShapeError, fmt } from '../errors.js';
import type { Params } from '../optim/types.js';
import { dtypeOf, getDefaultDtype, type DType, type TypedArray } from '../tensor/dtype.js';
import { allocArray, arrayView, isResident, releaseArray } from '../kernels/memory.js';
import { shapesEqual, sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { saveSafetensors, type SaveSafetensorsOptions } from './safetensors.js';

/** Where one parameter lives in a {@link ParameterArena}: elements [offset, offset + size). */
export interface ArenaSlot {
  /** Dotted parameter name ("0.weight"). */
  readonly name: string;
  /** First element of the parameter in `params` (and of its gradient in `grads`). */
  readonly offset: number;
  /** Number of elements. */
  readonly size: number;
  /** The parameter's shape. */
  readonly shape: readonly number[];
}

/**
 * A model's parameters packed into one typed array and their gradients into another: every
 * parameter's `.data` is a view of `params`, every `.grad.data` a view of `grads`, so a global
 * norm or a fused optimizer update is one pass over memory.
 */
export interface ParameterArena {
  /** The single dtype of every parameter. */
  readonly dtype: DType;
  /** All parameter values, in `offsets` order. */
  readonly params: TypedArray;
  /**
   * All gradients, same layout as `params`; backward accumulates into it in place. A parameter's
   * (or an Optimizer's) `zeroGrad()` defers its zeros to the next backward (see
   * `Tensor.zeroGrad`): a parameter the next backward does not reach keeps its old values here
   * until its `.grad` is read or `arena()` is called again. `Module.zeroGrad()` writes them at once.
   */
  readonly grads: TypedArray;
  /** Name, offset, size and shape of every parameter, in `namedParameters()` order. */
  readonly offsets: readonly ArenaSlot[];
  /** Increases every time any module packs an arena: holders of an old arena can detect a repack. */
  readonly version: number;
}

/** Called after a module's forward with the module, its dotted name ("" for the root) and its output. */
export type ForwardHook = (module: AnyModule, name: string, output: unknown) => void;

/** Returned by {@link Module.registerForwardHook}: `remove()` detaches the hook from every module. */
export interface HookHandle {
  /** Detaches the hook (idempotent). */
  remove(): void;
}

/** Options of {@link Module.registerForwardHook}. */
export interface ForwardHookOptions {
  /** Also fire for the module the hook is registered on, with name "" (default true). */
  includeSelf?: boolean;
  /** Fire only for modules without submodules (layers, not containers) (default false). */
  leavesOnly?: boolean;
}

/** Named copies of a module's parameters and buffers ("0.weight", "1.runningMean"). */
export type StateDict = Record<string, Tensor>;

/** A tensor given as plain data, as read back from a JSON checkpoint. */
export interface TensorData {
  /** Sizes per axis. */
  readonly shape: readonly number[];
  /** Row-major values (a typed array must have the module's dtype). */
  readonly data: TypedArray | readonly number[];
}

/** Options of {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /** Throw when keys are missing or unexpected (default true); shapes are always checked. */
  strict?: boolean;
}

/** What {@link Module.loadStateDict} did not load. */
export interface LoadStateDictResult {
  /** Parameters/buffers of the module absent from the state dict (left unchanged). */
  missingKeys: string[];
  /** Entries of the state dict the module does not have (ignored). */
  unexpectedKeys: string[];
}

/** Any module, whatever its forward signature (for containers, hooks and traversal). */
export type AnyModule = Module<unknown[], unknown>;

interface HookEntry {
  readonly fn: ForwardHook;
  readonly name: string;
}

interface ArenaEntry {
  readonly name: string;
  readonly tensor: Tensor;
  readonly data: TypedArray;
  readonly grad: Tensor;
}

let arenaVersion = 0;
// Bumped by every register* call anywhere: while it is unchanged no module tree has changed, so
// arena() can skip the tree walk (steady-state training steps then allocate nothing here).
let structureVersion = 0;

function checkName(kind: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.includes('.')) {
    throw new ConfigError(`${kind}: name must be a non-empty string without '.', got ${fmt(name)}`);
  }
  return name;
}

function join(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

/**
 * `views` are consecutive windows of one buffer, in order: returns the typed array spanning
 * them all (no copy), or null. Lets a submodule's arena be a window of its parent's.
 */
function spanOf(views: readonly TypedArray[]): TypedArray | null {
  const first = views[0];
  if (first === undefined) return null;
  const buffer = first.buffer;
  const bpe = first.BYTES_PER_ELEMENT;
  let end = first.byteOffset;
  let total = 0;
  for (const v of views) {
    if (v.buffer !== buffer || v.byteOffset !== end || dtypeOf(v) !== dtypeOf(first)) return null;
    end += v.length * bpe;
    total += v.length;
  }
  return first instanceof Float32Array
    ? new Float32Array(buffer, first.byteOffset, total)
    : new Float64Array(buffer, first.byteOffset, total);
}

// A disposed parameter: its `.data` and `.grad` become accessors that throw, so any later use
// (an op, an optimizer step, printing) fails at once with the reason instead of reading memory
// the next model owns.
function invalidate(t: Tensor, name: string): void {
  const fail = (): never => {
    throw new ConfigError(
      `parameter ${fmt(name)} was disposed with its module (Module.dispose()); copy values with stateDict() before disposing`,
    );
  };
  Object.defineProperty(t, 'data', { get: fail, set: fail, configurable: true });
  Object.defineProperty(t, 'grad', { get: fail, set: fail, configurable: true });
}

/**
 * Base class of layers and models (PyTorch's `nn.Module`): named parameters, buffers and
 * submodules, a train/eval flag propagated to children, state dicts, forward hooks, and the
 * parameter arena.
 *
 * Parameters live in one arena: the first `arena()` / `namedParameters()` / `zeroGrad()` call
 * copies every parameter into ONE typed array (and every gradient into another) and re-points
 * each parameter's `.data` to its view and its `.grad` to a view of the gradient arena, so
 * backward accumulates in place into the arena. The arena is re-packed when the module tree
 * changes. Call it on the root model: a submodule's arena is then a window of the root's.
 *
 * Subclasses implement `forward` as a prototype method; the constructor wraps it per instance so
 * that forward hooks fire on every call (a `forward` defined as an arrow-function class field
 * would bypass the hooks).
 *
 * @example
 * class TwoLayer extends Module {
 *   fc1 = this.registerModule('fc1', new Linear(4, 8, { seed: 0 }));
 *   fc2 = this.registerModule('fc2', new Linear(8, 2, { seed: 1 }));
 *   forward(x: Tensor): Tensor { return this.fc2.forward(relu(this.fc1.forward(x))); }
 * }
 * const m = new TwoLayer();
 * Object.keys(m.namedParameters()); // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 * @see https://pytorch.org/docs/stable/generated/torch.nn.Module.html
 */
export abstract class Module<I extends unknown[] = [Tensor], O = Tensor> {
  /** Training mode (true) or evaluation mode (false); set with `train()` / `eval()`. */
  training = true;
  private readonly ownParams = new Map<string, Tensor>();
  private readonly ownBuffers = new Map<string, Tensor>();
  private readonly ownModules = new Map<string, AnyModule>();
  private hooks: HookEntry[] = [];
  private packed: ParameterArena | null = null;
  private entries: ArenaEntry[] = [];
  private seenStructure = -1;
  private paramsView: Params | null = null;
  private paramsVersion = -1;
  // The arena arrays this module allocated (not a window of a parent's), for dispose().
  private owned: { params: TypedArray; grads: TypedArray } | null = null;
  private disposed = false;

  constructor() {
    // Wrap the subclass's prototype forward so that hooks fire however it is called
    // (model.forward(x) from user code, or child.forward(h) inside a container).
    const self = this as unknown as { forward: (...args: unknown[]) => unknown };
    const impl = self.forward;
    if (typeof impl === 'function') {
      Object.defineProperty(this, 'forward', {
        value: (...args: unknown[]): unknown => {
          const out = impl.apply(this, args);
          if (this.hooks.length > 0) {
            for (const h of [...this.hooks]) h.fn(this as unknown as AnyModule, h.name, out);
          }
          return out;
        },
        writable: true,
        configurable: true,
        enumerable: false,
      });
    }
  }

  /** The computation; containers call their children's `forward`. */
  abstract forward(...args: I): O;

  /**
   * Whether a forward hook is attached to this module itself (containers only fuse children,
   * e.g. Linear + ReLU into one op, when neither has a hook that expects its own output).
   * @example model.at(0).hasForwardHooks() // false until registerForwardHook
   */
  hasForwardHooks(): boolean {
    return this.hooks.length > 0;
  }

  /**
   * Registers (or replaces) a trainable parameter under `name` and returns it; sets
   * `requiresGrad`. @example this.weight = this.registerParameter('weight', w);
   */
  registerParameter(name: string, tensor: Tensor): Tensor {
    checkName('registerParameter', name);
    if (!(tensor instanceof Tensor))
      throw new ConfigError(`registerParameter: "${name}" must be a Tensor, got ${fmt(tensor)}`);
    this.checkFree('registerParameter', name, this.ownParams);
    if (!tensor.isLeaf)
      throw new ConfigError(
        `registerParameter: "${name}" must be a leaf tensor (not the result of an op); detach() it first`,
      );
    tensor.requiresGrad = true;
    structureVersion++;
    this.ownParams.set(name, tensor);
    return tensor;
  }

  /**
   * Registers (or replaces) a buffer: state saved in the state dict but not trained
   * (BatchNorm's running statistics). @example this.registerBuffer('runningMean', zeros([c]));
   */
  registerBuffer(name: string, tensor: Tensor): Tensor {
    checkName('registerBuffer', name);
    if (!(tensor instanceof Tensor))
      throw new ConfigError(`registerBuffer: "${name}" must be a Tensor, got ${fmt(tensor)}`);
    this.checkFree('registerBuffer', name, this.ownBuffers);
    structureVersion++;
    this.ownBuffers.set(name, tensor);
    return tensor;
  }

  /** Registers (or replaces) a submodule under `name` and returns it. @example this.fc = this.registerModule('fc', new Linear(4, 2)); */
  registerModule<M extends AnyModule>(name: string, module: M): M {
    checkName('registerModule', name);
    if (!(module instanceof Module))
      throw new ConfigError(`registerModule: "${name}" must be a Module, got ${fmt(module)}`);
    this.checkFree('registerModule', name, this.ownModules);
    if (
      (module as AnyModule) === (this as unknown as AnyModule) ||
      module.namedModules().some(([, m]) => m === (this as unknown as AnyModule))
    ) {
      throw new ConfigError(`registerModule: "${name}" would make the module tree cyclic`);
    }
    structureVersion++;
    this.ownModules.set(name, module);
    return module;
  }

  private checkFree(kind: string, name: string, own: Map<string, unknown>): void {
    for (const m of [this.ownParams, this.ownBuffers, this.ownModules] as Map<string, unknown>[]) {
      if (m !== own && m.has(name))
        throw new ConfigError(
          `${kind}: name "${name}" is already used by another parameter, buffer or submodule`,
        );
    }
  }

  /** Direct children, in registration order. */
  namedChildren(): [string, AnyModule][] {
    return [...this.ownModules];
  }

  /** The submodule at a dotted path ("0", "layers.1.fc"); ConfigError if absent. */
  getSubmodule(path: string): AnyModule {
    let m = this as unknown as AnyModule;
    if (path === '') return m;
    for (const part of path.split('.')) {
      const c = m.ownModules.get(part);
      if (!c)
        throw new ConfigError(
          `getSubmodule: no submodule "${path}" (no "${part}" under it); known: ${fmt(
            this.namedModules()
              .map(([n]) => n)
              .filter((n) => n !== ''),
          )}`,
        );
      m = c;
    }
    return m;
  }

  /** This module (name "") and every descendant, pre-order with dotted names, each once. */
  namedModules(): [string, AnyModule][] {
    const out: [string, AnyModule][] = [];
    const seen = new Set<AnyModule>();
    const visit = (prefix: string, m: AnyModule): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([prefix, m]);
      for (const [n, c] of m.ownModules) visit(join(prefix, n), c);
    };
    visit('', this as unknown as AnyModule);
    return out;
  }

  /** Parameters with their dotted names, each tensor once (shared parameters keep their first name). */
  private collectParams(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [n, t] of m.ownParams) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([join(prefix, n), t]);
      }
    }
    return out;
  }

  /** Buffers with their dotted names. */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules())
      for (const [n, t] of m.ownBuffers) out.push([join(prefix, n), t]);
    return out;
  }

  /**
   * Parameters by dotted name ("0.weight", "rnn.weightHh_l0"). Packs the arena first, so every
   * returned tensor's `.data` and `.grad.data` are views of the arena. The record is frozen and
   * reused until the arena is re-packed.
   */
  namedParameters(): Params {
    const a = this.arena();
    if (this.paramsView === null || this.paramsVersion !== a.version) {
      const out: Params = {};
      for (const e of this.entries) out[e.name] = e.tensor;
      // Shared between calls (no per-step allocation), hence frozen.
      this.paramsView = Object.freeze(out);
      this.paramsVersion = a.version;
    }
    return this.paramsView;
  }

  /** The parameter tensors, in `namedParameters()` order. */
  parameters(): Tensor[] {
    return Object.values(this.namedParameters());
  }

  /** Total number of trainable scalars. */
  numParameters(): number {
    let n = 0;
    for (const [, t] of this.collectParams()) n += t.size;
    return n;
  }

  /**
   * The parameter arena (see {@link ParameterArena}); packs on first use and again when the set
   * of parameters changed or a parameter's `.data` was replaced. Mixed dtypes -> DtypeError.
   */
  arena(): ParameterArena {
    if (this.disposed) {
      throw new ConfigError(
        'arena: this module was disposed (Module.dispose()); build a new one, or load its stateDict() saved before dispose() into a new one',
      );
    }
    if (this.packed && this.seenStructure === structureVersion && this.dataUnmoved()) {
      this.reattachGrads();
      return this.packed;
    }
    const list = this.collectParams();
    this.seenStructure = structureVersion;
    if (this.packed && this.layoutMatches(list)) {
      this.reattachGrads();
      return this.packed;
    }
    return this.pack(list);
  }

  private dataUnmoved(): boolean {
    for (const e of this.entries) if (e.tensor.data !== e.data) return false;
    return true;
  }

  private layoutMatches(list: readonly [string, Tensor][]): boolean {
    if (list.length !== this.entries.length) return false;
    for (let i = 0; i < list.length; i++) {
      const [name, t] = list[i] as [string, Tensor];
      const e = this.entries[i] as ArenaEntry;
      if (e.name !== name || e.tensor !== t || t.data !== e.data) return false;
    }
    return true;
  }

  /** A `.grad` replaced or nulled since packing (e.g. `p.zeroGrad(true)`) is folded back into the arena. */
  private reattachGrads(): void {
    for (const e of this.entries) {
      const g = e.tensor.grad; // reading it writes a pending zero (zeroGrad) into the arena
      if (g === e.grad) continue;
      if (g === null) e.grad.data.fill(0);
      else e.grad.data.set(g.data);
      e.tensor.grad = e.grad;
    }
  }

  private pack(list: readonly [string, Tensor][]): ParameterArena {
    let dtype: DType = getDefaultDtype();
    const first = list[0];
    if (first) {
      dtype = first[1].dtype;
      const odd = list.filter(([, t]) => t.dtype !== dtype);
      if (odd.length > 0) {
        const desc = list.map(([n, t]) => `${n}: ${t.dtype}`).join(', ');
        throw new DtypeError(
          `arena: all parameters of a model must share one dtype, got ${desc}; build every layer with the same dtype option`,
        );
      }
    }
    // Parameters that already sit contiguously in one buffer (this is a submodule of a packed
    // model) keep their memory: the arena is a window, so the parent's arena stays valid.
    const params = spanOf(list.map(([, t]) => t.data));
    const grads =
      params && list.every(([, t]) => t.grad !== null)
        ? spanOf(list.map(([, t]) => (t.grad as Tensor).data))
        : null;
    const offsets: ArenaSlot[] = [];
    const entries: ArenaEntry[] = [];
    let arena: ParameterArena;
    if (params && grads && grads.length === params.length) {
      let off = 0;
      for (const [name, t] of list) {
        offsets.push({ name, offset: off, size: t.size, shape: t.shape });
        entries.push({ name, tensor: t, data: t.data, grad: t.grad as Tensor });
        off += t.size;
      }
      arena = { dtype, params, grads, offsets, version: ++arenaVersion };
    } else {
      let total = 0;
      for (const [, t] of list) total += t.size;
      // The kernels' memory owner places the arenas (float32 ones in the wasm kernels' memory
      // when they can: read and updated there in place). An arena this module packed before is
      // left to the owner's garbage-collection backstop: a holder of the old views (an
      // optimizer built before the repack) may still read them.
      const p = allocArray(dtype, total);
      const g = allocArray(dtype, total);
      this.owned = { params: p, grads: g };
      let off = 0;
      for (const [name, t] of list) {
        const view = arrayView(p, off, off + t.size);
        view.set(t.data);
        const gview = arrayView(g, off, off + t.size);
        if (t.grad !== null && t.grad.size === t.size) gview.set(t.grad.data);
        t.data = view;
        const grad = new Tensor(gview, t.shape);
        t.grad = grad;
        t.name = name;
        offsets.push({ name, offset: off, size: t.size, shape: t.shape });
        entries.push({ name, tensor: t, data: view, grad });
        off += t.size;
      }
      arena = { dtype, params: p, grads: g, offsets, version: ++arenaVersion };
    }
    this.packed = arena;
    this.entries = entries;
    return arena;
  }

  /**
   * Frees the memory of this module and its descendants now instead of when the garbage collector
   * gets to it: the parameter and gradient arenas go back to the kernels' memory owner, which
   * hands them to the next model (in the wasm kernels' shared memory, a resident model's arenas
   * otherwise stay allocated until collected, and a process that builds many models runs out of
   * resident memory and falls back to slower copies).
   *
   * The contract: afterwards the module and its parameters are invalid. Reading a parameter's
   * `.data` or `.grad`, calling `forward`, `arena()` or `namedParameters()` throws; so does
   * stepping an optimizer over them. Typed arrays taken from `.data` before dispose() (and
   * `detach()`ed tensors sharing them) are dangling, as a pointer after free(): they may show
   * another model's values. Copy what must outlive the module first (`stateDict()`).
   * Idempotent. Call it on the model that owns the arena (the root): disposing a submodule whose
   * parameters are a window of an enclosing model's arena throws a ConfigError.
   * @example const sd = model.stateDict(); model.dispose(); optimizer.dispose();
   */
  dispose(): void {
    if (this.disposed) return;
    const modules = this.namedModules().map(([, m]) => m);
    const owned = modules.flatMap((m) => (m.owned === null ? [] : [m.owned.params, m.owned.grads]));
    const params = this.collectParams();
    for (const [name, t] of params) {
      const d = t.data;
      const inOwned = owned.some(
        (o) =>
          o.buffer === d.buffer &&
          d.byteOffset >= o.byteOffset &&
          d.byteOffset + d.byteLength <= o.byteOffset + o.byteLength,
      );
      const standalone =
        !isResident(d) && d.byteOffset === 0 && d.byteLength === d.buffer.byteLength;
      if (!inOwned && !standalone) {
        throw new ConfigError(
          `dispose: parameter ${fmt(name)} lives in the arena of an enclosing model; dispose that model (the root) instead`,
        );
      }
    }
    for (const a of owned) releaseArray(a);
    for (const [name, t] of params) invalidate(t, name);
    for (const m of modules) {
      m.disposed = true;
      m.owned = null;
      m.packed = null;
      m.entries = [];
      m.paramsView = null;
    }
  }

  /**
   * Whether `dispose()` was called on this module or an ancestor.
   * @example model.dispose(); model.isDisposed // true
   */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /**
   * Sets every gradient to zero in place (one pass over the gradient arena), keeping the
   * `.grad` tensors as arena views. Unlike a parameter's (or an Optimizer's) `zeroGrad()`, whose
   * zeros are deferred to the next backward, this writes them at once: code may hold the arena's
   * flat `grads` buffer and read it.
   */
  zeroGrad(): void {
    this.arena().grads.fill(0);
  }

  /** Sets training mode on this module and every descendant (Dropout, BatchNorm read it). */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: same as `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Calls `fn(module, name, output)` after the forward of this module and of every descendant
   * present now, with its dotted name ("" for this module). A monitor uses it to read each
   * layer's output. Modules added later are not hooked (register again).
   * @example const h = model.registerForwardHook((m, name, out) => stats.set(name, out)); h.remove();
   */
  registerForwardHook(fn: ForwardHook, options: ForwardHookOptions = {}): HookHandle {
    if (typeof fn !== 'function')
      throw new ConfigError(`registerForwardHook: fn must be a function, got ${fmt(fn)}`);
    const includeSelf = options.includeSelf ?? true;
    const leavesOnly = options.leavesOnly ?? false;
    const attached: [AnyModule, HookEntry][] = [];
    for (const [name, m] of this.namedModules()) {
      if (!includeSelf && name === '') continue;
      if (leavesOnly && m.ownModules.size > 0) continue;
      const entry: HookEntry = { fn, name };
      m.hooks.push(entry);
      attached.push([m, entry]);
    }
    return {
      remove: () => {
        for (const [m, entry] of attached) m.hooks = m.hooks.filter((h) => h !== entry);
        attached.length = 0;
      },
    };
  }

  /** Parameters and buffers with their dotted names (parameters first per module). */
  private namedState(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [n, t] of m.ownParams) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.set(join(prefix, n), t);
      }
      for (const [n, t] of m.ownBuffers) out.set(join(prefix, n), t);
    }
    return out;
  }

  /**
   * The parameters and buffers as a safetensors file (see {@link saveSafetensors}); load them
   * back with `nn.loadSafetensors(model, bytes)`, or in PyTorch with `safetensors.torch.load_file`.
   * @example writeFileSync('model.safetensors', model.save());
   */
  save(options?: SaveSafetensorsOptions): Uint8Array {
    return saveSafetensors(this as unknown as AnyModule, options);
  }

  /**
   * Copies of every parameter and buffer by dotted name (later training does not change them).
   * @example const sd = model.stateDict(); other.loadStateDict(sd);
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [name, t] of this.namedState()) out[name] = new Tensor(t.data.slice(), t.shape);
    return out;
  }

  /**
   * Copies values from `sd` into the parameters and buffers of the same names, in place (arena
   * views stay valid). Every entry is checked before anything is copied: a shape mismatch throws
   * a ShapeError naming each parameter with the expected and the received shape; with `strict`
   * (default) missing or unexpected keys throw a DataError listing them.
   * @example model.loadStateDict({ weight: w, bias: b }, { strict: false })
   */
  loadStateDict(
    sd: Readonly<Record<string, Tensor | TensorData>>,
    options: LoadStateDictOptions = {},
  ): LoadStateDictResult {
    const strict = options.strict ?? true;
    if (sd === null || typeof sd !== 'object')
      throw new ConfigError(`loadStateDict: sd must be an object of named tensors, got ${fmt(sd)}`);
    const own = this.namedState();
    const missingKeys = [...own.keys()].filter((k) => !Object.prototype.hasOwnProperty.call(sd, k));
    const unexpectedKeys = Object.keys(sd).filter((k) => !own.has(k));
    const shapeErrors: string[] = [];
    const copies: [Tensor, TypedArray | readonly number[]][] = [];
    for (const [name, t] of own) {
      const src = sd[name];
      if (src === undefined) continue;
      if (
        src === null ||
        typeof src !== 'object' ||
        !Array.isArray(src.shape) ||
        src.data === undefined
      ) {
        throw new DataError(
          `loadStateDict: "${name}" must be a Tensor or { shape, data }, got ${fmt(src)}`,
        );
      }
      if (!shapesEqual(src.shape, t.shape)) {
        shapeErrors.push(`"${name}": expected shape ${fmt(t.shape)}, got ${fmt(src.shape)}`);
        continue;
      }
      const data = src.data;
      if (data.length !== sizeOf(t.shape)) {
        throw new DataError(
          `loadStateDict: "${name}" has shape ${fmt(src.shape)} but ${data.length} values (expected ${t.size})`,
        );
      }
      if (
        (data instanceof Float32Array || data instanceof Float64Array) &&
        dtypeOf(data) !== t.dtype
      ) {
        throw new DtypeError(
          `loadStateDict: "${name}" has dtype ${dtypeOf(data)} but the module's is ${t.dtype}; convert explicitly`,
        );
      }
      copies.push([t, data]);
    }
    const keyMsg = (): string =>
      [
        missingKeys.length > 0 ? `missing keys ${fmt(missingKeys)}` : '',
        unexpectedKeys.length > 0 ? `unexpected keys ${fmt(unexpectedKeys)}` : '',
      ]
        .filter((s) => s !== '')
        .join('; ');
    if (shapeErrors.length > 0) {
      const extra = keyMsg();
      throw new ShapeError(
        `loadStateDict: shape mismatch for ${shapeErrors.join(', ')}${extra ? `; also ${extra}` : ''}`,
      );
    }
    if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
      throw new DataError(
        `loadStateDict: ${keyMsg()} (pass { strict: false } to load the matching keys only)`,
      );
    }
    for (const [t, data] of copies) {
      if (Array.isArray(data)) for (let i = 0; i < data.length; i++) t.data[i] = data[i] as number;
      else t.data.set(data as TypedArray);
    }
    return { missingKeys, unexpectedKeys };
  }
}
