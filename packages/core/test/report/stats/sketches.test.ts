/**
 * The report's sketches (issue 19): HyperLogLog merges to the sequential sketch register for register and estimates
 * within its error; TopValues is exact below its capacity and keeps the Misra-Gries guarantee above it, alone and
 * merged; BucketHistogram counts every value in the bucket that holds it, at the width a direct build would reach.
 * Property tests print their seed on failure; FC_SEED=<seed> replays it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { BucketHistogram, LINE_WIDTHS, TIME_WIDTHS_MS } from '../../../src/report/stats/bucket-histogram.js';
import { HyperLogLog } from '../../../src/report/stats/hyper-log-log.js';
import { hashInto } from '../../../src/report/stats/string-hash.js';
import { RecordKeyEncoder } from '../../../src/checks/check-record-key.js';
import type { TimestreamRecord } from '../../../src/map/record.js';
import { TopValues } from '../../../src/report/stats/top-values.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

function exactCounts(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

/** Values with a skewed distribution: small indexes are frequent. */
const skewed = fc.array(
  fc.integer({ min: 0, max: 60 }).map((n) => `v${Math.floor((n * n) / 60)}`),
  { maxLength: 400 },
);

const lanes = (text: string): { a: number; b: number } => hashInto(text, { a: 0, b: 0 });
const add = (sketch: HyperLogLog, text: string): void => {
  const { a, b } = lanes(text);
  sketch.add(a, b);
};

describe('string hash', () => {
  it('gives two 30-bit lanes, different for near strings', () => {
    const words = ['a', 'b', 'ab', 'ba', '', 'vehicle-1', 'vehicle-2'];
    const pairs = new Set(words.map((s) => `${lanes(s).a}/${lanes(s).b}`));
    expect(pairs.size).toBe(words.length);
    for (const s of words) {
      const { a, b } = lanes(s);
      expect(a >= 0 && a < 2 ** 30 && b >= 0 && b < 2 ** 30).toBe(true);
    }
  });
});

describe('series hash (RecordKeyEncoder.keyHash state, what the report counts series by)', () => {
  /** The series state of a fleet-like record with these dimension values (null: left out, R-DIM-1). */
  const series = (values: (string | null)[], name = 'm', time = '1'): string => {
    const enc = new RecordKeyEncoder();
    const record: TimestreamRecord = {
      Dimensions: values.flatMap((v, i) =>
        v === null ? [] : [{ Name: `d${i}`, Value: v, DimensionValueType: 'VARCHAR' as const }],
      ),
      MeasureName: name,
      MeasureValueType: 'DOUBLE',
      MeasureValue: '1',
      Time: time,
      TimeUnit: 'SECONDS',
      Version: 1,
    };
    enc.keyHash(record);
    return `${enc.seriesHash}/${enc.seriesHashHigh}`;
  };

  it('tells apart values split differently, moved to another dimension or left out (R-DIM-1)', () => {
    const combos: (string | null)[][] = [
      ['ab', 'c'],
      ['a', 'bc'],
      ['abc', ''],
      ['', 'abc'],
      ['abc', null],
      [null, 'abc'],
      [null, null],
      ['', null],
      [null, ''],
      ['', ''],
      ['a\u0000', 'b'],
      ['a', '\u0000b'],
    ];
    expect(new Set(combos.map((c) => series(c))).size).toBe(combos.length);
    expect(series(['a', 'b'], 'm1')).not.toBe(series(['a', 'b'], 'm2'));
    // The time is not part of the series.
    expect(series(['a', 'b'], 'm', '1714521600')).toBe(series(['a', 'b'], 'm', '1'));
  });

  it('gives distinct states to distinct series and equal states to equal ones', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.array(fc.option(fc.string({ maxLength: 6 }), { nil: null }), { minLength: 3, maxLength: 3 }),
          {
            selector: (v) => JSON.stringify(v),
            maxLength: 200,
          },
        ),
        (values) => {
          expect(new Set(values.map((v) => series(v))).size).toBe(values.length);
          for (const v of values) expect(series([...v], 'm', '7')).toBe(series(v));
        },
      ),
      fcOptions,
    );
  });
});

describe('HyperLogLog', () => {
  it('merged from any split is the sketch of the whole, register for register', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string(), { maxLength: 300 }),
        fc.integer({ min: 0, max: 300 }),
        (values, cut) => {
          const whole = new HyperLogLog(10);
          for (const v of values) add(whole, v);
          const a = new HyperLogLog(10);
          const b = new HyperLogLog(10);
          values.forEach((v, i) => add(i < cut ? a : b, v));
          a.merge(HyperLogLog.from(b.data()));
          expect(a.registers).toEqual(whole.registers);
        },
      ),
      fcOptions,
    );
  });

  it.each([10, 1000, 50_000, 400_000])('estimates %i distinct values within 3% at precision 14', (n) => {
    const sketch = new HyperLogLog(14);
    for (let i = 0; i < n; i++) {
      add(sketch, `series-${i}`);
      add(sketch, `series-${i}`); // repeats change nothing
    }
    expect(Math.abs(sketch.estimate() - n) / n).toBeLessThan(0.03);
  });
});

describe('TopValues', () => {
  it('is exact below its capacity: every value with its count, distinct exact', () => {
    fc.assert(
      fc.property(skewed, (values) => {
        const top = new TopValues(1000);
        for (const v of values) top.add(v);
        const exact = exactCounts(values);
        expect(top.exact).toBe(true);
        expect(top.distinct).toBe(exact.size);
        expect(new Map(top.top(10_000).map((e) => [e.value, e.count]))).toEqual(exact);
      }),
      fcOptions,
    );
  });

  /** Misra-Gries: count <= true <= count + error, error <= total / (capacity + 1), frequent values kept. */
  function expectGuarantee(top: TopValues, values: string[]): void {
    const exact = exactCounts(values);
    const held = new Map(top.top(Number.MAX_SAFE_INTEGER).map((e) => [e.value, e.count]));
    expect(top.total).toBe(values.length);
    expect(top.error).toBeLessThanOrEqual(values.length / (top.capacity + 1));
    for (const [value, count] of held) {
      expect(count).toBeLessThanOrEqual(exact.get(value)!);
      expect(exact.get(value)!).toBeLessThanOrEqual(count + top.error);
    }
    for (const [value, count] of exact) {
      if (count > top.error) expect(held.has(value)).toBe(true);
    }
    expect(held.size).toBeLessThanOrEqual(top.capacity);
  }

  it('keeps the Misra-Gries guarantee past its capacity, alone and merged from parts in order', () => {
    fc.assert(
      fc.property(
        skewed,
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        (values, capacity, cuts) => {
          const alone = new TopValues(capacity);
          for (const v of values) alone.add(v);
          expectGuarantee(alone, values);

          const bounds = [
            0,
            ...cuts.map((c) => c % (values.length + 1)).sort((a, b) => a - b),
            values.length,
          ];
          const merged = new TopValues(capacity);
          for (let i = 0; i + 1 < bounds.length; i++) {
            const part = new TopValues(capacity);
            for (const v of values.slice(bounds[i], bounds[i + 1])) part.add(v);
            merged.merge(structuredClone(part.data()));
          }
          expectGuarantee(merged, values);
          if (merged.exact)
            expect(new Map(merged.top(99).map((e) => [e.value, e.count]))).toEqual(exactCounts(values));
        },
      ),
      fcOptions,
    );
  });

  it('estimates the distinct count once values are dropped, merged or not', () => {
    const top = new TopValues(100);
    const parts = [new TopValues(100), new TopValues(100)];
    for (let i = 0; i < 20_000; i++) {
      top.add(`id-${i}`);
      parts[i % 2]!.add(`id-${i}`);
    }
    const merged = new TopValues(100);
    for (const p of parts) merged.merge(p.data());
    expect(top.exact).toBe(false);
    expect(Math.abs(top.distinct - 20_000) / 20_000).toBeLessThan(0.05);
    expect(merged.distinct).toBe(top.distinct); // the same sketch
  });
});

describe('BucketHistogram', () => {
  it('counts every value in the bucket holding it, at the width a build from the range alone reaches', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 2 ** 45 })), {
          minLength: 1,
          maxLength: 300,
        }),
        fc.integer({ min: 2, max: 50 }),
        (values, buckets) => {
          const h = new BucketHistogram(2, buckets, TIME_WIDTHS_MS);
          values.forEach((v, i) => h.add(i % 2, v));
          const { width, first, counts } = h.data();
          expect(counts[0]!.length).toBeLessThanOrEqual(buckets);
          // The same counts as binning every value at the final width directly.
          const expected = [
            new Array<number>(counts[0]!.length).fill(0),
            new Array<number>(counts[0]!.length).fill(0),
          ];
          values.forEach((v, i) => (expected[i % 2]![Math.floor(v / width) - first]! += 1));
          expect(counts).toEqual(expected);
          expect(h.total).toBe(values.length);
          // Never wider than needed: one width finer could not hold the range.
          const at = TIME_WIDTHS_MS.indexOf(width);
          if (at > 0) {
            const finer = TIME_WIDTHS_MS[at - 1]!;
            const span = Math.floor(Math.max(...values) / finer) - Math.floor(Math.min(...values) / finer);
            expect(span).toBeGreaterThanOrEqual(buckets);
          }
        },
      ),
      fcOptions,
    );
  });

  it('bins line numbers by powers of two', () => {
    const h = new BucketHistogram(1, 4, LINE_WIDTHS);
    for (const line of [2, 3, 9, 30]) h.add(0, line);
    expect(h.data()).toEqual({ width: 8, first: 0, counts: [[2, 1, 0, 1]] });
  });
});
