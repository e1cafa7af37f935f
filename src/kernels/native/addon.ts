// The entry points of the Node-API addon (native/src/binding.c), as the loader returns them.
// Arrays are Float32Array or Float64Array, one dtype per call (the output's); the addon checks
// that every array holds what the kernel touches (RangeError otherwise), nothing else.

/** A float array of either dtype, or null where the argument is optional. */
type F = Float32Array | Float64Array;

/**
 * The native addon's functions (see native/src/binding.c for each contract).
 * @example addon.gemm(false, true, m, n, k, 1, a, 0, b, 0, 0, c, 0);
 */
export interface NativeAddon {
  /** C = alpha·op(A)·op(B) + beta·C (Kernels.gemm's contract, positional). */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: F,
    aOffset: number,
    b: F,
    bOffset: number,
    beta: number,
    c: F,
    cOffset: number,
  ): void;
  /** im2col for `batch` images; geom is the 13 numbers of {@link geometryArray}. */
  im2col(x: F, xOffset: number, geom: number[], col: F, colOffset: number, batch: number): void;
  /** col2im (adds onto x). */
  col2im(col: F, colOffset: number, geom: number[], x: F, xOffset: number, batch: number): void;
  /** Kernels.linearForward, positional. */
  linearForward(
    x: F,
    w: F,
    bias: F | null,
    act: number,
    rows: number,
    inF: number,
    outF: number,
    y: F,
  ): void;
  /** Kernels.linearBackward, positional. */
  linearBackward(
    g: F,
    y: F,
    x: F,
    w: F,
    act: number,
    rows: number,
    inF: number,
    outF: number,
    dx: F | null,
    dW: F | null,
    dWAccumulate: boolean,
    db: F | null,
    dbAccumulate: boolean,
  ): void;
  /** Kernels.conv2dForward, positional. */
  conv2dForward(
    x: F,
    w: F,
    bias: F | null,
    relu: boolean,
    geom: number[],
    n: number,
    o: number,
    y: F,
  ): void;
  /** Kernels.conv2dBackward, positional. */
  conv2dBackward(
    gy: F,
    y: F | null,
    x: F,
    w: F,
    geom: number[],
    n: number,
    o: number,
    dx: F | null,
    dW: F | null,
    dWAccumulate: boolean,
    db: F | null,
    dbAccumulate: boolean,
  ): void;
  /** Kernels.rnnTanhForward, positional. */
  rnnForward(
    x: F,
    wIh: F,
    bIh: F | null,
    bHh: F | null,
    whh: F,
    h0: F | null,
    T: number,
    B: number,
    I: number,
    H: number,
    hs: F,
  ): void;
  /** Kernels.rnnTanhBackward, positional (extras flattened; biasSums is float64). */
  rnnBackward(
    g: F,
    hs: F,
    whh: F,
    T: number,
    B: number,
    H: number,
    dPre: F,
    dh0: F | null,
    extras: boolean,
    h0: F | null,
    dWhh: F | null,
    accumulate: boolean,
    biasSums: Float64Array | null,
  ): void;
  /** Kernels.adam (float32). */
  adam(
    p: Float32Array | null,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    coef: Float32Array,
  ): void;
  /** Threads large GEMMs are split over (the pool starts workers lazily). */
  setThreads(n: number): void;
  /** The instruction set chosen at load time and the thread setting. */
  info(): { isa: string; threads: number };
}
