/**
 * A histogram of non-negative numbers (times in ms, line numbers) in at most `maxBuckets` buckets whose width grows
 * along a ladder as the data spreads: every width is a whole multiple of the one before and buckets start at
 * multiples of their width, so growing merges whole buckets and every count stays exact (a value is always counted
 * in the bucket that contains it). Several series (e.g. ingested rows, failed rows) share the buckets.
 */

export interface BucketHistogramData {
  /** Bucket width, in the unit of the values. */
  width: number;
  /** Index of the first bucket: it starts at first * width. */
  first: number;
  /** Per series, the counts of buckets first, first + 1, ... */
  counts: number[][];
}

/** Widths for times in ms: 1 ms ... 1 s ... 1 min ... 1 h ... 1 day, 1 week, then x4, x13 (a year of weeks), x10. */
export const TIME_WIDTHS_MS: readonly number[] = ladder([
  1, 10, 100, 1000, 5000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000, 10_800_000,
  21_600_000, 43_200_000, 86_400_000, 604_800_000, 2_419_200_000, 31_449_600_000, 314_496_000_000,
  3_144_960_000_000, 31_449_600_000_000, 314_496_000_000_000, 3_144_960_000_000_000,
]);

/** Widths for line numbers: powers of two. */
export const LINE_WIDTHS: readonly number[] = Array.from({ length: 53 }, (_, i) => 2 ** i);

function ladder(widths: number[]): number[] {
  for (let i = 1; i < widths.length; i++) {
    if (widths[i]! % widths[i - 1]! !== 0)
      throw new Error(`ladder: ${widths[i]} is not a multiple of ${widths[i - 1]}`);
  }
  return widths;
}

export class BucketHistogram {
  private level = 0;
  private width: number;
  private first = 0;
  private used = 0;
  private readonly counts: Float64Array[];

  constructor(
    series: number,
    readonly maxBuckets: number,
    private readonly widths: readonly number[],
  ) {
    if (!Number.isInteger(maxBuckets) || maxBuckets < 2)
      throw new RangeError('BucketHistogram: maxBuckets >= 2');
    this.width = widths[0]!;
    this.counts = Array.from({ length: series }, () => new Float64Array(maxBuckets));
  }

  /** Counts `value` (>= 0) in `series`. */
  add(series: number, value: number): void {
    let index = Math.floor(value / this.width);
    if (this.used === 0 || index < this.first || index >= this.first + this.used) index = this.indexOf(value);
    this.counts[series]![index - this.first]! += 1;
  }

  /** Grows the covered range to hold `value`; answers its bucket index. */
  private include(value: number): number {
    for (;;) {
      const index = Math.floor(value / this.width);
      const low = Math.min(this.first, index);
      const high = Math.max(this.first + this.used - 1, index);
      if (high - low < this.maxBuckets) {
        if (low < this.first) {
          const shift = this.first - low;
          for (const c of this.counts) {
            c.copyWithin(shift, 0, this.used);
            c.fill(0, 0, shift);
          }
          this.first = low;
          this.used += shift;
        }
        if (high >= this.first + this.used) this.used = high - this.first + 1;
        return index;
      }
      this.coarsen();
    }
  }

  private coarsen(): void {
    const next = this.widths[this.level + 1];
    if (next === undefined) throw new RangeError('BucketHistogram: value beyond the widest bucket ladder');
    const factor = next / this.width;
    const first = Math.floor(this.first / factor);
    const last = Math.floor((this.first + this.used - 1) / factor);
    for (const c of this.counts) {
      const old = c.slice(0, this.used);
      c.fill(0);
      for (let i = 0; i < old.length; i++) c[Math.floor((this.first + i) / factor) - first]! += old[i]!;
    }
    this.level++;
    this.width = next;
    this.first = first;
    this.used = last - first + 1;
  }

  /** Adds another histogram's counts (same series count and ladder): the result is as if every value came here. */
  merge(other: BucketHistogramData): void {
    if (other.counts.length !== this.counts.length) throw new RangeError('BucketHistogram: series differ');
    const used = other.counts[0]?.length ?? 0;
    // Ladder widths: once this one is at least as wide, each of the other's buckets lies inside one of ours.
    while (used > 0 && this.width < other.width) this.coarsen();
    for (let i = 0; i < used; i++) {
      if (other.counts.every((c) => c[i] === 0)) continue;
      const index = this.indexOf((other.first + i) * other.width);
      for (let s = 0; s < this.counts.length; s++)
        this.counts[s]![index - this.first]! += other.counts[s]![i]!;
    }
  }

  /** The index of the bucket holding `value`, the range grown to hold it. */
  private indexOf(value: number): number {
    const index = Math.floor(value / this.width);
    if (this.used === 0) {
      this.first = index;
      this.used = 1;
      return index;
    }
    return index < this.first || index >= this.first + this.used ? this.include(value) : index;
  }

  get total(): number {
    let sum = 0;
    for (const c of this.counts) for (let i = 0; i < this.used; i++) sum += c[i]!;
    return sum;
  }

  data(): BucketHistogramData {
    return {
      width: this.width,
      first: this.first,
      counts: this.counts.map((c) => Array.from(c.subarray(0, this.used))),
    };
  }
}
