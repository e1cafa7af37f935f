// Entry point of the WebAssembly kernels (AssemblyScript, compiled by scripts/build-wasm.mjs).
// Every export works on byte addresses in this module's linear memory; the loader
// (../wasm-kernels.ts) owns the memory layout above heapBase().

export { gemmF32, gemmWorkBytes, gemmPackedBF32, packBAllF32, packedBBytes } from './gemm';
export { tanhF32 } from './tanh';
export { tanhGradF32, addRowsF32, colSumsF64 } from './recurrence';
export { lstmGatesFwdF32, lstmGatesBwdF32, gruGatesFwdF32, gruGatesBwdF32 } from './gates';
export { reluF32, actGradF32, addColSumsF32, addChannelBiasF32, addChannelSumsF32 } from './linear';
export { im2colF32, col2imF32 } from './im2col';
export { adamF32, adamStatsF32 } from './adam';
export { gradStatsF32, sumSquaresF32, updateStatsF32, copyF32 } from './grad-stats';

/** First byte the loader may use (64-byte aligned): everything below is static data. */
export function heapBase(): usize {
  return (__heap_base + 63) & ~(<usize>63);
}
