// The registry of named optimizers: one line per optimizer. Everything that lists optimizers by
// name — the config parser's table (train/config-specs.ts), `gradscope train`, the conformance
// runner (conformance/optim.ts), the playground's pickers (web/) and the public `optim`
// namespace — reads it. Adding an optimizer: its file (declaration + factory), its test, and
// one line below.
import { ADABELIEF } from './adabelief.js';
import { ADADELTA } from './adadelta.js';
import { ADAGRAD } from './adagrad.js';
import { ADAM } from './adam.js';
import { ADAMAX } from './adamax.js';
import { ADAMW } from './adamw.js';
import { EMA_MOMENTUM } from './ema-momentum.js';
import { LAMB } from './lamb.js';
import { LION } from './lion.js';
import { NADAM } from './nadam.js';
import { NEWTON_CG } from './newton-cg.js';
import { RADAM } from './radam.js';
import { RMSPROP } from './rmsprop.js';
import { SGD } from './sgd.js';
import { ConfigError, fmt } from '../errors.js';

// The optimizers' own exports (factory, options type, declaration), for the `optim` namespace.
export * from './sgd.js';
export * from './ema-momentum.js';
export * from './adagrad.js';
export * from './rmsprop.js';
export * from './adadelta.js';
export * from './adam.js';
export * from './adamw.js';
export * from './adamax.js';
export * from './nadam.js';
export * from './radam.js';
export * from './lion.js';
export * from './lamb.js';
export * from './adabelief.js';
export * from './newton-cg.js';

import type { OptimizerDeclaration, OptionsOf } from './declare.js';
import type { GradientTransformation } from './types.js';

/** The named optimizers by name, in menu order. */
export const OPTIMIZER_REGISTRY = {
  sgd: SGD,
  emaMomentum: EMA_MOMENTUM,
  adagrad: ADAGRAD,
  rmsprop: RMSPROP,
  adadelta: ADADELTA,
  adam: ADAM,
  adamw: ADAMW,
  adamax: ADAMAX,
  nadam: NADAM,
  radam: RADAM,
  lion: LION,
  lamb: LAMB,
  adabelief: ADABELIEF,
  newtonCg: NEWTON_CG,
} as const satisfies Readonly<Record<string, OptimizerDeclaration>>;

/** The name of a registered optimizer. */
export type OptimizerName = keyof typeof OPTIMIZER_REGISTRY;

/**
 * A named optimizer as a config file writes it: its name, its declared options, and a numeric
 * learning rate (required when the optimizer has no default). Derived from the registry.
 */
export type NamedOptimizerSection = {
  [N in OptimizerName]: { name: N } & OptionsOf<(typeof OPTIMIZER_REGISTRY)[N]['options']> &
    ((typeof OPTIMIZER_REGISTRY)[N]['defaultLr'] extends number ? { lr?: number } : { lr: number });
}[OptimizerName];

/** The registered names, in menu order. */
export const OPTIMIZER_NAMES = Object.keys(OPTIMIZER_REGISTRY) as readonly OptimizerName[];

/**
 * True for the name of a registered optimizer.
 * @example isOptimizerName('adam') // true
 */
export function isOptimizerName(name: unknown): name is OptimizerName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(OPTIMIZER_REGISTRY, name);
}

/**
 * The declaration of a registered optimizer, or a ConfigError naming the known ones.
 * @example optimizerDeclaration('adamw').defaultLr // 1e-3
 */
export function optimizerDeclaration(name: string, owner = 'optimizer'): OptimizerDeclaration {
  if (!isOptimizerName(name))
    throw new ConfigError(
      `${owner}: unknown optimizer ${fmt(name)}; expected one of ${OPTIMIZER_NAMES.join(', ')}`,
    );
  return OPTIMIZER_REGISTRY[name] as OptimizerDeclaration;
}

/**
 * Builds a registered optimizer from untyped options (a config section, a URL, a reference
 * file); the factory validates them.
 * @example createOptimizer('adam', { lr: 3e-4, b2: 0.99 })
 */
export function createOptimizer(
  name: string,
  options: Record<string, unknown> = {},
): GradientTransformation<unknown> {
  return optimizerDeclaration(name).create(options);
}
