import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createDuplicateIndex,
  createTimeWindow,
  OUTSIDE_WINDOW_REASON,
  VERSION_CONFLICT_REASON,
  type TimestreamRecord,
} from '@tsbatch/core';
import { backoffDelay, classifyFailure, rejectionFailure, resolveRetryOptions } from '../src/index.js';

const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

const named = (name: string, status?: number): unknown =>
  Object.assign(
    new Error(name),
    { name },
    status === undefined ? {} : { $metadata: { httpStatusCode: status } },
  );

describe('classifyFailure (R-ING-2)', () => {
  it.each([
    [named('ThrottlingException', 429), 'retry'],
    [named('InternalServerException', 500), 'retry'],
    [named('UnknownError', 503), 'retry'],
    [named('TimeoutError'), 'retry'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'retry'],
    [new Error('no answer at all'), 'retry'],
    [named('RejectedRecordsException', 419), 'rejected'],
    [named('ValidationException', 400), 'invalid'],
    [named('AccessDeniedException', 403), 'fatal'],
    [named('ResourceNotFoundException', 404), 'fatal'],
    [named('CredentialsProviderError'), 'fatal'],
    [new Error('Region is missing'), 'fatal'],
  ])('classifies %s as %s', (error, kind) => {
    expect(classifyFailure(error)).toBe(kind);
  });
});

describe('backoffDelay (R-ING-2)', () => {
  it('draws in [0, min(max, base * 2^(attempt-1))]', () => {
    const options = resolveRetryOptions({ baseDelayMs: 100, maxDelayMs: 5_000 });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 0.9999999, noNaN: true }),
        (attempt, r) => {
          const delay = backoffDelay(attempt, options, () => r);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(Math.min(5_000, 100 * 2 ** (attempt - 1)));
        },
      ),
      { ...seed },
    );
  });

  it('refuses a bound below one attempt', () => {
    expect(() => resolveRetryOptions({ maxAttempts: 0 })).toThrow(/maxAttempts/);
  });
});

describe('rejectionFailure (R-ING-2, R-REP-2)', () => {
  const record: TimestreamRecord = {
    Dimensions: [{ Name: 'h', Value: 'a', DimensionValueType: 'VARCHAR' }],
    MeasureName: 'm',
    MeasureValue: '1',
    MeasureValueType: 'DOUBLE',
    Time: '1',
    TimeUnit: 'SECONDS',
    Version: 1,
  };

  it("uses the engine's own reason texts, so refusals found before and after sending merge in the error report", () => {
    const index = createDuplicateIndex();
    index.add(record);
    expect(index.check({ ...record, MeasureValue: '2' })?.reason).toBe(VERSION_CONFLICT_REASON);
    const window = createTimeWindow(
      {
        memoryStoreRetentionPeriodInHours: 1,
        magneticStoreRetentionPeriodInDays: 1,
        enableMagneticStoreWrites: false,
      },
      new Date('2024-05-01T00:00:00Z'),
    );
    expect(window.check(record)?.reason).toBe(OUTSIDE_WINDOW_REASON);
  });

  it('names version conflicts and the time window by code, and keeps the service text in the detail', () => {
    const conflict = rejectionFailure(
      { reason: 'A record with the same version exists.', existingVersion: 2 },
      1,
    );
    expect(conflict).toMatchObject({
      kind: 'ingestion',
      code: 'RECORD_VERSION_CONFLICT',
      reason: VERSION_CONFLICT_REASON,
    });
    expect(conflict.detail).toBe(
      'WriteRecords rejected record 2 of the row: A record with the same version exists. (the table holds version 2)',
    );
    const late = rejectionFailure({
      reason: 'The record timestamp is outside the time range [a, b) of the memory store.',
    });
    expect(late).toMatchObject({ code: 'TIME_OUTSIDE_WINDOW', reason: OUTSIDE_WINDOW_REASON });
    const other = rejectionFailure({ reason: 'Something else.', invalid: true });
    expect(other).toMatchObject({ code: 'RECORD_REJECTED', reason: 'Something else.' });
    expect(other.detail).toMatch(/ValidationException/);
  });
});
