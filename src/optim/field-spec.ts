/** A numeric field: its allowed interval (inclusive unless marked exclusive). */
export interface NumberField {
  type: 'number';
  min?: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
  integer?: boolean;
  /** Accept +Infinity too ("no limit", e.g. a clipping threshold); other values must be finite. */
  allowInfinity?: boolean;
}

/**
 * The type and range of one option of a transformation, or of one field of a config section:
 * the one format the library's option checks, the config parser and the JSON Schema of the
 * config (train/config-schema.ts: `doc` becomes the field's description) read;
 * train/config-validate.ts re-exports it.
 */
export type FieldSpec = {
  /** The field must be present. */
  required?: boolean;
  /** What the field means, one line (the JSON Schema's description; the range is added). */
  doc?: string;
} & (
  | NumberField
  | { type: 'boolean' }
  | { type: 'string' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'numbers'; item: NumberField; minLength?: number }
  /** A number or one of a few strings (e.g. a norm type 2 or 'inf', evalEvery 100 or 'epoch'). */
  | { type: 'numberOrEnum'; item: NumberField; values: readonly string[] }
  /** Checked by the section itself (nested objects, initializers). */
  | { type: 'custom'; expected: string }
);

/** The fields of a config section (or the options of a transformation) by key. */
export type FieldSpecs = Readonly<Record<string, FieldSpec>>;
