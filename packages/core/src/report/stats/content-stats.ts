/**
 * What the rows that mapped to records hold, for the HTML report (issue 19): per dimension its top values, distinct
 * count and nulls; per measure column its nulls; the series count (distinct dimensions + measure name, the service's
 * time series). Gathered where the rows are mapped, in the same pass as the dry run: on the main thread, or per byte
 * range in a worker, sent back as data and merged in file order (`merge`). Each record costs one probe in a table of
 * its series (series-table.ts), keyed by the hash the duplicate check makes of the record's key anyway
 * (RecordKeyEncoder.keyHash's series state: a worker hashes no value twice); top values, distinct counts and the
 * series count are read from it, exactly, while it holds at most COMBOS_EXACT_MAX series. Past that, bounded
 * sketches take over (TopValues: Misra-Gries; HyperLogLog), and `exact` says so.
 */
import type { ContentStatsData, DimensionSummary } from './content-data.js';
import { ContentCounts } from './content-counts.js';
import { HyperLogLog } from './hyper-log-log.js';
import { decodeValues, SERIES_SLOT_WIDTH } from './series-table.js';

export { COMBOS_EXACT_MAX } from './content-counts.js';

/** The counts of the rows (ContentCounts), read for the report, merged from a range's, and sent as data. */
export class ContentStats extends ContentCounts {
  /** Rows where dimension `i` was present. */
  presentOf(i: number): number {
    return this.rows - this.missing[i]!;
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
    return { count: this.series?.size ?? 0, exact: true };
  }

  /** Dimension `i`'s distinct count and its `k` most frequent values, in rows that mapped. */
  dimensionSummary(i: number, k: number): DimensionSummary {
    if (this.tops !== null) {
      const t = this.tops[i]!;
      return { distinct: t.distinct, exact: t.exact, error: t.error, top: t.top(k) };
    }
    const counts = new Map<string, number>();
    for (const e of this.series?.entries() ?? []) {
      const v = e.values[i];
      // A series with no rows of its own (never a row's first record) shares its values with one that has them.
      if (v !== null && v !== undefined && e.rows > 0) counts.set(v, (counts.get(v) ?? 0) + e.rows);
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
    if (other.series !== null) {
      const { slots, chars, width } = other.series;
      for (let at = 0; at < slots.length; at += SERIES_SLOT_WIDTH) {
        const a = slots[at]!;
        const b = slots[at + 1]!;
        const rows = slots[at + 2]!;
        // A series held already (most of a range's) adds its rows: no value is read.
        if (this.series !== null) {
          if (this.series.addEncoded(a, b, rows, chars, slots[at + 3]!) && this.series.size > this.combosMax)
            this.overflow();
        } else {
          this.seriesSketch!.add(a, b);
          if (rows > 0) this.addSeriesValues(this.tops!, decodeValues(chars, slots[at + 3]!, width), rows);
        }
      }
    }
    if (other.tops !== null) {
      if (this.tops === null) this.overflow();
      other.tops.forEach((t, i) => this.tops![i]!.merge(t));
    }
    if (other.seriesSketch !== null) this.seriesSketch!.merge(HyperLogLog.from(other.seriesSketch));
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
      series: this.series?.data() ?? null,
      tops: this.tops?.map((t) => t.data()) ?? null,
      seriesSketch: this.seriesSketch?.data() ?? null,
    };
  }
}
