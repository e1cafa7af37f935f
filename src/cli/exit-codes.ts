/**
 * The exit codes of every `gradscope` command: one table, printed by `gradscope --help` and
 * documented in the README. Commands return `EXIT.<name>`; nothing else picks a number.
 */
export const EXIT = {
  /** Success: everything ran and every check passed. */
  ok: 0,
  /** Ran, but a check failed (a conformance case, an experiment criterion, a gradcheck) or the run diverged. */
  failed: 1,
  /** Bad usage: unknown command or flag, bad flag value, missing argument. */
  usage: 2,
  /** Could not run: unreadable or invalid input (config, reference file, checkpoint, data), an output that cannot be written, or a resource budget exceeded. */
  error: 3,
  /** Interrupted by SIGINT (Ctrl-C): 128 + 2, the shell convention. */
  sigint: 130,
  /** Interrupted by SIGTERM: 128 + 15. */
  sigterm: 143,
  /** A bug in gradscope (an unexpected exception); please report it with the message. */
  internal: 70,
} as const;

/** One exit code's meaning, as printed in `--help` and the README. */
export interface ExitCodeDoc {
  codes: string;
  meaning: string;
}

/** The documented table, in order (`gradscope --help`, README "Exit codes"). */
export const EXIT_CODE_DOCS: readonly ExitCodeDoc[] = [
  { codes: `${EXIT.ok}`, meaning: 'success' },
  {
    codes: `${EXIT.failed}`,
    meaning:
      'ran, but a check failed (conformance case, criterion, gradcheck) or training diverged',
  },
  {
    codes: `${EXIT.usage}`,
    meaning: 'bad usage: unknown command or flag, bad value, missing argument',
  },
  {
    codes: `${EXIT.error}`,
    meaning:
      'could not run: unreadable or invalid input or output (config, reference, checkpoint, data, --out), or over a resource budget',
  },
  { codes: `${EXIT.sigint}/${EXIT.sigterm}`, meaning: 'interrupted by SIGINT / SIGTERM' },
  { codes: `${EXIT.internal}`, meaning: 'internal error (a bug in gradscope; please report it)' },
];

/**
 * The exit-code table as help lines.
 * @example exitCodeHelp().join('\n')
 */
export function exitCodeHelp(): string[] {
  return EXIT_CODE_DOCS.map((d) => `  ${d.codes.padEnd(7)} ${d.meaning}`);
}
