/**
 * Ingest tasks in core's task store (R-TASK-1..3): a load with a TaskId, a status, a ProgressReport and a checkpoint
 * per file (R-ING-3), so that a run stopped by a signal, a crash or a persistent write failure resumes where it
 * stopped and ends with the ProgressReport an uninterrupted run would have had.
 *
 * How a resume stays exact: the run's time window ("now" and the table's retention) is fixed in the task at the
 * start, and a resume reads the source again from the start through the same engine, so every row is decided as
 * before; rows the checkpoint covers are counted but not sent, each with the refusals recorded when it was sent (a
 * side log beside the task, made durable before every checkpoint that covers it). [choice] Reading again costs the
 * CSV parse of the acknowledged part; it keeps the within-load duplicate rule (R-DUP-1) and the reports exact.
 */
import { hostname } from 'node:os';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  localReader,
  resolveSource,
  restoreLocation,
  storableLocation,
  writeFileAtomic,
  type ResolvedSource,
  type ResolvedTask,
  type SourceLocation,
  type StoredSourceLocation,
  type StoredTask,
  type TableRetention,
  type TaskStore,
} from '@tsbatch/core';
import { IngestError, type SerializedIngestError } from './errors.js';
import {
  ingest,
  type FileCheckpoint,
  type IngestCheckpoint,
  type IngestOptions,
  type IngestResult,
} from './ingest.js';
import type { RecordedRejection } from './internal/ingest-sink.js';
import { createLineFile, type LineFile } from './internal/line-file.js';

export const INGEST_STATE_KIND = 'tsbatch-ingest';

/** Where a task writes; credentials are never stored. */
export interface IngestTarget {
  /** `--endpoint-url`. */
  endpoint?: string;
  region?: string;
  /** `--profile`: a name, never the credentials it holds. */
  profile?: string;
  /** The data folder of an embedded local endpoint (`tsbatch tasks create` without `--endpoint-url`). */
  dataDir?: string;
}

/** The runner's state of a task in the store (`StoredTask.state`). */
export interface IngestTaskState {
  kind: typeof INGEST_STATE_KIND;
  format: 1;
  /** The validated task, its ClientToken removed (the store keeps only a hash of it). */
  task: ResolvedTask;
  /** R-S3-1: an S3 reader is kept as its spec (no credentials) and rebuilt to resume. */
  location: StoredSourceLocation;
  encoding?: string;
  target: IngestTarget;
  /** R-WIN-1: the table's retention and "now", fixed at creation so that a resume decides every row alike. */
  table: TableRetention | null;
  now: string;
  /** Where error-report.json and rejects.jsonl go. */
  reportDir?: string;
  /** The source as first seen: a resume refuses files that changed since (S3: their ETag). */
  files: { key: string; size: number; mtimeMs: number; etag?: string }[];
  /** R-ING-3: per file, the rows acknowledged; null before the first checkpoint. */
  checkpoint: FileCheckpoint[] | null;
  /** The process running the task, while it runs. */
  owner: { pid: number; host: string } | null;
  /** Why the last run stopped. */
  stopped?: SerializedIngestError;
}

export interface CreateIngestTaskInput {
  task: ResolvedTask;
  location: SourceLocation;
  /** The files of `location` (to fix their sizes and times). */
  source: ResolvedSource;
  target: IngestTarget;
  table: TableRetention | null;
  encoding?: string;
  reportDir?: string;
  /** @default the current time */
  now?: Date;
}

export interface RunIngestTaskOptions extends Omit<
  IngestOptions,
  'table' | 'now' | 'taskId' | 'encoding' | 'resume' | 'onCheckpoint' | 'onTargetRejection' | 'onReject'
> {
  /** How often the checkpoint is saved while the task runs. @default 1_000 */
  checkpointIntervalMs?: number;
  /** Take over a task marked running by a process this machine cannot check (another host). @default false */
  force?: boolean;
  /** Every failed row and file, in input order (R-REP-3), besides rejects.jsonl. */
  onReject?: IngestOptions['onReject'];
  /** Called once the task is IN_PROGRESS. */
  onStart?: (task: StoredTask) => void;
}

export interface IngestTaskResult {
  result: IngestResult;
  /** The task as stored at the end. */
  task: StoredTask;
}

/** The ingest state of a stored task, or null when another runner owns it (a local endpoint's task). */
export function ingestTaskState(task: StoredTask): IngestTaskState | null {
  const state = task.state as Partial<IngestTaskState> | undefined;
  return state?.kind === INGEST_STATE_KIND && state.format === 1 ? (state as IngestTaskState) : null;
}

/** Creates a CREATED task (or finds the task of a repeated ClientToken, R-TASK-2). */
export async function createIngestTask(
  store: TaskStore,
  input: CreateIngestTaskInput,
): Promise<{ task: StoredTask; created: boolean }> {
  const { ClientToken, ...request } = input.task.request;
  const task: ResolvedTask = { ...input.task, request };
  const state: IngestTaskState = {
    kind: INGEST_STATE_KIND,
    format: 1,
    task,
    location: storableLocation(input.location),
    ...(input.encoding !== undefined && { encoding: input.encoding }),
    target: input.target,
    table: input.table,
    now: (input.now ?? new Date()).toISOString(),
    ...(input.reportDir !== undefined && { reportDir: input.reportDir }),
    files: await fileStamps(input.source),
    checkpoint: null,
    owner: null,
  };
  return store.create({ task, state, ...(ClientToken !== undefined && { clientToken: ClientToken }) });
}

/**
 * Marks PROGRESS_STOPPED every running task (or the one given) whose process on this machine is gone (R-TASK-1: a
 * crash stops a task). Returns the TaskIds it changed.
 */
export async function recoverIngestTasks(store: TaskStore, taskId?: string): Promise<string[]> {
  const candidates: StoredTask[] = [];
  if (taskId !== undefined) {
    const task = await store.find(taskId);
    if (task !== null) candidates.push(task);
  } else {
    for (const status of ['IN_PROGRESS', 'PENDING_RESUME'] as const) {
      let nextToken: string | undefined;
      do {
        const page = await store.list({ status, ...(nextToken !== undefined && { nextToken }) });
        candidates.push(...page.tasks);
        nextToken = page.nextToken;
      } while (nextToken !== undefined);
    }
  }
  const changed: string[] = [];
  for (const task of candidates) {
    const state = ingestTaskState(task);
    const status = task.description.TaskStatus;
    if (state === null || (status !== 'IN_PROGRESS' && status !== 'PENDING_RESUME')) continue;
    if (ownerAlive(state.owner) !== false) continue;
    await store.update(task.description.TaskId, {
      status: 'PROGRESS_STOPPED',
      errorMessage: `The process running the task (pid ${state.owner?.pid ?? '?'}) ended without stopping it; resume it to continue.`,
      state: { ...state, owner: null },
    });
    changed.push(task.description.TaskId);
  }
  return changed;
}

/**
 * Runs a CREATED task, or resumes a PROGRESS_STOPPED one (a task left running by a dead process is stopped first),
 * to the end or to the next stop. Throws IngestError when the task cannot run; a stop is a result, not an error.
 */
export async function runIngestTask(
  store: TaskStore,
  taskId: string,
  options: RunIngestTaskOptions = {},
): Promise<IngestTaskResult> {
  let stored = await store.get(taskId);
  const state = ingestTaskState(stored);
  if (state === null) {
    throw new IngestError('INGEST_TASK_NOT_RUNNABLE', `Task ${taskId} was not created by tsbatch ingest.`, {
      taskId,
    });
  }
  const status = stored.description.TaskStatus;
  if (status === 'IN_PROGRESS' || status === 'PENDING_RESUME') {
    const alive = ownerAlive(state.owner);
    if (alive !== false && !(alive === null && options.force === true)) {
      throw new IngestError(
        'INGEST_TASK_RUNNING',
        `Task ${taskId} is ${status} in process ${state.owner?.pid ?? '?'} on ${state.owner?.host ?? '?'}` +
          (alive === null ? ' (another machine: pass force to take it over).' : '.'),
        { taskId },
      );
    }
    await recoverIngestTasks(store, taskId);
    stored = await store.get(taskId);
  } else if (status !== 'CREATED' && status !== 'PROGRESS_STOPPED') {
    throw new IngestError(
      'INGEST_TASK_NOT_RUNNABLE',
      `Task ${taskId} is ${status}; only CREATED and PROGRESS_STOPPED tasks run.`,
      {
        taskId,
      },
    );
  }

  let location: SourceLocation;
  try {
    location = await restoreLocation(state.location, localReader);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new IngestError('INGEST_SOURCE_UNAVAILABLE', `Cannot rebuild the source reader: ${why}`, {
      taskId,
    });
  }
  const resolved = await resolveSource(state.task.source, location);
  if (!resolved.ok) throw new IngestError('INGEST_SOURCE_UNAVAILABLE', resolved.error.message, { taskId });
  const source = resolved.source;
  await checkFiles(state, source);

  const logFile = path.join(store.options.dir, 'ingest', `${taskId}.rejections.jsonl`);
  await mkdir(path.dirname(logFile), { recursive: true });
  const resuming = stored.description.TaskStatus === 'PROGRESS_STOPPED' && state.checkpoint !== null;
  const rejections = resuming ? await readRejections(logFile, state.checkpoint!) : [];
  // Only refusals the checkpoint covers survive; rows after it are sent (and recorded) again.
  await writeFileAtomic(logFile, rejections.map((r) => `${JSON.stringify(r)}\n`).join(''));

  if (stored.description.TaskStatus === 'PROGRESS_STOPPED') {
    await store.update(taskId, { status: 'PENDING_RESUME' });
  }
  const owner = { pid: process.pid, host: hostname() };
  let current: IngestTaskState = { ...state, owner };
  delete current.stopped;
  stored = await store.update(taskId, { status: 'IN_PROGRESS', state: current });
  options.onStart?.(stored);

  const log = createLineFile(logFile, 'a');
  let rejects: LineFile | null = null;
  if (state.reportDir !== undefined) {
    await mkdir(state.reportDir, { recursive: true });
    // The run counts (and reports) every row again from the first: the file is written afresh (R-REP-3).
    rejects = createLineFile(path.join(state.reportDir, 'rejects.jsonl'), 'w');
  }

  let latest: IngestCheckpoint | null = null;
  let saving: Promise<void> = Promise.resolve();
  // R-ING-3: a checkpoint (or the refusals log it relies on) that cannot be written stops the load, so that no
  // more is sent than a resume can account for; the message names the store and says how to continue.
  const diskStop = new AbortController();
  let diskFailure: IngestError | null = null;
  const stopForDisk = (error: unknown): void => {
    if (diskFailure !== null) return;
    const why = error instanceof Error ? error.message : String(error);
    diskFailure = new IngestError(
      'INGEST_CHECKPOINT_FAILED',
      `Could not save the checkpoint of task ${taskId} in ${store.options.dir}: ${why}. The load stopped; once ` +
        `there is room again, resume it from its last saved checkpoint: tsbatch tasks resume ${taskId} --store ${store.options.dir}`,
      { taskId, store: store.options.dir },
      { cause: error },
    );
    diskStop.abort(diskFailure);
  };
  let lastSave = Date.now();
  const interval = options.checkpointIntervalMs ?? 1_000;
  const save = (checkpoint: IngestCheckpoint): Promise<void> => {
    saving = saving
      .then(async () => {
        // R-ING-3: the refusals of acknowledged rows are on disk before a checkpoint names those rows.
        await log.sync();
        current = { ...current, checkpoint: checkpoint.files };
        await store.update(taskId, { progress: checkpoint.progress, state: current });
      })
      .catch(stopForDisk);
    return saving;
  };

  let result: IngestResult;
  try {
    const {
      checkpointIntervalMs: _interval,
      force: _force,
      onStart: _onStart,
      onReject,
      signal,
      ...connection
    } = options;
    result = await ingest(state.task, source, {
      ...connection,
      table: state.table,
      now: new Date(state.now),
      taskId,
      ...(state.encoding !== undefined && { encoding: state.encoding }),
      ...(resuming && { resume: { files: state.checkpoint!, rejections } }),
      signal: signal === undefined ? diskStop.signal : AbortSignal.any([signal, diskStop.signal]),
      onTargetRejection: (r) => {
        try {
          void log.write(JSON.stringify(r))?.catch(stopForDisk);
        } catch (error) {
          stopForDisk(error);
        }
      },
      onCheckpoint: (checkpoint) => {
        latest = checkpoint;
        if (Date.now() - lastSave < interval) return;
        lastSave = Date.now();
        void save(checkpoint);
      },
      ...((rejects !== null || onReject !== undefined) && {
        onReject: (entry): void | Promise<void> => {
          const wait = onReject?.(entry);
          const written = rejects?.write(JSON.stringify(entry));
          if (wait !== undefined || written !== undefined)
            return Promise.all([wait, written]).then(() => undefined);
        },
      }),
    });
  } catch (error) {
    // Not a stop but a failure of the run itself (an I/O error, a bug): the task stops where it got to.
    if (latest !== null) await save(latest);
    await saving;
    const message = error instanceof Error ? error.message : String(error);
    current = { ...current, owner: null, stopped: { code: 'INGEST_STOPPED', message } };
    await store.update(taskId, { status: 'PROGRESS_STOPPED', errorMessage: message, state: current });
    await Promise.allSettled([log.close(), rejects?.close()]);
    throw error;
  }

  await saving;
  // Set by the callbacks above: TypeScript cannot see that they ran.
  const failure = diskFailure as IngestError | null;
  if (failure !== null && result.status === 'PROGRESS_STOPPED') {
    // The refusals log may be cut short: only what the last saved checkpoint names is read back (readRejections).
    await Promise.allSettled([log.close(), rejects?.close()]);
    current = { ...current, owner: null, stopped: failure.toJSON() };
    try {
      stored = await store.update(taskId, {
        status: 'PROGRESS_STOPPED',
        errorMessage: failure.message,
        state: current,
      });
    } catch {
      // Still no room: the task stays IN_PROGRESS under this process, which ends; the next command finds it
      // ownerless and stops it (recoverIngestTasks), keeping its last saved checkpoint.
      throw failure;
    }
    return { result: { ...result, description: stored.description }, task: stored };
  }
  try {
    await log.close();
    await rejects?.close();
    if (result.status === 'PROGRESS_STOPPED') {
      await log.sync();
      current = {
        ...current,
        checkpoint: result.checkpoint.files,
        owner: null,
        ...(result.stopped !== null && { stopped: result.stopped }),
      };
      stored = await store.update(taskId, {
        status: 'PROGRESS_STOPPED',
        progress: result.checkpoint.progress,
        errorMessage: result.stopped?.message ?? 'The load stopped.',
        state: current,
      });
    } else {
      if (state.reportDir !== undefined) {
        const reportFile = path.join(state.reportDir, 'error-report.json');
        // R-REP-2: written only when something failed; a stale one from an earlier run would mislead.
        if (result.errorReport === null) await rm(reportFile, { force: true });
        else await writeFile(reportFile, `${JSON.stringify(result.errorReport, null, 2)}\n`);
      }
      current = { ...current, checkpoint: result.checkpoint.files, owner: null };
      stored = await store.update(taskId, {
        status: result.status,
        progress: result.progress,
        state: current,
      });
    }
  } catch (error) {
    // The load got to its end, but its outcome cannot be stored: as a checkpoint that cannot be saved.
    stopForDisk(error);
    throw (diskFailure as IngestError | null) ?? error;
  }
  return { result: { ...result, description: stored.description }, task: stored };
}

/** true: the owner runs; false: it is gone (or there is none); null: another machine, cannot tell. */
function ownerAlive(owner: IngestTaskState['owner']): boolean | null {
  if (owner === null) return false;
  if (owner.host !== hostname()) return null;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function fileStamps(source: ResolvedSource): Promise<IngestTaskState['files']> {
  const out: IngestTaskState['files'] = [];
  for (const file of source.files) {
    if (file.etag !== undefined) {
      out.push({ key: file.key, size: file.size, mtimeMs: 0, etag: file.etag });
      continue;
    }
    const s = await stat(file.path).catch(() => null);
    out.push({ key: file.key, size: file.size, mtimeMs: s?.mtimeMs ?? 0 });
  }
  return out;
}

/** A resume must read the files the checkpoint was made from (R-ING-3). */
async function checkFiles(state: IngestTaskState, source: ResolvedSource): Promise<void> {
  const now = await fileStamps(source);
  const same =
    now.length === state.files.length &&
    now.every((f, i) => {
      const before = state.files[i]!;
      return (
        f.key === before.key &&
        f.size === before.size &&
        f.mtimeMs === before.mtimeMs &&
        f.etag === before.etag
      );
    });
  if (!same) {
    const changed = now.find((f, i) => {
      const b = state.files[i];
      return (
        b === undefined ||
        b.key !== f.key ||
        b.size !== f.size ||
        b.mtimeMs !== f.mtimeMs ||
        b.etag !== f.etag
      );
    });
    throw new IngestError(
      'INGEST_SOURCE_CHANGED',
      `The source changed since the task was created (${changed?.key ?? 'files were removed'}); it cannot be resumed without repeating or skipping rows.`,
      { file: changed?.key ?? null },
    );
  }
}

/** The refusals recorded for rows the checkpoint covers; lines cut off by a crash are passed over. */
async function readRejections(
  file: string,
  checkpoint: readonly FileCheckpoint[],
): Promise<RecordedRejection[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const position = new Map(checkpoint.map((f, i) => [f.key, { ...f, index: i }] as const));
  const out: RecordedRejection[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let r: RecordedRejection;
    try {
      r = JSON.parse(line) as RecordedRejection;
    } catch {
      continue;
    }
    const at = position.get(r.file);
    if (at === undefined || !(at.done || r.line <= at.line)) continue;
    const key = `${r.file}\u0000${r.line}\u0000${r.index}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  const order = new Map(checkpoint.map((f, i) => [f.key, i] as const));
  return out.sort((a, b) => order.get(a.file)! - order.get(b.file)! || a.line - b.line || a.index - b.index);
}
