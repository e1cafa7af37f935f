import { DataError } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/** Node's Buffer, when present (the browser build has none): 30–40× faster than the loops below. */
interface BufferLike {
  from(data: string, encoding: string): Uint8Array;
  from(data: ArrayBufferLike, offset: number, length: number): { toString(enc: string): string };
}
const NODE_BUFFER = (globalThis as { Buffer?: BufferLike }).Buffer;

/**
 * Standard base64 (RFC 4648 §4, with '=' padding) of bytes; Node's Buffer when available, a
 * portable loop otherwise (browsers, workers) — the same text either way.
 * @example encodeBase64(new Uint8Array([1, 2, 3])) // 'AQID'
 * @see RFC 4648 §4.
 */
export function encodeBase64(bytes: Uint8Array): string {
  if (NODE_BUFFER !== undefined)
    return NODE_BUFFER.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const parts: string[] = [];
  let chunk = '';
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    chunk +=
      ALPHABET[(v >> 18) & 63]! +
      ALPHABET[(v >> 12) & 63]! +
      ALPHABET[(v >> 6) & 63]! +
      ALPHABET[v & 63]!;
    if (chunk.length >= 8192) {
      parts.push(chunk);
      chunk = '';
    }
  }
  if (i < n) {
    const b1 = i + 1 < n ? (bytes[i + 1] as number) : 0;
    const v = ((bytes[i] as number) << 16) | (b1 << 8);
    chunk += ALPHABET[(v >> 18) & 63]! + ALPHABET[(v >> 12) & 63]!;
    chunk += i + 1 < n ? ALPHABET[(v >> 6) & 63]! + '=' : '==';
  }
  parts.push(chunk);
  return parts.join('');
}

/**
 * Decodes standard base64 (RFC 4648 §4) strictly: the length must be a multiple of 4, padding
 * '=' only at the end (one or two), no other characters (no whitespace, no URL alphabet).
 * Malformed text throws a {@link DataError} naming the problem — `'AQ='` is refused (length 3),
 * `'AQ=='` is [1]. Uses Node's Buffer after validation when available.
 * @example decodeBase64('AGFzbQ==') // Uint8Array [0, 97, 115, 109] ("\0asm")
 * @see RFC 4648 §4.
 */
export function decodeBase64(text: string): Uint8Array {
  if (typeof text !== 'string')
    throw new DataError(`decodeBase64: expected a string, got ${typeof text}`);
  if (text.length % 4 !== 0)
    throw new DataError(
      `decodeBase64: length ${text.length} is not a multiple of 4; expected padded base64`,
    );
  // A loop, not a regular expression: a 10-MB string overflows the regex engine's stack.
  const n = text.length;
  const pad = n > 0 && text.charCodeAt(n - 1) === 61 ? (text.charCodeAt(n - 2) === 61 ? 2 : 1) : 0;
  for (let i = 0; i < n - pad; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 && (LOOKUP[c] as number) >= 0) continue;
    throw new DataError(
      c === 61
        ? "decodeBase64: misplaced '=' padding; expected '=' or '==' only at the end"
        : `decodeBase64: invalid character ${JSON.stringify(text[i])} at index ${i}; expected A-Z a-z 0-9 + / and '=' padding at the end`,
    );
  }
  if (NODE_BUFFER !== undefined) {
    const b = NODE_BUFFER.from(text, 'base64');
    // A copy in a buffer of its own (Buffer.from may return a view of a shared pool).
    return new Uint8Array(b);
  }
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let v = 0;
    for (let j = 0; j < 4; j++) {
      const ch = text.charCodeAt(i + j);
      v = (v << 6) | (ch === 61 ? 0 : (LOOKUP[ch] as number));
    }
    if (o < out.length) out[o++] = (v >> 16) & 255;
    if (o < out.length) out[o++] = (v >> 8) & 255;
    if (o < out.length) out[o++] = v & 255;
  }
  return out;
}
