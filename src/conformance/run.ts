import { ReferenceDataError } from './reference-error.js';
import type { DType } from '../tensor/dtype.js';
import { HVP_REFERENCE_FORMAT, runHvpConformance, type HvpCaseResult } from './hvp.js';
import { runOpsConformance, type OpsCaseResult } from './ops.js';
import { runOptimConformance, type ConformanceResult } from './optim.js';
import { runScheduleConformance } from './schedules.js';

/** One case's verdict, whatever the file format (ops, HVPs, optimizers, clipping, schedules). */
export type ConformanceCaseResult =
  OpsCaseResult | HvpCaseResult | (ConformanceResult & { detail?: string });

/**
 * Runs every case of a parsed reference file: the ops format (top-level `cases`, as
 * torch-ops-reference.json), the Hessian-vector-product format (`format`
 * "gradscope-hvp-reference/1" and `cases`, as torch-hvp-reference.json) or the optimizer format (`optimizers`, `clipping`, `schedules`, as
 * torch-optim-reference.json). Pure: the caller reads the file. A file without cases or with
 * malformed reference data throws a {@link ReferenceDataError} (invalid input, exit 3 in the CLI).
 */
export function runConformanceFile(file: unknown, dtype: DType): ConformanceCaseResult[] {
  const results = runSections(file, dtype);
  // An empty reference checks nothing: it is invalid input, never a pass.
  if (results.length === 0)
    throw new ReferenceDataError(
      'reference file has no cases (empty "cases" / "optimizers" / "clipping" / "schedules"); an empty reference is invalid',
    );
  return results;
}

function runSections(file: unknown, dtype: DType): ConformanceCaseResult[] {
  if (file === null || typeof file !== 'object' || Array.isArray(file)) {
    throw new ReferenceDataError(
      'reference file: expected a JSON object with "cases" (ops) or "optimizers"/"clipping"/"schedules" (optimizers)',
    );
  }
  if ((file as { format?: unknown }).format === HVP_REFERENCE_FORMAT)
    return runHvpConformance(file, dtype);
  if ('cases' in file) return runOpsConformance(file, dtype);
  if (!('optimizers' in file) && !('clipping' in file) && !('schedules' in file)) {
    throw new ReferenceDataError(
      `reference file: none of the sections "cases", "optimizers", "clipping", "schedules" found (keys: ${Object.keys(file).join(', ')})`,
    );
  }
  return runOptimConformance(file, dtype, {
    scheduleRunner: (c, dt) => {
      const r = runScheduleConformance([c], { dtype: dt })[0];
      if (!r) throw new ReferenceDataError('schedule case produced no result');
      return { name: r.name, pass: r.pass, maxAbsErr: r.maxAbsErr, maxRelErr: r.maxRelErr };
    },
  });
}
