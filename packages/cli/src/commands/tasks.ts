/**
 * `tsbatch tasks create|describe|list|resume` (R-TASK-1..3): each subcommand its own flags and --help, as the AWS
 * CLI's `create-batch-load-task`, `describe-batch-load-task`, `list-batch-load-tasks`, `resume-batch-load-task`.
 */
import { TASK_STATUSES, TaskStoreError, type StoredTask, type TaskStatus } from '@tsbatch/core';
import { recoverIngestTasks } from '@tsbatch/ingest';
import { awsJson } from '../internal/aws-time.js';
import { CliError, UsageError } from '../internal/cli-error.js';
import { DUPLICATE_OPTIONS, duplicateOptions } from '../internal/duplicate-flags.js';
import {
  booleanOption,
  stringOption,
  type CommandGroup,
  type CommandSpec,
  type OptionSpec,
} from '../internal/command.js';
import {
  CREATE_TABLE_OPTIONS,
  DATA_DIR_OPTION,
  DEFAULT_DATA_DIR,
  ENCODING_OPTION,
  JSON_OPTION,
  REPORT_DIR_OPTION,
  RUN_EXIT_CODES,
  STORE_OPTION,
  TARGET_OPTIONS,
} from '../internal/ingest-options.js';
import {
  connect,
  createTaskFromArgs,
  openStore,
  runTaskInForeground,
  targetOf,
  threadsOption,
} from '../internal/ingest-run.js';
import {
  CLI_INPUT_JSON_OPTION,
  DATA_MODEL_OPTIONS,
  SOURCE_OPTIONS,
  TASK_FLAGS,
  TASK_POSITIONAL,
} from '../internal/load-task.js';

const LIST = 'Listing (ListBatchLoadTasks)';
/** Both always print JSON; --json is accepted for symmetry with the other commands. */
const ALWAYS_JSON: OptionSpec = {
  name: 'json',
  type: 'boolean',
  description: 'Accepted for symmetry: the output is JSON anyway (times as the AWS CLI v2 prints them).',
  group: 'Output',
};
const ID = { name: 'ID', required: true };

const createCommand: CommandSpec = {
  name: 'create',
  summary: 'Create a task from a task file and run it (CreateBatchLoadTask, then the load).',
  positionals: [TASK_POSITIONAL],
  positionalFlags: TASK_FLAGS,
  description: [
    'Prints {"TaskId"} on standard output, then runs the task: into the embedded local endpoint (the store of ' +
      `\`tsbatch serve\`, --data-dir ${DEFAULT_DATA_DIR}) by default, or through WriteRecords to --endpoint-url. ` +
      'Progress and the summary go to standard error. A repeated ClientToken returns the existing task (R-TASK-2).',
  ],
  options: [
    CLI_INPUT_JSON_OPTION,
    ...SOURCE_OPTIONS,
    ...TARGET_OPTIONS,
    DATA_DIR_OPTION,
    ...CREATE_TABLE_OPTIONS,
    STORE_OPTION,
    REPORT_DIR_OPTION,
    ENCODING_OPTION,
    ...DUPLICATE_OPTIONS,
    ...DATA_MODEL_OPTIONS,
  ],
  examples: [
    {
      command:
        'tsbatch tasks create examples/fleet/task.json --s3-root examples/fleet/s3 --create-table --magnetic-writes',
      note: 'Load the fleet example into the local store of `tsbatch serve` (.tsbatch/local).',
    },
    {
      command:
        'tsbatch tasks create --cli-input-json file://task.json --source data/ --endpoint-url http://127.0.0.1:8000',
      note: 'The same, into a running `tsbatch serve`.',
    },
  ],
  exitCodes: RUN_EXIT_CODES,
  async run(args, io): Promise<number> {
    const { store, dir } = await openStore(args, io.cwd);
    const threads = threadsOption(args);
    const duplicates = duplicateOptions(args, io.cwd, io);
    const target = targetOf(args, io.cwd, true);
    const connection = await connect(target);
    let created;
    try {
      created = await createTaskFromArgs(args, io, store, target, connection);
    } finally {
      await connection.close();
    }
    io.stdout.write(`${JSON.stringify({ TaskId: created.taskId })}\n`);
    if (!created.created) {
      io.stderr.write(`A task with this ClientToken exists already (${created.status}); nothing was run.\n`);
      return 0;
    }
    return runTaskInForeground(io, {
      store,
      storeDir: dir,
      taskId: created.taskId,
      ...(threads !== undefined && { threads }),
      out: io.stderr,
      json: false,
      duplicates,
    });
  },
};

const describeCommand: CommandSpec = {
  name: 'describe',
  summary: 'Print a task as DescribeBatchLoadTask does: {"BatchLoadTaskDescription": ...}.',
  positionals: [ID],
  description: [
    'A task left IN_PROGRESS by a process that is gone shows as PROGRESS_STOPPED (R-TASK-1). Times are printed ' +
      'as the AWS CLI v2 prints them (2024-05-01T01:30:00.000000+00:00).',
  ],
  options: [STORE_OPTION, ALWAYS_JSON],
  examples: [{ command: 'tsbatch tasks describe 3F2A…', note: 'The task, its status and ProgressReport.' }],
  exitCodes: [
    [0, 'the task is printed'],
    [1, 'no such task'],
    [2, 'usage error'],
  ],
  async run(args, io): Promise<number> {
    const { store, dir } = await openStore(args, io.cwd);
    const id = args.positionals[0]!;
    await recoverIngestTasks(store, id);
    const task = await store.find(id);
    if (task === null) throw new CliError('TASK_NOT_FOUND', `task ${id} does not exist in ${dir}`, 1);
    io.stdout.write(awsJson({ BatchLoadTaskDescription: task.description }));
    return 0;
  },
};

const listCommand: CommandSpec = {
  name: 'list',
  summary: 'List tasks as ListBatchLoadTasks does, newest first: {"BatchLoadTasks": [...], "NextToken"}.',
  positionals: [],
  description: ['Filtered by --status, one page of --max-results at a time (R-TASK-2).'],
  options: [
    STORE_OPTION,
    ALWAYS_JSON,
    {
      name: 'status',
      type: 'string',
      value: 'S',
      description: `Only tasks in this status: ${TASK_STATUSES.join(', ')}.`,
      group: LIST,
    },
    {
      name: 'max-results',
      type: 'string',
      value: 'N',
      description: 'Tasks per page, 1-100.',
      defaultText: '100',
      group: LIST,
    },
    {
      name: 'next-token',
      type: 'string',
      value: 'T',
      description: 'The NextToken of the previous page.',
      group: LIST,
    },
  ],
  examples: [
    { command: 'tsbatch tasks list --status PROGRESS_STOPPED', note: 'The tasks that can be resumed.' },
  ],
  exitCodes: [
    [0, 'the page is printed'],
    [2, 'usage error (a bad status, page size or token)'],
  ],
  async run(args, io): Promise<number> {
    const { store } = await openStore(args, io.cwd);
    await recoverIngestTasks(store);
    const status = stringOption(args, 'status');
    if (status !== undefined && !(TASK_STATUSES as readonly string[]).includes(status)) {
      throw new UsageError(`--status must be one of ${TASK_STATUSES.join(', ')}, got '${status}'`);
    }
    const max = stringOption(args, 'max-results');
    if (max !== undefined && (!/^\d+$/.test(max) || Number(max) < 1 || Number(max) > 100)) {
      throw new UsageError(`--max-results must be a whole number from 1 to 100, got '${max}'`);
    }
    const nextToken = stringOption(args, 'next-token');
    let page;
    try {
      page = await store.list({
        ...(status !== undefined && { status: status as TaskStatus }),
        ...(max !== undefined && { maxResults: Number(max) }),
        ...(nextToken !== undefined && { nextToken }),
      });
    } catch (error) {
      if (error instanceof TaskStoreError) throw new UsageError(error.message);
      throw error;
    }
    const out = {
      BatchLoadTasks: page.tasks.map(summary),
      ...(page.nextToken !== undefined && { NextToken: page.nextToken }),
    };
    io.stdout.write(awsJson(out));
    return 0;
  },
};

const resumeCommand: CommandSpec = {
  name: 'resume',
  summary: 'Finish a PROGRESS_STOPPED task from its checkpoint, writing and counting no row twice.',
  positionals: [ID],
  description: [
    'Also a task whose process died. --endpoint-url points it at an endpoint that moved; --region and --profile ' +
      'change where and as whom it writes (the task keeps the ones it was created with otherwise).',
  ],
  options: [
    STORE_OPTION,
    ...TARGET_OPTIONS,
    DATA_DIR_OPTION,
    JSON_OPTION,
    {
      name: 'force',
      type: 'boolean',
      description: 'Resume a task marked running by a process on another machine (make sure it is gone).',
      group: 'Resuming',
    },
    ...DUPLICATE_OPTIONS,
  ],
  examples: [{ command: 'tsbatch tasks resume 3F2A…', note: 'Finish a stopped task.' }],
  exitCodes: [...RUN_EXIT_CODES, [1, 'also: no such task']],
  async run(args, io): Promise<number> {
    const { store, dir } = await openStore(args, io.cwd);
    const id = args.positionals[0]!;
    const threads = threadsOption(args);
    const duplicates = duplicateOptions(args, io.cwd, io);
    const moved = ['endpoint-url', 'data-dir', 'region', 'profile'].some(
      (f) => stringOption(args, f) !== undefined,
    );
    const override = moved ? targetOf(args, io.cwd, false) : undefined;
    if ((await store.find(id)) === null)
      throw new CliError('TASK_NOT_FOUND', `task ${id} does not exist in ${dir}`, 1);
    return runTaskInForeground(io, {
      store,
      storeDir: dir,
      taskId: id,
      ...(override !== undefined && { target: override }),
      ...(threads !== undefined && { threads }),
      ...(booleanOption(args, 'force') && { force: true }),
      out: io.stdout,
      json: booleanOption(args, 'json'),
      duplicates,
    });
  },
};

export const tasksCommand: CommandGroup = {
  name: 'tasks',
  summary: 'Batch-load tasks run by tsbatch: create (and run), describe, list, resume (R-TASK-1..3).',
  description: [
    'Tasks live in the task store (--store, the same one `tsbatch ingest` uses). A task left IN_PROGRESS by a ' +
      'process that is gone shows as PROGRESS_STOPPED.',
  ],
  subcommands: [createCommand, describeCommand, listCommand, resumeCommand],
};

/** ListBatchLoadTasks' BatchLoadTask summary (R-TASK-2). */
function summary(task: StoredTask): Record<string, string> {
  const d = task.description;
  return {
    TaskId: d.TaskId,
    TaskStatus: d.TaskStatus,
    DatabaseName: d.TargetDatabaseName,
    TableName: d.TargetTableName,
    CreationTime: d.CreationTime,
    LastUpdatedTime: d.LastUpdatedTime,
    ...(d.ResumableUntil !== undefined && { ResumableUntil: d.ResumableUntil }),
  };
}
