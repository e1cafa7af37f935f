// Writes the initial weights of E20's regression network (src/experiments/newton.ts) as raw
// little-endian float64 arrays for examples/reference/torch_newton.py:
//   <dir>/init-<seed>.bin  every parameter in namedParameters() order (0.weight, 0.bias, 2.weight, …)
// Run: npx tsx examples/reference/dump-newton-setup.ts /tmp/e20 0 1 2
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NEWTON_SETUP, newtonModel } from '../../src/experiments/newton.js';

const dir = process.argv[2] ?? '/tmp/e20';
const seeds = process.argv.slice(3).map(Number);
mkdirSync(dir, { recursive: true });
for (const seed of seeds.length > 0 ? seeds : [0]) {
  const ps = Object.values(newtonModel(NEWTON_SETUP.sizes, seed).namedParameters());
  const flat = Float64Array.from(ps.flatMap((p) => Array.from(p.data)));
  writeFileSync(join(dir, `init-${seed}.bin`), new Uint8Array(flat.buffer));
}
console.log(`wrote ${seeds.length || 1} initial weight sets to ${dir}`);
