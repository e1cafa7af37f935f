// Child-process entry of the Node systems (gradscope, tfjs-cpu, tfjs-wasm, jax-js): one system,
// one workload, one process, so that peak RSS is the system's own and a crash is reported, not
// fatal. Started by bench/run.ts as
//   node --import tsx bench/workloads/node-runner.ts '<RunRequest as JSON>'
// and prints one line `BENCH_RESULT {RunResult | RunFailure}` on stdout.
import { readBundle } from './bundle.js';
import {
  PROGRESS_PREFIX,
  RESULT_PREFIX,
  measure,
  peakRssMiB,
  type RunFailure,
  type RunRequest,
  type RunResult,
  type Trainer,
} from './protocol.js';

async function build(
  req: RunRequest,
  bundle: ReturnType<typeof readBundle>,
): Promise<{ trainer: Trainer; version: string; notes: string[] }> {
  switch (req.system) {
    case 'gradscope':
    case 'gradscope-wasm':
      return (await import('./run-gradscope.js')).gradscopeTrainer(bundle, req);
    case 'tfjs-cpu':
    case 'tfjs-wasm':
      return (await import('./run-tfjs.js')).tfjsTrainer(bundle, req);
    case 'jax-js':
      return (await import('./run-jax.js')).jaxTrainer(bundle, req);
    case 'torch':
      throw new Error('PyTorch runs in bench/torch_workloads.py, not in Node');
  }
}

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2] ?? '') as RunRequest;
  let out: RunResult | RunFailure;
  try {
    const bundle = readBundle(req.dataDir, req.workload);
    const { trainer, version, notes } = await build(req, bundle);
    const m = measure(trainer, req, bundle.spec.batch, (p) =>
      process.stdout.write(`\n${PROGRESS_PREFIX}${JSON.stringify(p)}\n`),
    );
    out = {
      ok: true,
      system: req.system,
      workload: req.workload,
      version,
      threads: req.threads,
      dataSha256: bundle.manifest.sha256,
      ...m,
      peakRssMiB: peakRssMiB(),
      notes: [...notes, ...m.notes],
    };
  } catch (e) {
    const err = e as Error;
    out = {
      ok: false,
      system: req.system,
      workload: req.workload,
      threads: req.threads,
      error: `${err.message ?? String(e)}`.split('\n')[0] ?? String(e),
    };
    process.stderr.write(`${err.stack ?? String(e)}\n`);
  }
  process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify(out)}\n`);
}

await main();
