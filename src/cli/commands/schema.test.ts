import { describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { trainConfigSchemaText } from '../../train/config-schema.js';

describe('gradscope schema', () => {
  it('prints the train config JSON Schema and is listed in the help', async () => {
    const out: string[] = [];
    expect(await main(['schema'], (s) => out.push(s))).toBe(0);
    expect(out.join('\n')).toBe(trainConfigSchemaText());
    const schema = JSON.parse(out.join('\n')) as Record<string, unknown>;
    expect(schema['$schema']).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema['required']).toEqual(['model', 'data', 'optimizer', 'train']);
    const help: string[] = [];
    await main(['--help'], (s) => help.push(s));
    expect(help.join('\n')).toMatch(/^ {2}schema +Print the JSON Schema/m);
  });
});
