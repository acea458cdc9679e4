/**
 * What ContentStats (content-stats.ts) counts row by row: the rows, records, times, missing dimensions, measure slots
 * and series of the rows that mapped to records, as a range job's row loop and the row kernels hand them over. The
 * reading and merging of the counts is ContentStats' own (content-stats.ts).
 */
import { RecordKeyEncoder } from '../../checks/check-record-key.js';
import { fmix32 } from '../../checks/record-key-shapes.js';
import type { TimestreamDimension, TimestreamRecord } from '../../map/record.js';
import type { ResolvedDataModel } from '../../task.js';
import { measureSlots, TIME_BUCKETS, type MeasureSlot } from './content-data.js';
import { BucketHistogram, TIME_WIDTHS_MS } from './bucket-histogram.js';
import { HyperLogLog } from './hyper-log-log.js';
import { SeriesTable } from './series-table.js';
import { TopValues } from './top-values.js';

/** [choice] Series held exactly (12 bytes a slot, plus their values). */
export const COMBOS_EXACT_MAX = 100_000;
/** [choice] Values a dimension's summary holds once the series are past COMBOS_EXACT_MAX. */
const TOP_CAPACITY = 4096;
const SERIES_PRECISION = 14;
const MASK30 = 0x3fffffff;

export class ContentCounts {
  rows = 0;
  records = 0;
  readonly times = new BucketHistogram(1, TIME_BUCKETS, TIME_WIDTHS_MS);
  minTime = Infinity;
  maxTime = -Infinity;
  /** Rows before, inside and after the window. */
  readonly window: [number, number, number] = [0, 0, 0];
  readonly dimensions: { name: string }[];
  /** Per dimension: rows that left it out (null). */
  protected readonly missing: Float64Array;
  private readonly width: number;
  readonly slots: MeasureSlot[];
  private readonly slotCount: number;
  protected readonly present: Float64Array;
  protected readonly applies: Float64Array;
  /** Multi-measure records that had every attribute: present in (and applying to) every slot. */
  protected complete = 0;
  private readonly multi: boolean;
  private readonly attributeNames: string[];
  protected series: SeriesTable | null;
  /** Past the series' bound: the series sketch and the dimensions' summaries. */
  protected seriesSketch: HyperLogLog | null = null;
  protected tops: TopValues[] | null = null;
  /** The row's dimension values by dimension (null: left out), for a series seen for the first time. */
  private readonly rowValues: (string | null)[];
  /** What hashes the records given to `add` (whose caller has no key hash of them). */
  private encoder: RecordKeyEncoder | null = null;
  /** `add`'s series states by record, and the time addRangeRow writes (`add` counts its own). */
  private lows = new Int32Array(16);
  private highs = new Int32Array(16);
  private readonly rowTime = new Float64Array(1);

  /**
   * `windowMs`: the table's ingestion window [from, to) in ms (R-WIN-1), or null. `combosMax`: COMBOS_EXACT_MAX,
   * smaller in tests of what happens past it. `seriesTable`: an empty table to use (a worker reuses one per range).
   * `countTimes`: whether addRangeRow counts the times it writes (the histogram, the range, the window): a range
   * job turns it off and counts its rows' times at its end (addTimes); a test reads the written times alone.
   */
  constructor(
    model: ResolvedDataModel,
    private readonly windowMs: { from: number; to: number } | null = null,
    protected readonly combosMax = COMBOS_EXACT_MAX,
    seriesTable?: SeriesTable,
    private readonly countTimes = true,
  ) {
    this.dimensions = model.dimensions.map((d) => ({ name: d.name }));
    this.width = this.dimensions.length;
    this.missing = new Float64Array(this.width);
    this.slots = measureSlots(model);
    this.slotCount = this.slots.length;
    this.present = new Float64Array(this.slots.length);
    this.applies = new Float64Array(this.slots.length);
    this.multi = model.measures.kind === 'multi';
    this.attributeNames = this.slots.map((s) => s.attribute ?? '');
    this.rowValues = new Array<string | null>(this.dimensions.length).fill(null);
    this.series = seriesTable ?? new SeriesTable(this.dimensions.length);
  }

  /**
   * One row's records (all of them share the row's dimensions). Hashes each record's series itself: a caller that
   * has RecordKeyEncoder.keyHash of each record (a range job) calls `addRangeRow` instead.
   */
  add(records: readonly TimestreamRecord[]): void {
    if (records.length === 0) return;
    const encoder = (this.encoder ??= new RecordKeyEncoder());
    if (records.length > this.lows.length) {
      this.lows = new Int32Array(records.length * 2);
      this.highs = new Int32Array(records.length * 2);
    }
    for (let k = 0; k < records.length; k++) {
      encoder.keyHash(records[k]!);
      this.lows[k] = encoder.seriesHash;
      this.highs[k] = encoder.seriesHashHigh;
    }
    this.addRangeRow(records, this.rowTime, 0, this.lows, this.highs);
  }

  /**
   * A records row (at least one record; all share the row's dimensions): the row, the dimensions it left out, its
   * first record's time (recordTimeMs, written at `times[at]` for the replay's failed rows, and counted with
   * countTimes; a range job counts them in its worker too, all at once, so that the main thread merges a range's
   * times with its content instead of counting them row by row; BucketHistogram.merge is exact), and per record k
   * its measures and its series by lows[k], highs[k] (RecordKeyEncoder.keyHash's seriesHash and seriesHashHigh of
   * it; the row counts for its first record's series).
   *
   * One method with the time and the record's steps written in, not three calls: a range job's row loop
   * (range-job.ts recordsRow) calls it once per row, and TurboFan inlines a callee of under 460 bytecode bytes
   * with its callees into a budget of 920 per optimised function. Three small calls there (about 500 bytes) took
   * the loop's budget, and its own steps (record sizes, column pushes) became calls (--trace-turbo-inlining), which
   * cost the worker more than the statistics themselves. This method is too large to be inlined there.
   */
  addRangeRow(
    records: readonly TimestreamRecord[],
    times: Float64Array,
    at: number,
    lows: Int32Array,
    highs: Int32Array,
  ): void {
    const n = records.length;
    const head = records[0]!;
    this.rows++;
    this.records += n;
    // R-DIM-1: Dimensions come in mapping order with null ones left out, so a row with as many as the model has
    // them all (the usual row): nothing to count.
    const dims = head.Dimensions;
    if (dims.length !== this.width) this.countMissing(dims);
    if (this.tops !== null) this.addTops(dims);
    // recordTimeMs(head), written in (R-TIME-1: only digits get this far): with a call to it instead, this method is
    // small enough to be inlined into recordsRow again (--trace-turbo-inlining shows it), which is what it avoids.
    const time = head.Time;
    const digits = time.length;
    let i = 0;
    let high = 0;
    for (; i < digits - 9; i++) high = high * 10 + (time.charCodeAt(i) - 48);
    let low = 0;
    for (; i < digits; i++) low = (low * 10 + (time.charCodeAt(i) - 48)) | 0;
    const unit = head.TimeUnit;
    const scale =
      unit === 'SECONDS' ? 1000 : unit === 'MILLISECONDS' ? 1 : unit === 'MICROSECONDS' ? 1e-3 : 1e-6;
    const ms = (high * 1e9 + low) * scale;
    times[at] = ms;
    if (this.countTimes) this.addTime(ms);
    for (let k = 0; k < n; k++) {
      const record = records[k]!;
      // A multi-measure record with every attribute (the usual one) is counted once, not per attribute.
      if (this.multi) {
        if ((record.MeasureValues?.length ?? 0) === this.slotCount) this.complete++;
        else this.countAttributes(record, 0, this.slotCount);
      } else this.countMixed(record);
      // keyHash's state is not finalised: each half is, to two 30-bit lanes (those of the table and the sketches).
      const a = fmix32(lows[k]!) & MASK30;
      const b = fmix32(highs[k]!) & MASK30;
      const series = this.series;
      const rows = k === 0 ? 1 : 0;
      // A series seen before (the usual record) is one probe; a new one gathers its values first.
      if (series === null) this.seriesSketch!.add(a, b);
      else if (!series.hit(a, b, rows)) {
        this.rowValuesOf(record.Dimensions);
        if (series.add(a, b, rows, this.rowValues) && series.size > this.combosMax) this.overflow();
      }
    }
  }

  /**
   * A row the range job's row kernel took (load/row-kernel.ts): one multi-measure record with every dimension and
   * every attribute present, none null. What addRangeRow counts of that record but its time, from the row's cells:
   * `dimCells`, the cell of each dimension in the model's order; `low`, `high`, its series state
   * (RecordKeyEncoder.keyHashCells' seriesHash and seriesHashHigh, the same as keyHash of its record). The kernel
   * reads the time with the time cell's check (simpleTimeMs), and the range job counts it with the others at the
   * range's end (addTimes; it makes this object with countTimes off). With the time's, equal to addRangeRow of the
   * record (row-kernel.test.ts).
   */
  addCellsRow(cells: readonly string[], dimCells: Int32Array, low: number, high: number): void {
    this.rows++;
    this.records++;
    // Every attribute present: the record is complete (addRangeRow's usual multi-measure record).
    this.complete++;
    const values = this.rowValues;
    if (this.tops !== null) {
      for (let i = 0; i < this.width; i++) this.tops[i]!.add(cells[dimCells[i]!]!);
    }
    const a = fmix32(low) & MASK30;
    const b = fmix32(high) & MASK30;
    const series = this.series;
    if (series === null) this.seriesSketch!.add(a, b);
    else if (!series.hit(a, b, 1)) {
      for (let i = 0; i < this.width; i++) values[i] = cells[dimCells[i]!]!;
      if (series.add(a, b, 1, values) && series.size > this.combosMax) this.overflow();
    }
  }

  /**
   * addCellsRow of a row whose cells are spans of `text` (span mode, load/row-kernel.ts's countSpans): cell k is
   * `text.substring(spans[2k], spans[2k + 1])`. A dimension's value is cut from the text only for the dimensions'
   * summaries past the bound; a new series copies its values' code units from the text (SeriesTable.addSpans).
   */
  addSpansRow(text: string, spans: Int32Array, dimCells: Int32Array, low: number, high: number): void {
    this.rows++;
    this.records++;
    this.complete++;
    if (this.tops !== null) {
      for (let i = 0; i < this.width; i++) {
        const c = 2 * dimCells[i]!;
        this.tops[i]!.add(text.substring(spans[c]!, spans[c + 1]));
      }
    }
    const a = fmix32(low) & MASK30;
    const b = fmix32(high) & MASK30;
    const series = this.series;
    if (series === null) this.seriesSketch!.add(a, b);
    else if (!series.hit(a, b, 1)) {
      if (series.addSpans(a, b, 1, text, spans, dimCells) && series.size > this.combosMax) this.overflow();
    }
  }

  /**
   * A row a mixed model's kernel took (load/mixed-kernel.ts): `count` scalar records, every dimension present, none
   * null. What addRangeRow counts of them but their time and measures (the kernel counts each record's measure slots
   * with countSlots): the row, its dimension values, and per record k its series by lows[k], highs[k] (as
   * addCellsRow's; the row counts for its first record's series). With those, equal to addRangeRow of the records
   * (row-kernel.test.ts).
   */
  addCellsRecords(
    cells: readonly string[],
    dimCells: Int32Array,
    count: number,
    lows: Int32Array,
    highs: Int32Array,
  ): void {
    this.rows++;
    this.records += count;
    const values = this.rowValues;
    if (this.tops !== null) {
      for (let i = 0; i < this.width; i++) this.tops[i]!.add(cells[dimCells[i]!]!);
    }
    for (let k = 0; k < count; k++) {
      const a = fmix32(lows[k]!) & MASK30;
      const b = fmix32(highs[k]!) & MASK30;
      // Read per record: a record past the bound turns the table into the sketch (overflow).
      const series = this.series;
      const rows = k === 0 ? 1 : 0;
      if (series === null) this.seriesSketch!.add(a, b);
      else if (!series.hit(a, b, rows)) {
        for (let i = 0; i < this.width; i++) values[i] = cells[dimCells[i]!]!;
        if (series.add(a, b, rows, values) && series.size > this.combosMax) this.overflow();
      }
    }
  }

  /**
   * A scalar record's measure slots (R-MEAS-2, what countMixed counts of it: the scalar slots of its measure name,
   * `slots` from scalarSlotsOf): each present and applying.
   */
  countSlots(slots: Int32Array): void {
    for (let i = 0; i < slots.length; i++) {
      const j = slots[i]!;
      this.present[j]!++;
      this.applies[j]!++;
    }
  }

  /**
   * The rows' times `times[from, to)` (ms), counted as addTime counts each: a range job counts its rows' times in
   * one loop at its end, from the times it sends back anyway (BucketHistogram's counts and width do not depend on
   * the order of the values).
   */
  addTimes(times: Float64Array, from: number, to: number): void {
    for (let i = from; i < to; i++) this.addTime(times[i]!);
  }

  /** A row's time (ms): the histogram, the range, the window. */
  addTime(time: number): void {
    this.times.add(0, time);
    if (time < this.minTime) this.minTime = time;
    if (time > this.maxTime) this.maxTime = time;
    const w = this.windowMs;
    if (w !== null) this.window[time < w.from ? 0 : time >= w.to ? 2 : 1]++;
  }

  /** A row that left dimensions out: counts them missing. */
  private countMissing(dims: readonly TimestreamDimension[]): void {
    for (let i = 0, k = 0; i < this.width; i++) {
      const dim = dims[k];
      if (dim === undefined || dim.Name !== this.dimensions[i]!.name) this.missing[i]!++;
      else k++;
    }
  }

  /** The row's values by dimension (null: left out) into rowValues. */
  private rowValuesOf(dims: readonly TimestreamDimension[]): void {
    const values = this.rowValues;
    for (let i = 0, k = 0; i < this.width; i++) {
      const dim = dims[k];
      if (dim === undefined || dim.Name !== this.dimensions[i]!.name) values[i] = null;
      else {
        values[i] = dim.Value;
        k++;
      }
    }
  }

  private addTops(dims: readonly TimestreamDimension[]): void {
    this.rowValuesOf(dims);
    for (let i = 0; i < this.width; i++) {
      const v = this.rowValues[i];
      if (v !== null && v !== undefined) this.tops![i]!.add(v);
    }
  }

  /** Past COMBOS_EXACT_MAX: the series so far become the series sketch and the dimensions' summaries. */
  protected overflow(): void {
    const sketch = new HyperLogLog(SERIES_PRECISION);
    const tops = this.dimensions.map(() => new TopValues(TOP_CAPACITY));
    for (const e of this.series?.entries() ?? []) {
      sketch.add(e.a, e.b);
      this.addSeriesValues(tops, e.values, e.rows);
    }
    this.seriesSketch = sketch;
    this.tops = tops;
    this.series = null;
  }

  /** A series' dimension values, counted `rows` times (the rows it was the first record of) in the summaries. */
  protected addSeriesValues(tops: TopValues[], values: readonly (string | null)[], rows: number): void {
    if (rows === 0) return;
    values.forEach((v, i) => {
      if (v !== null)
        tops[i]!.merge({ capacity: 1, values: [v], counts: [rows], total: rows, error: 0, distinct: null });
    });
  }

  /** R-MEAS-2: MeasureValues come in mapping order with null attributes left out. */
  private countAttributes(record: TimestreamRecord, from: number, to: number): void {
    const values = record.MeasureValues ?? [];
    for (let j = from, k = 0; j < to; j++) {
      this.applies[j]!++;
      if (k < values.length && values[k]!.Name === this.attributeNames[j]) {
        this.present[j]!++;
        k++;
      }
    }
  }

  private countMixed(record: TimestreamRecord): void {
    const slots = this.slots;
    for (let j = 0; j < slots.length; j++) {
      const slot = slots[j]!;
      if (slot.measure !== record.MeasureName) continue;
      if (slot.attribute === null) {
        this.present[j]!++;
        this.applies[j]!++;
      } else {
        let end = j;
        while (end < slots.length && slots[end]!.measure === slot.measure && slots[end]!.attribute !== null)
          end++;
        this.countAttributes(record, j, end);
        j = end - 1;
      }
    }
  }
}
