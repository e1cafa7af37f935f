import { DataError } from '../errors.js';

/** One record of a CSV file, with where it is (for error messages). */
export interface CsvRecord {
  /** The fields, unquoted. */
  cells: string[];
  /** 1-based line of the record's first character. */
  line: number;
  /** 1-based column (character) of each field's first character, on `line`. */
  columns: number[];
}

/**
 * Splits CSV text into records (RFC 4180): fields separated by `delimiter` (default ','),
 * records by LF or CRLF, fields in double quotes may hold delimiters, newlines and doubled
 * quotes (""). Blank lines are skipped; a UTF-8 byte-order mark is ignored. An unterminated
 * quote or text after a closing quote throws a DataError naming `name`, the line and the column.
 * @example parseCsv('a,b\n1,"x,y"\n', 'd.csv')[1].cells // ['1', 'x,y']
 * @see RFC 4180, "Common Format and MIME Type for Comma-Separated Values (CSV) Files"
 */
export function parseCsv(text: string, name = 'CSV data', delimiter = ','): CsvRecord[] {
  const records: CsvRecord[] = [];
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineStart = pos;
  const n = text.length;
  while (pos < n) {
    const recLine = line;
    const cells: string[] = [];
    const columns: number[] = [];
    for (;;) {
      columns.push(pos - lineStart + 1);
      if (text[pos] === '"') {
        const qLine = line;
        const qCol = pos - lineStart + 1;
        let value = '';
        pos++;
        for (;;) {
          if (pos >= n)
            throw new DataError(
              `${name}:${qLine}:${qCol}: unterminated quoted field (a '"' without its closing '"')`,
            );
          const c = text[pos] as string;
          if (c === '"') {
            if (text[pos + 1] === '"') {
              value += '"';
              pos += 2;
              continue;
            }
            pos++;
            break;
          }
          if (c === '\n') {
            line++;
            lineStart = pos + 1;
          }
          value += c;
          pos++;
        }
        cells.push(value);
        const c = text[pos];
        if (pos < n && c !== delimiter && c !== '\n' && !(c === '\r' && text[pos + 1] === '\n'))
          throw new DataError(
            `${name}:${line}:${pos - lineStart + 1}: unexpected ${JSON.stringify(c)} after a closing quote; expected ${JSON.stringify(delimiter)} or the end of the line`,
          );
      } else {
        let end = pos;
        while (end < n) {
          const c = text[end];
          if (c === delimiter || c === '\n') break;
          end++;
        }
        let value = text.slice(pos, end);
        if (value.endsWith('\r') && (end >= n || text[end] === '\n')) value = value.slice(0, -1);
        cells.push(value);
        pos = end;
      }
      if (pos < n && text[pos] === delimiter) {
        pos++;
        continue;
      }
      if (text[pos] === '\r') pos++;
      if (pos < n && text[pos] === '\n') {
        pos++;
        line++;
        lineStart = pos;
      }
      break;
    }
    // A blank line (one empty field) is not a record.
    if (!(cells.length === 1 && (cells[0] as string).trim() === ''))
      records.push({ cells, line: recLine, columns });
  }
  return records;
}
