import { createDuplicateIndex, type DuplicateIndex } from './duplicate-index.js';
import type { ErrorReport } from './error-report.js';
import type { Failure, FailureCode, FailureKind } from './failure.js';
import { mapRows } from './map-rows.js';
import type { ProgressReport } from './progress.js';
import type { ReadProgress } from './read-rows.js';
import type { TimestreamRecord } from './record.js';
import { compileTask } from './row-mapper.js';
import type { ResolvedSource } from './source.js';
import type { TableRetention } from './table.js';
import type { BatchLoadTaskDescription, TaskStatus } from './task-description.js';
import type { ResolvedTask } from './task.js';
import { createLoadState } from './internal/load-state.js';

/** R-REP-3: one failed row (or file) of rejects.jsonl. */
export interface RejectEntry {
  file: string;
  line: number;
  lastLine: number;
  kind: FailureKind;
  code: FailureCode;
  reason: string;
  column?: string;
  cells?: string[];
}

export interface DryRunProgress extends ReadProgress {
  report: Readonly<ProgressReport>;
}

/**
 * Where accepted records go: the only thing that differs between a dry run and a real load (DESIGN). The engine
 * applies the limits (R-LIM-1) and the time window (R-WIN-1) itself; the sink decides duplicates/versions and stores.
 */
export interface LoadSink {
  /** A failure when the target would refuse this record (R-DUP-1 within the load, or the store's version rules). */
  check(record: TimestreamRecord): Failure | null;
  /** Stores the records of a row that passed every check (R-COUNT-1: all of a row's records, or none). */
  store(file: string, line: number, records: TimestreamRecord[]): void | Promise<void>;
  /** Warnings to add to the result (e.g. a partial duplicate check). */
  warnings?(): string[];
}

export interface LoadOptions {
  /** Table retention (R-IN-4); without it the time window is not checked and the result says so. */
  table?: TableRetention;
  /** "Now" for the time window and the description's times. @default the current time */
  now?: Date;
  /** iconv-lite encoding of the files (R-CSV-2 engine extension). */
  encoding?: string;
  signal?: AbortSignal;
  onProgress?: (progress: DryRunProgress) => void;
  /** Every failed row and file, in input order (R-REP-3). A returned promise is awaited. */
  onReject?: (entry: RejectEntry) => void | Promise<void>;
  /** The TaskId of the run. @default a hash of the task and its files (dryRunTaskId) */
  taskId?: string;
  /** @default 16 MiB */
  maxRowBytes?: number;
  /** Read chunk size in bytes (results never depend on it). @default 1 MiB */
  highWaterMark?: number;
  /** Examples kept per failure reason in `failures`. @default 3 */
  examplesPerReason?: number;
}

export interface DryRunOptions extends LoadOptions {
  /** Every record that would be written, with the row it came from. A returned promise is awaited (backpressure). */
  onRecords?: (file: string, line: number, records: TimestreamRecord[]) => void | Promise<void>;
  /** Keys kept for the within-load duplicate check (R-DUP-1). @default 1_000_000 */
  maxDuplicateKeys?: number;
}

export interface FailureSummary {
  kind: FailureKind;
  code: FailureCode;
  reason: string;
  rows: number;
  examples: { file: string; line: number; lastLine: number; detail: string }[];
}

export interface LoadResult {
  taskId: string;
  status: Extract<TaskStatus, 'SUCCEEDED' | 'FAILED'>;
  progress: ProgressReport;
  /** The service's error report (R-REP-2); null when nothing failed. */
  errorReport: ErrorReport | null;
  /** DescribeBatchLoadTask's view of the finished run. */
  description: BatchLoadTaskDescription;
  /** Failure reasons, most frequent first, with example lines. */
  failures: FailureSummary[];
  /** What the run could not check, or did differently from the service. */
  warnings: string[];
  /** The time window applied (R-WIN-1), when the table was known. */
  window: { from: string; to: string } | null;
}

export type DryRunResult = LoadResult;

/**
 * Runs every row of the source through the task exactly as batch load would, writing nothing (the dry-run sink:
 * the within-load duplicate rule R-DUP-1 over a bounded index). Never throws on bad input: bad rows and files are
 * counted and reported (R-COUNT-1/2).
 */
export async function dryRun(
  task: ResolvedTask,
  source: ResolvedSource,
  options: DryRunOptions = {},
): Promise<DryRunResult> {
  const maxEntries = options.maxDuplicateKeys ?? 1_000_000;
  const duplicates: DuplicateIndex = createDuplicateIndex({ maxEntries });
  const { onRecords } = options;
  const sink: LoadSink = {
    check: (record) => duplicates.check(record),
    store(file, line, records) {
      for (const record of records) duplicates.add(record);
      return onRecords?.(file, line, records);
    },
    warnings: () =>
      duplicates.partial
        ? [
            `Duplicate check was partial: more than ${maxEntries} distinct record keys; later duplicates were not looked for (R-DUP-1).`,
          ]
        : [],
  };
  return runLoad(task, source, sink, options);
}

/**
 * The engine of a batch load: reads every file of the source in key order, maps each row with the task compiled
 * once, applies the limits and the time window, and hands accepted rows to the sink; counts and reports the rest.
 */
export async function runLoad(
  task: ResolvedTask,
  source: ResolvedSource,
  sink: LoadSink,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const state = createLoadState(task, source, options);
  const check = (record: TimestreamRecord): Failure | null => sink.check(record);
  for await (const batch of mapRows(state.events(), compileTask(task))) {
    for (const event of batch) {
      switch (event.type) {
        case 'records': {
          const { failure, sizes } = state.checkRow(event.records, check);
          if (failure === null) {
            state.ingested(sizes);
            const wait = sink.store(event.file, event.line, event.records);
            if (wait !== undefined) await wait;
          } else {
            // R-COUNT-1: in a dry run a row with an ingestion failure yields no records; all of them are metered.
            const wait = state.ingestionFailure(event.file, event.line, event.lastLine, failure, sizes);
            if (wait !== undefined) await wait;
          }
          break;
        }
        case 'row-failure': {
          const wait = state.rowFailure(event);
          if (wait !== undefined) await wait;
          break;
        }
        case 'file-failure': {
          const wait = state.fileFailure(event);
          if (wait !== undefined) await wait;
          break;
        }
        case 'file-end':
          state.fileEnd();
          break;
        case 'file-start':
          break;
      }
    }
  }
  return state.finish(sink.warnings?.() ?? []);
}

// runDeferredLoad: the same engine for a target that answers later (a real load, R-ING-2).
export * from './deferred-load.js';
