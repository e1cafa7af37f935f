import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The main entries never load TensorFlow.js (an optional peer dependency used only by the
// gradscope/tfjs subpath): the static import graphs of src/index.ts and src/node.ts reach no file
// of src/tfjs/ and no @tensorflow package. Dynamic import() calls are not followed (none of them
// names tfjs either: checked on every file reached).

const SRC = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

function reach(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [path.join(SRC, entry)];
  while (todo.length > 0) {
    const f = todo.pop() as string;
    if (files.has(f)) continue;
    files.add(f);
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2]) as string;
      if (spec.startsWith('.'))
        todo.push(path.resolve(path.dirname(f), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  }
  return { files, packages };
}

describe('the main entries never import TensorFlow.js', () => {
  for (const entry of ['index.ts', 'node.ts']) {
    it(`src/${entry}`, () => {
      const { files, packages } = reach(entry);
      expect(files.size).toBeGreaterThan(50);
      expect([...files].filter((f) => f.includes(`${path.sep}tfjs${path.sep}`))).toEqual([]);
      expect([...packages].filter((p) => p.startsWith('@tensorflow'))).toEqual([]);
    });
  }
  it('src/tfjs/index.ts names it (in type imports only, erased at runtime)', () => {
    const { packages } = reach(path.join('tfjs', 'index.ts'));
    expect([...packages].some((p) => p.startsWith('@tensorflow'))).toBe(true);
  });
});
