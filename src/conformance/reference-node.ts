// Node-only: where the bundled PyTorch reference files are, in a checkout (src/conformance/) and
// in the installed package (dist/conformance/) alike: both sit two levels below the root that
// holds reference/.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The reference files bundled in `reference/` (see its README for how PyTorch made them). */
export const BUNDLED_REFERENCES = [
  'torch-ops-reference.json',
  'torch-optim-reference.json',
  'torch-hvp-reference.json',
  'torch-transformer-reference.json',
] as const;

/** Name of a bundled reference file. */
export type BundledReference = (typeof BUNDLED_REFERENCES)[number];

/**
 * The bundled reference files `gradscope conformance` runs when given no FILE: the formats
 * `runConformanceFile` reads (ops, Hessian-vector products and optimizers).
 */
export const CONFORMANCE_REFERENCES: readonly BundledReference[] = [
  'torch-ops-reference.json',
  'torch-transformer-reference.json',
  'torch-hvp-reference.json',
  'torch-optim-reference.json',
];

/**
 * Absolute path of a bundled reference file (`<package root>/reference/<name>`).
 * @example bundledReferencePath('torch-ops-reference.json') // '/…/gradscope/reference/torch-ops-reference.json'
 */
export function bundledReferencePath(name: BundledReference): string {
  return fileURLToPath(new URL(`../../reference/${name}`, import.meta.url));
}

/**
 * Reads and parses a bundled reference file; the caller names the shape it expects.
 * @example readBundledReference<{ cases: unknown[] }>('torch-ops-reference.json').cases.length // 41
 */
export function readBundledReference<T = unknown>(name: BundledReference): T {
  return JSON.parse(readFileSync(bundledReferencePath(name), 'utf8')) as T;
}
