import type { Failure } from '../failure.js';

/** R-REP-2: the service's error report document. */
export interface ErrorReport {
  taskId: string;
  taskErrors: { reason: string }[];
  fileErrors: FileErrors[];
}

export interface FileErrors {
  fileName: string;
  errors: { reason: string; lineRanges: [number, number][] }[];
}

export interface ErrorReportBuilder {
  /** A failed row occupying [line, lastLine]. */
  row(file: string, line: number, lastLine: number, failure: Failure): void;
  /** A failed file (R-COUNT-2): an entry with no line ranges. */
  file(file: string, failure: Failure): void;
  task(reason: string): void;
  readonly empty: boolean;
  build(): ErrorReport;
}

interface ReasonEntry {
  reason: string;
  lineRanges: [number, number][];
}

export function createErrorReportBuilder(taskId: string): ErrorReportBuilder {
  const files = new Map<string, Map<string, ReasonEntry>>();
  const taskErrors: { reason: string }[] = [];
  let count = 0;

  function entryFor(file: string, reason: string): ReasonEntry {
    let reasons = files.get(file);
    if (reasons === undefined) {
      reasons = new Map();
      files.set(file, reasons);
    }
    let entry = reasons.get(reason);
    if (entry === undefined) {
      entry = { reason, lineRanges: [] };
      reasons.set(reason, entry);
    }
    return entry;
  }

  return {
    row(file, line, lastLine, failure): void {
      count++;
      const ranges = entryFor(file, failure.reason).lineRanges;
      const last = ranges[ranges.length - 1];
      // R-REP-2: rows failing for the same reason on consecutive lines merge into one range.
      if (last !== undefined && last[1] + 1 >= line) {
        if (lastLine > last[1]) last[1] = lastLine;
      } else {
        ranges.push([line, lastLine]);
      }
    },
    file(file, failure): void {
      count++;
      entryFor(file, failure.reason);
    },
    task(reason): void {
      count++;
      taskErrors.push({ reason });
    },
    get empty(): boolean {
      return count === 0;
    },
    build(): ErrorReport {
      const fileErrors: FileErrors[] = [];
      for (const [fileName, reasons] of files) {
        fileErrors.push({
          fileName,
          errors: [...reasons.values()].map((e) => ({ reason: e.reason, lineRanges: e.lineRanges })),
        });
      }
      return { taskId, taskErrors: [...taskErrors], fileErrors };
    },
  };
}
