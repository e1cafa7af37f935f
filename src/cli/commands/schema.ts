import { trainConfigSchemaText, TRAIN_CONFIG_SCHEMA_PATH } from '../../train/config-schema.js';
import { EXIT, type CommandSpec, type Parsed } from '../args.js';

/** `gradscope schema` spec. */
export const schemaSpec: CommandSpec = {
  name: 'schema',
  summary: 'Print the JSON Schema (draft-07) of a train config, for editors and other tools.',
  usage: 'schema',
  description:
    'The schema is generated from the tables `gradscope train` validates with: sections, names,\n' +
    'ranges, required fields; unknown keys are refused. The package ships the same text as\n' +
    `${TRAIN_CONFIG_SCHEMA_PATH}; point a config's "$schema" key at it for completion and checks.`,
  positionals: [],
  flags: {},
};

/** Runs `gradscope schema`. */
export function schemaCommand(_args: Parsed, out: (s: string) => void): number {
  out(trainConfigSchemaText());
  return EXIT.ok;
}
