/**
 * What the rows that mapped to records hold, for the HTML report (issue 19): per dimension its top values, distinct
 * count and nulls; per measure column its nulls; the series count (distinct dimensions + measure name, the service's
 * time series). Gathered where the rows are mapped, in the same pass as the dry run: on the main thread, or per byte
 * range in a worker, sent back as data and merged in file order (`merge`). Bounded: TopValues and HyperLogLog.
 * Exact while the values fit (TopValues' capacity, SERIES_EXACT_MAX series), approximate past that, and `exact` says
 * which; merging ranges changes nothing while they fit.
 */
import type { TimestreamRecord } from '../../map/record.js';
import type { ResolvedDataModel } from '../../task.js';
import { HyperLogLog, type HyperLogLogData } from './hyper-log-log.js';
import { PairSet } from './pair-set.js';
import { hashInto, LANE_A, LANE_B, mixLane, type HashLanes } from './string-hash.js';
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
  dimensions: { top: TopValuesData; present: number }[];
  /** Per slot: values present, and records (or rows) where the slot applies. */
  present: number[];
  applies: number[];
  /** The series hash-lane pairs [a0, b0, a1, b1, ...] while exact, else null and `seriesSketch` holds them. */
  series: Int32Array | null;
  seriesSketch: HyperLogLogData | null;
}

/**
 * [choice] Dimension values held in total (split over the dimensions, at least 64 each): exact top values and
 * distinct counts up to that many values, Misra-Gries and HyperLogLog past it (24 bytes a value in the table, plus
 * the value's text). Exact counting is also the cheaper per row: a Misra-Gries pass costs more than a table that
 * grows with the data's cardinality (76-125 ns against 45 ns an add, 5,000 values).
 */
const VALUES_BUDGET = 16_384;
/** [choice] Series counted exactly (a set of 60-bit hash pairs, 8 bytes a slot) up to this many; a HyperLogLog past it. */
export const SERIES_EXACT_MAX = 100_000;
const SERIES_PRECISION = 14;

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

export class ContentStats {
  rows = 0;
  records = 0;
  readonly dimensions: { name: string; top: TopValues; present: number }[];
  readonly slots: MeasureSlot[];
  private readonly present: Float64Array;
  private readonly applies: Float64Array;
  private series: PairSet | null = new PairSet();
  private seriesSketch: HyperLogLog | null = null;
  private readonly multi: boolean;
  private readonly attributeNames: string[];
  private lastMeasure = '';
  private readonly measureLanes: HashLanes = hashInto('', { a: 0, b: 0 });

  constructor(model: ResolvedDataModel) {
    const capacity = Math.max(64, Math.floor(VALUES_BUDGET / Math.max(1, model.dimensions.length)));
    this.dimensions = model.dimensions.map((d) => ({
      name: d.name,
      top: new TopValues(capacity),
      present: 0,
    }));
    this.slots = measureSlots(model);
    this.present = new Float64Array(this.slots.length);
    this.applies = new Float64Array(this.slots.length);
    this.multi = model.measures.kind === 'multi';
    this.attributeNames = this.slots.map((s) => s.attribute ?? '');
  }

  /** One row's records (all of them share the row's dimensions). */
  add(records: readonly TimestreamRecord[]): void {
    const first = records[0];
    if (first === undefined) return;
    this.rows++;
    this.records += records.length;
    // R-DIM-1: Dimensions come in mapping order with null ones left out: walk both lists once.
    const dims = first.Dimensions;
    let a = 0;
    let b = 0;
    for (let i = 0, k = 0; i < this.dimensions.length && k < dims.length; i++) {
      const d = this.dimensions[i]!;
      const dim = dims[k]!;
      if (dim.Name !== d.name) continue;
      k++;
      d.present++;
      const lanes = d.top.add(dim.Value);
      a = mixLane(a, i, lanes.a, LANE_A);
      b = mixLane(b, i, lanes.b, LANE_B);
    }
    for (const record of records) {
      this.addSeries(a, b, record.MeasureName);
      if (this.multi) this.countAttributes(record, 0, this.slots.length);
      else this.countMixed(record);
    }
  }

  /** A series: the row's dimension lanes with its measure name's (Timestream's series: dimensions + measure name). */
  private addSeries(dimsA: number, dimsB: number, measureName: string): void {
    if (measureName !== this.lastMeasure) {
      this.lastMeasure = measureName;
      hashInto(measureName, this.measureLanes);
    }
    const a = mixLane(dimsA, 0xffff, this.measureLanes.a, LANE_A);
    const b = mixLane(dimsB, 0xffff, this.measureLanes.b, LANE_B);
    if (this.series !== null) {
      if (this.series.add(a, b) && this.series.size > SERIES_EXACT_MAX) this.startSeriesSketch();
    } else this.seriesSketch!.add(a, b);
  }

  private startSeriesSketch(): HyperLogLog {
    if (this.seriesSketch === null) {
      this.seriesSketch = new HyperLogLog(SERIES_PRECISION);
      if (this.series !== null) this.addPairs(this.seriesSketch, this.series.pairs());
      this.series = null;
    }
    return this.seriesSketch;
  }

  private addPairs(sketch: HyperLogLog, pairs: Int32Array): void {
    for (let i = 0; i < pairs.length; i += 2) sketch.add(pairs[i]!, pairs[i + 1]!);
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
    return s.attribute === null && s.countsNulls ? this.rows : this.applies[slot]!;
  }

  presentFor(slot: number): number {
    return this.present[slot]!;
  }

  get seriesCount(): { count: number; exact: boolean } {
    return this.series !== null
      ? { count: this.series.size, exact: true }
      : { count: Math.round(this.seriesSketch!.estimate()), exact: false };
  }

  merge(other: ContentStatsData): void {
    this.rows += other.rows;
    this.records += other.records;
    for (let i = 0; i < this.dimensions.length; i++) {
      const d = this.dimensions[i]!;
      const o = other.dimensions[i]!;
      d.present += o.present;
      d.top.merge(o.top);
    }
    for (let j = 0; j < this.slots.length; j++) {
      this.present[j]! += other.present[j]!;
      this.applies[j]! += other.applies[j]!;
    }
    if (other.series !== null && this.series !== null) {
      const pairs = other.series;
      for (let i = 0; i < pairs.length; i += 2) this.series.add(pairs[i]!, pairs[i + 1]!);
      if (this.series.size > SERIES_EXACT_MAX) this.startSeriesSketch();
    } else {
      const sketch = this.startSeriesSketch();
      if (other.series !== null) this.addPairs(sketch, other.series);
      else sketch.merge(HyperLogLog.from(other.seriesSketch!));
    }
  }

  data(): ContentStatsData {
    return {
      rows: this.rows,
      records: this.records,
      dimensions: this.dimensions.map((d) => ({ top: d.top.data(), present: d.present })),
      present: Array.from(this.present),
      applies: Array.from(this.applies),
      series: this.series === null ? null : this.series.pairs(),
      seriesSketch: this.seriesSketch?.data() ?? null,
    };
  }
}
