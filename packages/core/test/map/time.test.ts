import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareDigits,
  dateToTimeDigits,
  isValidTimeDigits,
  NANOS_PER_UNIT,
  timeToDate,
} from '../../src/index.js';
import type { TimeUnit } from '../../src/index.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

/** floor((2^63 - 1) / nanos per unit): the last valid time in each unit (R-TIME-1). */
const LAST_VALID: Record<TimeUnit, string> = {
  SECONDS: '9223372036',
  MILLISECONDS: '9223372036854',
  MICROSECONDS: '9223372036854775',
  NANOSECONDS: '9223372036854775807',
};

describe('NANOS_PER_UNIT', () => {
  it('gives the nanoseconds in one unit of each TimeUnit', () => {
    expect(NANOS_PER_UNIT).toEqual({
      SECONDS: 1_000_000_000n,
      MILLISECONDS: 1_000_000n,
      MICROSECONDS: 1_000n,
      NANOSECONDS: 1n,
    });
  });
});

describe('isValidTimeDigits (R-TIME-1)', () => {
  for (const unit of Object.keys(LAST_VALID) as TimeUnit[]) {
    it(`accepts the last instant that fits int64 nanoseconds and refuses the next one in ${unit} (R-TIME-1)`, () => {
      const last = LAST_VALID[unit];
      const next = String(BigInt(last) + 1n);
      expect(isValidTimeDigits(last, unit)).toBe(true);
      expect(isValidTimeDigits(`000${last}`, unit)).toBe(true);
      expect(isValidTimeDigits(next, unit)).toBe(false);
      expect(BigInt(last) * NANOS_PER_UNIT[unit] <= 2n ** 63n - 1n).toBe(true);
      expect(BigInt(next) * NANOS_PER_UNIT[unit] > 2n ** 63n - 1n).toBe(true);
    });
  }

  it('accepts zero and leading zeros (R-TIME-1)', () => {
    expect(isValidTimeDigits('0', 'SECONDS')).toBe(true);
    expect(isValidTimeDigits('0000', 'NANOSECONDS')).toBe(true);
    expect(isValidTimeDigits('0001616661921', 'SECONDS')).toBe(true);
  });

  it('refuses signs, decimals, ISO strings, blanks and non-ASCII digits (R-TIME-1)', () => {
    for (const text of ['', '-1', '+1', '1.5', '1e3', '2021-03-25T08:45:21Z', ' 12', '12 ', '١٢']) {
      expect(isValidTimeDigits(text, 'MILLISECONDS'), text).toBe(false);
    }
  });
});

describe('compareDigits', () => {
  it('compares digit strings numerically, ignoring leading zeros', () => {
    expect(compareDigits('12', '12')).toBe(0);
    expect(compareDigits('0012', '12')).toBe(0);
    expect(compareDigits('9', '10')).toBe(-1);
    expect(compareDigits('10', '9')).toBe(1);
    expect(compareDigits('000', '0')).toBe(0);
    expect(compareDigits('0', '1')).toBe(-1);
    expect(compareDigits('9223372036854775808', '9223372036854775807')).toBe(1);
  });

  it('agrees with BigInt comparison on any digit strings (property)', () => {
    const digits = fc
      .tuple(fc.nat({ max: 3 }), fc.bigInt({ min: 0n, max: 10n ** 25n }))
      .map(([zeros, n]) => '0'.repeat(zeros) + String(n));
    fc.assert(
      fc.property(digits, digits, (a, b) => {
        const x = BigInt(a);
        const y = BigInt(b);
        expect(compareDigits(a, b)).toBe(x < y ? -1 : x > y ? 1 : 0);
      }),
      fcOptions,
    );
  });
});

describe('timeToDate and dateToTimeDigits', () => {
  it('turns a time into its instant, floored to the millisecond', () => {
    expect(timeToDate('1616661921', 'SECONDS').toISOString()).toBe('2021-03-25T08:45:21.000Z');
    expect(timeToDate('1602983435238563000', 'NANOSECONDS').toISOString()).toBe('2020-10-18T01:10:35.238Z');
    expect(timeToDate('1602983435238999', 'MICROSECONDS').toISOString()).toBe('2020-10-18T01:10:35.238Z');
    expect(timeToDate(LAST_VALID.NANOSECONDS, 'NANOSECONDS').toISOString()).toBe('2262-04-11T23:47:16.854Z');
  });

  it('turns an instant into a time in each unit, floored', () => {
    const date = new Date('2021-03-25T08:45:21.789Z');
    expect(dateToTimeDigits(date, 'SECONDS')).toBe('1616661921');
    expect(dateToTimeDigits(date, 'MILLISECONDS')).toBe('1616661921789');
    expect(dateToTimeDigits(date, 'MICROSECONDS')).toBe('1616661921789000');
    expect(dateToTimeDigits(date, 'NANOSECONDS')).toBe('1616661921789000000');
  });

  it('floors towards the past before 1970', () => {
    expect(dateToTimeDigits(new Date(-1), 'SECONDS')).toBe('-1');
    expect(dateToTimeDigits(new Date(-1000), 'SECONDS')).toBe('-1');
    expect(dateToTimeDigits(new Date(-1001), 'SECONDS')).toBe('-2');
  });

  it('refuses an invalid Date', () => {
    expect(() => dateToTimeDigits(new Date(Number.NaN), 'SECONDS')).toThrow(RangeError);
  });

  it('round-trips any millisecond instant through MILLISECONDS (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8_000_000_000_000 }), (ms) => {
        const date = new Date(ms);
        expect(timeToDate(dateToTimeDigits(date, 'MILLISECONDS'), 'MILLISECONDS').getTime()).toBe(ms);
        expect(timeToDate(dateToTimeDigits(date, 'NANOSECONDS'), 'NANOSECONDS').getTime()).toBe(ms);
      }),
      fcOptions,
    );
  });
});
