/**
 * gradscope's one JSON encoding of numbers: JSON has no NaN or ±Infinity and JSON.stringify
 * silently writes them as `null` (indistinguishable from "missing"), so every `--json` output,
 * JSONL log and JSON file gradscope writes encodes them as the strings "NaN", "Infinity" and
 * "-Infinity". Readers turn those strings back into numbers ({@link decodeJsonNumber}).
 */

/** How a non-finite number appears in gradscope's JSON. */
export type NonFiniteJson = 'NaN' | 'Infinity' | '-Infinity';

/**
 * A number as gradscope's JSON holds it: finite numbers as they are, non-finite ones as strings.
 * @example encodeJsonNumber(-Infinity) // '-Infinity'
 */
export function encodeJsonNumber(x: number): number | NonFiniteJson {
  return Number.isFinite(x) ? x : (String(x) as NonFiniteJson);
}

/** The JSON.stringify replacer of {@link encodeJson}. */
export function nonFiniteReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

/**
 * JSON.stringify with non-finite numbers written as "NaN", "Infinity", "-Infinity".
 * @example encodeJson({ x: [1, Infinity] }) // '{"x":[1,"Infinity"]}'
 */
export function encodeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, nonFiniteReplacer, indent);
}

/**
 * The inverse for one value: numbers, and the strings "NaN", "Infinity", "-Infinity", as numbers;
 * anything else is undefined.
 * @example decodeJsonNumber('Infinity') // Infinity
 */
export function decodeJsonNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return undefined;
}
