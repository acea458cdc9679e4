/**
 * The most frequent values of a column in bounded memory: exact counts while at most `capacity` distinct values have
 * been seen, then the Misra-Gries summary (every count a lower bound, under by at most `error`; every value more
 * frequent than total / (capacity + 1) is kept). Summaries of parts of the data merge into a summary of the whole
 * with the same guarantee (Agarwal et al., "Mergeable summaries", 2012): exact when the merged counts still fit.
 *
 * Values are found by their 60-bit hash lanes (string-hash.ts) in an open-addressing table of typed arrays, not a
 * Map: a lookup touches one slot of a small array instead of a Map's entry and its key string scattered over the
 * heap (the bench's cache misses: 340 ns a row with a Map, in the 1 GB dry run). Two values with the same 60 bits
 * would count as one: for 32k values, about one chance in 10^10. Lanes, count and all sit in one slot of one
 * Float64Array, so a lookup touches one cache line.
 */
import { HyperLogLog, type HyperLogLogData } from './hyper-log-log.js';
import { hashInto, type HashLanes } from './string-hash.js';

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
const EMPTY = -1;

export class TopValues {
  readonly capacity: number;
  total = 0;
  error = 0;
  /** Values held. */
  size = 0;
  /** Per slot: lane a, lane b, count (interleaved: a lookup touches one cache line). a = -1: empty. */
  private slots: Float64Array;
  private values: string[];
  private spare: Float64Array | null = null;
  private mask: number;
  private distinctSketch: HyperLogLog | null = null;
  private readonly scratch: HashLanes = { a: 0, b: 0 };
  /** The last value added and its slot: a run of equal values (sorted exports) needs no hash at all. */
  private lastValue: string | null = null;
  private lastSlot = 0;
  private readonly lastLanes: HashLanes = { a: 0, b: 0 };

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`TopValues capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.mask = 63;
    this.slots = new Float64Array(64 * 3).fill(EMPTY);
    this.values = new Array<string>(64);
  }

  /** Whether every count is exact (no value was ever dropped). */
  get exact(): boolean {
    return this.error === 0;
  }

  /** Distinct values seen: exact while no value was dropped, else the sketch's estimate. */
  get distinct(): number {
    return this.distinctSketch === null ? this.size : Math.round(this.distinctSketch.estimate());
  }

  /** Counts `value` once and answers its hash lanes (read them before the next call). */
  add(value: string): HashLanes {
    this.total++;
    const last = this.lastLanes;
    if (value === this.lastValue) {
      this.slots[this.lastSlot * 3 + 2]! += 1;
      if (this.distinctSketch !== null) this.distinctSketch.add(last.a, last.b);
      return last;
    }
    const lanes = hashInto(value, this.scratch);
    const slot = this.count(lanes.a, lanes.b, value, 1, true);
    if (slot >= 0) {
      this.lastValue = value;
      this.lastSlot = slot;
      last.a = lanes.a;
      last.b = lanes.b;
    }
    return lanes;
  }

  /**
   * Adds `n` to the value with these lanes; `drop`: Misra-Gries when it is new and the table is full. Answers the
   * value's slot, or -1 when the table was rebuilt (slots moved) or the value was dropped.
   */
  private count(a: number, b: number, value: string, n: number, drop: boolean): number {
    if (this.distinctSketch !== null) this.distinctSketch.add(a, b);
    const slots = this.slots;
    let i = (a ^ Math.imul(b, 0x61c88647)) & this.mask;
    for (;;) {
      const at = i * 3;
      if (slots[at] === EMPTY) break;
      if (slots[at] === a && slots[at + 1] === b) {
        slots[at + 2]! += n;
        return i;
      }
      i = (i + 1) & this.mask;
    }
    if (drop && this.size >= this.capacity) {
      // Misra-Gries: the new value and every held one lose one count; those at zero are dropped.
      this.startSketch().add(a, b);
      this.error++;
      this.rebuild(1);
      return -1;
    }
    slots[i * 3] = a;
    slots[i * 3 + 1] = b;
    slots[i * 3 + 2] = n;
    this.values[i] = value;
    // [choice] Load factor up to 3/4: linear probing stays within a cache line or two, and the table stays small.
    if (++this.size * 4 <= (this.mask + 1) * 3) return i;
    this.rebuild(0);
    return -1;
  }

  /** Re-inserts every value with its count less `minus`, dropping those at or under zero; grows while half full. */
  private rebuild(minus: number): void {
    const { slots: old, values } = this;
    this.lastValue = null;
    let size = this.mask + 1;
    if (minus === 0) size *= 2;
    // A Misra-Gries pass keeps the size: it reuses the spare table instead of allocating one each time.
    const spare = this.spare;
    this.spare = minus === 0 ? null : old;
    this.slots =
      spare !== null && spare.length === size * 3
        ? spare.fill(EMPTY)
        : new Float64Array(size * 3).fill(EMPTY);
    this.values = new Array<string>(size);
    this.mask = size - 1;
    this.size = 0;
    for (let i = 0; i < values.length; i++) {
      if (old[i * 3] === EMPTY) continue;
      const n = old[i * 3 + 2]! - minus;
      if (n > 0) this.count(old[i * 3]!, old[i * 3 + 1]!, values[i]!, n, false);
    }
  }

  /** The distinct-value sketch, seeded with every value held: before the first drop, every value seen. */
  private startSketch(): HyperLogLog {
    if (this.distinctSketch === null) {
      const sketch = new HyperLogLog(DISTINCT_PRECISION);
      const slots = this.slots;
      for (let at = 0; at < slots.length; at += 3)
        if (slots[at] !== EMPTY) sketch.add(slots[at]!, slots[at + 1]!);
      this.distinctSketch = sketch;
    }
    return this.distinctSketch;
  }

  merge(other: TopValuesData): void {
    this.total += other.total;
    this.error += other.error;
    if (this.distinctSketch !== null || other.distinct !== null) this.mergeSketch(other);
    for (let i = 0; i < other.values.length; i++) {
      const value = other.values[i]!;
      const lanes = hashInto(value, this.scratch);
      // Counting an existing value must not touch the sketch twice: it is merged as a whole above.
      const sketch = this.distinctSketch;
      this.distinctSketch = null;
      this.count(lanes.a, lanes.b, value, other.counts[i]!, false);
      this.distinctSketch = sketch;
    }
    if (this.size <= this.capacity) return;
    this.mergeSketch(null);
    // Keep the `capacity` largest: subtract the (capacity + 1)-th largest count from all, drop those at or under 0.
    const held: number[] = [];
    for (let at = 0; at < this.slots.length; at += 3)
      if (this.slots[at] !== EMPTY) held.push(this.slots[at + 2]!);
    held.sort((x, y) => y - x);
    const cut = held[this.capacity]!;
    this.error += cut;
    const sketch = this.distinctSketch;
    this.distinctSketch = null;
    this.rebuild(cut);
    this.distinctSketch = sketch;
  }

  /** Brings the distinct sketch in: `other`'s sketch, or its values when it has none (then it holds them all). */
  private mergeSketch(other: TopValuesData | null): void {
    const sketch = this.startSketch();
    if (other === null) return;
    if (other.distinct !== null) sketch.merge(HyperLogLog.from(other.distinct));
    else {
      for (const value of other.values) {
        const lanes = hashInto(value, this.scratch);
        sketch.add(lanes.a, lanes.b);
      }
    }
  }

  private entries(): { value: string; count: number }[] {
    const out: { value: string; count: number }[] = [];
    for (let i = 0; i < this.values.length; i++) {
      if (this.slots[i * 3] !== EMPTY) out.push({ value: this.values[i]!, count: this.slots[i * 3 + 2]! });
    }
    return out;
  }

  /** The `k` values with the highest counts, highest first (ties by value, so the order is reproducible). */
  top(k: number): { value: string; count: number }[] {
    return this.entries()
      .sort((x, y) => y.count - x.count || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0))
      .slice(0, k);
  }

  data(): TopValuesData {
    const entries = this.entries();
    return {
      capacity: this.capacity,
      values: entries.map((e) => e.value),
      counts: entries.map((e) => e.count),
      total: this.total,
      error: this.error,
      distinct: this.distinctSketch?.data() ?? null,
    };
  }
}
