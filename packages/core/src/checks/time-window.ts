/**
 * R-WIN-1: the ingestion time window of the target table. Records whose time is outside
 * `[now - memoryRetention, now + 15 min)` fail ingestion; with magnetic store writes enabled the lower bound is
 * `now - (memoryRetention + magneticRetention)`. The bounds are precomputed as digit strings per TimeUnit, so the
 * check is exact at both ends in every unit (no float rounding, no BigInt per record).
 */
import { OUTSIDE_WINDOW_REASON, type Failure } from '../failure.js';
import type { TimestreamRecord } from '../map/record.js';
import type { TableRetention } from './table.js';
import type { TimeUnit } from '../task.js';
import { TIME_UNITS } from '../task.js';
import { compareDigitsFrom } from '../map/map-digits.js';
import { NANOS_PER_UNIT } from '../map/map-time.js';

export interface TimeWindow {
  /** Inclusive lower bound. */
  readonly from: Date;
  /** Exclusive upper bound. */
  readonly to: Date;
  check(record: TimestreamRecord): Failure | null;
  /** Whether a time (digits, in `unit`) is inside the window: `check` passes a record with it. */
  contains(time: string, unit: TimeUnit): boolean;
  describe(): string;
}

/** Future ingestion period (ts-limits). */
const FUTURE_MS = 15 * 60 * 1000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const NANOS_PER_MILLI = 1_000_000n;

/** In-window times of one unit: `min <= time <= max` as digit strings; `max === null` when none is. */
interface UnitBounds {
  min: string;
  max: string | null;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q; // BigInt division truncates towards zero
}

export function createTimeWindow(retention: TableRetention, now: Date): TimeWindow {
  const nowMs = now.getTime();
  if (!Number.isFinite(nowMs)) throw new RangeError('createTimeWindow: invalid Date for now');
  const retentionMs =
    retention.memoryStoreRetentionPeriodInHours * HOUR_MS +
    (retention.enableMagneticStoreWrites ? retention.magneticStoreRetentionPeriodInDays * DAY_MS : 0);
  const from = new Date(nowMs - retentionMs);
  const to = new Date(nowMs + FUTURE_MS);
  const fromNs = BigInt(from.getTime()) * NANOS_PER_MILLI;
  const toNs = BigInt(to.getTime()) * NANOS_PER_MILLI;

  const bounds = {} as Record<TimeUnit, UnitBounds>;
  for (const unit of TIME_UNITS) {
    const per = NANOS_PER_UNIT[unit];
    // time * per >= fromNs  <=>  time >= ceil(fromNs / per); times are never negative.
    const min = ceilDiv(fromNs, per);
    // time * per < toNs  <=>  time <= ceil(toNs / per) - 1
    const max = ceilDiv(toNs, per) - 1n;
    bounds[unit] = { min: String(min < 0n ? 0n : min), max: max < 0n ? null : String(max) };
  }

  const contains = (time: string, unit: TimeUnit): boolean => {
    const b = bounds[unit];
    return b.max !== null && compareDigitsFrom(time, 0, b.min) >= 0 && compareDigitsFrom(time, 0, b.max) <= 0;
  };
  const window = `[${from.toISOString()}, ${to.toISOString()})`;
  return {
    from,
    to,
    contains,
    check(record: TimestreamRecord): Failure | null {
      const time = record.Time;
      if (contains(time, record.TimeUnit)) return null;
      return {
        kind: 'ingestion',
        code: 'TIME_OUTSIDE_WINDOW',
        reason: OUTSIDE_WINDOW_REASON,
        detail: `Time ${time} ${record.TimeUnit} (${instant(time, record.TimeUnit)}) is outside the ingestion window ${window}`,
      };
    },
    describe(): string {
      const memory = `memory store retention ${retention.memoryStoreRetentionPeriodInHours} h`;
      const stores = retention.enableMagneticStoreWrites
        ? `${memory} + magnetic store retention ${retention.magneticStoreRetentionPeriodInDays} d (magnetic store writes enabled)`
        : `${memory} (magnetic store writes disabled)`;
      return `${window}: ${stores}, up to 15 min ahead of ${now.toISOString()}`;
    },
  };
}

/** A unit's step in ns, as a double (NANOS_PER_UNIT's). */
const NANOS_PER_UNIT_NUMBER: Record<TimeUnit, number> = {
  SECONDS: 1e9,
  MILLISECONDS: 1e6,
  MICROSECONDS: 1e3,
  NANOSECONDS: 1,
};

/**
 * The ISO instant of a time, for the failure detail. Every record of a file whose times are all outside the window
 * (a wrong TimeUnit, a task run late) gets one, so a time of at most 15 digits is read as a double (exact below
 * 2^53, and in the range of Date in every unit) instead of through BigInt: the BigInt path was a fifth of a
 * worker's CPU on such a file. Equal to `instantExact` (time-window.test.ts).
 */
export function instant(time: string, unit: TimeUnit): string {
  if (time.length > 15 || !/^\d+$/.test(time)) return instantExact(time, unit);
  const value = Number(time);
  const ms =
    unit === 'SECONDS'
      ? value * 1000
      : unit === 'MILLISECONDS'
        ? value
        : Math.floor(value / (1e6 / NANOS_PER_UNIT_NUMBER[unit]));
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return 'beyond the range of dates';
  const iso = date.toISOString();
  if (unit === 'SECONDS' || unit === 'MILLISECONDS') return iso;
  const sub = (value - ms * (1e6 / NANOS_PER_UNIT_NUMBER[unit])) * NANOS_PER_UNIT_NUMBER[unit];
  return sub === 0 ? iso : `${iso.slice(0, -1)}${String(sub).padStart(6, '0')}Z`;
}

/** instant through BigInt: any number of digits. */
export function instantExact(time: string, unit: TimeUnit): string {
  if (!/^\d+$/.test(time)) return 'not a valid time';
  const nanos = BigInt(time) * NANOS_PER_UNIT[unit];
  const ms = nanos / NANOS_PER_MILLI;
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return 'beyond the range of dates';
  const iso = date.toISOString();
  const sub = String(nanos % NANOS_PER_MILLI).padStart(6, '0');
  // Show sub-millisecond digits when the unit has them, so both ends read exactly.
  return sub === '000000' ? iso : `${iso.slice(0, -1)}${sub}Z`;
}
