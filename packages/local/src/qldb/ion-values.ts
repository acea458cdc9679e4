/**
 * R-QLDB-4 typing of a record's values in the Ion formats (the R-EXP-1 typing of `tsbatch export` [choice]): `Time`
 * and TIMESTAMP values are timestamps with the digits of the record's TimeUnit, BIGINT an int, BOOLEAN a bool,
 * VARCHAR a string, DOUBLE the exact decimal of its text, `Version` an int. Shared by the text and binary encoders.
 */
import { NANOS_PER_UNIT, type TimeUnit } from '@tsbatch/core';

const DOUBLE_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const NANOS_PER_SECOND = 1_000_000_000n;
export const FRACTION_DIGITS: Readonly<Record<TimeUnit, number>> = {
  SECONDS: 0,
  MILLISECONDS: 3,
  MICROSECONDS: 6,
  NANOSECONDS: 9,
};

export interface DecimalParts {
  negative: boolean;
  coefficient: bigint;
  exponent: number;
}

/** The exact decimal of a DOUBLE's text (`[+-]digits[.digits][e[+-]digits]`). */
export function decimalParts(text: string): DecimalParts {
  const m = DOUBLE_TEXT.exec(text);
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) {
    throw new Error(`a DOUBLE value must be a decimal number, got ${JSON.stringify(text)}`);
  }
  const fraction = m[3] ?? '';
  return {
    negative: m[1] === '-',
    coefficient: BigInt(`${m[2]}${fraction}` || '0'),
    exponent: Number(m[4] ?? '0') - fraction.length,
  };
}

/** The fields of a UTC timestamp: the whole second, and the fraction in `places` digits. */
export interface TimestampParts {
  /** The whole second (a Date of it). */
  whole: Date;
  fraction: bigint;
  places: number;
}

export function unitTimestampParts(digits: string, unit: TimeUnit): TimestampParts {
  const nanos = BigInt(digits) * NANOS_PER_UNIT[unit];
  let seconds = nanos / NANOS_PER_SECOND;
  let fraction = nanos % NANOS_PER_SECOND;
  if (fraction < 0n) {
    fraction += NANOS_PER_SECOND;
    seconds -= 1n;
  }
  const places = FRACTION_DIGITS[unit];
  return { whole: new Date(Number(seconds) * 1000), fraction: fraction / 10n ** BigInt(9 - places), places };
}

/** A block's time: milliseconds, as QLDB writes its timestamps. */
export function millisTimestampParts(date: Date): TimestampParts {
  const ms = date.getTime();
  const millis = ((ms % 1000) + 1000) % 1000;
  return { whole: new Date(ms - millis), fraction: BigInt(millis), places: 3 };
}

/** Ion text of a timestamp: `2024-06-01T12:00:00.123Z` (UTC, as many fraction digits as its precision). */
export function timestampText(t: TimestampParts): string {
  const base = t.whole.toISOString().slice(0, 19);
  return t.places === 0 ? `${base}Z` : `${base}.${String(t.fraction).padStart(t.places, '0')}Z`;
}
