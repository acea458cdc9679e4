/**
 * The counting and reporting half of the load engine, shared by its two entry points (runLoad: the sink decides at
 * once; runDeferredLoad: the target answers later). Rows must be given to it in input order: the error report merges
 * consecutive lines (R-REP-2), rejects.jsonl is in input order (R-REP-3) and metering batches follow file order
 * (R-METER-1).
 */
import type {
  DryRunProgress,
  FailureSummary,
  LoadOptions,
  LoadResult,
  LoadWarning,
  PartialLoadResult,
  RejectEntry,
} from './load-types.js';
import { createErrorReportBuilder } from '../report/error-report.js';
import type { Failure } from '../failure.js';
import { checkRecordLimits } from '../checks/limits.js';
import type { LoadDuplicates } from '../checks/load-duplicates.js';
import { createMeter } from '../report/metering.js';
import { recordEventSize } from '../report/metering.js';
import { createProgressCounter, type ProgressReport } from '../report/progress.js';
import { readRows, type ReadProgress } from '../csv/read-rows.js';
import type { TimestreamRecord } from '../map/record.js';
import type { ResolvedSource, SourceEvent } from '../source/source.js';
import { describeTask, dryRunTaskId } from '../report/task-description.js';
import type { ResolvedTask } from '../task.js';
import { createTimeWindow, type TimeWindow } from '../checks/time-window.js';
import { LoadStatistics } from '../report/stats/load-statistics.js';

export interface LoadState {
  /** "Now" of the run: the time window's reference (R-WIN-1). */
  readonly started: Date;
  /** The live counters (R-COUNT-1); BytesMetered is brought up to date by `meterNow`. */
  readonly report: ProgressReport;
  /** The HTML report's statistics, when asked for: the load tells it of each mapped row (`row`). */
  readonly stats: LoadStatistics | null;
  /** The reader's events for the whole source. */
  events(): AsyncIterable<SourceEvent[]>;
  /** The same reader over other files (the rest of the load read again, R-DUP-1), without progress. */
  reread(files: ResolvedSource): AsyncIterable<SourceEvent[]>;
  /**
   * R-LIM-1, R-WIN-1, R-DUP-1 (`duplicates`, asked for every record in order), then the sink's check: the first
   * failure of the row's records, and every record's size.
   */
  checkRow(
    records: TimestreamRecord[],
    duplicates: LoadDuplicates | null,
    sinkCheck?: (record: TimestreamRecord) => Failure | null,
  ): RowCheck;
  /** A record of the row breaks a limit or falls outside the time window (so the row is never stored). */
  prefails(records: TimestreamRecord[]): boolean;
  /** A row whose records were all stored. */
  ingested(sizes: number[]): void;
  /** ingested() with the sizes at [from, to) of a column (no array per row). */
  ingestedSizes(sizes: Int32Array, from: number, to: number): void;
  /**
   * A row with an ingestion failure; `stored[i]` says whether its record i was stored anyway (a real load, where the
   * target refuses single records), else every record is metered as failed (R-COUNT-1).
   */
  ingestionFailure(
    file: string,
    line: number,
    lastLine: number,
    failure: Failure,
    sizes: number[],
    stored?: readonly boolean[],
  ): void | Promise<void>;
  rowFailure(event: Extract<SourceEvent, { type: 'row-failure' }>): void | Promise<void>;
  fileFailure(event: Extract<SourceEvent, { type: 'file-failure' }>): void | Promise<void>;
  fileEnd(): void;
  /** Puts the bytes metered so far into `report`. */
  meterNow(): void;
  finish(sinkWarnings: LoadWarning[]): LoadResult;
  /** The result of the rows counted so far, for a run its signal stopped (LoadAbortedError). */
  stopped(sinkWarnings: LoadWarning[]): PartialLoadResult;
}

export interface RowCheck {
  failure: Failure | null;
  sizes: number[];
}

export function createLoadState(task: ResolvedTask, source: ResolvedSource, options: LoadOptions): LoadState {
  const started = options.now ?? new Date();
  const taskId = options.taskId ?? dryRunTaskId(task.request, source);
  const counter = createProgressCounter();
  const meter = createMeter();
  const report = createErrorReportBuilder(taskId);
  const window: TimeWindow | null =
    options.table === undefined ? null : createTimeWindow(options.table, started);
  const summary = createFailureSummary(options.examplesPerReason ?? 3);
  const { onReject, onProgress } = options;
  const readOptions = {
    ...(options.encoding !== undefined && { encoding: options.encoding }),
    ...(options.signal !== undefined && { signal: options.signal }),
    ...(options.maxRowBytes !== undefined && { maxRowBytes: options.maxRowBytes }),
    ...(options.highWaterMark !== undefined && { highWaterMark: options.highWaterMark }),
  };
  const stats = options.statistics === true ? new LoadStatistics(task, window) : null;

  function reject(
    file: string,
    line: number,
    lastLine: number,
    failure: Failure,
    cells?: string[],
  ): void | Promise<void> {
    summary.add(file, line, lastLine, failure);
    if (onReject === undefined) return;
    const entry: RejectEntry = {
      file,
      line,
      lastLine,
      kind: failure.kind,
      code: failure.code,
      reason: failure.detail,
    };
    if (failure.column !== undefined) entry.column = failure.column;
    if (cells !== undefined) entry.cells = cells;
    return onReject(entry);
  }

  return {
    started,
    report: counter.report,
    stats,
    reread: (files) => readRows(files, task.csv, readOptions),
    events: () =>
      readRows(source, task.csv, {
        ...readOptions,
        ...(onProgress !== undefined && {
          onProgress: (p: ReadProgress) =>
            onProgress({ ...p, report: counter.report } satisfies DryRunProgress),
        }),
      }),
    checkRow(records, duplicates, sinkCheck): RowCheck {
      let failure: Failure | null = null;
      const sizes: number[] = [];
      for (const record of records) {
        const size = recordEventSize(record);
        sizes.push(size);
        // Every record is asked: once the keys spilled to disk, answers come by the record's place in the load.
        const duplicate = duplicates === null ? null : duplicates.check(record);
        // [choice] checks in the order limits, time window, duplicates; the first failure names the row.
        failure ??=
          checkRecordLimits(record, size) ??
          window?.check(record) ??
          duplicate ??
          sinkCheck?.(record) ??
          null;
      }
      return { failure, sizes };
    },
    prefails(records): boolean {
      for (const record of records) {
        if ((checkRecordLimits(record, recordEventSize(record)) ?? window?.check(record) ?? null) !== null)
          return true;
      }
      return false;
    },
    ingested(sizes): void {
      for (const size of sizes) meter.ingested(size);
      counter.ingested();
    },
    ingestedSizes(sizes, from, to): void {
      for (let i = from; i < to; i++) meter.ingested(sizes[i]!);
      counter.ingested();
    },
    ingestionFailure(file, line, lastLine, failure, sizes, stored): void | Promise<void> {
      for (let i = 0; i < sizes.length; i++) {
        if (stored?.[i] === true) meter.ingested(sizes[i]!);
        else meter.failed(sizes[i]!);
      }
      counter.failed('ingestion');
      report.row(file, line, lastLine, failure);
      return reject(file, line, lastLine, failure);
    },
    rowFailure(event): void | Promise<void> {
      counter.failed(event.failure.kind);
      stats?.failedRow(event.file, event.line, event.lastLine, event.failure);
      report.row(event.file, event.line, event.lastLine, event.failure);
      return reject(event.file, event.line, event.lastLine, event.failure, event.cells);
    },
    fileFailure(event): void | Promise<void> {
      counter.failed('file');
      report.file(event.file, event.failure);
      stats?.failedFile(event.file, event.failure);
      meter.endFile();
      const line = event.line ?? 1;
      return reject(event.file, line, line, event.failure);
    },
    fileEnd(): void {
      meter.endFile();
    },
    meterNow(): void {
      counter.meter(meter.bytesMetered);
    },
    finish(sinkWarnings): LoadResult {
      meter.endFile();
      counter.meter(meter.bytesMetered);
      return result(failed() ? 'FAILED' : 'SUCCEEDED', sinkWarnings);
    },
    stopped(sinkWarnings): PartialLoadResult {
      meter.endFile();
      counter.meter(meter.bytesMetered);
      return result('PROGRESS_STOPPED', sinkWarnings);
    },
  };

  function failed(): boolean {
    const p = counter.report;
    return p.ParseFailures + p.RecordIngestionFailures + p.FileFailures > 0 || !report.empty;
  }

  function result<S extends LoadResult['status'] | 'PROGRESS_STOPPED'>(
    status: S,
    sinkWarnings: LoadWarning[],
  ): Omit<LoadResult, 'status'> & { status: S } {
    const progress = { ...counter.report };
    const finished = options.now ?? new Date();
    return {
      taskId,
      status,
      progress,
      // R-REP-2: only when something failed (a stopped run's report covers the rows read so far).
      errorReport: failed() ? report.build() : null,
      description: describeTask(task, {
        taskId,
        status,
        progress,
        creationTime: started,
        lastUpdatedTime: finished,
      }),
      failures: summary.build(),
      warnings: runWarnings(options, window === null, sinkWarnings),
      window: window === null ? null : { from: window.from.toISOString(), to: window.to.toISOString() },
      ...(stats !== null && { statistics: stats.build() }),
    };
  }
}

/** The run's own warnings, then the sink's (issue 18: data, not text with CLI flags in it). */
function runWarnings(options: LoadOptions, noWindow: boolean, sinkWarnings: LoadWarning[]): LoadWarning[] {
  const warnings: LoadWarning[] = [];
  if (noWindow) {
    warnings.push({
      code: 'TIME_WINDOW_NOT_CHECKED',
      message: "Time window not checked: the target table's retention is unknown (R-IN-4).",
      advice: 'Give the table (its DescribeTable response, or its retention) to check it.',
    });
  }
  warnings.push(...sinkWarnings);
  if (options.encoding !== undefined) {
    warnings.push({
      code: 'ENCODING_NOT_UTF8',
      message: `Files were decoded as ${options.encoding}; the service itself reads only UTF-8 (R-CSV-2).`,
      advice: 'Convert the files to UTF-8 before a real batch load.',
    });
  }
  return warnings;
}

function createFailureSummary(examplesPerReason: number): {
  add(file: string, line: number, lastLine: number, failure: Failure): void;
  build(): FailureSummary[];
} {
  const byKey = new Map<string, FailureSummary>();
  return {
    add(file, line, lastLine, failure): void {
      const key = `${failure.kind}\u0000${failure.code}\u0000${failure.reason}`;
      let entry = byKey.get(key);
      if (entry === undefined) {
        entry = { kind: failure.kind, code: failure.code, reason: failure.reason, rows: 0, examples: [] };
        byKey.set(key, entry);
      }
      entry.rows++;
      if (entry.examples.length < examplesPerReason) {
        entry.examples.push({ file, line, lastLine, detail: failure.detail });
      }
    },
    build(): FailureSummary[] {
      return [...byKey.values()].sort((a, b) => b.rows - a.rows);
    },
  };
}
