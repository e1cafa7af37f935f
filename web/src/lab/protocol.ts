// Messages between the lab's page and its training worker (plain structured-clone data).
import type { LabConfig } from './config.js';
import type { RunInfo } from './engine.js';
import type { Verdict } from './monitor-types.js';

/** Page → worker. */
export type ToWorker =
  | { type: 'start'; run: number; config: LabConfig }
  | { type: 'stop'; run: number }
  | { type: 'pause'; run: number }
  | { type: 'resume'; run: number };

/** A chunk of steps trained since the last progress message. */
export interface Progress {
  type: 'progress';
  run: number;
  /** Step count after the chunk. */
  step: number;
  /** Per step of the chunk: loss, batch accuracy, lr. */
  loss: Float64Array;
  acc: Float64Array;
  lr: Float64Array;
  /** Per step of the chunk, per layer: ‖g‖ (row-major steps × layers). */
  norms: Float64Array;
  /** Per probe, at the end of the chunk: saturation (tanh/sigmoid) or dead fraction (ReLU), and mean output. */
  saturation: Float64Array;
  mean: Float64Array;
  /** Steps of the chunk whose gradients were clipped / non-finite. */
  clipped: number;
  nonFinite: number;
  /** Milliseconds of training in the chunk. */
  ms: number;
}

/** Worker → page. */
export type FromWorker =
  | { type: 'loading'; run: number; what: string }
  | { type: 'ready'; run: number; info: RunInfo }
  | Progress
  | { type: 'eval'; run: number; step: number; loss: number; acc: number }
  | { type: 'boundary'; run: number; step: number; side: number; cls: Uint8Array; conf: Uint8Array }
  | { type: 'verdict'; run: number; verdict: Verdict }
  | { type: 'done'; run: number; step: number; reason: 'finished' | 'stopped' | 'diverged' }
  | { type: 'error'; run: number; message: string };
