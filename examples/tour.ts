// The README's tour, runnable: npx tsx examples/tour.ts
import {
  tensor,
  randn,
  matmul,
  sum,
  tanh,
  grad,
  gradcheck,
  nn,
  optim,
  clip,
  schedule,
} from '../src/index.js';

const x = tensor(
  [
    [1, 2],
    [3, 4],
  ],
  { requiresGrad: true },
);
const y = sum(tanh(matmul(x, x)));
y.backward();
console.log('dy/dx =', x.grad?.toString());

const w = randn([3], 0, { dtype: 'float64' });
const [gw] = grad((v) => sum(v.mul(v)))(w);
console.log('grad of Σw² = 2w:', gw?.toString());
console.log(
  'gradcheck:',
  gradcheck((a) => tanh(matmul(a, a)), [randn([3, 3], 1, { dtype: 'float64' })]).pass,
);

const model = nn.mlp({ sizes: [784, 128, 10], activation: 'relu', seed: 0 });
console.log(
  'parameters:',
  Object.keys(model.namedParameters()).join(', '),
  '=',
  model.numParameters(),
);
const tx = optim.chain(
  clip.byGlobalNorm(1.0),
  optim.adamw({
    lr: schedule.warmupCosine({ peak: 3e-3, warmup: 200, total: 5000 }),
    weightDecay: 1e-4,
  }),
);
const opt = new optim.Optimizer(model, tx);
const batch = { x: randn([64, 784], 1), y: Array.from({ length: 64 }, (_, i) => i % 10) };
for (let step = 0; step < 3; step++) {
  opt.zeroGrad();
  const loss = nn.crossEntropy(model.forward(batch.x), batch.y);
  loss.backward();
  opt.step({ loss: loss.item() });
  console.log(`step ${step}: loss ${loss.item().toFixed(4)}`);
}
