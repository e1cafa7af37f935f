/**
 * A sweep child (src/cli/sweep-child.ts) that kills itself with SIGKILL at a chosen moment of a
 * point's file writes, once (test fixture of src/cli/commands/sweep-point.test.ts):
 *
 *   GS_CRASH_AT=before-rename:<name>  between writing `<name>`'s temporary file and its rename
 *   GS_CRASH_AT=after-rename:<name>   right after `<name>` is renamed into place
 *   GS_CRASH_AT=before-sync           when the point's files are all written, before their flush
 *   GS_CRASH_MARKER=<file>            created when it crashes; while it exists, no more crashes
 *
 * fs.renameSync / fs/promises.open are wrapped on the module objects and synced to the ESM named
 * exports (module.syncBuiltinESMExports), so the real code runs unchanged up to the kill.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';

const at = process.env.GS_CRASH_AT ?? '';
const marker = process.env.GS_CRASH_MARKER ?? '';

function crash(): void {
  if (marker === '' || fs.existsSync(marker)) return;
  fs.writeFileSync(marker, at);
  process.kill(process.pid, 'SIGKILL');
}

const rename = fs.renameSync;
fs.renameSync = (from: fs.PathLike, to: fs.PathLike): void => {
  const name = basename(String(to));
  if (at === `before-rename:${name}`) crash();
  rename(from, to);
  if (at === `after-rename:${name}`) crash();
};
const open = fsp.open;
fsp.open = ((...args: Parameters<typeof fsp.open>) => {
  if (at === 'before-sync') crash();
  return open(...args);
}) as typeof fsp.open;
syncBuiltinESMExports();

await import('../src/cli/sweep-child.js');
