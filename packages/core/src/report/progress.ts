import type { FailureKind } from '../failure.js';

/** R-REP-1: exactly the API's six members. */
export interface ProgressReport {
  RecordsProcessed: number;
  RecordsIngested: number;
  ParseFailures: number;
  RecordIngestionFailures: number;
  FileFailures: number;
  BytesMetered: number;
}

/** Counts per CSV data row (R-COUNT-1) and per failed file (R-COUNT-2). */
export interface ProgressCounter {
  ingested(): void;
  failed(kind: FailureKind): void;
  meter(bytes: number): void;
  readonly report: ProgressReport;
}

export function emptyProgressReport(): ProgressReport {
  return {
    RecordsProcessed: 0,
    RecordsIngested: 0,
    ParseFailures: 0,
    RecordIngestionFailures: 0,
    FileFailures: 0,
    BytesMetered: 0,
  };
}

export function createProgressCounter(): ProgressCounter {
  const report = emptyProgressReport();
  return {
    report,
    ingested(): void {
      report.RecordsProcessed++;
      report.RecordsIngested++;
    },
    failed(kind: FailureKind): void {
      // R-COUNT-1: a row counts once; R-COUNT-2: a file failure is not a row.
      if (kind === 'file') {
        report.FileFailures++;
        return;
      }
      report.RecordsProcessed++;
      if (kind === 'parse') report.ParseFailures++;
      else report.RecordIngestionFailures++;
    },
    meter(bytes: number): void {
      report.BytesMetered = bytes;
    },
  };
}

/** The invariant of R-COUNT-1, for assertions at the end of a run. */
export function progressBalances(report: ProgressReport): boolean {
  return (
    report.RecordsProcessed === report.RecordsIngested + report.ParseFailures + report.RecordIngestionFailures
  );
}
