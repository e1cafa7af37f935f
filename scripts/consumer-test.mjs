// The package as a user gets it (issue #13): `npm pack` (prepack builds dist/), install the
// tarball into a fresh temporary project with nothing else in it, then
//   (a) a plain `node` ESM script trains an MLP for 20 Adam steps with the gradient-health monitor
//       in the chain, its types checked by tsc against the shipped .d.ts;
//   (b) a Vite production build of a page importing { tensor, nn, optim, monitor }: ≤ 250 kB of
//       minified JS, no MNIST digits and no Vega in it;
//   (c) that page in headless Chromium: no console errors, a few training steps.
// Also checks the install size (≤ 15 MB) and that the CLI runs from the tarball. TypeScript,
// Vite and playwright-core come from this repository's devDependencies; the tarball has no
// runtime dependencies, so the install needs no registry. Run by `npm test`; alone:
// `node scripts/consumer-test.mjs` (GRADSCOPE_KEEP_TMP=1 keeps the temp project).
import { execFileSync } from 'node:child_process';
import {
  createReadStream,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const MAX_BUNDLE = 250 * 1000;
const MAX_INSTALL_KB = 15 * 1024;
const started = Date.now();
const failures = [];

function log(s) {
  process.stdout.write(`consumer-test: ${s}\n`);
}
function check(ok, what) {
  log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
}
function run(cmd, args, cwd, env = {}) {
  return execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
  });
}
const npm = (args, cwd) =>
  run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], cwd);
const files = (dir) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));

// The training both consumers run: a 2-32-32-3 tanh MLP on a fixed toy problem, Adam behind the
// monitor. Only the public API, with the inputs built by `tensor` from plain arrays.
const TRAIN = `import { tensor, nn, optim, monitor } from 'gradscope';

/** Trains 'steps' Adam steps with monitor.gradientHealth first in the chain; returns the losses. */
export function train(steps) {
  const rows = Array.from({ length: 96 }, (_, i) => [Math.sin(i * 0.7), Math.cos(i * 1.3)]);
  const x = tensor(rows);
  const y = rows.map(([a, b]) => (a * b > 0.1 ? 0 : a > b ? 1 : 2));
  const model = nn.mlp({ sizes: [2, 32, 32, 3], activation: 'tanh', seed: 0 });
  const verdicts = [];
  const health = monitor.gradientHealth({ model, onVerdict: (v) => verdicts.push(v.kind) });
  const opt = new optim.Optimizer(model, optim.chain(health, optim.adam({ lr: 0.01 })));
  const losses = [];
  for (let step = 0; step < steps; step++) {
    opt.zeroGrad();
    const loss = nn.crossEntropy(model.forward(x), y);
    loss.backward();
    losses.push(loss.item());
    opt.step({ loss: loss.item() });
  }
  // Tensor methods and backward() come from modules imported only for their effect (the
  // package's "sideEffects" must keep them): d(Σ t·t)/dt = 2t.
  const t = tensor([1, 2, 3], { requiresGrad: true });
  t.mul(t).sum().backward();
  const grad = Array.from(t.grad?.data ?? []);
  return { losses, verdicts, steps: health.state?.step ?? null, grad };
}
`;

const tmp = mkdtempSync(join(tmpdir(), 'gradscope-consumer-'));
let server = null;
let browser = null;
try {
  // 1. pack (prepack: wasm + tsc → dist/) and install the tarball in an empty project
  let t = Date.now();
  const lap = () => `${((Date.now() - t) / 1000).toFixed(1)} s` + ((t = Date.now()), '');
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', tmp], ROOT))[0];
  const tarball = join(tmp, packed.filename);
  log(
    `npm pack (${lap()}): ${packed.filename}, ${(packed.size / 1e6).toFixed(2)} MB packed, ${(packed.unpackedSize / 1e6).toFixed(2)} MB unpacked, ${packed.entryCount} files`,
  );
  const paths = packed.files.map((f) => f.path);
  check(
    [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/report/index.js',
      'bin/gradscope.js',
      'data/mnist-10k-images-idx3-ubyte.gz',
      'reference/torch-ops-reference.json',
      'examples/configs/mnist-cnn.json',
    ].every((p) => paths.includes(p)),
    'the tarball has dist/, bin/, data/, reference/ and examples/configs/',
  );
  check(
    !paths.some((p) => p.endsWith('.map') || p.endsWith('.test.js') || p.startsWith('src/')),
    'no source maps, tests or src/ in the tarball',
  );

  const app = join(tmp, 'app');
  run('mkdir', ['-p', app], tmp);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2),
  );
  npm(['install', '--prefer-offline', '--no-package-lock', tarball], app);
  log(`npm install of the tarball: ${lap()}`);
  const kb = Number(run('du', ['-sk', 'node_modules'], app).split(/\s/)[0]);
  check(
    kb <= MAX_INSTALL_KB,
    `install size ${(kb / 1024).toFixed(1)} MB (du -sk node_modules) ≤ 15 MB`,
  );
  const installed = readdirSync(join(app, 'node_modules')).filter((d) => !d.startsWith('.'));
  check(
    installed.join() === 'gradscope',
    `node_modules holds only gradscope (${installed.join(', ')})`,
  );
  // The optional native kernels (issue 22): built by the install script when a compiler is
  // present; whatever happened, one line says which kernels run.
  const backendOf = (dir) =>
    run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { kernels } from 'gradscope'; console.log(kernels.threadsInfo().backend);",
      ],
      dir,
    ).trim();
  const backend = backendOf(app);
  check(/^(native|wasm) \(/.test(backend), `the installed package runs on: ${backend}`);
  // And installed where no C compiler is on the PATH (node, npm and sh only): the install
  // succeeds without the addon and says why.
  const bare = join(tmp, 'bare');
  const bin = join(tmp, 'bin');
  run('mkdir', ['-p', bare, bin], tmp);
  for (const [name, target] of [
    ['node', process.execPath],
    ['npm', run('sh', ['-c', 'readlink -f "$(command -v npm)"'], tmp).trim()],
    ['sh', '/bin/sh'],
  ])
    symlinkSync(target, join(bin, name));
  writeFileSync(join(bare, 'package.json'), JSON.stringify({ name: 'bare', private: true }));
  run(
    join(bin, 'npm'),
    ['install', '--prefer-offline', '--no-package-lock', '--no-audit', '--no-fund', tarball],
    bare,
    { PATH: bin, CC: '' },
  );
  const bareBackend = backendOf(bare);
  check(
    bareBackend === 'wasm (native addon not built: no C compiler)',
    `installed without a compiler, it runs on: ${bareBackend}`,
  );
  log(`installs with and without a compiler: ${lap()}`);

  // 2a. plain node ESM script, typed against the shipped .d.ts
  writeFileSync(join(app, 'train.mjs'), TRAIN);
  writeFileSync(
    join(app, 'node.mjs'),
    `import { train } from './train.mjs';\nconst { losses, verdicts, steps, grad } = train(20);\n` +
      `console.log(\`20 Adam steps with the monitor: loss \${losses[0].toFixed(4)} -> \${losses[19].toFixed(4)}; monitor saw \${steps} steps, verdicts [\${verdicts.join(', ')}]; d(Σt²)/dt at t = [1, 2, 3]: [\${grad.join(', ')}]\`);\n`,
  );
  const out = run(process.execPath, ['node.mjs'], app).trim();
  log(`node node.mjs: ${out}`);
  const m = /loss ([\d.]+) -> ([\d.]+)/.exec(out);
  check(m !== null && Number(m[2]) < Number(m[1]), 'the plain node script trains (loss goes down)');
  check(
    out.endsWith('[2, 4, 6]'),
    'tensor methods and backward() work (their side-effect modules load)',
  );
  check(
    run(process.execPath, ['node_modules/gradscope/bin/gradscope.js', '--version'], app).trim() ===
      `gradscope ${packed.version}`,
    'the installed CLI prints the package version',
  );
  const digits = run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "const { data } = await import('gradscope'); const s = await data.loadMnist(); console.log(s.train.length, s.test.length);",
    ],
    app,
  ).trim();
  check(digits === '8000 2000', `data.loadMnist() reads the packaged digits (${digits})`);

  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2022', 'DOM'],
          allowJs: true,
          checkJs: true,
          noEmit: true,
          strict: true,
          noImplicitAny: false,
          skipLibCheck: false,
          typeRoots: [join(ROOT, 'node_modules/@types')],
          types: ['node'],
        },
        include: ['*.mjs', 'page/*.js', 'typed.ts'],
      },
      null,
      2,
    ),
  );
  // and a TypeScript consumer whose types must line up with the API
  writeFileSync(
    join(app, 'typed.ts'),
    `import { tensor, nn, optim, monitor, type Tensor } from 'gradscope';\n` +
      `import { loadMnistIdx } from 'gradscope/node';\n` +
      `const model: nn.Module = nn.mlp({ sizes: [2, 4, 2], activation: 'relu', seed: 1 });\n` +
      `const health: monitor.GradientHealth = monitor.gradientHealth({ model });\n` +
      `const opt = new optim.Optimizer(model, optim.chain(health, optim.adam({ lr: 1e-3 })));\n` +
      `const loss: Tensor = nn.crossEntropy(model.forward(tensor([[1, 2]])), [1]);\n` +
      `loss.backward();\nopt.step({ loss: loss.item() });\nvoid loadMnistIdx;\n` +
      `// @ts-expect-error: lr must be a number or a schedule\noptim.adam({ lr: 'fast' });\n`,
  );
  lap();
  let tscOut = '';
  try {
    tscOut = run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', '.'], app);
  } catch (e) {
    tscOut = `${e.stdout ?? ''}${e.stderr ?? ''}` || String(e);
  }
  log(`tsc: ${lap()}`);
  check(
    tscOut.trim() === '',
    `tsc (strict, skipLibCheck false) against the shipped .d.ts${tscOut.trim() ? `:\n${tscOut}` : ''}`,
  );

  // 2b. Vite production build of a page importing { tensor, nn, optim, monitor }
  const page = join(app, 'page');
  run('mkdir', ['-p', page], app);
  writeFileSync(join(page, 'train.js'), TRAIN);
  writeFileSync(
    join(page, 'main.js'),
    `import { train } from './train.js';\nconst { losses, verdicts, grad } = train(5);\n` +
      `document.body.dataset.grad = grad.join(',');\n` +
      `document.body.dataset.losses = losses.map((l) => l.toFixed(5)).join(',');\n` +
      `document.body.dataset.verdicts = verdicts.join(',');\ndocument.body.dataset.done = '1';\n`,
  );
  writeFileSync(
    join(page, 'index.html'),
    '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>consumer</title></head><body><script type="module" src="./main.js"></script></body></html>\n',
  );
  run(
    process.execPath,
    [
      join(ROOT, 'node_modules/vite/bin/vite.js'),
      'build',
      page,
      '--outDir',
      join(app, 'dist'),
      '--logLevel',
      'warn',
      '--base',
      './',
    ],
    app,
  );
  log(`vite build: ${lap()}`);
  const built = files(join(app, 'dist'));
  const js = built.filter((f) => f.endsWith('.js'));
  const jsBytes = js.reduce((a, f) => a + statSync(f).size, 0);
  log(
    `vite build: ${js.length} JS file(s), ${(jsBytes / 1000).toFixed(1)} kB minified; files: ${built.map((f) => f.slice(app.length + 6)).join(', ')}`,
  );
  check(jsBytes <= MAX_BUNDLE, `page JS ${(jsBytes / 1000).toFixed(1)} kB ≤ 250 kB`);
  const text = js.map((f) => readFileSync(f, 'utf8')).join('\n');
  check(
    !/mnist-10k|idx3-ubyte/i.test(text) && !built.some((f) => /mnist|\.gz$/i.test(f)),
    'no MNIST digits in the build',
  );
  check(!/vega/i.test(text), 'no Vega in the build');
  // The package's "browser" field maps the Node-only native backend to a stand-in: none of its
  // code (its error texts are the markers) may reach the page.
  check(
    !/expected a Float32Array or Float64Array output|with an addon built before it/.test(text),
    'no native backend in the build (the "browser" field\'s stand-in instead)',
  );

  // 2c. the page in headless Chromium
  server = createServer((req, res) => {
    const file = join(
      app,
      'dist',
      decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname),
    );
    try {
      const f = statSync(file).isDirectory() ? join(file, 'index.html') : file;
      const type = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' }[
        extname(f)
      ];
      res.writeHead(200, { 'content-type': type ?? 'application/octet-stream' });
      createReadStream(f).pipe(res);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { chromium } = await import(
    pathToFileURL(join(ROOT, 'node_modules/playwright-core/index.mjs')).href
  );
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const tab = await browser.newPage();
  const errors = [];
  tab.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  tab.on('pageerror', (e) => errors.push(String(e)));
  await tab.goto(`http://127.0.0.1:${server.address().port}/`);
  await tab
    .waitForSelector('body[data-done="1"]', { state: 'attached', timeout: 30_000 })
    .catch((e) => errors.push(String(e)));
  const losses = ((await tab.getAttribute('body', 'data-losses')) ?? '')
    .split(',')
    .filter(Boolean)
    .map(Number);
  const grad = await tab.getAttribute('body', 'data-grad');
  log(`chromium: losses ${losses.join(' ')}; d(Σt²)/dt = [${grad}]`);
  check(
    grad === '2,4,6',
    'tensor methods and backward() work in the bundle (sideEffects keeps them)',
  );
  check(
    errors.length === 0,
    `no console errors in Chromium${errors.length ? `: ${errors.join(' | ')}` : ''}`,
  );
  check(
    losses.length === 5 && losses.every(Number.isFinite) && losses[4] < losses[0],
    'the page trains 5 steps (loss goes down)',
  );
} catch (e) {
  failures.push(`crashed: ${e.stack ?? e}${e.stderr ? `\n${e.stderr}` : ''}`);
  log(`FAIL ${failures.at(-1)}`);
} finally {
  await browser?.close().catch(() => {});
  server?.close();
  if (process.env.GRADSCOPE_KEEP_TMP) log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
log(
  `${failures.length === 0 ? 'passed' : `${failures.length} failed`} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
process.exitCode = failures.length === 0 ? 0 : 1;
