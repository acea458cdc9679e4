import { booleanOption, type CommandSpec } from '../internal/command.js';
import { DUPLICATE_OPTIONS, duplicateOptions } from '../internal/duplicate-flags.js';
import {
  CREATE_TABLE_OPTIONS,
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

export const ingestCommand: CommandSpec = {
  name: 'ingest',
  summary: 'Load a task for real through WriteRecords from worker threads: checkpointed, resumable, exact.',
  positionals: [TASK_POSITIONAL],
  positionalFlags: TASK_FLAGS,
  description: [
    'The task is validated and every row is mapped exactly as `tsbatch dry-run` does (one engine), then written ' +
      'with WriteRecords in calls of up to 100 records, shared fields in CommonAttributes, from worker threads. ' +
      'Throttling, 5xx, timeouts and lost connections are retried with jittered backoff; records the service ' +
      'rejects are reported with their file and line, like any ingestion failure.',
    'The load is a task in the task store (--store): a checkpoint per file is saved as it goes. When it stops ' +
      '(Ctrl-C, a crash, a persistent failure) it is PROGRESS_STOPPED, and `tsbatch tasks resume ID` finishes it ' +
      'without writing or counting a row twice. Without --endpoint-url it writes to AWS, with the region, profile ' +
      'and credentials the AWS CLI would use; with a loopback --endpoint-url (`tsbatch serve`) no credentials are ' +
      'needed.',
  ],
  options: [
    CLI_INPUT_JSON_OPTION,
    ...SOURCE_OPTIONS,
    ...TARGET_OPTIONS,
    ...CREATE_TABLE_OPTIONS,
    STORE_OPTION,
    REPORT_DIR_OPTION,
    JSON_OPTION,
    ENCODING_OPTION,
    ...DUPLICATE_OPTIONS,
    ...DATA_MODEL_OPTIONS,
  ],
  examples: [
    {
      command:
        'tsbatch ingest examples/fleet/task.json --s3-root examples/fleet/s3 --endpoint-url http://127.0.0.1:8000 --create-table --magnetic-writes',
      note: 'Load the fleet example into `tsbatch serve`, creating the table (magnetic writes on, for 2024 data).',
    },
    {
      command:
        'tsbatch ingest file://task.json --source data/ --profile prod --region eu-west-1 --report-dir out',
      note: 'Load into AWS; rejected rows go to out/rejects.jsonl, the error report to out/error-report.json.',
    },
  ],
  exitCodes: RUN_EXIT_CODES,
  async run(args, io): Promise<number> {
    const threads = threadsOption(args);
    const duplicates = duplicateOptions(args, io.cwd, io);
    const target = targetOf(args, io.cwd, false);
    const { store, dir } = await openStore(args, io.cwd);
    const connection = await connect(target);
    let created;
    try {
      created = await createTaskFromArgs(args, io, store, target, connection);
    } finally {
      await connection.close();
    }
    io.stderr.write(`Task ${created.taskId} (store ${dir})\n`);
    if (!created.created) {
      io.stderr.write(`A task with this ClientToken exists already (${created.status}); nothing was run.\n`);
      return 0;
    }
    return runTaskInForeground(io, {
      store,
      storeDir: dir,
      taskId: created.taskId,
      ...(threads !== undefined && { threads }),
      out: io.stdout,
      json: booleanOption(args, 'json'),
      duplicates,
    });
  },
};
