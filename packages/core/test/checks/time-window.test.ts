import { describe, expect, it } from 'vitest';
import { createTimeWindow, NANOS_PER_UNIT, TIME_UNITS } from '../../src/index.js';
import fc from 'fast-check';
import { instant, instantExact } from '../../src/checks/time-window.js';
import type { TableRetention, TimestreamRecord, TimeUnit } from '../../src/index.js';

const REASON = 'The record timestamp is outside the time range of the data ingestion window.';

const MEMORY_ONLY: TableRetention = {
  memoryStoreRetentionPeriodInHours: 12,
  magneticStoreRetentionPeriodInDays: 100,
  enableMagneticStoreWrites: false,
};
const MAGNETIC: TableRetention = { ...MEMORY_ONLY, enableMagneticStoreWrites: true };

function at(time: string | bigint, unit: TimeUnit): TimestreamRecord {
  return {
    Dimensions: [{ Name: 'd', Value: 'v', DimensionValueType: 'VARCHAR' }],
    MeasureName: 'm',
    MeasureValue: '1',
    MeasureValueType: 'DOUBLE',
    Time: String(time),
    TimeUnit: unit,
    Version: 1,
  };
}

/** floor and ceil of an instant in ms, expressed in `unit`. */
function inUnit(ms: number, unit: TimeUnit): { floor: bigint; ceil: bigint } {
  const nanos = BigInt(ms) * 1_000_000n;
  const per = NANOS_PER_UNIT[unit];
  const floor = nanos / per;
  return { floor, ceil: nanos % per === 0n ? floor : floor + 1n };
}

describe('createTimeWindow (R-WIN-1)', () => {
  const now = new Date('2024-01-01T00:00:00.000Z');

  it('spans [now - memory retention, now + 15 min) without magnetic store writes', () => {
    const window = createTimeWindow(MEMORY_ONLY, now);
    expect(window.from.toISOString()).toBe('2023-12-31T12:00:00.000Z');
    expect(window.to.toISOString()).toBe('2024-01-01T00:15:00.000Z');
    expect(window.describe()).toBe(
      '[2023-12-31T12:00:00.000Z, 2024-01-01T00:15:00.000Z): memory store retention 12 h (magnetic store writes disabled), up to 15 min ahead of 2024-01-01T00:00:00.000Z',
    );
  });

  it('starts at now - (memory + magnetic retention) with magnetic store writes', () => {
    const window = createTimeWindow(MAGNETIC, now);
    expect(window.from.toISOString()).toBe('2023-09-22T12:00:00.000Z');
    expect(window.to.toISOString()).toBe('2024-01-01T00:15:00.000Z');
    expect(window.describe()).toContain('memory store retention 12 h + magnetic store retention 100 d');
  });

  for (const retention of [MEMORY_ONLY, MAGNETIC]) {
    for (const unit of TIME_UNITS) {
      it(`is exact at both ends in ${unit}${retention.enableMagneticStoreWrites ? ' with magnetic writes' : ''}`, () => {
        const window = createTimeWindow(retention, now);
        const from = inUnit(window.from.getTime(), unit).ceil;
        const to = inUnit(window.to.getTime(), unit).ceil;
        expect(window.check(at(from, unit))).toBeNull();
        expect(window.check(at(from - 1n, unit))?.code).toBe('TIME_OUTSIDE_WINDOW');
        expect(window.check(at(to - 1n, unit))).toBeNull();
        expect(window.check(at(to, unit))?.code).toBe('TIME_OUTSIDE_WINDOW');
        expect(window.check(at(`000${from}`, unit))).toBeNull();
      });
    }
  }

  it('is exact when now has milliseconds that SECONDS cannot express', () => {
    const window = createTimeWindow(MEMORY_ONLY, new Date('2024-01-01T00:00:00.123Z'));
    // from = 2023-12-31T12:00:00.123Z: second ...200 (12:00:00) is before it, ...201 is the first inside.
    const fromSecond = inUnit(window.from.getTime(), 'SECONDS').floor;
    expect(window.check(at(fromSecond, 'SECONDS'))?.code).toBe('TIME_OUTSIDE_WINDOW');
    expect(window.check(at(fromSecond + 1n, 'SECONDS'))).toBeNull();
    // to = 00:15:00.123Z (exclusive): second 00:15:00 is inside, 00:15:01 is not.
    const toSecond = inUnit(window.to.getTime(), 'SECONDS').floor;
    expect(window.check(at(toSecond, 'SECONDS'))).toBeNull();
    expect(window.check(at(toSecond + 1n, 'SECONDS'))?.code).toBe('TIME_OUTSIDE_WINDOW');
    // NANOSECONDS: one nanosecond either side of the lower bound.
    const fromNanos = BigInt(window.from.getTime()) * 1_000_000n;
    expect(window.check(at(fromNanos, 'NANOSECONDS'))).toBeNull();
    expect(window.check(at(fromNanos - 1n, 'NANOSECONDS'))?.code).toBe('TIME_OUTSIDE_WINDOW');
  });

  it('fails with the service reason and a detail naming the time and the window in ISO', () => {
    const window = createTimeWindow(MEMORY_ONLY, now);
    expect(window.check(at('1616661921', 'SECONDS'))).toEqual({
      kind: 'ingestion',
      code: 'TIME_OUTSIDE_WINDOW',
      reason: REASON,
      detail:
        'Time 1616661921 SECONDS (2021-03-25T08:45:21.000Z) is outside the ingestion window [2023-12-31T12:00:00.000Z, 2024-01-01T00:15:00.000Z)',
    });
    expect(window.check(at('1704068100000000001', 'NANOSECONDS'))?.detail).toContain(
      '(2024-01-01T00:15:00.000000001Z)',
    );
  });

  it('keeps times from 0 when the lower bound is before the epoch', () => {
    const window = createTimeWindow(MAGNETIC, new Date('1970-01-02T00:00:00.000Z'));
    expect(window.check(at('0', 'NANOSECONDS'))).toBeNull();
    expect(window.check(at('0', 'SECONDS'))).toBeNull();
  });

  it('refuses every time when the upper bound is not after the epoch', () => {
    const window = createTimeWindow(MEMORY_ONLY, new Date('1969-12-31T23:00:00.000Z'));
    expect(window.check(at('0', 'SECONDS'))?.code).toBe('TIME_OUTSIDE_WINDOW');
  });
});

describe("the window failure's instant (R-WIN-1's detail)", () => {
  it('reads a time of up to 15 digits as the BigInt path does, in every unit (fast-check)', () => {
    const digits = fc.oneof(
      fc.stringMatching(/^[0-9]{1,15}$/),
      fc.bigInt({ min: 0n, max: 999_999_999_999_999n }).map(String),
      fc.integer({ min: 0, max: 4_102_444_800 }).map(String),
      fc.stringMatching(/^[0-9]{16,20}$/),
    );
    fc.assert(
      fc.property(digits, fc.constantFrom(...TIME_UNITS), (time, unit) => {
        expect(instant(time, unit)).toBe(instantExact(time, unit));
      }),
      { numRuns: 20_000 },
    );
    expect(instant('1714521601', 'SECONDS')).toBe('2024-05-01T00:00:01.000Z');
    expect(instant('1714521601000001', 'MICROSECONDS')).toBe('2024-05-01T00:00:01.000001000Z');
    expect(instant('999999999999999', 'SECONDS')).toBe('beyond the range of dates');
  });
});
