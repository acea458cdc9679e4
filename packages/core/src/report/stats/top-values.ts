/**
 * The most frequent values of a column in bounded memory: exact counts while at most `capacity` distinct values have
 * been seen, then the Misra-Gries summary (every count a lower bound, under by at most `error`; every value more
 * frequent than total / (capacity + 1) is kept). Summaries of parts of the data merge into a summary of the whole
 * with the same guarantee (Agarwal et al., "Mergeable summaries", 2012): exact when the merged counts still fit.
 * Each entry keeps its value's hash (string-hash.ts) so the series count needs no second hash per row.
 */
import { HyperLogLog, type HyperLogLogData } from './hyper-log-log.js';
import { hashString } from './string-hash.js';

interface Entry {
  n: number;
  hash: number;
}

export interface TopValuesData {
  capacity: number;
  values: string[];
  counts: number[];
  /** Added values (with multiplicity). */
  total: number;
  /** The most any count is under its true value; 0 while exact. */
  error: number;
  /** The distinct-value sketch, started at the first dropped value (until then the values themselves are exact). */
  distinct: HyperLogLogData | null;
}

/** [choice] Precision of a column's distinct-value sketch: 4 KiB, 1.6% standard error. */
const DISTINCT_PRECISION = 12;

export class TopValues {
  readonly capacity: number;
  private readonly entries = new Map<string, Entry>();
  total = 0;
  error = 0;
  private distinctSketch: HyperLogLog | null = null;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`TopValues capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** Whether every count is exact (no value was ever dropped). */
  get exact(): boolean {
    return this.error === 0;
  }

  /** Values currently held (all distinct values seen, while exact). */
  get size(): number {
    return this.entries.size;
  }

  /** Distinct values seen: exact while no value was dropped, else the sketch's estimate. */
  get distinct(): number {
    return this.distinctSketch === null ? this.entries.size : Math.round(this.distinctSketch.estimate());
  }

  /** Counts `value` once and answers its hash. */
  add(value: string): number {
    this.total++;
    const entry = this.entries.get(value);
    if (entry !== undefined) {
      entry.n++;
      this.distinctSketch?.add(entry.hash);
      return entry.hash;
    }
    const hash = hashString(value);
    if (this.entries.size < this.capacity) {
      this.entries.set(value, { n: 1, hash });
      this.distinctSketch?.add(hash);
      return hash;
    }
    // Misra-Gries: the new value and every held one lose one count; those at zero are dropped.
    this.startSketch().add(hash);
    this.error++;
    for (const [key, held] of this.entries) {
      if (--held.n === 0) this.entries.delete(key);
    }
    return hash;
  }

  /** The distinct-value sketch, seeded with every value held: before the first drop, every value seen. */
  private startSketch(): HyperLogLog {
    if (this.distinctSketch === null) {
      this.distinctSketch = new HyperLogLog(DISTINCT_PRECISION);
      for (const entry of this.entries.values()) this.distinctSketch.add(entry.hash);
    }
    return this.distinctSketch;
  }

  merge(other: TopValuesData): void {
    this.total += other.total;
    this.error += other.error;
    if (this.distinctSketch !== null || other.distinct !== null) this.mergeSketch(other);
    for (let i = 0; i < other.values.length; i++) {
      const value = other.values[i]!;
      const entry = this.entries.get(value);
      if (entry !== undefined) entry.n += other.counts[i]!;
      else this.entries.set(value, { n: other.counts[i]!, hash: hashString(value) });
    }
    if (this.entries.size <= this.capacity) return;
    this.mergeSketch(null);
    // Keep the `capacity` largest: subtract the (capacity + 1)-th largest count from all, drop those at or under 0.
    const sorted = [...this.entries.values()].map((e) => e.n).sort((a, b) => b - a);
    const cut = sorted[this.capacity]!;
    this.error += cut;
    for (const [key, entry] of this.entries) {
      entry.n -= cut;
      if (entry.n <= 0) this.entries.delete(key);
    }
  }

  /** Brings the distinct sketch in: `other`'s sketch, or its values when it has none (then it holds them all). */
  private mergeSketch(other: TopValuesData | null): void {
    const sketch = this.startSketch();
    if (other === null) return;
    if (other.distinct !== null) sketch.merge(HyperLogLog.from(other.distinct));
    else for (const value of other.values) sketch.add(hashString(value));
  }

  /** The `k` values with the highest counts, highest first (ties by value, so the order is reproducible). */
  top(k: number): { value: string; count: number }[] {
    return [...this.entries]
      .map(([value, e]) => ({ value, count: e.n }))
      .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
      .slice(0, k);
  }

  data(): TopValuesData {
    const values: string[] = [];
    const counts: number[] = [];
    for (const [value, e] of this.entries) {
      values.push(value);
      counts.push(e.n);
    }
    return {
      capacity: this.capacity,
      values,
      counts,
      total: this.total,
      error: this.error,
      distinct: this.distinctSketch?.data() ?? null,
    };
  }
}
