import { parseArgs } from 'node:util';
import { EXIT } from './exit-codes.js';

/** The exit codes (re-exported from {@link EXIT}'s one table in exit-codes.ts). */
export { EXIT };

/** A usage error: printed with the command's help hint, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One flag of a command. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Allowed values of a string flag. */
  choices?: readonly string[];
  /** Value when absent. */
  default?: string | boolean;
  description: string;
  /** Placeholder in help ("N", "DIR"). */
  valueName?: string;
}

/** A subcommand: its usage line, description, positional arguments and flags. */
export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  description?: string;
  positionals: { name: string; required: boolean; description: string }[];
  flags: Record<string, FlagSpec>;
}

/** Parsed arguments of a command. */
export interface Parsed {
  positionals: string[];
  flags: Record<string, string | boolean | undefined>;
}

/** Help text for one command. */
export function commandHelp(spec: CommandSpec): string {
  const lines = [`Usage: gradscope ${spec.usage}`, '', spec.summary];
  if (spec.description) lines.push('', spec.description);
  if (spec.positionals.length > 0) {
    lines.push('', 'Arguments:');
    for (const p of spec.positionals)
      lines.push(`  ${p.name.padEnd(22)} ${p.description}${p.required ? '' : ' (optional)'}`);
  }
  lines.push('', 'Options:');
  const entries: [string, FlagSpec][] = [
    ...Object.entries(spec.flags),
    ['help', { type: 'boolean', short: 'h', description: 'Show this help' }],
  ];
  for (const [name, f] of entries) {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${name}${f.type === 'string' ? ` ${f.valueName ?? (f.choices ? f.choices.join('|') : 'VALUE')}` : ''}`;
    const dflt =
      f.default !== undefined && f.default !== false ? ` (default: ${String(f.default)})` : '';
    lines.push(`  ${left.padEnd(30)} ${f.description}${dflt}`);
  }
  return lines.join('\n');
}

/**
 * Parses argv for a command with Node's strict parser: unknown flags, missing values and values
 * outside `choices` are UsageErrors that say what is allowed.
 */
export function parseCommand(spec: CommandSpec, argv: readonly string[]): Parsed | 'help' {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, f] of Object.entries(spec.flags))
    options[name] = f.short ? { type: f.type, short: f.short } : { type: f.type };
  let res: ReturnType<typeof parseArgs>;
  try {
    res = parseArgs({
      args: normalizeNegatives(spec, argv),
      options,
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const known = Object.keys(spec.flags)
      .map((f) => `--${f}`)
      .concat('--help')
      .join(', ');
    throw new UsageError(
      `${spec.name}: ${msg.replace(/\. To specify a positional argument.*$/s, '')}. Allowed options: ${known}`,
    );
  }
  const values = res.values as Record<string, string | boolean | undefined>;
  if (values.help) return 'help';
  const flags: Record<string, string | boolean | undefined> = {};
  for (const [name, f] of Object.entries(spec.flags)) {
    const v = values[name] ?? f.default;
    if (f.choices && typeof v === 'string' && !f.choices.includes(v)) {
      throw new UsageError(
        `${spec.name}: --${name} must be one of ${f.choices.join(', ')}, got '${v}'`,
      );
    }
    flags[name] = v;
  }
  const required = spec.positionals.filter((p) => p.required).length;
  if (res.positionals.length < required) {
    throw new UsageError(
      `${spec.name}: missing argument ${spec.positionals[res.positionals.length]?.name ?? ''} (usage: gradscope ${spec.usage})`,
    );
  }
  if (res.positionals.length > spec.positionals.length) {
    throw new UsageError(
      `${spec.name}: unexpected argument '${res.positionals[spec.positionals.length]}' (usage: gradscope ${spec.usage})`,
    );
  }
  return { positionals: res.positionals, flags };
}

const NUMBER_LIKE = /^-(\d|\.\d|Infinity$)/;

/**
 * Separates flags from positionals before Node's parser sees them, so that negative numbers are
 * values, not flags: `roots 1 -4 3` has three positionals, and `--x0 -1.5` is `--x0=-1.5`.
 * Positionals keep their order and go after `--`.
 */
function normalizeNegatives(spec: CommandSpec, argv: readonly string[]): string[] {
  const flags: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const name = a.slice(2);
      const next = argv[i + 1];
      if (!name.includes('=') && spec.flags[name]?.type === 'string' && next !== undefined) {
        flags.push(`--${name}=${next}`);
        i++;
      } else flags.push(a);
    } else if (a.startsWith('-') && a.length > 1 && !NUMBER_LIKE.test(a)) flags.push(a);
    else positionals.push(a);
  }
  return [...flags, '--', ...positionals];
}

/** Parses a number flag value, with a UsageError naming the flag and the allowed range. */
export function numberFlag(
  cmd: string,
  name: string,
  v: string | boolean | undefined,
  opts: { integer?: boolean; min?: number } = {},
): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (
    typeof v !== 'string' ||
    v.trim() === '' ||
    !Number.isFinite(n) ||
    (opts.integer && !Number.isInteger(n)) ||
    (opts.min !== undefined && n < opts.min)
  ) {
    const what = `${opts.integer ? 'an integer' : 'a number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}`;
    throw new UsageError(`${cmd}: --${name} must be ${what}, got '${String(v)}'`);
  }
  return n;
}
