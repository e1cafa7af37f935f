// Writes E16's data and initial weights (src/experiments/edge-of-stability.ts) as raw
// little-endian float64 arrays for examples/reference/torch_e16_eos.py, so the PyTorch
// calibration starts from exactly gradscope's digits and weights:
//   <dir>/x.bin [n, 196], y.bin [n, 10]  (pooled, centred pixels; one-hot targets)
//   <dir>/init-<seed>.bin  every parameter in namedParameters() order (0.weight, 0.bias, 2.weight, …)
// Run: npx tsx examples/reference/dump-e16-setup.ts /tmp/e16 0 1 2
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EOS_SETUP, eosData, eosModel } from '../../src/experiments/edge-of-stability.js';

const dir = process.argv[2] ?? '/tmp/e16';
const seeds = process.argv.slice(3).map(Number);
mkdirSync(dir, { recursive: true });
const data = await eosData(EOS_SETUP.samples);
const raw = (a: ArrayLike<number>): Uint8Array => {
  const f = Float64Array.from(a);
  return new Uint8Array(f.buffer);
};
writeFileSync(join(dir, 'x.bin'), raw(data.x.data));
writeFileSync(join(dir, 'y.bin'), raw(data.y.data));
for (const seed of seeds.length > 0 ? seeds : [0]) {
  const ps = Object.values(eosModel(EOS_SETUP, seed).namedParameters());
  const flat = ps.flatMap((p) => Array.from(p.data));
  writeFileSync(join(dir, `init-${seed}.bin`), raw(flat));
}
console.log(
  `wrote ${EOS_SETUP.samples} digits and ${seeds.length || 1} initial weight sets to ${dir}`,
);
