/**
 * Which kernels run the hot loops: 'js' (reference, both dtypes), 'wasm' (WebAssembly SIMD for
 * float32; float64 stays on JS) or 'auto' (wasm for float32 problems big enough to repay the copy
 * into wasm memory, JS otherwise; JS when WebAssembly is unavailable).
 * @example setKernels('js') // e.g. to compare against the reference
 */
export type KernelChoice = 'js' | 'wasm' | 'auto';

/**
 * The implementation one call was routed to.
 * @example gemmKernelFor('float32', 512, 512, 512) // 'wasm' | 'js'
 */
export type KernelImpl = 'js' | 'wasm';

/**
 * The activation fused into a linear layer's kernel: 0 none, 1 ReLU, 2 tanh.
 * @example const act: LinearAct = 1; // relu
 */
export type LinearAct = 0 | 1 | 2;
