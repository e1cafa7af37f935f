import type { ScalarOrSchedule, Schedule } from '../schedule/types.js';
import type { FieldSpec, NumberField } from './field-spec.js';
import type { GradientTransformation } from './types.js';
import {
  checkBoolean,
  checkEnum,
  checkKeys,
  checkNumber,
  checkScalarOrSchedule,
  type Range,
} from './validate.js';

/** One option of a transformation: its type and range (a {@link FieldSpec}) and its default. */
export type OptionSpec = FieldSpec & { readonly default?: number | boolean | string };

/** The options of a transformation by name (lr excepted: see {@link OptimizerDeclaration}). */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The TypeScript type of an option's value. */
export type OptionValue<F> = F extends { type: 'number' }
  ? number
  : F extends { type: 'boolean' }
    ? boolean
    : F extends { type: 'enum'; values: readonly (infer V)[] }
      ? V
      : F extends { type: 'numberOrEnum'; values: readonly (infer V)[] }
        ? number | V
        : F extends { type: 'numbers' }
          ? number[]
          : F extends { type: 'string' }
            ? string
            : unknown;

/**
 * The options object a transformation accepts, derived from its option declarations: required
 * options are required properties, the others optional (the TSDoc of each declared option
 * carries over).
 */
export type OptionsOf<F> = {
  -readonly [K in keyof F as F[K] extends { required: true } ? K : never]: OptionValue<F[K]>;
} & {
  -readonly [K in keyof F as F[K] extends { required: true } ? never : K]?: OptionValue<F[K]>;
};

/** The validated options: every option with a default or required is present. */
export type ResolvedOptions<F> = {
  -readonly [K in keyof F]: F[K] extends { required: true } | { default: unknown }
    ? OptionValue<F[K]>
    : OptionValue<F[K]> | undefined;
};

/** The options of a named optimizer: its declared options plus the learning rate. */
export type OptimizerOptions<F, LrRequired extends boolean = false> = OptionsOf<F> &
  (LrRequired extends true
    ? { /** Learning rate ≥ 0 or a schedule of the step (required). */ lr: ScalarOrSchedule }
    : {
        /** Learning rate ≥ 0 or a schedule of the step (default: the declaration's). */ lr?: ScalarOrSchedule;
      });

function rangeOf(f: NumberField): Range {
  return {
    ...(f.min === undefined ? {} : { min: f.min }),
    ...(f.max === undefined ? {} : { max: f.max }),
    ...(f.minExclusive ? { minExclusive: true } : {}),
    ...(f.maxExclusive ? { maxExclusive: true } : {}),
    ...(f.integer ? { integer: true } : {}),
    ...(f.allowInfinity ? { allowInfinity: true } : {}),
  };
}

/**
 * Checks `options` against declared option specs: unknown keys are refused, each value is
 * checked against its type and range (a ConfigError naming the owner, option, value and the
 * allowed range), and defaults fill what is left out. `extraKeys` are accepted and left to the
 * caller (the learning rate).
 * @example const o = readOptions('adam', ADAM_OPTIONS, options, ['lr']); o.b1 // 0.9 by default
 */
export function readOptions<F extends OptionSpecs>(
  owner: string,
  specs: F,
  options: unknown,
  extraKeys: readonly string[] = [],
): ResolvedOptions<F> {
  checkKeys(owner, options, [...extraKeys, ...Object.keys(specs)]);
  const o = (options ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(specs)) {
    const v = o[name];
    const d = f.default;
    switch (f.type) {
      case 'number':
        out[name] =
          v === undefined && d === undefined && !f.required
            ? undefined
            : checkNumber(owner, name, v, d as number | undefined, rangeOf(f));
        break;
      case 'boolean':
        out[name] = checkBoolean(owner, name, v, (d as boolean | undefined) ?? false);
        break;
      case 'enum':
        out[name] = checkEnum(owner, name, v, d as string, f.values);
        break;
      default:
        out[name] = v ?? d;
    }
  }
  return out as ResolvedOptions<F>;
}

/**
 * The one declaration of a named optimizer: its name (as configs, the CLI, the conformance files
 * and the playground spell it), a one-line summary, its options with types, ranges and defaults,
 * its default learning rate, and the factory. Everything else — the options type
 * ({@link OptionsOf}), the option checks ({@link readOptions}), the config table, the conformance
 * runner's table and the playground's pickers — is derived from it through optim/registry.ts.
 */
export interface OptimizerDeclaration<
  F extends OptionSpecs = OptionSpecs,
  L extends number | undefined = number | undefined,
> {
  readonly name: string;
  /** One line for menus and generated docs. */
  readonly summary: string;
  /** The options other than the learning rate. */
  readonly options: F;
  /** The default learning rate; undefined when lr is required (sgd, emaMomentum). */
  readonly defaultLr: L;
  /** Builds the transformation from untyped options (validated by the factory). */
  readonly create: (options: Record<string, unknown>) => GradientTransformation<unknown>;
}

/**
 * Declares a named optimizer (identity at run time; checks the declaration's shape at compile time).
 * @example export const ADAM = declareOptimizer({ name: 'adam', summary: '…', options: ADAM_OPTIONS, defaultLr: 1e-3, create: adam });
 */
export function declareOptimizer<F extends OptionSpecs, const L extends number | undefined>(d: {
  name: string;
  summary: string;
  options: F;
  defaultLr: L;
  create: (options: never) => GradientTransformation<unknown>;
}): OptimizerDeclaration<F, L> {
  return d as unknown as OptimizerDeclaration<F, L>;
}

/**
 * Validates a named optimizer's options against its declaration (or any `{ name, options,
 * defaultLr }`) and returns them resolved, with the learning rate as a {@link Schedule}. The lr
 * is checked first, then the options in their declared order.
 * @example const { lr, b1 } = readOptimizerOptions(ADAM, options);
 */
export function readOptimizerOptions<F extends OptionSpecs>(
  decl: { readonly name: string; readonly options: F; readonly defaultLr: number | undefined },
  options: unknown,
): ResolvedOptions<F> & { lr: Schedule } {
  const owner = decl.name;
  checkKeys(owner, options, ['lr', ...Object.keys(decl.options)]);
  const lr = checkScalarOrSchedule(
    owner,
    'lr',
    (options as { lr?: unknown } | undefined)?.lr,
    decl.defaultLr,
    { min: 0 },
  );
  return { ...readOptions(owner, decl.options, options, ['lr']), lr };
}
