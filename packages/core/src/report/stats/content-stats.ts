/**
 * What the rows that mapped to records hold, for the HTML report (issue 19): per dimension its top values, distinct
 * count and nulls; per measure column its nulls; the series count (distinct dimensions + measure name, the service's
 * time series). Gathered where the rows are mapped, in the same pass as the dry run: on the main thread, or per byte
 * range in a worker, sent back as data and merged in file order (`merge`). Each row costs one lookup in a table of
 * its dimension-value combinations (combo-table.ts); top values, distinct counts and the series count are read from
 * it, exactly, while it holds at most COMBOS_EXACT_MAX combinations and 31 measure names. Past that, bounded
 * sketches take over (TopValues: Misra-Gries; HyperLogLog), and `exact` says so.
 */
import type { TimestreamDimension, TimestreamRecord } from '../../map/record.js';
import type { ResolvedDataModel } from '../../task.js';
import { BucketHistogram, TIME_WIDTHS_MS, type BucketHistogramData } from './bucket-histogram.js';
import { ComboTable, type ComboTableData } from './combo-table.js';
import { HyperLogLog, type HyperLogLogData } from './hyper-log-log.js';
import { ComboHasher, hashInto, LANE_A, LANE_B, mixLane, type HashLanes } from './string-hash.js';
import { TopValues, type TopValuesData } from './top-values.js';

/** A measure column as the report counts its nulls: records of `measure` (or every row) lacking `name`. */
export interface MeasureSlot {
  column: string;
  /** The attribute name in MeasureValues, or null for a scalar measure (the record itself is its value). */
  attribute: string | null;
  /** The record's MeasureName the slot belongs to, or null for every record of a multi-measure model. */
  measure: string | null;
  /** Whether a missing value can be told from a measure that does not apply to the row. */
  countsNulls: boolean;
}

export interface ContentStatsData {
  rows: number;
  records: number;
  /** Rows by their first record's time (ms), and that time's range. */
  times: BucketHistogramData;
  minTime: number;
  maxTime: number;
  /** Rows before, inside and after the ingestion window (by time in ms), when it is known. */
  window: [number, number, number];
  /** Per dimension: rows where it was present. */
  present: number[];
  /** Per measure slot: values present, and records (or rows) where the slot applies. */
  slotPresent: number[];
  slotApplies: number[];
  /** Measure names by bit index (the combinations' bits), while at most 31. */
  names: string[];
  combos: ComboTableData | null;
  /** Past the exact bounds: per dimension its summary, and the series sketch. */
  tops: TopValuesData[] | null;
  seriesSketch: HyperLogLogData | null;
}

/** [choice] Buckets of the time histogram. */
export const TIME_BUCKETS = 400;

/**
 * A record's time in ms since the epoch, as a double (the histograms need no more precision); NaN for none. Its
 * digits (R-TIME-1: the mapper let only digits through) are read by hand: Number() of a string cost ~40 ns a row.
 * The last nine digits are summed in int32 arithmetic (they fit), the ones before them (at most ten more, an
 * instant in ns) as a double: the double's step is a multiply-add with a latency of several cycles, the int32 one
 * a single cycle or two, and the time is read for every row the report counts.
 */
export function recordTimeMs(record: TimestreamRecord | undefined): number {
  if (record === undefined) return NaN;
  const time = record.Time;
  const n = time.length;
  let i = 0;
  let high = 0;
  for (; i < n - 9; i++) high = high * 10 + (time.charCodeAt(i) - 48);
  let low = 0;
  for (; i < n; i++) low = (low * 10 + (time.charCodeAt(i) - 48)) | 0;
  const unit = record.TimeUnit;
  const scale =
    unit === 'SECONDS' ? 1000 : unit === 'MILLISECONDS' ? 1 : unit === 'MICROSECONDS' ? 1e-3 : 1e-6;
  return (high * 1e9 + low) * scale;
}

/** [choice] Combinations of dimension values held exactly (16 bytes a slot, plus their values). */
export const COMBOS_EXACT_MAX = 100_000;
/** [choice] Values a dimension's summary holds once the combinations are past COMBOS_EXACT_MAX. */
const TOP_CAPACITY = 4096;
const SERIES_PRECISION = 14;
/** Measure names a combination's bits can tell apart (31: the bits of a signed int32 but its sign). */
const MAX_NAMES = 31;

export function measureSlots(model: ResolvedDataModel): MeasureSlot[] {
  const m = model.measures;
  if (m.kind === 'multi') {
    return m.attributes.map((a) => ({
      column: a.source,
      attribute: a.name,
      measure: null,
      countsNulls: true,
    }));
  }
  const slots: MeasureSlot[] = [];
  for (const mapping of m.mappings) {
    if (mapping.source !== null) {
      // With a MeasureNameColumn a scalar mapping applies only to its rows: a null there looks like "not this row".
      slots.push({
        column: mapping.source,
        attribute: null,
        measure: mapping.measureName,
        countsNulls: m.measureNameColumn === null,
      });
    }
    for (const a of mapping.attributes) {
      slots.push({ column: a.source, attribute: a.name, measure: mapping.measureName, countsNulls: true });
    }
  }
  return slots;
}

/** The summary of one dimension for the report. */
export interface DimensionSummary {
  distinct: number;
  exact: boolean;
  error: number;
  top: { value: string; count: number }[];
}

export class ContentStats {
  rows = 0;
  records = 0;
  readonly times = new BucketHistogram(1, TIME_BUCKETS, TIME_WIDTHS_MS);
  minTime = Infinity;
  maxTime = -Infinity;
  /** Rows before, inside and after the window. */
  readonly window: [number, number, number] = [0, 0, 0];
  readonly dimensions: { name: string }[];
  /** Per dimension: rows that left it out (null). */
  private readonly missing: Float64Array;
  private readonly width: number;
  private readonly hasher = new ComboHasher();
  readonly slots: MeasureSlot[];
  private readonly present: Float64Array;
  private readonly applies: Float64Array;
  /** Multi-measure records that had every attribute: present in (and applying to) every slot. */
  private complete = 0;
  private readonly multi: boolean;
  private readonly attributeNames: string[];
  private combos: ComboTable | null;
  private names: string[] = [];
  private readonly nameBits = new Map<string, number>();
  private lastName = '';
  private lastBit = 0;
  /** The series sketch (past MAX_NAMES names, or past the combinations' bound) and the dimensions' summaries. */
  private seriesSketch: HyperLogLog | null = null;
  private tops: TopValues[] | null = null;
  private readonly measureLanes: HashLanes = { a: 0, b: 0 };
  /** The row's dimension values by dimension (null: left out), for a combination seen for the first time. */
  private readonly rowValues: (string | null)[];

  /**
   * `windowMs`: the table's ingestion window [from, to) in ms (R-WIN-1), or null. `combosMax`: COMBOS_EXACT_MAX,
   * smaller in tests of what happens past it. `comboTable`: an empty table to use (a worker reuses one per range).
   * `countTimes`: false in a worker, whose rows' times the main thread counts (addTimes).
   */
  constructor(
    model: ResolvedDataModel,
    private readonly windowMs: { from: number; to: number } | null = null,
    private readonly combosMax = COMBOS_EXACT_MAX,
    comboTable?: ComboTable,
    private readonly countTimes = true,
  ) {
    this.dimensions = model.dimensions.map((d) => ({ name: d.name }));
    this.width = this.dimensions.length;
    this.missing = new Float64Array(this.width);
    this.slots = measureSlots(model);
    this.present = new Float64Array(this.slots.length);
    this.applies = new Float64Array(this.slots.length);
    this.multi = model.measures.kind === 'multi';
    this.attributeNames = this.slots.map((s) => s.attribute ?? '');
    this.rowValues = new Array<string | null>(this.dimensions.length).fill(null);
    this.combos = comboTable ?? new ComboTable(this.dimensions.length);
  }

  /** One row's records (all of them share the row's dimensions); `time`: recordTimeMs of the first, if known. */
  add(records: readonly TimestreamRecord[], time = recordTimeMs(records[0])): void {
    const first = records[0];
    if (first === undefined) return;
    this.rows++;
    this.records += records.length;
    if (this.countTimes) this.addTime(time);
    // R-DIM-1: Dimensions come in mapping order with null ones left out, so a row with as many as the model has
    // them all, in order: no name to compare, nothing to count but the hash (the usual row).
    const dims = first.Dimensions;
    const hasher = this.hasher;
    hasher.start();
    const n = this.width;
    if (dims.length === n) for (let i = 0; i < n; i++) hasher.add(i, dims[i]!.Value);
    else this.hashSparse(dims);
    hasher.finish();
    if (this.tops !== null) this.addTops(dims);
    let bits = 0;
    for (const record of records) {
      const bit = this.bitOf(record.MeasureName);
      if (bit >= 0) bits |= bit;
      if (this.seriesSketch !== null)
        this.addSeries(this.seriesSketch, hasher.a, hasher.b, record.MeasureName);
      // A multi-measure record with every attribute (the usual one) is counted once, not per attribute.
      if (this.multi) {
        if ((record.MeasureValues?.length ?? 0) === this.slots.length) this.complete++;
        else this.countAttributes(record, 0, this.slots.length);
      } else this.countMixed(record);
    }
    const combos = this.combos;
    // A combination seen before (the usual row) is one probe; a new one gathers its values first.
    if (combos !== null && !combos.hit(hasher.a, hasher.b, bits)) {
      this.rowValuesOf(dims);
      if (combos.add(hasher.a, hasher.b, 1, bits, this.rowValues, 0) && combos.size > this.combosMax)
        this.overflow();
    }
  }

  /** A row's time (ms): the histogram, the range, the window. */
  addTime(time: number): void {
    this.times.add(0, time);
    if (time < this.minTime) this.minTime = time;
    if (time > this.maxTime) this.maxTime = time;
    const w = this.windowMs;
    if (w !== null) this.window[time < w.from ? 0 : time >= w.to ? 2 : 1]++;
  }

  /**
   * The times of a range's rows (RangeOutcome.rowTime, NaN for a row without records), counted here on the main
   * thread: a worker's stats, made with `countTimes` false, leave them out (the main thread waits on the workers,
   * so what it does costs the parallel run nothing, and it has the times anyway for the failed rows).
   */
  addTimes(times: Float64Array): void {
    for (let i = 0; i < times.length; i++) {
      const time = times[i]!;
      if (time === time) this.addTime(time);
    }
  }

  /** A row that left dimensions out: hashes those present, counts the others missing. */
  private hashSparse(dims: readonly TimestreamDimension[]): void {
    for (let i = 0, k = 0; i < this.width; i++) {
      const dim = dims[k];
      if (dim === undefined || dim.Name !== this.dimensions[i]!.name) {
        this.missing[i]!++;
        continue;
      }
      k++;
      this.hasher.add(i, dim.Value);
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

  /** Rows where dimension `i` was present. */
  presentOf(i: number): number {
    return this.rows - this.missing[i]!;
  }

  /** The bit of a measure name, or -1 once there are more names than bits (the series sketch counts then). */
  private bitOf(name: string): number {
    if (name === this.lastName && this.lastBit !== 0) return this.lastBit;
    let index = this.nameBits.get(name);
    if (index === undefined) {
      if (this.names.length >= MAX_NAMES) {
        this.startSeriesSketch();
        return -1;
      }
      index = this.names.length;
      this.names.push(name);
      this.nameBits.set(name, index);
    }
    this.lastName = name;
    this.lastBit = 1 << index;
    return this.lastBit;
  }

  private addSeries(sketch: HyperLogLog, dimsA: number, dimsB: number, measureName: string): void {
    hashInto(measureName, this.measureLanes);
    sketch.add(
      mixLane(dimsA, 0xffff, this.measureLanes.a, LANE_A),
      mixLane(dimsB, 0xffff, this.measureLanes.b, LANE_B),
    );
  }

  /** The series sketch, seeded with every series the combinations know. */
  private startSeriesSketch(): HyperLogLog {
    if (this.seriesSketch === null) {
      const sketch = new HyperLogLog(SERIES_PRECISION);
      for (const e of this.combos?.entries() ?? []) this.addComboSeries(sketch, e.a, e.b, e.bits, this.names);
      this.seriesSketch = sketch;
    }
    return this.seriesSketch;
  }

  private addComboSeries(
    sketch: HyperLogLog,
    a: number,
    b: number,
    bits: number,
    names: readonly string[],
  ): void {
    for (let i = 0; i < names.length; i++)
      if ((bits & (1 << i)) !== 0) this.addSeries(sketch, a, b, names[i]!);
  }

  /** Past COMBOS_EXACT_MAX: the combinations so far become the dimensions' summaries and the series sketch. */
  private overflow(): void {
    this.startSeriesSketch();
    const tops = this.dimensions.map(() => new TopValues(TOP_CAPACITY));
    for (const e of this.combos?.entries() ?? []) this.addComboValues(tops, e.values, e.rows);
    this.tops = tops;
    this.combos = null;
  }

  private addComboValues(tops: TopValues[], values: readonly (string | null)[], rows: number): void {
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

  /** A scalar mapping of a mixed model without MeasureNameColumn applies to every row, record or not (R-MEAS-2). */
  rowsFor(slot: number): number {
    const s = this.slots[slot]!;
    return s.attribute === null && s.countsNulls ? this.rows : this.applies[slot]! + this.complete;
  }

  presentFor(slot: number): number {
    return this.present[slot]! + this.complete;
  }

  get seriesCount(): { count: number; exact: boolean } {
    if (this.seriesSketch !== null) return { count: Math.round(this.seriesSketch.estimate()), exact: false };
    let count = 0;
    for (const e of this.combos?.entries() ?? []) {
      for (let bits = e.bits; bits !== 0; bits &= bits - 1) count++;
    }
    return { count, exact: true };
  }

  /** Dimension `i`'s distinct count and its `k` most frequent values, in rows that mapped. */
  dimensionSummary(i: number, k: number): DimensionSummary {
    if (this.tops !== null) {
      const t = this.tops[i]!;
      return { distinct: t.distinct, exact: t.exact, error: t.error, top: t.top(k) };
    }
    const counts = new Map<string, number>();
    for (const e of this.combos?.entries() ?? []) {
      const v = e.values[i];
      if (v !== null && v !== undefined) counts.set(v, (counts.get(v) ?? 0) + e.rows);
    }
    const top = [...counts]
      .map(([value, count]) => ({ value, count }))
      .sort((x, y) => y.count - x.count || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0))
      .slice(0, k);
    return { distinct: counts.size, exact: true, error: 0, top };
  }

  merge(other: ContentStatsData): void {
    this.rows += other.rows;
    this.records += other.records;
    this.times.merge(other.times);
    if (other.minTime < this.minTime) this.minTime = other.minTime;
    if (other.maxTime > this.maxTime) this.maxTime = other.maxTime;
    for (let i = 0; i < 3; i++) this.window[i]! += other.window[i]!;
    other.present.forEach((n, i) => (this.missing[i]! += other.rows - n));
    for (let j = 0; j < this.slots.length; j++) {
      this.present[j]! += other.slotPresent[j]!;
      this.applies[j]! += other.slotApplies[j]!;
    }
    // The other's bit i is the name other.names[i]: re-number it here.
    const remap = other.names.map((name) => this.bitOf(name));
    if (other.combos !== null) {
      const { slots, values: flat, width } = other.combos;
      const count = slots.length / 4;
      for (let c = 0; c < count; c++) {
        const at = c * 4;
        const a = slots[at]!;
        const b = slots[at + 1]!;
        const rows = slots[at + 2]!;
        let bits = 0;
        for (let i = 0; i < remap.length; i++)
          if ((slots[at + 3]! & (1 << i)) !== 0 && remap[i]! > 0) bits |= remap[i]!;
        if (this.seriesSketch !== null)
          this.addComboSeries(this.seriesSketch, a, b, slots[at + 3]!, other.names);
        if (this.combos !== null) {
          if (this.combos.add(a, b, rows, bits, flat, c * width) && this.combos.size > this.combosMax)
            this.overflow();
        } else this.addComboValues(this.tops!, flat.slice(c * width, (c + 1) * width), rows);
      }
    }
    if (other.tops !== null) {
      if (this.tops === null) this.overflow();
      other.tops.forEach((t, i) => this.tops![i]!.merge(t));
    }
    if (other.seriesSketch !== null) this.startSeriesSketch().merge(HyperLogLog.from(other.seriesSketch));
  }

  data(): ContentStatsData {
    return {
      rows: this.rows,
      records: this.records,
      times: this.times.data(),
      minTime: this.minTime,
      maxTime: this.maxTime,
      window: [...this.window],
      present: this.dimensions.map((_, i) => this.presentOf(i)),
      slotPresent: Array.from(this.present, (n) => n + this.complete),
      slotApplies: Array.from(this.applies, (n) => n + this.complete),
      names: this.names,
      combos: this.combos?.data() ?? null,
      tops: this.tops?.map((t) => t.data()) ?? null,
      seriesSketch: this.seriesSketch?.data() ?? null,
    };
  }
}
