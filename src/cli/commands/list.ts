import { encodeJson } from '../../json-encode.js';
import { EXIT, type CommandSpec, type Parsed } from '../args.js';
import { loadExperiments, type CommandDeps } from './run.js';

/** `gradscope list` spec. */
export const listSpec: CommandSpec = {
  name: 'list',
  summary: 'List the experiments of the catalogue (id, name, title, paper).',
  usage: 'list [--json]',
  description: '--json prints [{id, name, title, paper, story, defaultSeeds}] on stdout.',
  positionals: [],
  flags: {
    json: { type: 'boolean', default: false, description: 'print machine-readable JSON' },
  },
};

/** One entry of `gradscope list --json`. */
export interface ListEntry {
  id: string;
  name: string;
  title: string;
  paper: string;
  story: string;
  defaultSeeds: { full: number[]; quick: number[] };
}

/** Catalogue order: E1, E2, ..., E10 (numerically), then anything else by name. */
function order(id: string): number {
  const m = /^E(\d+)$/i.exec(id);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

/** Runs `gradscope list`. */
export async function listCommand(
  args: Parsed,
  out: (s: string) => void,
  deps: CommandDeps = {},
): Promise<number> {
  const experiments = [...(deps.experiments ?? (await loadExperiments()))].sort(
    (a, b) => order(a.id) - order(b.id) || a.name.localeCompare(b.name),
  );
  if (args.flags.json === true) {
    const entries: ListEntry[] = experiments.map((e) => ({
      id: e.id,
      name: e.name,
      title: e.title,
      paper: e.paper,
      story: e.story,
      defaultSeeds: { full: [...e.defaultSeeds.full], quick: [...e.defaultSeeds.quick] },
    }));
    out(encodeJson(entries, 2));
    return EXIT.ok;
  }
  const rows = experiments.map((e) => [e.id, e.name, e.title, e.paper]);
  const head = ['id', 'name', 'title', 'paper'];
  const widths = head.map((h, j) =>
    Math.max(h.length, ...rows.map((r) => (r[j] as string).length)),
  );
  const line = (r: readonly string[]): string =>
    r
      .map((v, j) => (j === r.length - 1 ? v : v.padEnd(widths[j] as number)))
      .join('  ')
      .trimEnd();
  out(line(head));
  for (const r of rows) out(line(r));
  out(
    `\n${experiments.length} experiment${experiments.length === 1 ? '' : 's'}; run one with: gradscope run <name> [--quick]`,
  );
  return EXIT.ok;
}
