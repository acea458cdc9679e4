/**
 * The `tsbatch` command's main(): argv in, exit code out. No top-level await, so that `require('@tsbatch/cli')` works
 * from CommonJS (Node 20.19's require(esm)); the entry point that runs it is cli.ts (and bin/tsbatch.js).
 */
import { readFileSync } from 'node:fs';
import { isAwsError } from '@tsbatch/aws';
import { isSourceChanged, TaskStoreError } from '@tsbatch/core';
import { didYouMean as closest } from '@tsbatch/validator';
import { dryRunCommand } from './commands/dry-run.js';
import { exportCommand } from './commands/export.js';
import { ingestCommand } from './commands/ingest.js';
import { initCommand } from './commands/init.js';
import { journalExportCommand } from './commands/journal-export.js';
import { planCommand } from './commands/plan.js';
import { serveCommand } from './commands/serve.js';
import { submitCommand } from './commands/submit.js';
import { tasksCommand } from './commands/tasks.js';
import { validateCommand } from './commands/validate.js';
import { quietSdkVersionWarning } from './internal/aws-settings.js';
import { CliError, isCliError, UsageError } from './internal/cli-error.js';
import {
  formatGroupHelp,
  formatHelp,
  parseCommandArgs,
  type CommandGroup,
  type CommandSpec,
  type Io,
} from './internal/command.js';

type Entry = CommandSpec | CommandGroup;

const COMMANDS: Entry[] = [
  validateCommand,
  dryRunCommand,
  ingestCommand,
  tasksCommand,
  submitCommand,
  planCommand,
  serveCommand,
  exportCommand,
  journalExportCommand,
  initCommand,
];

const isGroup = (entry: Entry): entry is CommandGroup => 'subcommands' in entry;

/** `tsbatch/0.1.0 node/20.20.0 linux/x64`, as `aws --version` names itself and its runtime. */
export function versionLine(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return `tsbatch/${manifest.version} node/${process.versions.node} ${process.platform}/${process.arch}\n`;
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'Usage: tsbatch <command> [options]',
    '',
    'Runs Amazon Timestream batch loads offline: the same CreateBatchLoadTask JSON you send to AWS, your CSV files,',
    'and no AWS account.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    "Run 'tsbatch <command> --help' (or 'tsbatch help <command>') for a command's options, examples and exit codes;",
    "'tsbatch --version' for the version.",
    '',
  ].join('\n');
}

/** The command (or group) named by `words`, with how it was named; a UsageError for an unknown name. */
function lookUp(words: string[]): { entry: Entry; path: string; parent?: string; rest: string[] } {
  const [name, ...rest] = words;
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry === undefined) {
    const near =
      name === undefined
        ? undefined
        : closest(
            name,
            COMMANDS.map((c) => c.name),
          );
    throw new UsageError(
      `unknown command '${name ?? ''}'${near === undefined ? '' : ` (did you mean '${near}'?)`}`,
    );
  }
  if (!isGroup(entry)) return { entry, path: entry.name, rest };
  const [subName, ...subRest] = rest;
  const sub = entry.subcommands.find((c) => c.name === subName);
  if (sub === undefined) {
    if (subName === undefined || subName.startsWith('-')) return { entry, path: entry.name, rest };
    const names = entry.subcommands.map((c) => c.name);
    const near = closest(subName, names);
    throw new UsageError(
      `unknown subcommand '${subName}' of ${entry.name} (${names.join(', ')})${near === undefined ? '' : `; did you mean '${near}'?`}`,
    );
  }
  return { entry: sub, path: `${entry.name} ${sub.name}`, parent: entry.name, rest: subRest };
}

function helpOf(found: ReturnType<typeof lookUp>): string {
  return isGroup(found.entry) ? formatGroupHelp(found.entry) : formatHelp(found.entry, found.parent);
}

/** Runs one command and returns its exit code; never throws (errors at the CLI edge become messages, STYLE rule 6). */
export async function main(argv: string[], io: Partial<Io> = {}): Promise<number> {
  quietSdkVersionWarning();
  const full: Io = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    ...(io.stdin !== undefined && { stdin: io.stdin }),
    cwd: io.cwd ?? process.env.INIT_CWD ?? process.cwd(),
  };
  const [first, ...others] = argv;
  if (first === undefined) {
    full.stderr.write(mainHelp());
    return 2;
  }
  if (first === '--help' || first === '-h') {
    full.stdout.write(mainHelp());
    return 0;
  }
  if (first === '--version') {
    full.stdout.write(versionLine());
    return 0;
  }
  // `--json` asks for the error as JSON too, whatever else is wrong with the command line.
  const json = argv.includes('--json');
  let path = first === 'help' || COMMANDS.some((c) => c.name === first) ? first : '';
  try {
    if (first === 'help') {
      // `tsbatch help [COMMAND [SUBCOMMAND]]`, as `aws help`.
      full.stdout.write(others.length === 0 ? mainHelp() : helpOf(lookUp(others)));
      return 0;
    }
    const found = lookUp(argv);
    path = found.path;
    if (isGroup(found.entry)) {
      const asked = found.rest.includes('--help') || found.rest.includes('-h');
      (asked ? full.stdout : full.stderr).write(formatGroupHelp(found.entry));
      return asked ? 0 : 2;
    }
    const args = parseCommandArgs(found.entry, found.rest);
    if (args.values.help === true) {
      full.stdout.write(formatHelp(found.entry, found.parent));
      return 0;
    }
    return await found.entry.run(args, full);
  } catch (error) {
    return report(asCliError(error), path, full, json);
  }
}

/** Any error as the CliError to print: ours as they are, the task store's as its state, anything else a bug. */
function asCliError(error: unknown): CliError {
  if (isCliError(error)) return error;
  // R-TASK-3: a damaged task file or a task store locked too long is the state of the disk, not a bug.
  if (
    error instanceof TaskStoreError &&
    (error.code === 'TASK_FILE_CORRUPT' || error.code === 'TASK_STORE_LOCKED')
  ) {
    return new CliError('TASK_STORE', `${error.message} [${error.code}]`, 1);
  }
  // R-S3-1: an object changed under the run, or S3 / the service refused: the cause, not a bug of ours.
  if (isSourceChanged(error) || isAwsError(error)) {
    const code = (error as { code: string }).code;
    const message = (error as Error).message.replace(/ \[[A-Z0-9_]+\]$/, '');
    return new CliError(code, message, 1, {}, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CliError('INTERNAL_ERROR', `internal error: ${message}`, 70, {}, { cause: error });
}

/** The error on stderr (and as JSON on stdout with --json); returns its exit code. */
function report(error: CliError, path: string, io: Io, json: boolean): number {
  const { details } = error;
  if (details.text !== undefined) io.stderr.write(details.text);
  const usage = error instanceof UsageError;
  const code = usage || error.code === 'INTERNAL_ERROR' ? '' : ` [${error.code}]`;
  io.stderr.write(`tsbatch${path === '' ? '' : ` ${path}`}: ${error.message}${code}\n`);
  if (details.hint !== undefined) io.stderr.write(`${details.hint}\n`);
  if (usage) {
    io.stderr.write(
      path === '' || path === 'help'
        ? "Run 'tsbatch --help' for the list of commands.\n"
        : `Run 'tsbatch ${path} --help' for usage.\n`,
    );
  }
  if (
    error.code === 'INTERNAL_ERROR' &&
    process.env.TSBATCH_DEBUG !== undefined &&
    error.cause instanceof Error
  ) {
    io.stderr.write(`${error.cause.stack}\n`);
  }
  if (json) io.stdout.write(`${JSON.stringify(error.toJSON())}\n`);
  return error.exitCode;
}
