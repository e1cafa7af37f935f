#!/usr/bin/env node
// Entry point of the installed `gradscope` command: runs the compiled CLI from dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const entry = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write(
    'gradscope: dist/ is missing; run `npm run build` first (or `npm run gradscope -- <command>` from a checkout)\n',
  );
  process.exit(3);
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
