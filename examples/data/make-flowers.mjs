// Writes examples/data/flowers.csv: a small synthetic, iris-like table (150 rows, 4 measurements
// in cm, 3 species named by string), generated from a fixed seed so that the file is
// reproducible. The data is made up (public domain); it is not Fisher's iris.
// Run: node examples/data/make-flowers.mjs
import { writeFileSync } from 'node:fs';

// mulberry32: a tiny seeded generator, enough for example data.
let s = 16;
const rand = () => {
  s = (s + 0x6d2b79f5) | 0;
  let t = Math.imul(s ^ (s >>> 15), 1 | s);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

// Species: mean and std of sepal length, sepal width, petal length, petal width (cm).
const SPECIES = {
  alpina: [
    [5.0, 3.4, 1.5, 0.25],
    [0.35, 0.38, 0.17, 0.1],
  ],
  borealis: [
    [5.9, 2.8, 4.3, 1.3],
    [0.5, 0.31, 0.47, 0.2],
  ],
  cambrica: [
    [6.6, 3.0, 5.5, 2.0],
    [0.63, 0.32, 0.55, 0.27],
  ],
};
const rows = [];
for (const [name, [mean, std]] of Object.entries(SPECIES))
  for (let i = 0; i < 50; i++)
    rows.push([...mean.map((m, j) => Math.max(0.1, m + std[j] * normal()).toFixed(1)), name]);
// Shuffle so that a prefix is not one species.
for (let i = rows.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [rows[i], rows[j]] = [rows[j], rows[i]];
}
const header = 'sepal_length,sepal_width,petal_length,petal_width,species';
writeFileSync(
  new URL('flowers.csv', import.meta.url),
  [header, ...rows.map((r) => r.join(','))].join('\n') + '\n',
);
console.log(`wrote ${rows.length} rows to examples/data/flowers.csv`);
