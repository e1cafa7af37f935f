// Settings described once: the same schema reads/writes the URL (here, DOM-free) and builds the
// labelled, keyboard-usable controls (fields.ts), so every setting is shareable.

/** A setting's value. */
export type FieldValue = string | number | boolean;

/** Values by key. */
export type Values = Record<string, FieldValue>;

interface FieldBase {
  /** URL parameter name. */
  readonly key: string;
  readonly label: string;
  /** Extra explanation (shown as a hint, read by screen readers). */
  readonly help?: string;
}

/** A choice among named options. */
export interface SelectField extends FieldBase {
  readonly kind: 'select';
  readonly options: readonly (readonly [value: string, label: string])[];
  readonly def: string;
}

/** A number in [min, max]. */
export interface NumberField extends FieldBase {
  readonly kind: 'number';
  readonly min: number;
  readonly max: number;
  /** Input step ('any' for free numbers such as learning rates). */
  readonly step: number | 'any';
  readonly def: number;
  readonly integer?: boolean;
}

/** An on/off switch. */
export interface BoolField extends FieldBase {
  readonly kind: 'bool';
  readonly def: boolean;
}

/** Any field. */
export type Field = SelectField | NumberField | BoolField;

/** Parses a URL value for a field; invalid or missing values give the default, numbers are clamped. */
export function parseField(f: Field, raw: string | null): FieldValue {
  if (raw === null) return f.def;
  switch (f.kind) {
    case 'select':
      return f.options.some(([v]) => v === raw) ? raw : f.def;
    case 'bool':
      return raw === '1' || raw === 'true' ? true : raw === '0' || raw === 'false' ? false : f.def;
    case 'number': {
      const x = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(x)) return f.def;
      const c = Math.min(f.max, Math.max(f.min, x));
      return f.integer ? Math.round(c) : c;
    }
  }
}

/** The URL form of a value. */
export function formatField(f: Field, v: FieldValue): string {
  if (f.kind === 'bool') return v ? '1' : '0';
  return String(v);
}

/** Reads every field from URL parameters. */
export function readValues(fields: readonly Field[], params: URLSearchParams): Values {
  const out: Values = {};
  for (const f of fields) out[f.key] = parseField(f, params.get(f.key));
  return out;
}

/** Writes every field into URL parameters. */
export function writeValues(
  fields: readonly Field[],
  values: Values,
  params: URLSearchParams,
): void {
  for (const f of fields) {
    const v = values[f.key];
    params.set(f.key, formatField(f, v === undefined ? f.def : v));
  }
}

/** A select field from a list of [value, label] pairs. */
export function select(
  key: string,
  label: string,
  options: readonly (readonly [string, string])[],
  def: string,
  help?: string,
): SelectField {
  return { kind: 'select', key, label, options, def, ...(help ? { help } : {}) };
}

/** A number field. */
export function num(
  key: string,
  label: string,
  def: number,
  min: number,
  max: number,
  step: number | 'any' = 'any',
  integer = false,
  help?: string,
): NumberField {
  return { kind: 'number', key, label, def, min, max, step, integer, ...(help ? { help } : {}) };
}

/** A boolean field. */
export function bool(key: string, label: string, def: boolean, help?: string): BoolField {
  return { kind: 'bool', key, label, def, ...(help ? { help } : {}) };
}
