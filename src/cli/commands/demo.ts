import { EXIT, type CommandSpec, type Parsed } from '../args.js';

/** `gradscope demo` spec (temporary until the flagship demo lands). */
export const demoSpec: CommandSpec = {
  name: 'demo',
  summary: 'The flagship story: vanishing and exploding gradients, diagnosed and fixed.',
  usage: 'demo',
  positionals: [],
  flags: {},
};

/** Runs `gradscope demo`. */
export function demoCommand(_args: Parsed, out: (s: string) => void): number {
  out('demo: not yet assembled');
  return EXIT.ok;
}
