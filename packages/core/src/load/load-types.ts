/** The options and results shared by the dry run and the deferred load that ingest drives. */
import type { DuplicateCheckOptions } from '../checks/load-duplicates.js';
import type { TableRetention } from '../checks/table.js';
import type { ReadProgress } from '../csv/read-rows.js';
import type { Failure, FailureCode, FailureKind } from '../failure.js';
import type { TimestreamRecord } from '../map/record.js';
import type { ErrorReport } from '../report/error-report.js';
import type { ProgressReport } from '../report/progress.js';
import type { BatchLoadTaskDescription, TaskStatus } from '../report/task-description.js';
import type { DryRunStatistics } from '../report/stats/load-statistics.js';

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
 * applies the limits (R-LIM-1), the time window (R-WIN-1) and the duplicates within the load (R-DUP-1) itself; the
 * sink may refuse more (a store's own version rules) and stores.
 */
export interface LoadSink {
  /** A failure when the target itself would refuse this record (e.g. against what a store already holds). */
  check?(record: TimestreamRecord): Failure | null;
  /** Stores the records of a row that passed every check (R-COUNT-1: all of a row's records, or none). */
  store(file: string, line: number, records: TimestreamRecord[]): void | Promise<void>;
  /** Warnings to add to the result. */
  warnings?(): LoadWarning[];
}

export interface LoadOptions extends DuplicateCheckOptions {
  /**
   * Check duplicates within the load (R-DUP-1). false leaves them to the sink, for a target that decides every
   * record against everything it stored, this load's rows included (the local store).
   * @default true
   */
  duplicates?: boolean;
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
  /** Gather the HTML report's statistics in the same pass (`LoadResult.statistics`). @default false */
  statistics?: boolean;
}

export interface DryRunOptions extends LoadOptions {
  /** Every record that would be written, with the row it came from. A returned promise is awaited (backpressure). */
  onRecords?: (file: string, line: number, records: TimestreamRecord[]) => void | Promise<void>;
}

/** Every code a run's warnings can carry; codes are API (STYLE rule 5), listed in the README. */
export const LOAD_WARNING_CODES = [
  /** No table retention was given: the time window (R-WIN-1) was not checked (R-IN-4). */
  'TIME_WINDOW_NOT_CHECKED',
  /** The files were decoded from another encoding than UTF-8, which the service needs (R-CSV-2). */
  'ENCODING_NOT_UTF8',
] as const;
export type LoadWarningCode = (typeof LOAD_WARNING_CODES)[number];

/**
 * What a run could not check or did differently from the service, as data (issue 18): a stable code, a message
 * that names no command-line flag, and advice in the library's terms (the CLI words its own, by code).
 */
export interface LoadWarning {
  code: LoadWarningCode;
  message: string;
  advice?: string;
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
  warnings: LoadWarning[];
  /** The time window applied (R-WIN-1), when the table was known. */
  window: { from: string; to: string } | null;
  /** The report's statistics, when `statistics` was asked for (report/stats/load-statistics.ts). */
  statistics?: DryRunStatistics;
}

export type DryRunResult = LoadResult;

/**
 * What a run had counted when its signal aborted it: the counts, error report and failures of the rows read so far
 * (each row counted whole, R-COUNT-1), with the status the service gives a stopped task.
 */
export type PartialLoadResult = Omit<LoadResult, 'status'> & { status: 'PROGRESS_STOPPED' };
