/**
 * The outcome columns of a range job (range-job.ts): growable typed arrays, kept between the jobs of a thread, and
 * the one row the row kernel (row-kernel.ts) writes into them.
 */
import type { ContentStats } from '../report/stats/content-stats.js';
import type { SourceEvent } from '../source/source.js';
import type { Kernel } from './kernel-cells.js';

/** Per event of RangeOutcome.kinds: a records row, or the next of `others`. */
export const ROW = 0;
export const OTHER = 1;

/** A growable typed-array column. */
interface Column<T extends Int32Array | Uint8Array | Float64Array> {
  length: number;
  data: T;
  push(value: number): void;
  /** A copy of the column in a buffer of its own length (it crosses threads; the column's buffer stays for reuse). */
  done(): T;
}

/**
 * One column class per array type: each has its own `push`, which thus sees one kind of typed array (a class shared
 * by the three made its element store polymorphic: about 2% of a worker's time in the profile).
 */
function columnClass<T extends Int32Array | Uint8Array | Float64Array>(
  make: (n: number) => T,
): new (n: number) => Column<T> {
  return class {
    length = 0;
    data: T;
    constructor(n: number) {
      this.data = make(n);
    }
    push(value: number): void {
      if (this.length === this.data.length) {
        const next = make(this.data.length * 2);
        next.set(this.data);
        this.data = next;
      }
      this.data[this.length++] = value;
    }
    done(): T {
      return this.data.slice(0, this.length) as T;
    }
  };
}

const I32Column = columnClass((n) => new Int32Array(n));
const U8Column = columnClass((n) => new Uint8Array(n));
const F64Column = columnClass((n) => new Float64Array(n));
const i32 = (n: number): Column<Int32Array> => new I32Column(n);
const u8 = (n: number): Column<Uint8Array> => new U8Column(n);
const f64 = (n: number): Column<Float64Array> => new F64Column(n);

/** The columns of one range job's outcome. */
export function newColumns() {
  return {
    kinds: u8(1024),
    rowLine: i32(8192),
    rowSpan: i32(8192),
    rowOffset: i32(8192),
    rowBytes: i32(1024),
    rowRecords: i32(1024),
    recSize: i32(1024),
    recHash: i32(1024),
    recHashHigh: i32(1024),
    recFailure: i32(1024),
    rowTime: f64(1024),
  };
}

/**
 * Columns kept between the range jobs of a thread (one set per job running at once). Grown anew for each range,
 * they left megabytes of outgrown buffers per range to the garbage collector, which frees a buffer that outlived
 * the young generation only at a full collection: with few of those, a worker's buffers piled up (tens of MiB).
 */
export const freeColumns: RangeColumns[] = [];

export type RangeColumns = ReturnType<typeof newColumns>;

/**
 * A row through a row kernel (row-kernel.ts) into the columns, as recordsRow writes its records; false (nothing
 * written) for a row the kernel leaves to the generic path.
 */
export function kernelRow(
  row: Extract<SourceEvent, { type: 'row' }>,
  start: number,
  columns: RangeColumns,
  kernel: Kernel,
  ascii: boolean,
  /** The report's statistics (RangeJob.statistics): only with a kernel that gives them (Kernel.countRow). */
  content: ContentStats | null,
): boolean {
  const { offset, bytes } = row;
  // As RowMapping's records event: the row's extraBytes only where its bytes were located.
  const located = offset !== undefined && bytes !== undefined;
  const count = kernel.row(row.cells, ascii, located ? (row.extraBytes ?? -1) : -1);
  if (count === 0) return false;
  writeKernelRow(
    columns,
    kernel,
    count,
    row.line,
    row.lastLine,
    offset === undefined ? -1 : offset - start,
    bytes ?? 0,
  );
  // The row's time goes in rowTime; the range counts its times from there at its end (ContentStats.addTimes).
  if (content !== null) columns.rowTime.push(kernel.countRow!(row.cells, content));
  return true;
}

/** kernelRow of a row's cells, given as its row event would carry them (CsvEngine.setRowHook). */
export function kernelCellsRow(
  cells: readonly string[],
  line: number,
  lastLine: number,
  offset: number,
  bytes: number,
  extraBytes: number,
  start: number,
  columns: RangeColumns,
  kernel: Kernel,
  ascii: boolean,
  content: ContentStats | null,
): boolean {
  const count = kernel.row(cells, ascii, extraBytes);
  if (count === 0) return false;
  writeKernelRow(columns, kernel, count, line, lastLine, offset - start, bytes);
  if (content !== null) columns.rowTime.push(kernel.countRow!(cells, content));
  return true;
}

/** kernelRow of a row of cell spans (CsvEngine.setRowHook, Kernel.rowSpans, and countSpans with statistics). */
export function kernelSpanRow(
  text: string,
  spans: Int32Array,
  line: number,
  lastLine: number,
  offset: number,
  bytes: number,
  extraBytes: number,
  start: number,
  columns: RangeColumns,
  kernel: Kernel,
  content: ContentStats | null,
): boolean {
  const count = kernel.rowSpans!(text, spans, extraBytes);
  if (count === 0) return false;
  writeKernelRow(columns, kernel, count, line, lastLine, offset - start, bytes);
  if (content !== null) columns.rowTime.push(kernel.countSpans!(text, spans, content));
  return true;
}

/** A row the kernel took (`count` records in its sizes and hashes), into the columns as recordsRow writes it. */
function writeKernelRow(
  columns: RangeColumns,
  kernel: Kernel,
  count: number,
  line: number,
  lastLine: number,
  relativeOffset: number,
  bytes: number,
): void {
  columns.kinds.push(ROW);
  columns.rowLine.push(line);
  columns.rowSpan.push(lastLine - line);
  columns.rowRecords.push(count);
  columns.rowOffset.push(relativeOffset);
  columns.rowBytes.push(bytes);
  const { sizes, hashes, hashesHigh } = kernel;
  for (let k = 0; k < count; k++) {
    columns.recSize.push(sizes[k]!);
    columns.recFailure.push(-1);
    columns.recHash.push(hashes[k]!);
    columns.recHashHigh.push(hashesHigh[k]!);
  }
}
