// Node-only: the version of the installed gradscope, from its package.json (one source of truth).
import { readFileSync } from 'node:fs';

/**
 * The `version` field of gradscope's package.json (two levels above this file both in a checkout,
 * src/cli/, and in the installed package, dist/cli/).
 * @example packageVersion() // '0.1.0'
 */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
