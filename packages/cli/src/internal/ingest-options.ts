/** The flags `tsbatch ingest` and `tsbatch tasks` share: target (R-ING-4), task store (R-TASK-3), table, output. */
import { AWS_OPTIONS } from './aws-settings.js';
import type { OptionSpec } from './command.js';

const TARGET = 'Target (R-ING-4)';
const STORE = 'Task store (R-TASK-3)';
const OUTPUT = 'Output';
const CREATE = 'Creating the table (--create-table)';

/** [choice] R-TASK-3's default store: tasks as files directly in .tsbatch/ of the working folder. */
export const DEFAULT_STORE = '.tsbatch';
/** The data folder `tsbatch serve` uses by default: the embedded target of `tasks create`. */
export const DEFAULT_DATA_DIR = '.tsbatch/local';

export const THREADS_OPTION: OptionSpec = {
  name: 'threads',
  type: 'string',
  value: 'N',
  description: 'Worker threads writing, each with its own connection and up to 8 calls in flight.',
  defaultText: 'min(4, CPUs)',
  group: TARGET,
};
export const DATA_DIR_OPTION: OptionSpec = {
  name: 'data-dir',
  type: 'string',
  value: 'DIR',
  description:
    'Without --endpoint-url: the data folder of the embedded local endpoint written to (as `tsbatch serve`).',
  defaultText: DEFAULT_DATA_DIR,
  group: TARGET,
};
/** --endpoint-url, --region, --profile (aws-settings.ts) and --threads. */
export const TARGET_OPTIONS: OptionSpec[] = [...AWS_OPTIONS, THREADS_OPTION];

export const STORE_OPTION: OptionSpec = {
  name: 'store',
  type: 'string',
  value: 'DIR',
  description: 'Folder of the task store: task status, progress and checkpoints.',
  defaultText: DEFAULT_STORE,
  group: STORE,
};
export const CREATE_TABLE_OPTIONS: OptionSpec[] = [
  {
    name: 'create-table',
    type: 'boolean',
    description: 'Create the database and the table when they are missing.',
    group: CREATE,
  },
  {
    name: 'memory-retention-hours',
    type: 'string',
    value: 'H',
    description: 'Memory store retention of a created table, 1-8766.',
    defaultText: '6',
    group: CREATE,
  },
  {
    name: 'magnetic-retention-days',
    type: 'string',
    value: 'D',
    description: 'Magnetic store retention of a created table, 1-73000.',
    defaultText: '73000',
    group: CREATE,
  },
  {
    name: 'magnetic-writes',
    type: 'boolean',
    description: 'Enable magnetic store writes on a created table (late data up to its magnetic retention).',
    group: CREATE,
  },
];
export const REPORT_DIR_OPTION: OptionSpec = {
  name: 'report-dir',
  type: 'string',
  value: 'DIR',
  description:
    "Write DIR/error-report.json (the service's error report, only when something failed) and DIR/rejects.jsonl " +
    '(one line per failed row, with file and line).',
  group: OUTPUT,
};
export const JSON_OPTION: OptionSpec = {
  name: 'json',
  type: 'boolean',
  description:
    'Print {"BatchLoadTaskDescription": ...} as `aws timestream-write describe-batch-load-task` would (times as ' +
    'the AWS CLI v2 prints them), instead of a summary; an error as {"Error": {"Code", "Message"}}.',
  group: OUTPUT,
};
export const ENCODING_OPTION: OptionSpec = {
  name: 'encoding',
  type: 'string',
  value: 'NAME',
  description: 'Decode the files from this encoding (e.g. latin1); the service itself needs UTF-8.',
  defaultText: 'UTF-8, as the service',
  group: 'Input',
};

export const RUN_EXIT_CODES: [number, string][] = [
  [0, 'the task SUCCEEDED'],
  [
    1,
    'the task FAILED (a parse, ingestion or file failure), the target table does not exist, the endpoint cannot ' +
      'be reached, or AWS refused the request',
  ],
  [
    2,
    'usage error, the task is invalid or unreadable, the data is not where --source or --s3-root says, no AWS ' +
      'region or credentials, or the task cannot run (finished, or running in another process)',
  ],
  [
    75,
    "PROGRESS_STOPPED by a persistent failure (writes, the checkpoint disk, the duplicate check's --temp-dir): fix the cause, then `tsbatch tasks resume ID`",
  ],
  [130, 'PROGRESS_STOPPED by Ctrl-C (SIGINT) or SIGTERM: `tsbatch tasks resume ID` finishes it'],
];
