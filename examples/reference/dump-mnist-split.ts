// Writes gradscope's 8,000 / 2,000 MNIST split (the bundled digits, see src/data/mnist.ts) as raw
// little-endian arrays for the PyTorch reference scripts next to this file:
//   <dir>/train-x.bin, test-x.bin  float32 [n, 784], pixels k/255
//   <dir>/train-y.bin, test-y.bin  int32 [n]
// Run: npx tsx examples/reference/dump-mnist-split.ts /tmp/mnist-split
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMnist } from '../../src/data/index.js';

const dir = process.argv[2] ?? '/tmp/mnist-split';
mkdirSync(dir, { recursive: true });
const { train, test } = await loadMnist();
for (const [name, d] of [
  ['train', train],
  ['test', test],
] as const) {
  writeFileSync(
    join(dir, `${name}-x.bin`),
    new Uint8Array(d.x.buffer, d.x.byteOffset, d.x.byteLength),
  );
  writeFileSync(
    join(dir, `${name}-y.bin`),
    new Uint8Array(d.y.buffer, d.y.byteOffset, d.y.byteLength),
  );
}
console.log(`wrote ${train.length} training and ${test.length} test digits to ${dir}`);
