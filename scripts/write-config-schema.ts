// Writes schema/train-config.schema.json from the train config's field tables (the text
// `gradscope schema` prints). Run `npm run schema` after changing a config table; a test checks
// that the committed file is up to date.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/train/atomic-write-node.js';
import { TRAIN_CONFIG_SCHEMA_PATH, trainConfigSchemaText } from '../src/train/config-schema.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const path = join(root, TRAIN_CONFIG_SCHEMA_PATH);
mkdirSync(dirname(path), { recursive: true });
writeFileAtomic(path, trainConfigSchemaText() + '\n');
console.log(`wrote ${TRAIN_CONFIG_SCHEMA_PATH}`);
