import { ConfigError } from '../errors.js';
import {
  DEFAULT_BUDGET,
  formatBytes,
  formatSeconds,
  parseBytes,
  parseSeconds,
  type Budget,
} from '../train/budget.js';
import { UsageError, type FlagSpec } from './args.js';

/** The `--max-memory` and `--max-time` flags of the commands that allocate or run long. */
export const BUDGET_FLAGS: Record<'max-memory' | 'max-time', FlagSpec> = {
  'max-memory': {
    type: 'string',
    valueName: 'SIZE',
    description: `memory budget, checked against an estimate before anything is allocated (default ${formatBytes(DEFAULT_BUDGET.maxBytes)}; e.g. 8GiB)`,
  },
  'max-time': {
    type: 'string',
    valueName: 'DURATION',
    description: `time budget, checked against an estimate before the run (default ${formatSeconds(DEFAULT_BUDGET.maxSeconds)}; e.g. 48h)`,
  },
};

/**
 * The budget given by `--max-memory` / `--max-time` (the defaults where absent); a bad value is a
 * UsageError naming the flag.
 * @example budgetFromFlags('train', { 'max-memory': '8GiB' }).maxBytes // 8589934592
 */
export function budgetFromFlags(
  cmd: string,
  flags: Record<string, string | boolean | undefined>,
): Budget {
  const mem = flags['max-memory'];
  const time = flags['max-time'];
  try {
    return {
      maxBytes: typeof mem === 'string' ? parseBytes(mem) : DEFAULT_BUDGET.maxBytes,
      maxSeconds: typeof time === 'string' ? parseSeconds(time) : DEFAULT_BUDGET.maxSeconds,
    };
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`${cmd}: ${e.message}`);
    throw e;
  }
}
