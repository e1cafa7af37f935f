/**
 * The Node/V8 flags of the sweep executors' child processes (local pool and `gradscope worker`):
 * each child is one worker on one core, so it runs V8 on one thread too.
 *
 * - `--interrupt-budget=1000000` (V8's default is 67,584 bytes of bytecode run between two tier-up
 *   checks): with the default, every short run of a sweep made V8 optimize, deoptimize and again
 *   optimize about 100 lukewarm functions per point (the new run's closures, schedule, report and
 *   chart code) on its background compiler threads — 0.3 CPU-s per point besides 0.56 on the main
 *   thread. With the larger budget only the hot training loop is optimized: measured on the
 *   bench's 16-point sweep (bench/sweep-speed.ts, compiled child, `/proc/<pid>/task`), background
 *   CPU per point 0.45–0.50 → 0.10–0.23 CPU-s, total CPU per point 1.27–1.42 → 0.87–1.03 CPU-s.
 * - `--single-threaded` (V8 compiles and collects garbage on the main thread: no concurrent
 *   recompilation, no parallel or concurrent GC tasks). The remaining background work (the
 *   optimizing compiler and the GC's helper tasks, 0.1 core per child) ran on the *other* core:
 *   free with one worker (1.10 cores used on 2 idle cores), but with one worker per core it took
 *   that time from the other worker's main thread (two workers used 1.90 cores and 20 % more
 *   CPU-s than one). Measured on the bench's sweep, the same CPU-s in total either way (16 points:
 *   10.3 vs 10.3 and 11.0 vs 11.5 CPU-s, one process each, load average 20), and on two cores
 *   with no other load (SCHED_FIFO, one child pinned per core) two children use the same CPU-s
 *   per point as one alone: the cores do not slow each other down; what remains between 1 and 2
 *   workers is each child's own start-up and JIT warm-up (≈ 1 CPU-s, paid once per process).
 *
 * - Measured and not taken (2026-12-07, the bench's points in one process pinned to one core at
 *   SCHED_FIFO; C16 = CPU-s of all 16 points, C8 = of every other one, as one of two workers gets
 *   them; medians of 4): a budget of 500,000 makes every point cheaper (C16 7.60 vs 8.06 CPU-s;
 *   300,000 similar) but front-loads the compiling as much, so the speed-up bound C16/C8 stays
 *   (1.65 vs 1.67); `--always-sparkplug` alone or with it (C16 8.06 / 7.49, bound 1.64 / 1.67),
 *   `--no-lazy-feedback-allocation` (more warm-up), `--max-lazy`, `--maglev`,
 *   `--min-semi-space-size=16`/`64` (scavenges 128 → 27 per 16 points, the same GC time): no gain
 *   beyond the spread.
 *
 * The flags change when and where code is compiled and memory collected, never what it computes:
 * the results are bit-identical (the sweep tests compare 1 vs 2 workers and the local vs the
 * Redis executor).
 *
 * @example fork(entry, [], { execArgv: [...SWEEP_CHILD_NODE_FLAGS] });
 */
export const SWEEP_CHILD_NODE_FLAGS: readonly string[] = [
  '--interrupt-budget=1000000',
  '--single-threaded',
];
