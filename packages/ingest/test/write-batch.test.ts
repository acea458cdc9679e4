import { describe, expect, it } from 'vitest';
import type { TimestreamRecord } from '@tsbatch/core';
import { resolveRetryOptions, type WriteRecordsInput } from '../src/index.js';
import { writeBatch, type BatchControl } from '../src/internal/write-batch.js';

function records(n: number): TimestreamRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    Dimensions: [{ Name: 'host', Value: `h${i}`, DimensionValueType: 'VARCHAR' as const }],
    MeasureName: 'cpu',
    MeasureValue: `${i}`,
    MeasureValueType: 'DOUBLE' as const,
    Time: `${1714521600 + i}`,
    TimeUnit: 'SECONDS' as const,
    Version: 1,
  }));
}

/** An error shaped as the SDK throws it. */
function sdkError(name: string, status: number | undefined, extra: Record<string, unknown> = {}): Error {
  const error = Object.assign(
    new Error(`${name} (test)`),
    extra,
    status === undefined ? {} : { $metadata: { httpStatusCode: status } },
  );
  error.name = name;
  return error;
}

function control(overrides: Partial<BatchControl> = {}): BatchControl & { waits: number[] } {
  const waits: number[] = [];
  return {
    retry: resolveRetryOptions({ maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 50 }),
    stopped: () => false,
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
    random: () => 0.999,
    waits,
    ...overrides,
  };
}

const input = (n: number) => ({ database: 'db', table: 'tb', records: records(n) });

describe('writeBatch (R-ING-2)', () => {
  it('retries throttling, 5xx and lost connections with exponential backoff, then succeeds', async () => {
    const failures = [
      sdkError('ThrottlingException', 429),
      sdkError('InternalServerException', 500),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    ];
    const c = control();
    const result = await writeBatch(
      () => {
        const next = failures.shift();
        return next === undefined ? Promise.resolve({}) : Promise.reject(next);
      },
      input(3),
      c,
    );
    expect(result).toEqual({ ok: true, rejected: [], calls: 4, retries: 3 });
    // Full jitter under ceilings 10, 20, 40 ms (random() close to 1).
    expect(c.waits).toEqual([10, 20, 40]);
  });

  it('stops at the bound with INGEST_RETRIES_EXHAUSTED instead of dropping the batch', async () => {
    const result = await writeBatch(
      () => Promise.reject(sdkError('ThrottlingException', 429)),
      input(2),
      control(),
    );
    expect(result).toMatchObject({
      ok: false,
      calls: 4,
      retries: 3,
      error: {
        code: 'INGEST_RETRIES_EXHAUSTED',
        details: { attempts: 4, error: 'ThrottlingException', status: 429 },
      },
    });
  });

  it('maps RejectedRecords back to their index in the batch; the other records count as stored', async () => {
    const result = await writeBatch(
      () =>
        Promise.reject(
          sdkError('RejectedRecordsException', 419, {
            RejectedRecords: [
              { RecordIndex: 1, Reason: 'A record with the same version exists', ExistingVersion: 3 },
              { RecordIndex: 7, Reason: 'out of range index is ignored' },
            ],
          }),
        ),
      input(3),
      control(),
    );
    expect(result).toEqual({
      ok: true,
      calls: 1,
      retries: 0,
      rejected: [
        { index: 1, rejection: { reason: 'A record with the same version exists', existingVersion: 3 } },
      ],
    });
  });

  it('splits a call refused with ValidationException until the bad records are alone', async () => {
    const bad = new Set(['h2', 'h5']);
    const sent: number[] = [];
    const send = (request: WriteRecordsInput): Promise<unknown> => {
      sent.push(request.Records.length);
      const names = request.Records.map(
        (r) => r.Dimensions?.[0]?.Value ?? request.CommonAttributes?.Dimensions?.[0]?.Value,
      );
      return names.some((n) => n !== undefined && bad.has(n))
        ? Promise.reject(sdkError('ValidationException', 400))
        : Promise.resolve({});
    };
    const result = await writeBatch(send, input(8), control());
    expect(result.ok).toBe(true);
    expect(result.ok && result.rejected.map((r) => [r.index, r.rejection.invalid])).toEqual([
      [2, true],
      [5, true],
    ]);
    expect(sent[0]).toBe(8);
    expect(result.calls).toBe(sent.length);
  });

  it('does not retry what retrying cannot fix: a missing table, access denied', async () => {
    const missing = await writeBatch(
      () => Promise.reject(sdkError('ResourceNotFoundException', 404)),
      input(1),
      control(),
    );
    expect(missing).toMatchObject({ ok: false, calls: 1, error: { code: 'INGEST_TABLE_NOT_FOUND' } });
    const denied = await writeBatch(
      () => Promise.reject(sdkError('AccessDeniedException', 403)),
      input(1),
      control(),
    );
    expect(denied).toMatchObject({ ok: false, calls: 1, error: { code: 'INGEST_REQUEST_FAILED' } });
  });

  it('starts no new attempt once the load is stopping (R-TASK-1)', async () => {
    let stopping = false;
    const c = control({
      stopped: () => stopping,
      sleep: () => {
        stopping = true;
        return Promise.resolve();
      },
    });
    const result = await writeBatch(() => Promise.reject(sdkError('ThrottlingException', 429)), input(1), c);
    expect(result).toMatchObject({ ok: false, calls: 1, error: { code: 'INGEST_STOPPED' } });
  });
});
