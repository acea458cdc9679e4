/**
 * The shapes of the report's content statistics (content-stats.ts): what crosses from a range job to the main thread
 * (ContentStatsData), the measure columns whose nulls are counted (measureSlots), a dimension's summary.
 */
import type { ResolvedDataModel } from '../../task.js';
import type { BucketHistogramData } from './bucket-histogram.js';
import type { HyperLogLogData } from './hyper-log-log.js';
import type { SeriesTableData } from './series-table.js';
import type { TopValuesData } from './top-values.js';

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
  /** The series, while at most COMBOS_EXACT_MAX. */
  series: SeriesTableData | null;
  /** Past the exact bound: per dimension its summary, and the series sketch. */
  tops: TopValuesData[] | null;
  seriesSketch: HyperLogLogData | null;
}

/** [choice] Buckets of the time histogram. */
export const TIME_BUCKETS = 400;

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

/**
 * For ContentStats.countSlots: the slots a scalar record of measure `measureName` counts (countMixed's scalar ones),
 * or null when a slot of the model is an attribute (a MULTI mapping's), which only countMixed counts.
 */
export function scalarSlotsOf(slots: readonly MeasureSlot[], measureName: string): Int32Array | null {
  if (slots.some((s) => s.attribute !== null)) return null;
  const found: number[] = [];
  slots.forEach((s, j) => {
    if (s.measure === measureName) found.push(j);
  });
  return Int32Array.from(found);
}

/** The summary of one dimension for the report. */
export interface DimensionSummary {
  distinct: number;
  exact: boolean;
  error: number;
  top: { value: string; count: number }[];
}
