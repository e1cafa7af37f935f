/**
 * The Node/V8 flags of the sweep executors' child processes (local pool and `gradscope worker`).
 *
 * `--interrupt-budget=1000000` (V8's default is 67,584 bytes of bytecode run between two tier-up
 * checks): with the default, every short run of a sweep made V8 optimize, deoptimize and again
 * optimize about 100 lukewarm functions per point (the new run's closures, schedule, report and
 * chart code) on its background compiler threads — 0.3 CPU-s per point besides 0.56 on the main
 * thread, so one worker used 1.3–1.5 cores and two workers on two cores could not run twice as
 * fast. With the larger budget only the hot training loop is optimized: measured on the bench's
 * 16-point sweep (bench/sweep-speed.ts, 4 points per child, compiled child, `/proc/<pid>/task`),
 * background CPU per point 0.45–0.50 → 0.10–0.23 CPU-s and total CPU per point 1.27–1.42 → 0.87–1.03
 * CPU-s (load average 35–60, so the figures are noisy; the split is what matters).
 * The flag changes when code is compiled, never what it computes: the results are bit-identical
 * (the sweep tests compare 1 vs 2 workers and the local vs the Redis executor).
 *
 * @example fork(entry, [], { execArgv: [...SWEEP_CHILD_NODE_FLAGS] });
 */
export const SWEEP_CHILD_NODE_FLAGS: readonly string[] = ['--interrupt-budget=1000000'];
