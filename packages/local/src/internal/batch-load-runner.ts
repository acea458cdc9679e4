/**
 * Runs batch-load tasks in the background with core's engine (runLoad: one engine, not two), writing accepted
 * rows into the served table through a sink backed by the store. The task store (R-TASK-1..3) holds the status:
 * CREATED -> IN_PROGRESS -> SUCCEEDED | FAILED; a run cut short by the server closing (or a crash, seen at the next
 * start) becomes PROGRESS_STOPPED, and ResumeBatchLoadTask runs it again through PENDING_RESUME.
 *
 * [choice] A resumed task reads its files again from the start: the rows stored before the stop are identical
 * re-writes that change nothing (R-ING-3), and the ProgressReport is counted afresh, so no row is counted or
 * written twice.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  emptyProgressReport,
  errorReportKey,
  lowerVersionReason,
  VERSION_CONFLICT_REASON,
  resolveReportFolder,
  resolveSource,
  runLoad,
  writeFileAtomic,
  type ErrorReport,
  type Failure,
  type LoadSink,
  type ObjectWriter,
  type ProgressReport,
  type SourceLocation,
  type SourceReader,
  type ResolvedTask,
  type TaskStatus,
} from '@tsbatch/core';
import type { LocalStore } from '../store.js';
import { storedRecordOf } from './record-json.js';
import type { TableWriter } from './table-writer.js';

/** The state the runner keeps with each task in the task store. */
export interface RunnerState {
  /** The validated task (its ClientToken removed: the store keeps only a hash of it). */
  task: ResolvedTask;
}

/** R-S3-1 / R-S3-2: where batch-load tasks read their buckets and put their error reports when there is no s3Root. */
export interface BatchLoadObjects {
  reader: SourceReader;
  writer: ObjectWriter;
}

export interface BatchLoadRunnerOptions {
  store: LocalStore;
  /** `--s3-root`: buckets are folders under it (R-IN-3). */
  s3Root: string | null;
  /** Without s3Root: buckets read and reports put through these (S3). */
  objects?: BatchLoadObjects | null;
  clock: () => Date;
  log: (line: string) => void;
  /** How often a running task's ProgressReport is saved. @default 500 */
  progressIntervalMs?: number;
}

/** Rows between two commits of a load (each commit ends one journal block of the task, R-QLDB-2). */
const FLUSH_EVERY_RECORDS = 1000;

export class BatchLoadRunner {
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private closing = false;

  constructor(private readonly options: BatchLoadRunnerOptions) {}

  /** Where buckets live (`--s3-root`), or null when the endpoint has none. */
  get s3Root(): string | null {
    return this.options.s3Root;
  }

  /** Where tasks read their buckets: `--s3-root` folders, else S3 (R-S3-1); null when neither was given. */
  get location(): SourceLocation | null {
    if (this.options.s3Root !== null) return { s3Root: this.options.s3Root };
    const objects = this.options.objects ?? null;
    return objects === null ? null : { reader: objects.reader };
  }

  /** After a start: tasks that were running when the last server stopped become PROGRESS_STOPPED; CREATED ones run. */
  async recover(): Promise<void> {
    const tasks = this.options.store.tasks;
    let nextToken: string | undefined;
    const toStart: string[] = [];
    do {
      const page = await tasks.list({ maxResults: 100, ...(nextToken !== undefined && { nextToken }) });
      for (const t of page.tasks) {
        const status = t.description.TaskStatus;
        if (status === 'IN_PROGRESS' || status === 'PENDING_RESUME') {
          await tasks.update(t.description.TaskId, {
            status: 'PROGRESS_STOPPED',
            errorMessage: 'The local endpoint stopped while the task was running; resume it to continue.',
          });
        } else if (status === 'CREATED') {
          toStart.push(t.description.TaskId);
        }
      }
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    for (const id of toStart.reverse()) this.start(id);
  }

  /** Runs a CREATED or PENDING_RESUME task in the background. */
  start(taskId: string): void {
    if (this.closing || this.running.has(taskId)) return;
    const abort = new AbortController();
    const done = this.run(taskId, abort.signal)
      .catch((error: unknown) => this.options.log(`task ${taskId}: ${describe(error)}`))
      .finally(() => this.running.delete(taskId));
    this.running.set(taskId, { abort, done });
  }

  /** Stops every running task (they become PROGRESS_STOPPED) and waits for them. */
  async close(): Promise<void> {
    this.closing = true;
    const all = [...this.running.values()];
    for (const r of all) r.abort.abort();
    await Promise.all(all.map((r) => r.done));
  }

  /** Waits until no task is running (for tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.done));
  }

  private async run(taskId: string, signal: AbortSignal): Promise<void> {
    const { store, clock } = this.options;
    const tasks = store.tasks;
    const stored = await tasks.get(taskId);
    const state = stored.state as RunnerState | undefined;
    if (state?.task === undefined) {
      await tasks.update(taskId, { status: 'FAILED', errorMessage: 'The task has no stored definition.' });
      return;
    }
    const task = state.task;
    let progress: ProgressReport = emptyProgressReport();
    await tasks.update(taskId, { status: 'IN_PROGRESS', progress });
    const finish = async (status: TaskStatus, errorMessage?: string): Promise<void> => {
      await tasks.update(taskId, {
        status,
        progress,
        ...(errorMessage !== undefined && { errorMessage }),
      });
    };

    const location = this.location;
    if (location === null) {
      return finish(
        'FAILED',
        'The local endpoint was started without --s3-root or S3, so it cannot read the source.',
      );
    }
    const source = await resolveSource(task.source, location);
    if (!source.ok) {
      await this.writeReport(task, {
        taskId,
        taskErrors: [{ reason: source.error.message }],
        fileErrors: [],
      });
      return finish('FAILED', source.error.message);
    }
    let data: TableWriter;
    let retention;
    try {
      // R-QLDB-2: the task's records go to the journal in blocks, one per chunk it commits.
      data = store.writer(task.database, task.table, { operation: 'BatchLoad', taskId });
      retention = store.retention(task.database, task.table);
    } catch (error) {
      return finish('FAILED', describe(error));
    }

    const sink = storeSink(data);
    let saving: Promise<unknown> = Promise.resolve();
    let lastSave = Date.now();
    const interval = this.options.progressIntervalMs ?? 500;
    try {
      const result = await runLoad(task, source.source, sink, {
        // R-DUP-1: the store decides every record against all it holds, this load's stored rows included.
        duplicates: false,
        table: retention,
        now: clock(),
        taskId,
        signal,
        onProgress: (p) => {
          progress = { ...p.report };
          if (Date.now() - lastSave < interval) return;
          lastSave = Date.now();
          const snapshot = progress;
          saving = saving.then(() => tasks.update(taskId, { progress: snapshot })).catch(() => undefined);
        },
      });
      await data.commit();
      await saving;
      progress = result.progress;
      if (result.errorReport !== null) await this.writeReport(task, result.errorReport);
      await finish(result.status);
      this.options.log(`task ${taskId}: ${result.status} (${result.progress.RecordsIngested} rows ingested)`);
    } catch (error) {
      await data.commit().catch(() => undefined);
      await saving;
      if (signal.aborted) {
        await finish(
          'PROGRESS_STOPPED',
          'The local endpoint stopped while the task was running; resume it to continue.',
        );
      } else {
        await finish('FAILED', describe(error));
      }
    }
  }

  /** R-REP-2 [choice]: `<s3-root>/<report bucket>/<report prefix>/<TaskId>/error-report.json`, only when something failed. */
  private async writeReport(task: ResolvedTask, report: ErrorReport): Promise<void> {
    const root = this.options.s3Root;
    const writer = this.options.objects?.writer;
    if (task.report === null) return;
    if (root === null && writer !== undefined) {
      // R-S3-2 [choice]: s3://<report bucket>/<prefix>/<TaskId>/error-report.json.
      const key = errorReportKey(task.report.prefix, report.taskId);
      try {
        await writer.put(task.report.bucket, key, `${JSON.stringify(report, null, 2)}\n`);
      } catch (error) {
        this.options.log(`task ${report.taskId}: no error report written: ${describe(error)}`);
      }
      return;
    }
    if (root === null) return;
    // R-IN-3: checked again at write time, since links under the root may have changed since the task was created.
    const where = await resolveReportFolder(task.report, root);
    if (!where.ok) {
      this.options.log(`task ${report.taskId}: no error report written: ${where.error.message}`);
      return;
    }
    const folder = path.join(where.path, report.taskId);
    await mkdir(folder, { recursive: true });
    await writeFileAtomic(path.join(folder, 'error-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  }
}

/**
 * The sink of a load into the store: the table decides every record against what it holds (R-DUP-1 across writes,
 * versions compared exactly), and accepted rows are applied at once, so the same check covers the duplicates within
 * the load, exactly as a dry run decides them (the engine's own check is off: `duplicates: false`). Accepted rows are
 * committed every FLUSH_EVERY_RECORDS records and at the end.
 */
function storeSink(data: TableWriter): LoadSink {
  let unflushed = 0;
  return {
    check(record): Failure | null {
      const conflict = data.check(storedRecordOf(record));
      if (conflict === null) return null;
      return {
        kind: 'ingestion',
        code: 'RECORD_VERSION_CONFLICT',
        // R-DUP-1: a lower version gets the service's own reason, with the version the table holds.
        reason: conflict.lower
          ? lowerVersionReason(record.Version, conflict.existingVersion)
          : VERSION_CONFLICT_REASON,
        detail: `The table already holds this point with version ${conflict.existingVersion} and other values; this record has version ${record.Version}`,
      };
    },
    async store(_file, _line, records): Promise<void> {
      for (const record of records) data.apply(storedRecordOf(record));
      // Inserted before this row's promise lets other requests run (pending-rows.ts).
      data.flush();
      unflushed += records.length;
      if (unflushed >= FLUSH_EVERY_RECORDS) {
        unflushed = 0;
        await data.commit();
      }
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
