/**
 * Time-unit constants shared by the mapper, the time window and the duplicate index (R-TIME-1, R-WIN-1,
 * R-DUP-1). Computed once at load; the per-row path only compares digit strings against them.
 */
import type { TimeUnit } from '../task.js';
import { INT64_MAX_DIGITS } from './map-digits.js';

export const NANOS_PER_UNIT: Readonly<Record<TimeUnit, bigint>> = Object.freeze({
  SECONDS: 1_000_000_000n,
  MILLISECONDS: 1_000_000n,
  MICROSECONDS: 1_000n,
  NANOSECONDS: 1n,
});

/** R-TIME-1: the largest time in each unit whose instant still fits a signed 64-bit count of nanoseconds. */
export const MAX_TIME_DIGITS: Readonly<Record<TimeUnit, string>> = Object.freeze({
  SECONDS: String(BigInt(INT64_MAX_DIGITS) / NANOS_PER_UNIT.SECONDS),
  MILLISECONDS: String(BigInt(INT64_MAX_DIGITS) / NANOS_PER_UNIT.MILLISECONDS),
  MICROSECONDS: String(BigInt(INT64_MAX_DIGITS) / NANOS_PER_UNIT.MICROSECONDS),
  NANOSECONDS: INT64_MAX_DIGITS,
});

/** The zeros that turn a count in each unit into a count of nanoseconds, by appending them to the digits. */
export const NANO_SUFFIX: Readonly<Record<TimeUnit, string>> = Object.freeze({
  SECONDS: '000000000',
  MILLISECONDS: '000000',
  MICROSECONDS: '000',
  NANOSECONDS: '',
});
