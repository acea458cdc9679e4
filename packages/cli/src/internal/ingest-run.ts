/**
 * What `tsbatch ingest` and `tsbatch tasks` share: the target (R-ING-4) and the task store (R-TASK-3), creating an
 * ingest task from a task file, and running a task in the foreground with Ctrl-C handling, progress, the reports and
 * the exit code. AWS settings, credentials and SDK errors: aws-settings.ts.
 */
import path from 'node:path';
import { openTaskStore, TaskStoreError, type DuplicateCheckOptions, type TaskStore } from '@tsbatch/core';
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
  type TargetTable,
} from '@tsbatch/ingest';
import { LocalError, startServer, type LocalServer } from '@tsbatch/local';
import {
  awsClientConfig,
  awsSettings,
  explainAwsError,
  PLACEHOLDER_CREDENTIALS,
  type AwsClientConfig,
} from './aws-settings.js';
import { awsJson } from './aws-time.js';
import { CliError, UsageError } from './cli-error.js';
import { booleanOption, stringOption, type Io, type ParsedArgs } from './command.js';
import { formatDryRunSummary } from './dry-run-summary.js';
import { DEFAULT_DATA_DIR, DEFAULT_STORE } from './ingest-options.js';
import { loadTask, runnable } from './load-task.js';
import { createProgress, elapsedLine, type Progress } from './progress.js';
import { tableRetention } from './table-flags.js';
import { formatRunIssues, formatWarning } from './warnings.js';

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
 * The target of a task: `--endpoint-url` (with `--region`, `--profile`), the embedded local endpoint when it is the
 * default (`tasks create`) or `--data-dir` is given, or AWS.
 */
export function targetOf(args: ParsedArgs, cwd: string, embeddedByDefault: boolean): IngestTarget {
  const aws = awsSettings(args);
  const dataDir = stringOption(args, 'data-dir');
  if (aws.endpoint !== undefined && dataDir !== undefined) {
    throw new UsageError('give either --endpoint-url or --data-dir, not both');
  }
  if (aws.endpoint === undefined && (embeddedByDefault || dataDir !== undefined)) {
    return { dataDir: path.resolve(cwd, dataDir ?? DEFAULT_DATA_DIR) };
  }
  return aws;
}

/** A live connection to a target; the embedded local endpoint runs in this process while it is open. */
export interface Connection {
  /** What the SDK clients take (aws-settings.ts). */
  client: AwsClientConfig;
  /** The target as the flags gave it, for messages. */
  target: IngestTarget;
  close(): Promise<void>;
}

export async function connect(target: IngestTarget): Promise<Connection> {
  if (target.dataDir === undefined) {
    return { client: awsClientConfig(target), target, close: () => Promise.resolve() };
  }
  let server: LocalServer;
  try {
    server = await startServer({ dataDir: target.dataDir, port: 0 });
  } catch (error) {
    if (error instanceof LocalError) {
      throw new CliError(
        'LOCAL_STORE_BUSY',
        `cannot open the local store ${target.dataDir}: ${error.message} (while \`tsbatch serve\` runs on it, pass --endpoint-url)`,
        2,
      );
    }
    throw error;
  }
  // [choice] The embedded endpoint accepts any signature; the SDK still signs, with the placeholder.
  const client: AwsClientConfig = {
    endpoint: server.url,
    region: 'us-east-1',
    credentials: () => Promise.resolve(PLACEHOLDER_CREDENTIALS),
  };
  return { client, target, close: () => server.close() };
}

/** An SDK failure (no region, no credentials, nothing listening) as what to do (issue 18), or the error itself. */
function awsFailure(error: unknown, connection: Connection): unknown {
  return explainAwsError(error, connection.target) ?? error;
}

export interface CreatedTask {
  taskId: string;
  created: boolean;
  status: string;
}

/**
 * Validates the task (TASK at positional `index`), describes (or with --create-table creates) the target table,
 * and creates the task. Throws a CliError when the task is invalid, the data is elsewhere, or the table is missing.
 */
export async function createTaskFromArgs(
  args: ParsedArgs,
  io: Io,
  store: TaskStore,
  target: IngestTarget,
  connection: Connection,
): Promise<CreatedTask> {
  const encoding = stringOption(args, 'encoding');
  const create = await createTableFlags(args, io);
  const loaded = await loadTask(args, io, encoding);
  const { task, source, warnings, fileErrors } = runnable(loaded, 'ingest');
  io.stderr.write(formatRunIssues([...fileErrors, ...warnings]));

  let table: TargetTable;
  const where = { ...connection.client, database: task.database, table: task.table };
  try {
    table = create === null ? await describeTargetTable(where) : await ensureTargetTable(where, create);
  } catch (error) {
    if (isIngestError(error, 'INGEST_TABLE_NOT_FOUND'))
      throw new CliError('TABLE_NOT_FOUND', error.message, 1);
    const explained = awsFailure(error, connection);
    if (explained !== error || !isIngestError(error)) throw explained;
    throw new CliError('AWS_REQUEST_REFUSED', error.message, 1, {}, { cause: error });
  }
  if (table.createdDatabase) io.stderr.write(`Created database ${task.database}.\n`);
  if (table.createdTable) io.stderr.write(`Created table ${task.database}.${task.table}.\n`);
  for (const warning of table.warnings) io.stderr.write(formatWarning(warning));

  const reportDir = stringOption(args, 'report-dir');
  // Tasks left running by a process that died no longer count against the quotas (R-TASK-1, R-TASK-2).
  await recoverIngestTasks(store);
  try {
    const { task: stored, created } = await createIngestTask(store, {
      task,
      location: loaded.location!,
      source,
      target,
      table: table.retention,
      ...(encoding !== undefined && { encoding }),
      ...(reportDir !== undefined && { reportDir: path.resolve(io.cwd, reportDir) }),
    });
    return { taskId: stored.description.TaskId, created, status: stored.description.TaskStatus };
  } catch (error) {
    if (error instanceof TaskStoreError)
      throw new CliError('TASK_STORE', `${error.message} [${error.code}]`, 1);
    throw error;
  }
}

export async function createTableFlags(
  args: ParsedArgs,
  io: Io,
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
    io,
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
  /** Overrides of the stored target (a restarted endpoint, another region or profile). */
  target?: IngestTarget;
  threads?: number;
  force?: boolean;
  /** Where the summary or the description goes: stdout (ingest, resume) or stderr (tasks create). */
  out: NodeJS.WritableStream;
  json: boolean;
  /** The duplicate check's folder and memory budget (R-DUP-1), for this run. */
  duplicates?: DuplicateCheckOptions;
}

/** The stored target with the overrides of a resume. */
function targetFor(stored: IngestTarget | undefined, override: IngestTarget | undefined): IngestTarget {
  const target: IngestTarget = { ...(stored ?? {}), ...(override ?? {}) };
  if (override?.endpoint !== undefined) delete target.dataDir;
  if (override?.dataDir !== undefined) delete target.endpoint;
  return target;
}

/** Runs (or resumes) a task in the foreground; returns the exit code. */
export async function runTaskInForeground(io: Io, options: RunOptions): Promise<number> {
  const { store, taskId } = options;
  const stored = await store.get(taskId);
  const state = stored.state as { target?: IngestTarget; reportDir?: string } | undefined;
  const connection = await connect(targetFor(state?.target, options.target));

  const abort = new AbortController();
  let progress: Progress | undefined;
  let interrupted = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupted++;
    if (interrupted > 1) process.exit(130);
    const message = `${signal}: stopping; calls in flight finish, then the checkpoint is saved (again to quit at once: the task resumes from its last checkpoint)`;
    // Issue 18: the bar is cleared and stays so; drawn again it would overwrite this line.
    if (progress === undefined) io.stderr.write(`${message}\n`);
    else progress.interrupt(message);
    abort.abort(new IngestError('INGEST_STOPPED', `Interrupted by ${signal}.`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const started = Date.now();
  let outcome;
  try {
    outcome = await runIngestTask(store, taskId, {
      ...connection.client,
      ...(options.threads !== undefined && { threads: options.threads }),
      ...(options.force === true && { force: true }),
      ...options.duplicates,
      signal: abort.signal,
      onProgress: (p) => {
        // Made at the first progress, when the source's size is known.
        progress ??= createProgress(io.stderr, p.totalBytes);
        progress.update(p.bytesRead, p.report.RecordsProcessed);
      },
    });
  } catch (error) {
    throw runFailure(error, connection);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress?.stop();
    await connection.close();
  }
  const { result, task } = outcome;
  io.stderr.write(
    `WriteRecords: ${result.stats.calls.toLocaleString('en-US')} calls, ${result.stats.retries.toLocaleString('en-US')} retries\n`,
  );
  for (const warning of result.warnings) io.stderr.write(formatWarning(warning));
  if (options.json) {
    options.out.write(awsJson({ BatchLoadTaskDescription: task.description }));
  } else {
    const summary = {
      reportDir: state?.reportDir,
      storeDir: options.storeDir,
      elapsedMs: Date.now() - started,
    };
    options.out.write(summaryOf(result, summary, io.cwd, connection));
  }
  if (result.status === 'SUCCEEDED') return 0;
  if (result.status === 'FAILED') return 1;
  return abort.signal.aborted ? 130 : 75;
}

/** A task that could not run, as the CliError of the contract. */
function runFailure(error: unknown, connection: Connection): unknown {
  if (!isIngestError(error)) return awsFailure(error, connection);
  // A checkpoint that could not be saved stops the task resumable (R-TASK-1).
  if (error.code === 'INGEST_CHECKPOINT_FAILED') return new CliError(error.code, error.message, 75);
  const notRunnable = ['INGEST_TASK_RUNNING', 'INGEST_TASK_NOT_RUNNABLE', 'INGEST_SOURCE_CHANGED'];
  if (notRunnable.includes(error.code))
    return new CliError('TASK_NOT_RUNNABLE', `${error.message} [${error.code}]`, 2);
  const explained = awsFailure(error, connection);
  return explained === error ? new CliError(error.code, error.message, 1, {}, { cause: error }) : explained;
}

function summaryOf(
  result: IngestResult,
  at: { reportDir: string | undefined; storeDir: string; elapsedMs: number },
  cwd: string,
  connection: Connection,
): string {
  const shown = at.reportDir === undefined ? undefined : path.relative(cwd, at.reportDir) || '.';
  if (result.status === 'PROGRESS_STOPPED') {
    const p = result.progress;
    const store = path.relative(cwd, at.storeDir);
    const flag = store === DEFAULT_STORE ? '' : ` --store ${store || '.'}`;
    // What to fix before resuming, when the SDK said why (no credentials, nothing listening).
    const why = result.stopped === null ? null : explainAwsError(result.stopped, connection.target);
    return (
      `Ingest PROGRESS_STOPPED (TaskId ${result.taskId}): ${result.stopped?.message ?? 'stopped'}\n` +
      (why === null ? '' : `  ${why.message}\n`) +
      `  acknowledged ${p.RecordsProcessed.toLocaleString('en-US')} rows so far (${p.RecordsIngested.toLocaleString('en-US')} ingested)\n` +
      `  elapsed      ${elapsedLine(at.elapsedMs, p.RecordsProcessed)}\n` +
      `  resume with: tsbatch tasks resume ${result.taskId}${flag}\n`
    );
  }
  const finished = { ...result, status: result.status, warnings: [] };
  return formatDryRunSummary(
    finished,
    { files: [], totalBytes: 0 },
    { price: 0.5, reportDir: shown, title: 'Ingest', files: false, elapsedMs: at.elapsedMs },
  );
}
