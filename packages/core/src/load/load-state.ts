/**
 * The counting and reporting half of the load engine, shared by its two entry points (runLoad: the sink decides at
 * once; runDeferredLoad: the target answers later). Rows must be given to it in input order: the error report merges
 * consecutive lines (R-REP-2), rejects.jsonl is in input order (R-REP-3) and metering batches follow file order
 * (R-METER-1).
 */
import type { DryRunProgress, FailureSummary, LoadOptions, LoadResult, RejectEntry } from './load-types.js';
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

export interface LoadState {
  /** "Now" of the run: the time window's reference (R-WIN-1). */
  readonly started: Date;
  /** The live counters (R-COUNT-1); BytesMetered is brought up to date by `meterNow`. */
  readonly report: ProgressReport;
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
  finish(sinkWarnings: string[]): LoadResult;
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
      report.row(event.file, event.line, event.lastLine, event.failure);
      return reject(event.file, event.line, event.lastLine, event.failure, event.cells);
    },
    fileFailure(event): void | Promise<void> {
      counter.failed('file');
      report.file(event.file, event.failure);
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
      const warnings: string[] = [];
      if (window === null) {
        warnings.push(
          'Time window not checked: give the table (--table DESCRIBE_TABLE.json or --memory-retention-hours) to check it (R-IN-4).',
        );
      }
      warnings.push(...sinkWarnings);
      if (options.encoding !== undefined) {
        warnings.push(
          `Files were decoded as ${options.encoding}; the service itself reads only UTF-8: convert them before a real batch load (R-CSV-2).`,
        );
      }
      const progress = { ...counter.report };
      const failed =
        progress.ParseFailures + progress.RecordIngestionFailures + progress.FileFailures > 0 ||
        !report.empty;
      const status = failed ? 'FAILED' : 'SUCCEEDED';
      const finished = options.now ?? new Date();
      return {
        taskId,
        status,
        progress,
        errorReport: failed ? report.build() : null,
        description: describeTask(task, {
          taskId,
          status,
          progress,
          creationTime: started,
          lastUpdatedTime: finished,
        }),
        failures: summary.build(),
        warnings,
        window: window === null ? null : { from: window.from.toISOString(), to: window.to.toISOString() },
      };
    },
  };
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
