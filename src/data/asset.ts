import { DataError } from '../errors.js';
import { isGzip } from './idx.js';

/** What {@link readAsset} uses of `node:fs` (looked up at run time, so bundles never import it). */
interface NodeFs {
  readFileSync(url: URL): Uint8Array;
}

/** `node:fs` through process.getBuiltinModule (Node ≥ 20.16), or an error saying so. */
function nodeFs(): NodeFs {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (p?.getBuiltinModule === undefined)
    throw new Error('reading a file: URL needs Node ≥ 20.16 (process.getBuiltinModule)');
  return p.getBuiltinModule('node:fs') as NodeFs;
}

/**
 * The bytes of a file bundled with the package (`data/…`): read from disk in Node, fetched in a
 * browser, gunzipped when compressed (a server may already have decoded it). `what` names the
 * dataset in the one-line DataError when it cannot be read or is corrupt.
 * @example const bytes = await readAsset('names', new URL('../../data/first-names-en.txt', import.meta.url));
 */
export async function readAsset(what: string, url: URL): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    if (url.protocol === 'file:') {
      bytes = nodeFs().readFileSync(url);
    } else {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      bytes = new Uint8Array(await res.arrayBuffer());
    }
  } catch (e) {
    throw new DataError(
      `${what}: cannot load the bundled file ${url.href}: ${(e as Error).message}`,
    );
  }
  if (!isGzip(bytes)) return bytes;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
      .stream()
      .pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new DataError(`${what}: corrupt gzip data in ${url.href}: ${(e as Error).message}`);
  }
}
