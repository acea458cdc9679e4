/**
 * What crosses between the dry run's main thread and its range jobs (range-job.ts): the job, as plain data, and its
 * outcome, as typed columns plus the rare objects (range-load.ts has the whole story).
 */
import type { Failure } from '../failure.js';
import type { TableRetention } from '../checks/table.js';
import type { ContentStatsData } from '../report/stats/content-data.js';
import type { SourceEvent, SourceFile } from '../source/source.js';
import type { ReaderSpec, StagedBytes } from '../source/source-reader.js';
import type { ResolvedTask } from '../task.js';
import { LINE_SEARCH_BYTES } from './range-start.js';

/** One range of one file: plain data, so that it crosses to a worker thread. */
export interface RangeJob {
  task: ResolvedTask;
  /** Identifies `task` (a worker compiles each task once). */
  taskKey: string;
  file: SourceFile;
  /** What reads the file (R-S3-1): a worker builds the reader from it; absent for the local disk. */
  reader?: ReaderSpec;
  /** The file's header, for a range that is not the file's first; null for the first. */
  header: string[] | null;
  /** Where the range nominally starts; it starts at the first non-blank line at or after it. */
  nominal: number;
  /** A start proven by the range before (a re-read after a wrong guess): used as is. */
  start?: number;
  /** The next range's nominal start (Infinity for the file's last range). */
  limit: number;
  /** Lines before the range, once known: only a range whose failure texts name lines is read again with it. */
  lineBase?: number;
  /** For the time window (R-WIN-1): the table and the run's "now" (ms). */
  table: TableRetention | null;
  nowMs: number;
  maxRowBytes?: number;
  highWaterMark?: number;
  /** Gather the report's statistics (LoadOptions.statistics): `rowTime` and `content` in the outcome. */
  statistics?: boolean;
  /** Bytes of the file the main thread staged for this job (SourceReader.stage): read without a request. */
  staged?: StagedBytes;
  /** Map every row the generic way, never through the row kernel (row-kernel.ts): for tests that compare the two. */
  genericOnly?: boolean;
}

/**
 * The bytes a range job of a non-disk reader asks for first (runRangeJob): from its proven start, or from the byte
 * before its nominal start (readFromLineStart), to its limit and a line search more; the rest only if a row runs on.
 */
export function rangeReadExtent(job: RangeJob): StagedBytes {
  const start = job.start ?? Math.max(0, job.nominal - 1);
  const end = Number.isFinite(job.limit) ? job.limit + LINE_SEARCH_BYTES : job.file.size;
  return { start: Math.min(start, job.file.size), end: Math.min(end, job.file.size) };
}

/** Per-row outcomes of a range, in file order (transferable typed arrays plus the rare objects). */
export interface RangeOutcome {
  /** First byte read. */
  start: number;
  /** Where the next range must start, or -1 when this range ended the file (its end, or a file failure). */
  handoff: number;
  /** Newlines in [start, handoff). */
  lines: number;
  /** Data rows read (rows and row failures). */
  rows: number;
  /** Per event: ROW (a records row), or OTHER (the next of `others`). */
  kinds: Uint8Array;
  /**
   * Per records row: first line (relative to the range's first line), lines it spans after the first, offset of
   * the row relative to `start` (-1: unknown), its bytes, its record count. 32 bits each: a range holds far
   * fewer than 2^31 lines and bytes (its own bytes plus one row of at most maxRowBytes).
   */
  rowLine: Int32Array;
  rowSpan: Int32Array;
  rowOffset: Int32Array;
  rowBytes: Int32Array;
  rowRecords: Int32Array;
  /** Per record: event size (R-METER-1), 64-bit key hash (two halves, R-DUP-1), limit/window failure index or -1. */
  recSize: Int32Array;
  recHash: Int32Array;
  recHashHigh: Int32Array;
  recFailure: Int32Array;
  failures: Failure[];
  /** Row failures, file failures, file starts and ends (lines relative). */
  others: OtherEvent[];
  /** A failure text names a line (then it is right only when the job had its lineBase). */
  namesLines: boolean;
  /** With `statistics`: per records row, its first record's time in ms; and what the range's rows hold. */
  rowTime?: Float64Array;
  content?: ContentStatsData;
}

export type OtherEvent = Exclude<SourceEvent, { type: 'row' }>;

/** Runs one job: in a worker (runRangeJob there), or in-process. */
export type RangeRunner = (job: RangeJob) => Promise<RangeOutcome>;

/** The ArrayBuffers of an outcome, to transfer rather than copy across threads. */
export function rangeOutcomeBuffers(outcome: RangeOutcome): ArrayBuffer[] {
  const arrays = [
    outcome.kinds,
    outcome.rowLine,
    outcome.rowSpan,
    outcome.rowOffset,
    outcome.rowBytes,
    outcome.rowRecords,
    outcome.recSize,
    outcome.recHash,
    outcome.recHashHigh,
    outcome.recFailure,
    ...(outcome.rowTime === undefined ? [] : [outcome.rowTime]),
    // The report's series (fresh buffers of the outcome's own: SeriesTable.data).
    ...(outcome.content?.series == null ? [] : [outcome.content.series.slots, outcome.content.series.chars]),
  ];
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}

/** An outcome with no rows (a file failed before it was read). */
export const EMPTY_OUTCOME: RangeOutcome = {
  start: 0,
  handoff: -1,
  lines: 0,
  rows: 0,
  kinds: new Uint8Array(0),
  rowLine: new Int32Array(0),
  rowSpan: new Int32Array(0),
  rowOffset: new Int32Array(0),
  rowBytes: new Int32Array(0),
  rowRecords: new Int32Array(0),
  recSize: new Int32Array(0),
  recHash: new Int32Array(0),
  recHashHigh: new Int32Array(0),
  recFailure: new Int32Array(0),
  failures: [],
  others: [],
  namesLines: false,
};
