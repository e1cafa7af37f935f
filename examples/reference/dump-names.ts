// Writes the bundled names corpus' token streams (int32, little-endian) for the PyTorch
// calibration scripts: DIR/train.bin and DIR/val.bin, the streams of charCorpus(loadFirstNames())
// (boundary token 0 between names; the split fixed by its seeded shuffle).
//   npx tsx examples/reference/dump-names.ts /tmp/names
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { charCorpus, loadFirstNames } from '../../src/data/char-text.js';

const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write('usage: npx tsx examples/reference/dump-names.ts DIR\n');
  process.exit(2);
}
const c = charCorpus(await loadFirstNames());
mkdirSync(dir, { recursive: true });
const bytes = (a: Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
writeFileSync(join(dir, 'train.bin'), bytes(c.train));
writeFileSync(join(dir, 'val.bin'), bytes(c.val));
process.stdout.write(
  `wrote ${c.train.length} + ${c.val.length} tokens (vocabulary ${c.vocab.size}) to ${dir}\n`,
);
