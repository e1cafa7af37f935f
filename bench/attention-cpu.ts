// `npx tsx bench/attention-cpu.ts [rounds]`: CPU time of the fused self-attention kernels alone
// (Kernels.attentionForward/Backward) at the W5 GPT's shape (batch 16, T = 64, E = 128, 4 heads,
// causal, float32), one layer's call each way, on every backend available here (js, wasm,
// native), with the native backend also on 2 threads (CPU time summed over the threads, the
// caller's spin-wait for the workers included: GRADSCOPE_NATIVE_POOL_STATS=1 prints the caller's
// parts, waiting and the imbalance, from which the wall time on free cores follows).
// Issue 22 (W5): the heads used to run as permuted copies, batched GEMMs and a JS softmax.
//
// CPU time (process.cpuUsage, user + system), not wall-clock: on a shared machine the best
// round is the robust statistic.
import { setKernels } from '../src/kernels/backend.js';
import { availableBackends } from '../src/kernels/select.js';
import { setThreads } from '../src/kernels/threads.js';
import type { Kernels } from '../src/kernels/types.js';
import { Rng } from '../src/tensor/rng.js';

const rounds = Number(process.argv[2] ?? 5);
const [B, T, E, H] = [16, 64, 128, 4];
const scale = 1 / Math.sqrt(E / H);
const qkv = new Float32Array(B * T * 3 * E);
new Rng(1).fillNormal(qkv);
const g = new Float32Array(B * T * E);
new Rng(2).fillNormal(g);
const p = new Float32Array(B * H * T * T);
const y = new Float32Array(B * T * E);
const dqkv = new Float32Array(B * T * 3 * E);

const cpuMs = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/** Best-of-rounds CPU ms per call of the forward and of the backward. */
function time(k: Kernels, calls: number): [number, number] {
  let best: [number, number] = [Infinity, Infinity];
  for (let r = 0; r < rounds; r++) {
    let t0 = cpuMs();
    for (let i = 0; i < calls; i++)
      k.attentionForward({ qkv, B, T, E, heads: H, causal: true, scale, p, y });
    const f = (cpuMs() - t0) / calls;
    t0 = cpuMs();
    for (let i = 0; i < calls; i++)
      k.attentionBackward({ g, qkv, p, B, T, E, heads: H, causal: true, scale, dqkv });
    const b = (cpuMs() - t0) / calls;
    best = [Math.min(best[0], f), Math.min(best[1], b)];
  }
  return best;
}

console.log(`attention B ${B}, T ${T}, E ${E}, ${H} heads, causal, float32: CPU ms per call`);
for (const k of availableBackends()) {
  setKernels(k.impl);
  const calls = k.impl === 'native' ? 100 : 5;
  const threads = k.impl === 'native' ? [1, 2] : [1];
  for (const t of threads) {
    setThreads(t);
    time(k, Math.max(1, calls / 5)); // warm-up
    const [f, b] = time(k, calls);
    console.log(
      `${k.impl.padEnd(6)} ${t}T  forward ${f.toFixed(3)} ms  backward ${b.toFixed(3)} ms`,
    );
  }
  setThreads('auto');
}
setKernels('auto');
