import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { parseConfigText } from '../train/config-json.js';
import { parseSweepSpec, type ResolvedSweep } from './spec.js';

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(
      `cannot read ${what} '${file}': ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return parseConfigText(text, file);
}

/**
 * Reads and validates a sweep file (Node only); a `base` path is relative to the sweep file.
 * Errors name the file and the field (`invalid sweep 'x.json': axes[1].path = …`).
 * @example const sweep = readSweepFile('examples/sweeps/spiral-lr-seeds.json');
 */
export function readSweepFile(file: string): ResolvedSweep {
  const json = readJson(file, 'sweep file');
  try {
    return parseSweepSpec(json, (p) => readJson(resolve(dirname(file), p), 'base config'));
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`invalid sweep '${file}': ${e.message}`);
    throw e;
  }
}
