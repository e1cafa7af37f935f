// The lab's training loop, off the main thread: the page stays responsive however heavy the
// network. Trains in time slices and posts progress, verdicts, evaluations and the decision
// boundary.
import { data } from '../../../src/index.js';
import images from '../../../data/mnist-10k-images-idx3-ubyte.gz?url';
import labels from '../../../data/mnist-10k-labels-idx1-ubyte.gz?url';
import { LabEngine } from './engine.js';
import type { FromWorker, ToWorker } from './protocol.js';

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  addEventListener(type: 'message', fn: (e: MessageEvent<ToWorker>) => void): void;
}
const scope = globalThis as unknown as WorkerScope;

/** Training time per slice before the worker posts and yields to its message queue. */
const SLICE_MS = 90;
const BOUNDARY_EVERY_MS = 400;

let current = 0;
let paused = false;

function post(m: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(m, transfer);
}

// A zero-delay yield that lets 'stop' and 'pause' messages in (setTimeout(0) is clamped to 4 ms).
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();
function yieldNow(): Promise<void> {
  return new Promise((ok) => {
    waiting.push(ok);
    channel.port2.postMessage(0);
  });
}

async function run(id: number, config: Parameters<typeof LabEngine.create>[0]): Promise<void> {
  if (config.data === 'mnist') post({ type: 'loading', run: id, what: 'MNIST digits (1.6 MB)' });
  let engine: LabEngine;
  try {
    engine = await LabEngine.create(
      config,
      (verdict) => {
        if (current === id) post({ type: 'verdict', run: id, verdict });
      },
      // The bundled digits, emitted by Vite as assets of the site and fetched on first use.
      () => data.loadMnist({ files: { images, labels } }),
    );
  } catch (e) {
    post({ type: 'error', run: id, message: (e as Error).message });
    return;
  }
  if (current !== id) return;
  post({ type: 'ready', run: id, info: engine.info });
  const L = engine.info.layers.length;
  const P = engine.info.probes.length;
  let lastBoundary = -Infinity;
  const evalEvery = Math.max(50, Math.round(config.steps / 30));
  const sendEval = (): void => {
    const r = engine.evaluate();
    post({ type: 'eval', run: id, step: engine.step, loss: r.loss, acc: r.acc });
  };
  const sendBoundary = (): void => {
    const b = engine.boundary();
    if (b)
      post(
        { type: 'boundary', run: id, step: engine.step, side: b.side, cls: b.cls, conf: b.conf },
        [b.cls.buffer, b.conf.buffer],
      );
    lastBoundary = performance.now();
  };
  sendEval();
  sendBoundary();
  while (current === id && engine.step < config.steps) {
    if (paused) {
      await new Promise((ok) => setTimeout(ok, 50));
      continue;
    }
    const t0 = performance.now();
    const loss: number[] = [];
    const acc: number[] = [];
    const lr: number[] = [];
    const norms: number[] = [];
    let clipped = 0;
    let nonFinite = 0;
    let diverged = false;
    while (engine.step < config.steps && performance.now() - t0 < SLICE_MS) {
      const r = engine.trainStep();
      loss.push(r.loss);
      acc.push(r.acc);
      lr.push(r.lr);
      for (let l = 0; l < L; l++) norms.push(engine.layerNorms[l] as number);
      if (r.clipped) clipped++;
      if (r.nonFinite) nonFinite++;
      if (!Number.isFinite(r.loss) && !config.skipnf) {
        diverged = true;
        break;
      }
      if (engine.step % evalEvery === 0) break;
    }
    const mean = new Float64Array(P);
    engine.health.probes.forEach((p, i) => {
      if (i < P) mean[i] = p.mean;
    });
    const m: FromWorker = {
      type: 'progress',
      run: id,
      step: engine.step,
      loss: Float64Array.from(loss),
      acc: Float64Array.from(acc),
      lr: Float64Array.from(lr),
      norms: Float64Array.from(norms),
      saturation: Float64Array.from(engine.saturation),
      mean,
      clipped,
      nonFinite,
      ms: performance.now() - t0,
    };
    post(m, [
      m.loss.buffer,
      m.acc.buffer,
      m.lr.buffer,
      m.norms.buffer,
      m.saturation.buffer,
      m.mean.buffer,
    ]);
    if (engine.step % evalEvery === 0 || engine.step >= config.steps) sendEval();
    if (performance.now() - lastBoundary > BOUNDARY_EVERY_MS || engine.step >= config.steps)
      sendBoundary();
    if (diverged) {
      post({ type: 'done', run: id, step: engine.step, reason: 'diverged' });
      return;
    }
    await yieldNow();
  }
  if (current === id) post({ type: 'done', run: id, step: engine.step, reason: 'finished' });
}

scope.addEventListener('message', (e) => {
  const m = e.data;
  if (m.type === 'start') {
    current = m.run;
    paused = false;
    void run(m.run, m.config);
  } else if (m.type === 'stop') {
    if (current === m.run) {
      current = 0;
      post({ type: 'done', run: m.run, step: -1, reason: 'stopped' });
    }
  } else if (m.type === 'pause') {
    paused = true;
  } else if (m.type === 'resume') {
    paused = false;
  }
});
