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
  /**
   * Kernels.lstmGatesForward, float32 only, positional (absent in an addon built before them:
   * the backend then hands the gate steps to `rest`).
   */
  lstmGatesForward?(
    gates: Float32Array,
    gatesOffset: number,
    cPrev: Float32Array | null,
    cPrevOffset: number,
    c: Float32Array,
    cOffset: number,
    h: Float32Array,
    hOffset: number,
    B: number,
    H: number,
  ): void;
  /** Kernels.lstmGatesBackward, float32 only, positional. */
  lstmGatesBackward?(
    gates: Float32Array,
    gatesOffset: number,
    c: Float32Array,
    cOffset: number,
    cPrev: Float32Array | null,
    cPrevOffset: number,
    gh: Float32Array,
    ghOffset: number,
    dh: Float32Array,
    dc: Float32Array,
    dG: Float32Array,
    dGOffset: number,
    B: number,
    H: number,
  ): void;
  /** Kernels.gruGatesForward, float32 only, positional. */
  gruGatesForward?(
    gates: Float32Array,
    gatesOffset: number,
    hp: Float32Array,
    bHh: Float32Array | null,
    hn: Float32Array,
    hnOffset: number,
    hPrev: Float32Array | null,
    hPrevOffset: number,
    h: Float32Array,
    hOffset: number,
    B: number,
    H: number,
  ): void;
  /** Kernels.gruGatesBackward, float32 only, positional. */
  gruGatesBackward?(
    gates: Float32Array,
    gatesOffset: number,
    hn: Float32Array,
    hnOffset: number,
    hPrev: Float32Array | null,
    hPrevOffset: number,
    gh: Float32Array,
    ghOffset: number,
    dh: Float32Array,
    dXP: Float32Array,
    dHP: Float32Array,
    dOffset: number,
    B: number,
    H: number,
  ): void;
  /**
   * Kernels.maxPool2dForward, positional: the window as planes, H, W, kh, kw, sh, sw, ph, pw,
   * outH, outW (absent in an addon built before it: the backend then runs the JS reference).
   */
  maxPool2dForward?(
    x: F,
    y: F,
    arg: Int32Array,
    ...window: [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ]
  ): void;
  /** Kernels.maxPool2dBackward, positional (the window as for maxPool2dForward). */
  maxPool2dBackward?(
    gy: F,
    arg: Int32Array,
    dx: F,
    ...window: [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ]
  ): void;
  /** Kernels.geluForward, float32 only (absent in an addon built before it). */
  geluForward?(x: Float32Array, y: Float32Array, n: number, approximate: number): void;
  /** Kernels.geluBackward, float32 only. */
  geluBackward?(
    x: Float32Array,
    g: Float32Array,
    dx: Float32Array,
    n: number,
    approximate: number,
  ): void;
  /** Kernels.layerNormForward, positional (mean and rstd are float64 for both dtypes). */
  layerNormForward?(
    x: F,
    gamma: F | null,
    beta: F | null,
    rows: number,
    d: number,
    eps: number,
    rms: boolean,
    y: F,
    mean: Float64Array,
    rstd: Float64Array,
  ): void;
  /** Kernels.layerNormBackward, positional. */
  layerNormBackward?(
    g: F,
    x: F,
    gamma: F | null,
    mean: Float64Array,
    rstd: Float64Array,
    rows: number,
    d: number,
    rms: boolean,
    dx: F | null,
    dGamma: F | null,
    dGammaAccumulate: boolean,
    dBeta: F | null,
    dBetaAccumulate: boolean,
  ): void;
  /** Threads large GEMMs are split over (the pool starts workers lazily). */
  setThreads(n: number): void;
  /** The instruction set chosen at load time and the thread setting. */
  info(): { isa: string; threads: number };
  /** Kernels.crossEntropyForward, float32 only, positional (absent in addons built before it). */
  crossEntropyForward?(
    z: Float32Array,
    targets: Int32Array,
    n: number,
    c: number,
    ignoreIndex: number,
    weight: Float32Array | null,
    labelSmoothing: number,
    lse: Float64Array,
    perRow: Float32Array | null,
    sums: Float64Array,
  ): void;
  /** Kernels.crossEntropyBackward, float32 only, positional (absent in addons built before it). */
  crossEntropyBackward?(
    z: Float32Array,
    targets: Int32Array,
    n: number,
    c: number,
    ignoreIndex: number,
    weight: Float32Array | null,
    labelSmoothing: number,
    lse: Float64Array,
    scale: number,
    g: Float32Array | null,
    dz: Float32Array,
  ): void;
  /**
   * The pool's counters in ns: [jobs, caller parts, caller waiting, imbalance, worker parts,
   * wake-ups of sleeping workers (a count), the caller's time in them] (zeros unless
   * GRADSCOPE_NATIVE_POOL_STATS=1; bench/thread-scaling.ts).
   */
  poolStats?(): number[];
  /**
   * Kernels.attentionForward, float32 only, positional (absent in an addon built before it: the
   * backend then hands attention to `rest`).
   */
  attentionForward?(
    qkv: Float32Array,
    B: number,
    T: number,
    E: number,
    heads: number,
    causal: boolean,
    scale: number,
    p: Float32Array,
    y: Float32Array,
  ): void;
  /** Kernels.attentionBackward, float32 only, positional. */
  attentionBackward?(
    g: Float32Array,
    qkv: Float32Array,
    p: Float32Array,
    B: number,
    T: number,
    E: number,
    heads: number,
    causal: boolean,
    scale: number,
    dqkv: Float32Array,
  ): void;
  /**
   * out[at] = Σx² of float32 x in Kernels.gradStats' order (its sum-only pass before
   * `sumIsFinal`; native/src/monitor_stats.c). Absent in an addon built before it.
   */
  sumSquares?(x: Float32Array, out: Float64Array, at: number): void;
  /**
   * The fused Adam step of `adam(p, g, m, v, coef)` that also copies p before the step into q
   * (at least as long) and writes the float32-order update sums Σp², Σ(p − q)², Σq² to
   * out[0..2] (before the float64 fallback of UpdateStatsArgs). Absent in an older addon.
   */
  adamStats?(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    coef: Float32Array,
    q: Float32Array,
    out: Float64Array,
  ): void;
}
