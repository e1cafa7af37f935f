import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write-node.js';
import { encodeCheckpoint } from './checkpoint-binary.js';
import { CheckpointError } from './checkpoint-error.js';
import {
  captureCheckpoint,
  parseCheckpoint,
  restoreCheckpoint,
  type CaptureCheckpointOptions,
  type Checkpoint,
  type CheckpointTargets,
  type RestoreOptions,
} from './checkpoint.js';

/**
 * Saves a checkpoint of a model, its optimizer, data loaders and generators to `path`,
 * atomically (a crash leaves the previous file intact), in the binary format (version 2, see
 * {@link encodeCheckpoint}). Node only. Returns what was saved.
 * @example saveCheckpoint('run/step-100.json', { model, optimizer, loader });
 */
export function saveCheckpoint(path: string, options: CaptureCheckpointOptions): Checkpoint {
  const ckpt = captureCheckpoint(options);
  writeFileAtomic(path, encodeCheckpoint(ckpt));
  return ckpt;
}

/**
 * Reads and verifies a checkpoint file (header, SHA-256 checksum, structure) without applying
 * it; binary (version 2) and JSON (version 1) files are both read. Throws a {@link CheckpointError} naming the file and the problem. Node only.
 * @example const ckpt = readCheckpoint('run/checkpoint.json'); ckpt.step
 */
export function readCheckpoint(path: string): Checkpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CheckpointError(`${path}: cannot be read (${(e as Error).message})`);
  }
  return parseCheckpoint(bytes, path);
}

/**
 * Reads and verifies a checkpoint file and, when `targets` are given, restores it into them —
 * only after checking that it fits (parameter names and shapes, optimizer, loaders), so a
 * corrupt or mismatched file changes nothing. Node only.
 * @example loadCheckpoint('run/checkpoint.json', { model, optimizer, loader });
 */
export function loadCheckpoint(
  path: string,
  targets?: CheckpointTargets,
  options: RestoreOptions = {},
): Checkpoint {
  const ckpt = readCheckpoint(path);
  if (targets !== undefined) restoreCheckpoint(ckpt, targets, path, options);
  return ckpt;
}
