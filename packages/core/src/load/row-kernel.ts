/**
 * The row kernel of a range job (range-job.ts): for a row of a multi-measure model whose cells are all "simple", what
 * the generic path (RowMapping, then recordsRow's metering, checks and key hash) would put in the outcome columns,
 * computed straight from the row's cells, with no record built:
 * - the record's event size (R-METER-1), as recordEventSizeAscii / rowRecordSize measure it;
 * - its limit (R-LIM-1) and time window (R-WIN-1) verdicts: a row the kernel takes passes both;
 * - its 64-bit key hash (R-DUP-1), bit-identical to RecordKeyEncoder.keyHash (keyHashCells shares its steps).
 *
 * A row is simple when its time cell is valid digits in range (R-TIME-1), every dimension cell, the
 * MeasureNameColumn cell if any and every attribute cell is present and not null (R-CSV-7), every attribute is a
 * valid value of its type (the mapper's own parsers, R-MEAS-1), and the record is within the size limit and the
 * window. Any other row (a failure, a null left out of the record, a limit or window failure) is left to the generic
 * path, so the outcome is the same either way (property-tested in test/load/row-kernel.test.ts). Mixed models have
 * their kernel in mixed-kernel.ts; rowKernel picks the one for the task.
 */
import type { RecordKeyEncoder } from '../checks/check-record-key.js';
import { FNV_PRIME, hashString, HIGH_PRIME } from '../checks/record-key-shapes.js';
import type { TimeWindow } from '../checks/time-window.js';
import { spanUtf8Bytes, utf8ByteLength } from '../csv/utf8-byte-length.js';
import { valueParser, type ValueParser } from '../map/map-values.js';
import { measureSlots, scalarSlotsOf } from '../report/stats/content-data.js';
import type { ContentStats } from '../report/stats/content-stats.js';
import type { ResolvedTask } from '../task.js';
import {
  checkOf,
  MAX_DIMENSIONS_PER_RECORD,
  MAX_MEASURE_VALUES_PER_RECORD,
  MAX_RECORD_BYTES,
  METER_TEXT,
  meterOf,
  RowCells,
  spanIs,
  validValue,
  validValueIn,
  type Kernel,
} from './kernel-cells.js';
import { MixedKernel } from './mixed-kernel.js';

export type { Kernel } from './kernel-cells.js';
export { plainDouble, shortBigint } from './kernel-cells.js';

/** The kernel of a multi-measure model: one record per row. */
export class RowKernel implements Kernel {
  readonly sizes = new Int32Array(1);
  readonly hashes = new Int32Array(1);
  readonly hashesHigh = new Int32Array(1);
  private readonly cells: RowCells;
  /** The series state (keyHashCells' seriesHash, seriesHashHigh) of the row `row` took last. */
  private seriesLow = 0;
  private seriesHigh = 0;
  /** The MeasureNameColumn's cell, or -1 (a fixed name, hashed once). */
  private readonly nameIndex: number;
  private lastName = '';
  private nameHash: number;
  private nameHashHigh: number;
  private readonly attrIndex: Int32Array;
  /** Per attribute: its metered size or METER_TEXT, its check (CHECK_*) and its parser. */
  private readonly attrBytes: Int32Array;
  private readonly attrCheck: Int32Array;
  private readonly attrParse: ValueParser[];
  /** 8 + the UTF-8 bytes of every name in the record (R-METER-1), the measure name's when it is fixed. */
  private readonly baseBytes: number;
  /** Kernel.lengthCells: the columns of VARCHAR attributes (metered by length) that nothing else reads. */
  readonly lengthCells: Uint8Array;

  constructor(
    task: Pick<ResolvedTask, 'model' | 'csv'>,
    col: (column: string) => number,
    window: TimeWindow | null,
    private readonly meterable: boolean,
    enc: RecordKeyEncoder,
    /**
     * The range's statistics, or null (countRow): the time check reads the time's ms too, and rowSpans counts the
     * rows it takes in them itself (see countSpans).
     */
    private readonly content: ContentStats | null = null,
  ) {
    const measures = task.model.measures;
    if (measures.kind !== 'multi') throw new Error('RowKernel: not a multi-measure model');
    this.cells = new RowCells(task, col, window, enc, content !== null);
    const measureName = measures.measureName;
    const fixed = measureName.kind === 'fixed' ? measureName.name : null;
    this.nameIndex = measureName.kind === 'column' ? col(measureName.column) : -1;
    this.lastName = fixed ?? '';
    this.nameHash = hashString(0, this.lastName, FNV_PRIME);
    this.nameHashHigh = hashString(0, this.lastName, HIGH_PRIME);
    this.attrIndex = Int32Array.from(measures.attributes, (a) => col(a.source));
    this.attrBytes = Int32Array.from(measures.attributes, (a) => meterOf(a.type));
    this.attrCheck = Int32Array.from(measures.attributes, (a) => checkOf(a.type));
    this.attrParse = measures.attributes.map((a) => valueParser(a.type, task.model.timeUnit));
    let names = this.cells.baseBytes + (fixed === null ? 0 : utf8ByteLength(fixed));
    for (const a of measures.attributes) names += utf8ByteLength(a.name);
    this.baseBytes = names;
    const read = [this.cells.timeIndex, ...this.cells.dimIndex, this.nameIndex, ...this.attrIndex];
    const lengthCells = new Uint8Array(Math.max(...read) + 1);
    this.attrIndex.forEach((c, k) => {
      if (this.attrBytes[k] === METER_TEXT) lengthCells[c] = 1;
    });
    for (const c of [this.cells.timeIndex, ...this.cells.dimIndex, this.nameIndex])
      if (c >= 0) lengthCells[c] = 0;
    this.attrIndex.forEach((c, k) => {
      if (this.attrBytes[k] !== METER_TEXT) lengthCells[c] = 0;
    });
    this.lengthCells = lengthCells;
  }

  row(cells: readonly string[], ascii: boolean, extraBytes: number): number {
    const shared = this.cells;
    const time = shared.time(cells);
    if (time === null) return 0;
    // R-METER-1 as rowRecordSize: values by their lengths when the row is ASCII (or its extra bytes are added).
    const extra = !ascii && extraBytes > 0 && this.meterable;
    const byLength = ascii || extraBytes === 0 || extra;
    const dimBytes = shared.dimensionBytes(cells, byLength);
    if (dimBytes < 0) return 0;
    let size = this.baseBytes + dimBytes + (extra ? extraBytes : 0);
    const nullText = shared.nullText;
    if (this.nameIndex >= 0) {
      const name = cells[this.nameIndex];
      if (name === undefined || name === '' || name === nullText) return 0;
      size += byLength ? name.length : utf8ByteLength(name);
      if (name !== this.lastName) {
        this.lastName = name;
        this.nameHash = hashString(0, name, FNV_PRIME);
        this.nameHashHigh = hashString(0, name, HIGH_PRIME);
      }
    }
    const { attrIndex, attrBytes, attrCheck, attrParse } = this;
    for (let k = 0; k < attrIndex.length; k++) {
      const value = cells[attrIndex[k]!];
      if (value === undefined || value === '' || value === nullText) return 0;
      const bytes = attrBytes[k]!;
      if (bytes === METER_TEXT) size += byLength ? value.length : utf8ByteLength(value);
      else if (validValue(attrCheck[k]!, attrParse[k]!, value)) size += bytes;
      else return 0;
    }
    if (size > MAX_RECORD_BYTES) return 0;
    this.sizes[0] = size;
    shared.hash(cells, time, this.nameHash, this.nameHashHigh);
    this.hashes[0] = shared.enc.keyHashValue;
    this.hashesHigh[0] = shared.enc.keyHashHigh;
    this.seriesLow = shared.enc.seriesHash;
    this.seriesHigh = shared.enc.seriesHashHigh;
    return 1;
  }

  /** `row` of a row of cell spans (Kernel.rowSpans) of valid UTF-8 text, metered as `row` meters a non-ASCII one. */
  rowSpans(text: string, spans: Int32Array, extraBytes: number): number {
    const shared = this.cells;
    if (!shared.timeSpan(text, spans)) return 0;
    // R-METER-1 as rowRecordSize: values by their lengths when the row is ASCII (or its extra bytes are added).
    const extra = extraBytes > 0 && this.meterable;
    const byLength = extraBytes === 0 || extra;
    const dimBytes = shared.dimensionSpanBytes(text, spans, byLength);
    if (dimBytes < 0) return 0;
    let size = this.baseBytes + dimBytes + (extra ? extraBytes : 0);
    const nullText = shared.nullText;
    if (this.nameIndex >= 0) {
      const from = spans[2 * this.nameIndex]!;
      const to = spans[2 * this.nameIndex + 1]!;
      if (to === from || spanIs(text, from, to, nullText)) return 0;
      size += byLength ? to - from : spanUtf8Bytes(text, from, to);
      if (!spanIs(text, from, to, this.lastName)) {
        const name = text.substring(from, to);
        this.lastName = name;
        this.nameHash = hashString(0, name, FNV_PRIME);
        this.nameHashHigh = hashString(0, name, HIGH_PRIME);
      }
    }
    const { attrIndex, attrBytes, attrCheck, attrParse } = this;
    for (let k = 0; k < attrIndex.length; k++) {
      const c = 2 * attrIndex[k]!;
      const from = spans[c]!;
      const to = spans[c + 1]!;
      if (to === from || spanIs(text, from, to, nullText)) return 0;
      const bytes = attrBytes[k]!;
      if (bytes === METER_TEXT) size += byLength ? to - from : spanUtf8Bytes(text, from, to);
      else if (validValueIn(attrCheck[k]!, attrParse[k]!, text, from, to)) size += bytes;
      else return 0;
    }
    if (size > MAX_RECORD_BYTES) return 0;
    this.sizes[0] = size;
    shared.hashSpans(text, spans, this.nameHash, this.nameHashHigh);
    this.hashes[0] = shared.enc.keyHashValue;
    this.hashesHigh[0] = shared.enc.keyHashHigh;
    // The row's statistics, counted here rather than in countSpans: this method is too large to be inlined into
    // the engine's row loop (CsvEngine.spanRow) anyway, so addSpansRow inlined here takes nothing from that loop's
    // inlining budget, where it left most of the row's column pushes as calls (--trace-turbo-inlining).
    const content = this.content;
    if (content !== null)
      content.addSpansRow(text, spans, shared.dimIndex, shared.enc.seriesHash, shared.enc.seriesHashHigh);
    return 1;
  }

  countRow(cells: readonly string[], content: ContentStats): number {
    const shared = this.cells;
    content.addCellsRow(cells, shared.dimIndex, this.seriesLow, this.seriesHigh);
    return shared.ms;
  }

  /** The row rowSpans took (and counted in its statistics, ContentStats.addSpansRow): its time in ms. */
  countSpans(): number {
    return this.cells.ms;
  }
}

/**
 * The kernel for a file with this header (bound: the header has every column the model reads), or null when the
 * model is not one a kernel takes: no dimension or no measure (every row fails, R-DIM-1, R-MEAS-2), more dimensions
 * or attributes than R-LIM-1 allows (every record fails), a mixed model with a MULTI mapping. `statistics`: the
 * kernel gives the report's statistics of its rows (Kernel.countRow).
 */
export function rowKernel(
  task: Pick<ResolvedTask, 'model' | 'csv'>,
  header: readonly string[],
  window: TimeWindow | null,
  meterable: boolean,
  enc: RecordKeyEncoder,
  /**
   * The range's statistics, or null: a kernel for them reads each row's time in ms too (and a multi-measure one
   * counts the rows it takes as spans in them, RowKernel.rowSpans).
   */
  statistics: ContentStats | null = null,
): Kernel | null {
  const measures = task.model.measures;
  const dims = task.model.dimensions.length;
  if (dims === 0 || dims > MAX_DIMENSIONS_PER_RECORD) return null;
  if (measures.kind === 'multi') {
    const n = measures.attributes.length;
    if (n === 0 || n > MAX_MEASURE_VALUES_PER_RECORD) return null;
  } else if (measures.mappings.length === 0 || measures.mappings.some((m) => m.type === 'MULTI')) return null;
  // The report's statistics of a mixed model's kernel rows count scalar measure slots only (MixedKernel.countRow).
  if (
    statistics !== null &&
    measures.kind === 'mixed' &&
    scalarSlotsOf(measureSlots(task.model), '') === null
  )
    return null;
  // The header's first column of each name, as the mapper's findColumns.
  const index = new Map<string, number>();
  header.forEach((name, i) => {
    if (!index.has(name)) index.set(name, i);
  });
  const col = (column: string): number => {
    const i = index.get(column);
    if (i === undefined) throw new Error(`rowKernel: the header has no column ${JSON.stringify(column)}`);
    return i;
  };
  return measures.kind === 'multi'
    ? new RowKernel(task, col, window, meterable, enc, statistics)
    : new MixedKernel(task, col, window, enc, statistics !== null);
}
