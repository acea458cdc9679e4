/**
 * What `tsbatch ingest` and `tsbatch tasks` share: the flags of the target (R-ING-4) and of the task store
 * (R-TASK-3), creating an ingest task from a task file, and running a task in the foreground with Ctrl-C handling,
 * a progress bar, the reports and the exit code.
 */
import path from 'node:path';
import { openTaskStore, resolveSource, TaskStoreError, type TaskStore } from '@tsbatch/core';
import {
  createIngestTask,
  describeTargetTable,
  ensureTargetTable,
  IngestError,
  isIngestError,
  recoverIngestTasks,
  runIngestTask,
  type IngestResult,
  type IngestTarget,
  type StaticCredentials,
  type TargetTable,
} from '@tsbatch/ingest';
import { LocalError, startServer, type LocalServer } from '@tsbatch/local';
import { formatReport } from '../commands/validate.js';
import { formatDryRunSummary } from './dry-run-summary.js';
import {
  booleanOption,
  stringOption,
  UsageError,
  type Io,
  type OptionSpec,
  type ParsedArgs,
} from './command.js';
import { loadTask, sourceProblem } from './load-task.js';
import { createProgressBar } from './progress-bar.js';
import { tableRetention } from './table-flags.js';

const TARGET = 'Target (R-ING-4)';
const STORE = 'Task store (R-TASK-3)';
const OUTPUT = 'Output';
const CREATE = 'Creating the table (--create-table)';

/** [choice] R-TASK-3's default store: tasks as files directly in .tsbatch/ of the working folder. */
export const DEFAULT_STORE = '.tsbatch';
/** The data folder `tsbatch serve` uses by default: the embedded target of `tasks create`. */
export const DEFAULT_DATA_DIR = '.tsbatch/local';

export const ENDPOINT_OPTION: OptionSpec = {
  name: 'endpoint-url',
  type: 'string',
  value: 'URL',
  description: 'Write to this Timestream-Write-compatible endpoint (e.g. `tsbatch serve`) instead of AWS.',
  group: TARGET,
};
export const REGION_OPTION: OptionSpec = {
  name: 'region',
  type: 'string',
  value: 'REGION',
  description: 'AWS region; credentials come from the standard chain (environment, profile, SSO, role).',
  defaultText: 'AWS_REGION / the profile',
  group: TARGET,
};
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
    'Print {"BatchLoadTaskDescription": ...} as DescribeBatchLoadTask would, instead of a summary.',
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
  [1, 'the task FAILED (a parse, ingestion or file failure), or the target table does not exist'],
  [
    2,
    'usage error, the task is invalid or unreadable, or it cannot run (finished, or running in another process)',
  ],
  [75, 'PROGRESS_STOPPED by a persistent write failure: fix the cause, then `tsbatch tasks resume ID`'],
  [130, 'PROGRESS_STOPPED by Ctrl-C (SIGINT) or SIGTERM: `tsbatch tasks resume ID` finishes it'],
];

export async function openStore(args: ParsedArgs, cwd: string): Promise<{ store: TaskStore; dir: string }> {
  const dir = path.resolve(cwd, stringOption(args, 'store') ?? DEFAULT_STORE);
  return { store: await openTaskStore({ dir }), dir };
}

export function threadsOption(args: ParsedArgs): number | undefined {
  const text = stringOption(args, 'threads');
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 64) {
    throw new UsageError(`--threads must be a whole number from 1 to 64, got '${text}'`);
  }
  return Number(text);
}

/**
 * The target of a new task: `--endpoint-url` (with `--region`), the embedded local endpoint when `embedded` is the
 * default (`tasks create`), or AWS.
 */
export function targetOf(args: ParsedArgs, cwd: string, embeddedByDefault: boolean): IngestTarget {
  const endpoint = stringOption(args, 'endpoint-url');
  const region = stringOption(args, 'region');
  const dataDir = stringOption(args, 'data-dir');
  if (endpoint !== undefined) {
    if (dataDir !== undefined) throw new UsageError('give either --endpoint-url or --data-dir, not both');
    try {
      new URL(endpoint);
    } catch {
      throw new UsageError(`--endpoint-url must be a URL such as http://127.0.0.1:8000, got '${endpoint}'`);
    }
    return { endpoint, ...(region !== undefined && { region }) };
  }
  if (embeddedByDefault || dataDir !== undefined) {
    return { dataDir: path.resolve(cwd, dataDir ?? DEFAULT_DATA_DIR) };
  }
  return region !== undefined ? { region } : {};
}

/** A live connection to a target; the embedded local endpoint runs in this process while it is open. */
export interface Connection {
  endpoint?: string;
  region?: string;
  credentials?: StaticCredentials;
  close(): Promise<void>;
}

/** [choice] The embedded endpoint accepts any signature; the SDK still signs, with these. */
const EMBEDDED_CREDENTIALS: StaticCredentials = {
  accessKeyId: 'TSBATCHLOCAL',
  secretAccessKey: 'tsbatch-local',
};

export async function connect(target: IngestTarget): Promise<Connection> {
  if (target.dataDir === undefined) {
    return {
      ...(target.endpoint !== undefined && { endpoint: target.endpoint }),
      ...(target.region !== undefined && { region: target.region }),
      close: () => Promise.resolve(),
    };
  }
  let server: LocalServer;
  try {
    server = await startServer({ dataDir: target.dataDir, port: 0 });
  } catch (error) {
    if (error instanceof LocalError) {
      throw new UsageError(
        `cannot open the local store ${target.dataDir}: ${error.message} (while \`tsbatch serve\` runs on it, pass --endpoint-url)`,
      );
    }
    throw error;
  }
  return { endpoint: server.url, credentials: EMBEDDED_CREDENTIALS, close: () => server.close() };
}

function connectionOptions(c: Connection): {
  endpoint?: string;
  region?: string;
  credentials?: StaticCredentials;
} {
  return {
    ...(c.endpoint !== undefined && { endpoint: c.endpoint }),
    ...(c.region !== undefined && { region: c.region }),
    ...(c.credentials !== undefined && { credentials: c.credentials }),
  };
}

export interface CreatedTask {
  taskId: string;
  created: boolean;
  status: string;
}

/**
 * Validates the task file, describes (or with --create-table creates) the target table, and creates the task.
 * Returns null after printing why when the task is invalid (exit 2) or the table is missing (exit 1).
 */
export async function createTaskFromArgs(
  args: ParsedArgs,
  io: Io,
  store: TaskStore,
  target: IngestTarget,
  connection: Connection,
): Promise<CreatedTask | number> {
  const encoding = stringOption(args, 'encoding');
  const create = await createTableFlags(args, io.cwd);
  const { result, location } = await loadTask(args, io.cwd, encoding);
  if (!result.ok || result.task === undefined) {
    io.stderr.write(formatReport(args.positionals[0]!, result.issues));
    io.stderr.write('The task is invalid; nothing was run.\n');
    return 2;
  }
  const task = result.task;
  // R-S3-1: without --source or --s3-root, location reads the task's buckets from S3.
  const resolved = await resolveSource(task.source, location!);
  if (!resolved.ok) throw new UsageError(sourceProblem(resolved.error.message, location!));
  for (const issue of result.issues)
    io.stderr.write(`warning ${issue.path}: ${issue.message} [${issue.code}]\n`);

  let table: TargetTable;
  const where = { ...connectionOptions(connection), database: task.database, table: task.table };
  try {
    table = create === null ? await describeTargetTable(where) : await ensureTargetTable(where, create);
  } catch (error) {
    if (isIngestError(error)) {
      io.stderr.write(`tsbatch: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  if (table.createdDatabase) io.stderr.write(`Created database ${task.database}.\n`);
  if (table.createdTable) io.stderr.write(`Created table ${task.database}.${task.table}.\n`);
  for (const warning of table.warnings) io.stderr.write(`note: ${warning}\n`);

  const reportDir = stringOption(args, 'report-dir');
  // Tasks left running by a process that died no longer count against the quotas (R-TASK-1, R-TASK-2).
  await recoverIngestTasks(store);
  try {
    const { task: stored, created } = await createIngestTask(store, {
      task,
      location: location!,
      source: resolved.source,
      target,
      table: table.retention,
      ...(encoding !== undefined && { encoding }),
      ...(reportDir !== undefined && { reportDir: path.resolve(io.cwd, reportDir) }),
    });
    return { taskId: stored.description.TaskId, created, status: stored.description.TaskStatus };
  } catch (error) {
    if (error instanceof TaskStoreError) {
      io.stderr.write(`tsbatch: ${error.message} [${error.code}]\n`);
      return 1;
    }
    throw error;
  }
}

export async function createTableFlags(
  args: ParsedArgs,
  cwd: string,
): Promise<{
  memoryStoreRetentionPeriodInHours?: number;
  magneticStoreRetentionPeriodInDays?: number;
  enableMagneticStoreWrites?: boolean;
} | null> {
  const wanted = booleanOption(args, 'create-table');
  const given =
    stringOption(args, 'memory-retention-hours') !== undefined ||
    stringOption(args, 'magnetic-retention-days') !== undefined ||
    booleanOption(args, 'magnetic-writes');
  if (!wanted) {
    if (given) throw new UsageError('the retention flags are for --create-table');
    return null;
  }
  if (!given) return {};
  // The same checks as the dry run's table flags; a bare --magnetic-retention-days keeps the service's 6 hours.
  const retention = await tableRetention(
    stringOption(args, 'memory-retention-hours') === undefined
      ? { ...args, values: { ...args.values, 'memory-retention-hours': '6' } }
      : args,
    cwd,
  );
  return {
    memoryStoreRetentionPeriodInHours: retention!.memoryStoreRetentionPeriodInHours,
    magneticStoreRetentionPeriodInDays: retention!.magneticStoreRetentionPeriodInDays,
    enableMagneticStoreWrites: retention!.enableMagneticStoreWrites,
  };
}

export interface RunOptions {
  store: TaskStore;
  storeDir: string;
  taskId: string;
  /** Overrides of the stored target (a restarted endpoint, another region). */
  target?: IngestTarget;
  threads?: number;
  force?: boolean;
  /** Where the summary or the description goes: stdout (ingest, resume) or stderr (tasks create). */
  out: NodeJS.WritableStream;
  json: boolean;
}

/** Runs (or resumes) a task in the foreground; returns the exit code. */
export async function runTaskInForeground(io: Io, options: RunOptions): Promise<number> {
  const { store, taskId } = options;
  const stored = await store.get(taskId);
  const state = stored.state as { target?: IngestTarget; reportDir?: string } | undefined;
  const target: IngestTarget = { ...(state?.target ?? {}), ...(options.target ?? {}) };
  if (options.target?.endpoint !== undefined) delete target.dataDir;
  if (options.target?.dataDir !== undefined) delete target.endpoint;
  const connection = await connect(target);

  const abort = new AbortController();
  let interrupted = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupted++;
    if (interrupted === 1) {
      io.stderr.write(
        `\n${signal}: stopping; calls in flight finish, then the checkpoint is saved (again to quit at once: the task resumes from its last checkpoint)\n`,
      );
      abort.abort(new IngestError('INGEST_STOPPED', `Interrupted by ${signal}.`));
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let bar: ReturnType<typeof createProgressBar> | undefined;
  let outcome;
  try {
    outcome = await runIngestTask(store, taskId, {
      ...connectionOptions(connection),
      ...(options.threads !== undefined && { threads: options.threads }),
      ...(options.force === true && { force: true }),
      signal: abort.signal,
      onProgress: (p) => {
        // Made at the first progress, when the source's size is known; null when stderr is not a terminal.
        if (bar === undefined) bar = createProgressBar(io.stderr, p.totalBytes);
        bar?.update(p.bytesRead, p.report.RecordsProcessed);
      },
    });
  } catch (error) {
    if (isIngestError(error)) {
      io.stderr.write(`tsbatch: ${error.message} [${error.code}]\n`);
      if (error.code === 'INGEST_CHECKPOINT_FAILED') return 75; // stopped, resumable (R-TASK-1)
      return error.code === 'INGEST_TASK_RUNNING' || error.code === 'INGEST_TASK_NOT_RUNNABLE' ? 2 : 1;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    bar?.stop();
    await connection.close();
  }
  const { result, task } = outcome;
  io.stderr.write(
    `WriteRecords: ${result.stats.calls.toLocaleString('en-US')} calls, ${result.stats.retries.toLocaleString('en-US')} retries\n`,
  );
  for (const warning of result.warnings) io.stderr.write(`note: ${warning}\n`);
  if (options.json) {
    options.out.write(`${JSON.stringify({ BatchLoadTaskDescription: task.description }, null, 2)}\n`);
  } else {
    options.out.write(summaryOf(result, state?.reportDir, options.storeDir, io.cwd));
  }
  if (result.status === 'SUCCEEDED') return 0;
  if (result.status === 'FAILED') return 1;
  return abort.signal.aborted ? 130 : 75;
}

function summaryOf(
  result: IngestResult,
  reportDir: string | undefined,
  storeDir: string,
  cwd: string,
): string {
  const shown = reportDir === undefined ? undefined : path.relative(cwd, reportDir) || '.';
  if (result.status === 'PROGRESS_STOPPED') {
    const p = result.progress;
    const store = path.relative(cwd, storeDir);
    const flag = store === DEFAULT_STORE ? '' : ` --store ${store || '.'}`;
    return (
      `Ingest PROGRESS_STOPPED (TaskId ${result.taskId}): ${result.stopped?.message ?? 'stopped'}\n` +
      `  acknowledged ${p.RecordsProcessed.toLocaleString('en-US')} rows so far (${p.RecordsIngested.toLocaleString('en-US')} ingested)\n` +
      `  resume with: tsbatch tasks resume ${result.taskId}${flag}\n`
    );
  }
  const finished = { ...result, status: result.status };
  const text = formatDryRunSummary(finished, { files: [], totalBytes: 0 }, { price: 0.5, reportDir: shown });
  // The dry run's summary, headed as what it is here; its file count line needs the source, which the task keeps.
  return text.replace(/^Dry run /, 'Ingest ').replace(/^ {2}files .*\n/m, '');
}
