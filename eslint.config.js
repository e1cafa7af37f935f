// ESLint flat config: typescript-eslint's recommended rules plus the project's conventions
// (no `any` in src/, no default exports, nothing in src/ imports the CLI or the web app, and the
// layers of src/ import only the layers below them: docs/architecture.md draws the graph).
import tseslint from 'typescript-eslint';

// The layers of src/: for each directory, the src/ directories its code may import (besides its
// own files, src/errors.ts and numeric/, the pure-math base every layer may use), and those it
// may import types from only. Tests (*.test.ts) may import anything below the CLI.
const BASE = ['numeric'];
const LAYERS = {
  numeric: { imports: [] },
  tensor: { imports: BASE },
  kernels: { imports: ['tensor', ...BASE] },
  autograd: { imports: ['kernels', 'tensor', ...BASE] },
  ops: { imports: ['autograd', 'kernels', 'tensor', ...BASE] },
  init: { imports: ['tensor', ...BASE] },
  // nn sees optim's types only (Module.parameters() returns optim's Params).
  nn: { imports: ['ops', 'autograd', 'kernels', 'init', 'tensor', ...BASE], types: ['optim'] },
  // optim and schedule share their types (an lr is a number or a schedule; reduceOnPlateau is a
  // transformation) and nothing else.
  optim: { imports: ['tensor', ...BASE], types: ['schedule'] },
  schedule: { imports: ['tensor', ...BASE], types: ['optim'] },
  // Clipping rules and the monitor are transformations built on optim's toolkit; the monitor's
  // activation probes hook nn modules and its NaN trace reads autograd's anomaly mode.
  clip: { imports: ['optim', 'tensor', ...BASE] },
  monitor: { imports: ['optim', 'nn', 'autograd', 'tensor', ...BASE] },
  data: { imports: ['tensor', ...BASE] },
  // Conformance runs PyTorch's references against ops, layers (module cases load the reference's
  // parameters into an nn module by name) and optimizers.
  conformance: {
    imports: [
      'optim',
      'clip',
      'schedule',
      'nn',
      'init',
      'ops',
      'autograd',
      'kernels',
      'tensor',
      ...BASE,
    ],
  },
  train: {
    imports: [
      'monitor',
      'clip',
      'schedule',
      'optim',
      'nn',
      'init',
      'ops',
      'autograd',
      'kernels',
      'data',
      'tensor',
      ...BASE,
    ],
  },
  // Sweeps expand train configs into points and run them (process pool, BullMQ); their report
  // uses the report's charts and the experiments' chart type.
  sweep: { imports: ['train', 'report', 'tensor', ...BASE], types: ['experiments'] },
  // The report renders experiment results and run logs: their types only.
  report: { imports: BASE, types: ['experiments', 'schedule'] },
  experiments: {
    imports: [
      'train',
      'report',
      'monitor',
      'clip',
      'schedule',
      'optim',
      'nn',
      'init',
      'ops',
      'autograd',
      'kernels',
      'data',
      'tensor',
      ...BASE,
    ],
  },
};

// Files allowed one more layer than their directory, each with the reason. The redesign (#14)
// removes these: memory placement moves to the kernels backend's allocator and the fused step
// behind the Kernels interface.
const ALLOW = [
  {
    files: ['src/optim/buffers.ts', 'src/optim/fused-adam.ts', 'src/optim/grad-stats.ts'],
    layer: 'optim',
    imports: ['kernels'],
    why: 'buffers from the kernels memory owner (allocArray/releaseArray), the fused wasm Adam step (adamF32) and the gradient statistics shared by the monitor and the clip (Kernels.gradStats/updateStats/copy)',
  },
];

const ALL = [...Object.keys(LAYERS), 'cli', 'web'];

/** The import restriction of a layer (plus `extra` allowed directories). */
function layerRule(name, extra = []) {
  const { imports, types = [] } = LAYERS[name];
  const allowed = new Set([name, ...imports, ...extra]);
  const denied = ALL.filter((d) => !allowed.has(d) && !types.includes(d));
  const patterns = [
    {
      group: denied.map((d) => `**/${d}/**`),
      message: `${name}/ may import only ${[...imports, ...extra].join(', ') || 'errors.ts'}${types.length ? ` (and types from ${types.join(', ')})` : ''}: see docs/architecture.md.`,
    },
  ];
  if (types.length > 0)
    patterns.push({
      group: types.map((d) => `**/${d}/**`),
      allowTypeImports: true,
      message: `${name}/ may import only types from ${types.join(', ')}: see docs/architecture.md.`,
    });
  return ['error', { patterns }];
}

const layerConfigs = [
  ...Object.keys(LAYERS).map((name) => ({
    files: [`src/${name}/**/*.ts`],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': layerRule(name),
    },
  })),
  ...ALLOW.map((a) => ({
    files: a.files,
    rules: { '@typescript-eslint/no-restricted-imports': layerRule(a.layer, a.imports) },
  })),
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'build/**',
      'node_modules/**',
      'src/kernels/wasm/generated/**',
      'src/kernels/wasm/assembly/**',
      'web/dist/**',
      'runs/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'No default exports: use named exports.' },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/cli/**', '**/web/**'],
              message: 'src/ must not import the CLI or the web app.',
            },
          ],
        },
      ],
    },
  },
  ...layerConfigs,
);
