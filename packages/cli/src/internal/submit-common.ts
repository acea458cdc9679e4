/** What `submit` and `submit --plan` share (R-SUBMIT-1/2): the target table, the poll interval, the resume command. */
import type { ResolvedTask, TableRetention } from '@tsbatch/core';
import { describeTargetTable, ensureTargetTable } from '@tsbatch/ingest';

import { awsClientConfig, type AwsSettings } from './aws-settings.js';
import { UsageError } from './cli-error.js';
import type { CommandSpec, Io, ParsedArgs } from './command.js';
import { createTableFlags } from './ingest-run.js';
import { formatWarning } from './warnings.js';

/** [choice] DescribeBatchLoadTask every 10 s by default: a task takes minutes, the API's rate is modest. */
export const DEFAULT_POLL_SECONDS = 10;

export function pollSeconds(text: string | undefined): number {
  if (text === undefined) return DEFAULT_POLL_SECONDS;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > 3600) {
    throw new UsageError(`--poll-interval must be a number of seconds from 0 to 3600, got '${text}'`);
  }
  return n;
}

/** The target table (created with --create-table), its retention for the prediction; notes go to stderr. */
export async function targetRetention(
  args: ParsedArgs,
  task: ResolvedTask,
  settings: AwsSettings,
  io: Io,
): Promise<TableRetention | null> {
  const create = await createTableFlags(args, io);
  // R-ING-4: the same client settings as ingest (a loopback endpoint needs no credentials).
  const where = { ...awsClientConfig(settings), database: task.database, table: task.table };
  const table = create === null ? await describeTargetTable(where) : await ensureTargetTable(where, create);
  for (const warning of table.warnings) io.stderr.write(formatWarning(warning));
  return table.retention;
}

function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command that resumes: the same submit again. Its ClientToken finds the task (or the plan's tasks), a stopped
 * one is resumed and polled to its end (R-SUBMIT-1, R-SUBMIT-2).
 */
export function resumeCommand(spec: CommandSpec, args: ParsedArgs): string {
  const words = ['tsbatch', spec.name, ...args.positionals.map(shellWord)];
  for (const option of spec.options) {
    const value = args.values[option.name];
    if (value === undefined || value === false) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      words.push(v === true ? `--${option.name}` : `--${option.name} ${shellWord(String(v))}`);
    }
  }
  return words.join(' ');
}

/** The AWS CLI's equivalent for one task, with the endpoint when it is not AWS's. */
export function awsResumeCommand(taskId: string, settings: AwsSettings): string {
  const endpoint = settings.endpoint;
  return `aws timestream-write resume-batch-load-task --task-id ${taskId}${endpoint === undefined ? '' : ` --endpoint-url ${endpoint}`}`;
}
