#!/usr/bin/env node
import { GradscopeError } from '../errors.js';
import { fsErrorText } from '../fs-guard-node.js';
import {
  commandHelp,
  EXIT,
  parseCommand,
  UsageError,
  type CommandSpec,
  type Parsed,
} from './args.js';
import { checkGradCommand, checkGradSpec } from './commands/check-grad.js';
import { compareCommand, compareSpec } from './commands/compare.js';
import { exitCodeHelp } from './exit-codes.js';
import { conformanceCommand, conformanceSpec } from './commands/conformance.js';
import { demoCommand, demoSpec } from './commands/demo.js';
import { diagnoseCommand, diagnoseSpec } from './commands/diagnose.js';
import { exportCommand, exportSpec } from './commands/export.js';
import { panelCommand, panelSpec } from './commands/panel.js';
import { newtonCommand, newtonSpec, rootsCommand, rootsSpec } from './commands/roots.js';
import { listCommand, listSpec } from './commands/list.js';
import { reportCommand, reportSpec } from './commands/report.js';
import { runCommand, runSpec } from './commands/run.js';
import { sampleCommand, sampleSpec } from './commands/sample.js';
import { schemaCommand, schemaSpec } from './commands/schema.js';
import { serveCommand, serveSpec } from './commands/serve.js';
import { trainCommand, trainSpec } from './commands/train.js';
import { sweepCommand, sweepSpec } from './commands/sweep.js';
import { workerCommand, workerSpec } from './commands/worker.js';
import { packageVersion } from './version.js';

type Handler = (args: Parsed, out: (s: string) => void) => number | Promise<number>;

const COMMANDS: [CommandSpec, Handler][] = [
  [demoSpec, demoCommand],
  [listSpec, listCommand],
  [runSpec, runCommand],
  [trainSpec, trainCommand],
  [sampleSpec, sampleCommand],
  [schemaSpec, schemaCommand],
  [sweepSpec, sweepCommand],
  [workerSpec, workerCommand],
  [reportSpec, reportCommand],
  [compareSpec, compareCommand],
  [serveSpec, serveCommand],
  [diagnoseSpec, diagnoseCommand],
  [exportSpec, exportCommand],
  [conformanceSpec, conformanceCommand],
  [panelSpec, panelCommand],
  [checkGradSpec, checkGradCommand],
  [rootsSpec, rootsCommand],
  [newtonSpec, newtonCommand],
];

function mainHelp(): string {
  const lines = [
    'gradscope: train neural networks and see why they fail (vanishing/exploding gradients).',
    '',
    'Usage: gradscope <command> [options]   (gradscope <command> --help for details)',
    '',
    'Commands:',
    ...COMMANDS.map(([s]) => `  ${s.name.padEnd(14)} ${s.summary}`),
    '',
    'Exit codes (every command):',
    ...exitCodeHelp(),
  ];
  return lines.join('\n');
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(
  argv: readonly string[],
  out: (s: string) => void = (s) => process.stdout.write(s + '\n'),
  err: (s: string) => void = (s) => process.stderr.write(s + '\n'),
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out(mainHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version') {
    out(`gradscope ${packageVersion()}`);
    return EXIT.ok;
  }
  const entry = COMMANDS.find(([s]) => s.name === name);
  if (!entry) {
    err(
      `gradscope: unknown command '${name}'. Commands: ${COMMANDS.map(([s]) => s.name).join(', ')} (see gradscope --help)`,
    );
    return EXIT.usage;
  }
  const [spec, handler] = entry;
  try {
    const parsed = parseCommand(spec, rest);
    if (parsed === 'help') {
      out(commandHelp(spec));
      return EXIT.ok;
    }
    return await handler(parsed, out);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`gradscope ${e.message}\n(see gradscope ${spec.name} --help)`);
      return EXIT.usage;
    }
    if (e instanceof GradscopeError) {
      err(`gradscope ${spec.name}: ${e.name}: ${e.message}`);
      return EXIT.error;
    }
    // A file-system error that a command did not word itself: one line, path and cause.
    const fsText = fsErrorText(e);
    if (fsText !== null) {
      err(`gradscope ${spec.name}: ${fsText}`);
      return EXIT.error;
    }
    throw e;
  }
}

const isEntry = process.argv[1] !== undefined && /cli[\\/]main\.[jt]s$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(
        `gradscope: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      process.exitCode = EXIT.internal;
    },
  );
}
