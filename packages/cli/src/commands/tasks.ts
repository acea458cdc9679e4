import { TASK_STATUSES, TaskStoreError, type StoredTask, type TaskStatus } from '@tsbatch/core';
import { recoverIngestTasks } from '@tsbatch/ingest';
import {
  booleanOption,
  stringOption,
  UsageError,
  type CommandSpec,
  type OptionSpec,
  type ParsedArgs,
} from '../internal/command.js';
import {
  connect,
  CREATE_TABLE_OPTIONS,
  createTaskFromArgs,
  DATA_DIR_OPTION,
  DEFAULT_DATA_DIR,
  ENCODING_OPTION,
  ENDPOINT_OPTION,
  JSON_OPTION,
  openStore,
  REGION_OPTION,
  REPORT_DIR_OPTION,
  RUN_EXIT_CODES,
  runTaskInForeground,
  STORE_OPTION,
  targetOf,
  threadsOption,
  THREADS_OPTION,
} from '../internal/ingest-run.js';
import { DUPLICATE_OPTIONS, duplicateOptions } from '../internal/duplicate-flags.js';
import { DATA_MODEL_OPTIONS, SOURCE_OPTIONS } from '../internal/load-task.js';

const LIST = 'tasks list';
const RESUME = 'tasks resume';

const LIST_OPTIONS: OptionSpec[] = [
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
];
const FORCE_OPTION: OptionSpec = {
  name: 'force',
  type: 'boolean',
  description: 'Resume a task marked running by a process on another machine (make sure it is gone).',
  group: RESUME,
};

/** The flags each subcommand takes: one option table parses them all, this says which belong where. */
const ALLOWED: Record<string, ReadonlySet<string>> = {
  create: new Set([
    ...[...SOURCE_OPTIONS, ENDPOINT_OPTION, REGION_OPTION, THREADS_OPTION, DATA_DIR_OPTION].map(
      (o) => o.name,
    ),
    ...CREATE_TABLE_OPTIONS.map((o) => o.name),
    ...[STORE_OPTION, REPORT_DIR_OPTION, ENCODING_OPTION, ...DATA_MODEL_OPTIONS].map((o) => o.name),
    ...DUPLICATE_OPTIONS.map((o) => o.name),
  ]),
  // Both always print JSON; --json is accepted for symmetry with the other commands.
  describe: new Set([STORE_OPTION.name, JSON_OPTION.name]),
  list: new Set([STORE_OPTION.name, JSON_OPTION.name, ...LIST_OPTIONS.map((o) => o.name)]),
  resume: new Set(
    [
      STORE_OPTION,
      ENDPOINT_OPTION,
      REGION_OPTION,
      THREADS_OPTION,
      DATA_DIR_OPTION,
      JSON_OPTION,
      FORCE_OPTION,
      ...DUPLICATE_OPTIONS,
    ].map((o) => o.name),
  ),
};
const ARGUMENT: Record<string, string | null> = {
  create: 'TASK.json',
  describe: 'ID',
  list: null,
  resume: 'ID',
};

export const tasksCommand: CommandSpec = {
  name: 'tasks',
  summary: 'Batch-load tasks run by tsbatch: create (and run), describe, list, resume (R-TASK-1..3).',
  positionals: [
    { name: 'create|describe|list|resume', required: true },
    { name: 'TASK.json|ID', required: false },
  ],
  description: [
    'tsbatch tasks create TASK.json [source, target and table flags] prints {"TaskId"} on standard output, then ' +
      `runs the task: into the embedded local endpoint (the store of \`tsbatch serve\`, --data-dir ${DEFAULT_DATA_DIR}) ` +
      'by default, or through WriteRecords to --endpoint-url. Progress and the summary go to standard error.',
    'tsbatch tasks describe ID prints {"BatchLoadTaskDescription": ...} as DescribeBatchLoadTask does; ' +
      'tsbatch tasks list prints {"BatchLoadTasks": [...], "NextToken"} as ListBatchLoadTasks does, newest first.',
    'tsbatch tasks resume ID finishes a PROGRESS_STOPPED task (or one whose process died) from its checkpoint, ' +
      'writing and counting no row twice; --endpoint-url points it at an endpoint that moved.',
    'Tasks live in the task store (--store, the same one `tsbatch ingest` uses). A task left IN_PROGRESS by a ' +
      'process that is gone shows as PROGRESS_STOPPED.',
  ],
  options: [
    ...SOURCE_OPTIONS,
    ENDPOINT_OPTION,
    REGION_OPTION,
    DATA_DIR_OPTION,
    THREADS_OPTION,
    ...CREATE_TABLE_OPTIONS,
    STORE_OPTION,
    REPORT_DIR_OPTION,
    JSON_OPTION,
    ENCODING_OPTION,
    ...LIST_OPTIONS,
    FORCE_OPTION,
    ...DUPLICATE_OPTIONS,
    ...DATA_MODEL_OPTIONS,
  ],
  examples: [
    {
      command:
        'tsbatch tasks create examples/fleet/task.json --s3-root examples/fleet/s3 --create-table --magnetic-writes',
      note: 'Load the fleet example into the local store of `tsbatch serve` (.tsbatch/local).',
    },
    { command: 'tsbatch tasks list --status PROGRESS_STOPPED', note: 'The tasks that can be resumed.' },
    { command: 'tsbatch tasks resume 3F2A…', note: 'Finish a stopped task.' },
  ],
  exitCodes: [
    ...RUN_EXIT_CODES.map(([code, meaning]): [number, string] => [code, `create, resume: ${meaning}`]),
    [1, 'describe: no such task'],
  ],
  async run(args, io): Promise<number> {
    const sub = args.positionals[0]!;
    const allowed = ALLOWED[sub];
    if (allowed === undefined) {
      throw new UsageError(`unknown subcommand '${sub}' (create, describe, list or resume)`);
    }
    checkFlags(sub, args, allowed);
    const { store, dir } = await openStore(args, io.cwd);
    const id = args.positionals[1];

    switch (sub) {
      case 'create': {
        const threads = threadsOption(args);
        const duplicates = duplicateOptions(args, io.cwd, io);
        const target = targetOf(args, io.cwd, true);
        const connection = await connect(target);
        let created;
        try {
          // The task file is the second positional here (`tasks create TASK.json`).
          created = await createTaskFromArgs(
            { ...args, positionals: args.positionals.slice(1) },
            io,
            store,
            target,
            connection,
          );
        } finally {
          await connection.close();
        }
        if (typeof created === 'number') return created;
        io.stdout.write(`${JSON.stringify({ TaskId: created.taskId })}\n`);
        if (!created.created) {
          io.stderr.write(
            `A task with this ClientToken exists already (${created.status}); nothing was run.\n`,
          );
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
      }
      case 'describe': {
        await recoverIngestTasks(store, id);
        const task = await store.find(id!);
        if (task === null) {
          io.stderr.write(`tsbatch tasks: task ${id!} does not exist in ${dir}\n`);
          return 1;
        }
        io.stdout.write(`${JSON.stringify({ BatchLoadTaskDescription: task.description }, null, 2)}\n`);
        return 0;
      }
      case 'list': {
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
        io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return 0;
      }
      default: {
        const threads = threadsOption(args);
        const duplicates = duplicateOptions(args, io.cwd, io);
        if (
          stringOption(args, 'endpoint-url') !== undefined &&
          stringOption(args, 'data-dir') !== undefined
        ) {
          throw new UsageError('give either --endpoint-url or --data-dir, not both');
        }
        const override =
          stringOption(args, 'endpoint-url') !== undefined ||
          stringOption(args, 'data-dir') !== undefined ||
          stringOption(args, 'region') !== undefined
            ? targetOf(args, io.cwd, false)
            : undefined;
        if ((await store.find(id!)) === null) {
          io.stderr.write(`tsbatch tasks: task ${id!} does not exist in ${dir}\n`);
          return 1;
        }
        return runTaskInForeground(io, {
          store,
          storeDir: dir,
          taskId: id!,
          ...(override !== undefined && { target: override }),
          ...(threads !== undefined && { threads }),
          ...(booleanOption(args, 'force') && { force: true }),
          out: io.stdout,
          json: booleanOption(args, 'json'),
          duplicates,
        });
      }
    }
  },
};

function checkFlags(sub: string, args: ParsedArgs, allowed: ReadonlySet<string>): void {
  for (const [name, value] of Object.entries(args.values)) {
    if (value === undefined || name === 'help' || allowed.has(name)) continue;
    throw new UsageError(`tasks ${sub} does not take --${name}`);
  }
  const argument = ARGUMENT[sub];
  if (argument === null && args.positionals.length > 1) {
    throw new UsageError(`tasks ${sub} takes no argument, got '${args.positionals[1]!}'`);
  }
  if (argument !== null && argument !== undefined && args.positionals.length < 2) {
    throw new UsageError(`tasks ${sub} needs ${argument}`);
  }
}

/** ListBatchLoadTasks' BatchLoadTask summary, ISO times (R-TASK-2). */
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
