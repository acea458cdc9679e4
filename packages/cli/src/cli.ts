#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dryRunCommand } from './commands/dry-run.js';
import { exportCommand } from './commands/export.js';
import { ingestCommand } from './commands/ingest.js';
import { planCommand } from './commands/plan.js';
import { tasksCommand } from './commands/tasks.js';
import { serveCommand } from './commands/serve.js';
import { submitCommand } from './commands/submit.js';
import { validateCommand } from './commands/validate.js';
import { formatHelp, parseCommandArgs, UsageError, type CommandSpec, type Io } from './internal/command.js';
import { isSourceChanged, TaskStoreError } from '@tsbatch/core';
import { isAwsError } from '@tsbatch/aws';
import { didYouMean as closest } from '@tsbatch/validator';

const COMMANDS: CommandSpec[] = [
  validateCommand,
  dryRunCommand,
  ingestCommand,
  tasksCommand,
  submitCommand,
  planCommand,
  serveCommand,
  exportCommand,
];

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
    "Run 'tsbatch <command> --help' for a command's options, examples and exit codes.",
    '',
  ].join('\n');
}

/** Runs one command and returns its exit code; never throws (errors at the CLI edge become messages, STYLE rule 6). */
export async function main(argv: string[], io: Partial<Io> = {}): Promise<number> {
  const full: Io = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    cwd: io.cwd ?? process.env.INIT_CWD ?? process.cwd(),
  };
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    full.stdout.write(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    full.stdout.write('tsbatch 0.1.0\n');
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    const near = closest(
      name,
      COMMANDS.map((c) => c.name),
    );
    full.stderr.write(
      `tsbatch: unknown command '${name}'${near === undefined ? '' : ` (did you mean '${near}'?)`}\n` +
        "Run 'tsbatch --help' for the list of commands.\n",
    );
    return 2;
  }
  try {
    const args = parseCommandArgs(command, rest);
    if (args.values.help === true) {
      full.stdout.write(formatHelp(command));
      return 0;
    }
    return await command.run(args, full);
  } catch (error) {
    if (error instanceof UsageError) {
      full.stderr.write(
        `tsbatch ${command.name}: ${error.message}\nRun 'tsbatch ${command.name} --help' for usage.\n`,
      );
      return 2;
    }
    // R-TASK-3: a damaged task file or a task store locked too long is the state of the disk, not a bug.
    if (
      error instanceof TaskStoreError &&
      (error.code === 'TASK_FILE_CORRUPT' || error.code === 'TASK_STORE_LOCKED')
    ) {
      full.stderr.write(`tsbatch ${command.name}: ${error.message} [${error.code}]\n`);
      return 1;
    }
    // R-S3-1: an object changed under the run, or S3 / the service refused: the cause, not a bug of ours.
    if (isSourceChanged(error) || isAwsError(error)) {
      const code = (error as { code: string }).code;
      const message = (error as Error).message.replace(/ \[[A-Z0-9_]+\]$/, '');
      full.stderr.write(`tsbatch ${command.name}: ${message} [${code}]\n`);
      return 1;
    }
    // A bug of ours, not bad input: say so plainly, still without a stack trace unless asked.
    const message = error instanceof Error ? error.message : String(error);
    full.stderr.write(`tsbatch ${command.name}: internal error: ${message}\n`);
    if (process.env.TSBATCH_DEBUG !== undefined && error instanceof Error)
      full.stderr.write(`${error.stack}\n`);
    return 70;
  }
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await main(process.argv.slice(2));
}
