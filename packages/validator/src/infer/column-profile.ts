/**
 * What a sample says about each CSV column (tsbatch init): nulls, which cells are valid for each measure value type
 * (core's own parsers, R-MEAS-1), epoch-like integers and text times, the distinct values (exact up to a cap, then
 * a HyperLogLog from core), lengths, and the cells that look like null markers.
 */
import { HyperLogLog, hashInto, isValidTimeDigits, valueParser, type HashLanes } from '@tsbatch/core';

/** Text that often means "no value" in exports; proposed as NullValue when it appears in several columns. */
export const NULL_MARKERS = [
  'NULL',
  'null',
  'Null',
  '\\N',
  'NA',
  'N/A',
  'n/a',
  'None',
  'none',
  'nil',
  'NaN',
  '-',
  '?',
] as const;

/** [choice] Distinct values kept per column (exact counts); past it the count is a HyperLogLog estimate. */
const DISTINCT_CAP = 10_000;

const ISO_TIME =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;
const SLASH_TIME = /^\d{1,4}[/.]\d{1,2}[/.]\d{1,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.(\d{1,9}))?)?)?$/;
const DECIMAL_EPOCH = /^\d{9,19}\.\d+$/;

const isDouble = valueParser('DOUBLE', 'MILLISECONDS');
const isBigint = valueParser('BIGINT', 'MILLISECONDS');
const isBoolean = valueParser('BOOLEAN', 'MILLISECONDS');

/**
 * [choice] Epoch magnitudes, a factor 1000 apart: an integer from 1e8 to 1e11 read as SECONDS is 1973-03 to 5138,
 * and so is the same range a thousand times larger in MILLISECONDS, and so on; below 1e8 the unit cannot be told.
 */
export const MAGNITUDE_UNITS = [null, 'SECONDS', 'MILLISECONDS', 'MICROSECONDS', 'NANOSECONDS'] as const;

export function magnitude(n: number): number {
  return n < 1e8 ? 0 : n < 1e11 ? 1 : n < 1e14 ? 2 : n < 1e17 ? 3 : 4;
}

export class ColumnProfile {
  /** Cells seen (rows that reached this column). */
  cells = 0;
  /** Null cells (empty, or equal to the NullValue in force). */
  nulls = 0;
  doubles = 0;
  bigints = 0;
  booleans = 0;
  /** Non-negative integers (R-TIME-1 syntax) and their range. */
  digits = 0;
  min = Infinity;
  max = -Infinity;
  /** Text times: ISO 8601 (or y/m/d) and epochs with a fraction, with the most fractional digits seen. */
  isoTimes = 0;
  decimalEpochs = 0;
  fractionDigits = 0;
  hasOffset = 0;
  maxBytes = 0;
  totalBytes = 0;
  /** Null-marker cells by marker. */
  readonly markers = new Map<string, number>();
  private readonly distinctValues = new Map<string, number>();
  private sketch: HyperLogLog | null = null;
  private readonly lanes: HashLanes = { a: 0, b: 0 };
  /** Integers by magnitude: below 1e8, then the epoch ranges of SECONDS, MILLISECONDS, MICROSECONDS, NANOSECONDS. */
  readonly magnitudes = [0, 0, 0, 0, 0];

  constructor(readonly name: string) {}

  add(value: string, isNull: boolean): void {
    this.cells++;
    if (isNull) {
      this.nulls++;
      return;
    }
    const bytes = Buffer.byteLength(value, 'utf8');
    this.totalBytes += bytes;
    if (bytes > this.maxBytes) this.maxBytes = bytes;
    if (isDouble(value) !== undefined) this.doubles++;
    if (isBigint(value) !== undefined) this.bigints++;
    if (isBoolean(value) !== undefined) this.booleans++;
    if (isValidTimeDigits(value, 'NANOSECONDS')) {
      this.digits++;
      const n = Number(value);
      if (n < this.min) this.min = n;
      if (n > this.max) this.max = n;
      this.magnitudes[magnitude(n)]!++;
    } else {
      const iso = ISO_TIME.exec(value) ?? SLASH_TIME.exec(value);
      if (iso !== null) {
        this.isoTimes++;
        this.fractionDigits = Math.max(this.fractionDigits, iso[1]?.length ?? 0);
        if (iso[2] !== undefined) this.hasOffset++;
      } else if (DECIMAL_EPOCH.test(value)) {
        this.decimalEpochs++;
        this.fractionDigits = Math.max(this.fractionDigits, value.length - value.indexOf('.') - 1);
      }
    }
    if ((NULL_MARKERS as readonly string[]).includes(value))
      this.markers.set(value, (this.markers.get(value) ?? 0) + 1);
    this.distinct(value);
  }

  private distinct(value: string): void {
    if (this.sketch === null) {
      this.distinctValues.set(value, (this.distinctValues.get(value) ?? 0) + 1);
      if (this.distinctValues.size <= DISTINCT_CAP) return;
      this.sketch = new HyperLogLog(14);
      for (const v of this.distinctValues.keys()) {
        hashInto(v, this.lanes);
        this.sketch.add(this.lanes.a, this.lanes.b);
      }
      this.distinctValues.clear();
      return;
    }
    hashInto(value, this.lanes);
    this.sketch.add(this.lanes.a, this.lanes.b);
  }

  get values(): number {
    return this.cells - this.nulls;
  }

  /** Distinct non-null values, and whether the count is exact. */
  get distinctCount(): { count: number; exact: boolean } {
    return this.sketch === null
      ? { count: this.distinctValues.size, exact: true }
      : { count: Math.round(this.sketch.estimate()), exact: false };
  }

  /** Occurrences of `value` (while the distinct values are kept). */
  countOf(value: string): number {
    return this.distinctValues.get(value) ?? 0;
  }

  /** Takes a null marker as null from now on: its cells move from values to nulls. */
  treatAsNull(marker: string): void {
    const n = this.markers.get(marker) ?? 0;
    if (n === 0) return;
    this.nulls += n;
    // The marker counted as text (and as a double for NaN); it is none of those any more.
    if (isDouble(marker) !== undefined) this.doubles -= n;
    this.totalBytes -= n * Buffer.byteLength(marker, 'utf8');
    this.distinctValues.delete(marker);
    this.markers.delete(marker);
  }
}
