import { readFileSync } from 'node:fs';
import type { AnyModule, LoadStateDictResult } from '../nn/module.js';
import {
  SafetensorsError,
  loadSafetensors,
  saveSafetensors,
  type LoadSafetensorsOptions,
  type SaveSafetensorsOptions,
} from '../nn/safetensors.js';
import { writeFileAtomic } from './atomic-write-node.js';

/**
 * Writes a module's parameters and buffers to a `.safetensors` file, atomically (temp + rename).
 * Node only.
 * @example saveSafetensorsFile(model, 'model.safetensors');
 */
export function saveSafetensorsFile(
  model: AnyModule,
  path: string,
  options?: SaveSafetensorsOptions,
): void {
  writeFileAtomic(path, saveSafetensors(model, options));
}

/**
 * Reads a `.safetensors` file into a module (see `nn.loadSafetensors`); errors name the file.
 * Node only.
 * @example loadSafetensorsFile(model, 'pytorch_model.safetensors', { strict: false });
 */
export function loadSafetensorsFile(
  model: AnyModule,
  path: string,
  options: Omit<LoadSafetensorsOptions, 'source'> = {},
): LoadStateDictResult {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SafetensorsError(`${path}: cannot be read (${(e as Error).message})`);
  }
  return loadSafetensors(model, bytes, { ...options, source: path });
}
