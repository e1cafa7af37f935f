import { ConfigError } from '../errors.js';

/**
 * A line and column (both 1-based) of a character offset in `text`.
 * @example lineColumn('{\n  "a": 1,\n}', 12) // { line: 3, column: 1 }
 */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  const end = Math.min(Math.max(0, offset), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: end - start + 1 };
}

/** A syntax error at an offset: thrown inside the parser, turned into a ConfigError at the top. */
class JsonSyntax {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// A string body: anything but a quote, a backslash or a control character, or a valid escape.
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/**
 * Parses JSON text as JSON.parse does (RFC 8259, no comments, no trailing commas), but errors name
 * the source, the line and the column, and an object with the same key twice is an error (a
 * config's second "lr" would otherwise silently win).
 *
 * @example parseConfigText('{"a": 1,}', 'run.json') // throws ConfigError: run.json:1:9: expected a property name in double quotes, got '}'
 */
export function parseConfigText(text: string, source = 'config'): unknown {
  let pos = 0;
  const fail = (message: string, at = pos): never => {
    throw new JsonSyntax(at, message);
  };
  const got = (): string =>
    pos >= text.length ? 'the end of the file' : `'${text[pos] === "'" ? "\\'" : text[pos]}'`;
  const ws = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) pos++;
      else break;
    }
  };
  const str = (): string => {
    STRING.lastIndex = pos;
    const m = STRING.exec(text);
    if (m === null) {
      // Find where the string goes wrong for a precise column.
      let i = pos + 1;
      while (i < text.length) {
        const c = text.charCodeAt(i);
        if (c === 34) break;
        if (c < 32) return fail('control character (e.g. a raw newline) inside a string', i);
        if (c === 92) {
          const e = text[i + 1] ?? '';
          if (e === 'u') {
            if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6)))
              return fail('invalid \\u escape in a string', i);
            i += 6;
            continue;
          }
          if (!'"\\/bfnrt'.includes(e) || e === '') return fail(`invalid escape '\\${e}'`, i);
          i += 2;
          continue;
        }
        i++;
      }
      return fail('unterminated string', pos);
    }
    pos += m[0].length;
    return JSON.parse(m[0]) as string;
  };
  const value = (depth: number): unknown => {
    if (depth > 512) fail('nesting deeper than 512 levels');
    ws();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const out: Record<string, unknown> = {};
      const seen = new Set<string>();
      ws();
      if (text[pos] === '}') {
        pos++;
        return out;
      }
      for (;;) {
        ws();
        if (text[pos] !== '"') fail(`expected a property name in double quotes, got ${got()}`);
        const keyAt = pos;
        const key = str();
        if (seen.has(key)) fail(`duplicate key ${JSON.stringify(key)} in the same object`, keyAt);
        seen.add(key);
        ws();
        if (text[pos] !== ':') fail(`expected ':' after the property name, got ${got()}`);
        pos++;
        const v = value(depth + 1);
        // Keys such as "__proto__" must become plain own properties, as with JSON.parse.
        Object.defineProperty(out, key, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        ws();
        if (text[pos] === ',') {
          pos++;
          ws();
          if (text[pos] === '}') fail("trailing comma before '}' (JSON does not allow it)");
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return out;
        }
        fail(`expected ',' or '}' after a property value, got ${got()}`);
      }
    }
    if (c === '[') {
      pos++;
      const out: unknown[] = [];
      ws();
      if (text[pos] === ']') {
        pos++;
        return out;
      }
      for (;;) {
        out.push(value(depth + 1));
        ws();
        if (text[pos] === ',') {
          pos++;
          ws();
          if (text[pos] === ']') fail("trailing comma before ']' (JSON does not allow it)");
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return out;
        }
        fail(`expected ',' or ']' after an array element, got ${got()}`);
      }
    }
    if (c === '"') return str();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m !== null && m[0] !== '-') {
      pos += m[0].length;
      return Number(m[0]);
    }
    if (c === undefined) return fail('unexpected end of the file; expected a value');
    if (c === "'") return fail("strings must use double quotes, got '");
    if (c === '/') return fail('comments are not allowed in JSON');
    return fail(
      `expected a value (object, array, string, number, true, false or null), got ${got()}`,
    );
  };
  try {
    // A UTF-8 byte-order mark is not JSON, but editors write it; skip it.
    if (text.charCodeAt(0) === 0xfeff) pos = 1;
    const v = value(0);
    ws();
    if (pos < text.length) fail(`unexpected ${got()} after the end of the JSON value`);
    return v;
  } catch (e) {
    if (!(e instanceof JsonSyntax)) throw e;
    const { line, column } = lineColumn(text, e.offset);
    throw new ConfigError(`${source}:${line}:${column}: invalid JSON: ${e.message}`);
  }
}
