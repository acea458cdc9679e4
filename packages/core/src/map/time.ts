/**
 * Times as the service takes them: a base-10 count of `TimeUnit`s since the Unix epoch (R-TIME-1). Checks work
 * on the digits; only display helpers go through `Date`.
 */
import type { TimeUnit } from '../task.js';
import { compareDigitsFrom, isDigitsFrom } from './map-digits.js';
import { MAX_TIME_DIGITS, NANOS_PER_UNIT } from './map-time.js';

export { NANOS_PER_UNIT };

const NANOS_PER_MILLI = 1_000_000n;

/** R-TIME-1: digits-only, fits int64 ns in that unit. */
export function isValidTimeDigits(text: string, unit: TimeUnit): boolean {
  return isDigitsFrom(text, 0) && compareDigitsFrom(text, 0, MAX_TIME_DIGITS[unit]) <= 0;
}

/** The instant of a valid time, floored to the millisecond, for display (R-WIN-1 details, reports). */
export function timeToDate(digits: string, unit: TimeUnit): Date {
  return new Date(Number((BigInt(digits) * NANOS_PER_UNIT[unit]) / NANOS_PER_MILLI));
}

/**
 * The count of `unit`s since the epoch at `date`, floored. A date before 1970 gives a negative count (`-1` for
 * 1969-12-31T23:59:59.999Z in SECONDS), which is not a valid time but orders correctly.
 */
export function dateToTimeDigits(date: Date, unit: TimeUnit): string {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('dateToTimeDigits: invalid Date');
  const nanos = BigInt(ms) * NANOS_PER_MILLI;
  const per = NANOS_PER_UNIT[unit];
  let q = nanos / per;
  if (nanos % per !== 0n && nanos < 0n) q -= 1n; // BigInt division truncates; floor towards -infinity
  return String(q);
}

/** Compares two non-negative integer digit strings numerically (leading zeros allowed) without BigInt. */
export function compareDigits(a: string, b: string): -1 | 0 | 1 {
  return compareDigitsFrom(a, 0, b);
}
