import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { parseConfigText } from '../train/config-json.js';
import { resolveConfigPaths } from '../train/config-paths.js';
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
  // Data file paths are relative to the folder of the config that names them (the base config's
  // file, or the sweep file for an inline base), made absolute for the points' own config files.
  const inFolder = (dir: string) => (p: string) => resolve(dir, p);
  const root = json as { base?: unknown } | null;
  const withInlineBase =
    root !== null && typeof root === 'object' && typeof root.base === 'object'
      ? { ...root, base: resolveConfigPaths(root.base, inFolder(dirname(file))) }
      : json;
  try {
    return parseSweepSpec(withInlineBase, (p) => {
      const baseFile = resolve(dirname(file), p);
      return resolveConfigPaths(readJson(baseFile, 'base config'), inFolder(dirname(baseFile)));
    });
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`invalid sweep '${file}': ${e.message}`);
    throw e;
  }
}
