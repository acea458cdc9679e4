/**
 * The statistics of the HTML report (issue 19), gathered in the dry run's own pass with bounded memory. Two halves:
 * what rows hold (content-stats.ts: gathered where rows are mapped, merged per byte range) and what became of them
 * (here: fed in input order on the main thread by the load, so it is exact and identical in the sequential and the
 * parallel run). The load calls `row` for each row that mapped to records, `failedRow` for each parse failure and
 * `failedFile` for each file failure; `build` gives the plain-data summary the report draws.
 */
import type { Failure, FailureCode } from '../../failure.js';
import type { ResolvedTask, TimeUnit } from '../../task.js';
import {
  BucketHistogram,
  LINE_WIDTHS,
  TIME_WIDTHS_MS,
  type BucketHistogramData,
} from './bucket-histogram.js';
import { TIME_BUCKETS } from './content-data.js';
import { ContentStats } from './content-stats.js';

/** [choice] Buckets of each file's line histogram. */
const LINE_BUCKETS = 200;
/** [choice] Top values kept per dimension in the summary. */
const TOP_VALUES = 12;

export { recordTimeMs } from './record-time.js';

/** Histogram series of the time histogram. */
export const TIME_INGESTED = 0;
export const TIME_FAILED = 1;
/** Histogram series of a file's line histogram. */
export const LINE_PARSE = 0;
export const LINE_INGESTION = 1;

export interface ColumnStatistics {
  column: string;
  role: 'time' | 'dimension' | 'measure name' | 'measure';
  /** Null cells in rows that mapped (left out of the record), plus rows that failed on a null cell of it. */
  nulls: number;
  /** Whether nulls of this column can be counted (not for scalar measures of a model with MeasureNameColumn). */
  nullsCounted: boolean;
  /** Parse failures that name this column, by code. */
  invalid: Partial<Record<FailureCode, number>>;
}

export interface DimensionStatistics {
  name: string;
  column: string;
  distinct: number;
  /** Counts and the distinct count are exact (else Misra-Gries lower bounds, under by at most `error`). */
  exact: boolean;
  error: number;
  top: { value: string; count: number }[];
  nulls: number;
}

export interface FileLineStatistics {
  file: string;
  /** Failed rows per line bucket: series LINE_PARSE, LINE_INGESTION. */
  lines: BucketHistogramData;
  lastLine: number;
  fileFailure: string | null;
}

export interface DryRunStatistics {
  /** Rows that mapped to records (ingested or failed ingestion) and their records. */
  rowsMapped: number;
  records: number;
  timeUnit: TimeUnit;
  /** Rows by their first record's time (ms): series TIME_INGESTED, TIME_FAILED. Null when no row mapped. */
  times: (BucketHistogramData & { min: number; max: number }) | null;
  /** Mapped rows by time against the window (by time in ms); null without a table. */
  window: { from: number; to: number; before: number; inside: number; after: number } | null;
  files: FileLineStatistics[];
  columns: ColumnStatistics[];
  dimensions: DimensionStatistics[];
  series: { count: number; exact: boolean };
}

const NULL_CODES: ReadonlySet<FailureCode> = new Set(['TIME_NULL', 'MEASURE_NAME_NULL']);

export class LoadStatistics {
  /** The content half: fed by the load (sequential run) or merged from ranges (parallel run). */
  readonly content: ContentStats;
  /** Times of the rows that failed ingestion; the others are the content's times less these. */
  private readonly failedTimes = new BucketHistogram(1, TIME_BUCKETS, TIME_WIDTHS_MS);
  private readonly files = new Map<string, FileLineStatistics & { histogram: BucketHistogram }>();
  private readonly failuresByColumn = new Map<string, Map<FailureCode, number>>();
  private lastFile: (FileLineStatistics & { histogram: BucketHistogram }) | null = null;

  constructor(
    private readonly task: ResolvedTask,
    window: { from: Date; to: Date } | null,
  ) {
    this.windowMs = window === null ? null : { from: window.from.getTime(), to: window.to.getTime() };
    this.content = new ContentStats(task.model, this.windowMs);
  }

  private readonly windowMs: { from: number; to: number } | null;

  /** A row that mapped but failed ingestion (R-LIM-1, R-WIN-1, R-DUP-1), with its time in ms. */
  ingestionFailure(file: string, line: number, lastLine: number, timeMs: number): void {
    const f = this.file(file);
    f.histogram.add(LINE_INGESTION, line);
    if (lastLine > f.lastLine) f.lastLine = lastLine;
    if (Number.isFinite(timeMs)) this.failedTimes.add(0, timeMs);
  }

  /** The last line the load read in `file` (once per file or byte range). */
  reached(file: string, lastLine: number): void {
    const f = this.file(file);
    if (lastLine > f.lastLine) f.lastLine = lastLine;
  }

  /** A row that failed to parse (R-CSV-6, SPEC section 4). */
  failedRow(file: string, line: number, lastLine: number, failure: Failure): void {
    const f = this.file(file);
    f.histogram.add(LINE_PARSE, line);
    if (lastLine > f.lastLine) f.lastLine = lastLine;
    if (failure.column !== undefined) {
      let codes = this.failuresByColumn.get(failure.column);
      if (codes === undefined)
        this.failuresByColumn.set(failure.column, (codes = new Map<FailureCode, number>()));
      codes.set(failure.code, (codes.get(failure.code) ?? 0) + 1);
    }
  }

  failedFile(file: string, failure: Failure): void {
    this.file(file).fileFailure = failure.reason;
  }

  private file(key: string): FileLineStatistics & { histogram: BucketHistogram } {
    const last = this.lastFile;
    if (last !== null && last.file === key) return last;
    let f = this.files.get(key);
    if (f === undefined) {
      const histogram = new BucketHistogram(2, LINE_BUCKETS, LINE_WIDTHS);
      f = { file: key, lines: histogram.data(), lastLine: 1, fileFailure: null, histogram };
      this.files.set(key, f);
    }
    this.lastFile = f;
    return f;
  }

  /** Rows by time: [ingested, failed ingestion], on the content's buckets. */
  private timeSeries(): BucketHistogramData {
    const all = this.content.times.data();
    const failed = this.failedTimes.data();
    const zeros = (n: number): number[] => new Array<number>(n).fill(0);
    const h = new BucketHistogram(2, TIME_BUCKETS, TIME_WIDTHS_MS);
    h.merge({ width: all.width, first: all.first, counts: [all.counts[0]!, zeros(all.counts[0]!.length)] });
    h.merge({
      width: failed.width,
      first: failed.first,
      counts: [zeros(failed.counts[0]!.length), failed.counts[0]!],
    });
    const out = h.data();
    // Series 0 held every mapped row: the failed ones are taken out of it (they are a subset, on the same buckets).
    out.counts[0] = out.counts[0]!.map((n, i) => n - out.counts[1]![i]!);
    return out;
  }

  build(): DryRunStatistics {
    const content = this.content;
    const model = this.task.model;
    const w = content.window;
    return {
      rowsMapped: content.rows,
      records: content.records,
      timeUnit: model.timeUnit,
      times: content.rows === 0 ? null : { ...this.timeSeries(), min: content.minTime, max: content.maxTime },
      window: this.windowMs === null ? null : { ...this.windowMs, before: w[0], inside: w[1], after: w[2] },
      files: [...this.files.values()].map(({ histogram, ...f }) => ({ ...f, lines: histogram.data() })),
      columns: this.columns(),
      dimensions: content.dimensions.map((d, i) => ({
        name: d.name,
        column: model.dimensions[i]!.source,
        ...content.dimensionSummary(i, TOP_VALUES),
        nulls: content.rows - content.presentOf(i),
      })),
      series: content.seriesCount,
    };
  }

  private columns(): ColumnStatistics[] {
    const model = this.task.model;
    const content = this.content;
    const out = new Map<string, ColumnStatistics>();
    const column = (name: string, role: ColumnStatistics['role']): ColumnStatistics => {
      let c = out.get(name);
      if (c === undefined) {
        const invalid: Partial<Record<FailureCode, number>> = {};
        let nulls = 0;
        for (const [code, n] of this.failuresByColumn.get(name) ?? []) {
          if (NULL_CODES.has(code)) nulls += n;
          else invalid[code] = n;
        }
        c = { column: name, role, nulls, nullsCounted: true, invalid };
        out.set(name, c);
      }
      return c;
    };
    column(model.timeColumn, 'time');
    model.dimensions.forEach((d, i) => {
      column(d.source, 'dimension').nulls += content.rows - content.presentOf(i);
    });
    const m = model.measures;
    const nameColumn =
      m.kind === 'multi'
        ? m.measureName.kind === 'column'
          ? m.measureName.column
          : null
        : m.measureNameColumn;
    if (nameColumn !== null) column(nameColumn, 'measure name');
    content.slots.forEach((slot, j) => {
      const c = column(slot.column, 'measure');
      if (slot.countsNulls) c.nulls += content.rowsFor(j) - content.presentFor(j);
      else c.nullsCounted = false;
    });
    return [...out.values()];
  }
}
