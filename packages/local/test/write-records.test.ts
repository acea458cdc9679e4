import {
  CreateDatabaseCommand,
  CreateTableCommand,
  WriteRecordsCommand,
  type _Record,
  type WriteRecordsCommandInput,
} from '@aws-sdk/client-timestream-write';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredRecord } from '../src/index.js';
import { failure, startTestServer, type TestServer } from './helpers.js';

const NOW = new Date('2024-05-01T12:00:00.000Z');
const NOW_MS = NOW.getTime();
const HOUR = 3_600_000;
let t: TestServer;
let tableNo = 0;

beforeAll(async () => {
  t = await startTestServer({ clock: () => NOW });
  await t.client.send(new CreateDatabaseCommand({ DatabaseName: 'dbx' }));
});
afterAll(async () => {
  await t.close();
});

/** A fresh table; `magnetic` enables magnetic writes (memory 1 h, magnetic 10 days). */
async function newTable(magnetic = false): Promise<string> {
  const name = `table_${++tableNo}`;
  await t.client.send(
    new CreateTableCommand({
      DatabaseName: 'dbx',
      TableName: name,
      ...(magnetic && {
        RetentionProperties: { MemoryStoreRetentionPeriodInHours: 1, MagneticStoreRetentionPeriodInDays: 10 },
        MagneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
      }),
    }),
  );
  return name;
}

function rec(value: string, overrides: Partial<_Record> = {}): _Record {
  return {
    Dimensions: [{ Name: 'host', Value: 'h1' }],
    MeasureName: 'cpu',
    MeasureValue: value,
    MeasureValueType: 'DOUBLE',
    Time: String(NOW_MS - 1000),
    ...overrides,
  };
}

function write(table: string, records: _Record[], extra: Partial<WriteRecordsCommandInput> = {}) {
  return t.client.send(
    new WriteRecordsCommand({ DatabaseName: 'dbx', TableName: table, Records: records, ...extra }),
  );
}

async function stored(table: string): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for await (const r of t.server.store.records('dbx', table)) out.push(r);
  return out;
}

function rejections(e: Record<string, unknown>): unknown {
  return e['RejectedRecords'];
}

describe('WriteRecords: storing (R-LOCAL-2)', () => {
  it('stores scalar and multi-measure records and answers RecordsIngested', async () => {
    const table = await newTable();
    const out = await write(table, [
      rec('1.5'),
      {
        Dimensions: [{ Name: 'host', Value: 'h2' }],
        MeasureName: 'metrics',
        MeasureValueType: 'MULTI',
        MeasureValues: [
          { Name: 'cpu', Value: '2', Type: 'BIGINT' },
          { Name: 'up', Value: 'TRUE', Type: 'BOOLEAN' },
          { Name: 'seen', Value: String(NOW_MS), Type: 'TIMESTAMP' },
        ],
        Time: String(NOW_MS),
        Version: 3,
      },
    ]);
    expect(out.RecordsIngested).toEqual({ Total: 2, MemoryStore: 2, MagneticStore: 0 });
    expect(await stored(table)).toEqual([
      {
        Dimensions: [{ Name: 'host', Value: 'h1', DimensionValueType: 'VARCHAR' }],
        MeasureName: 'cpu',
        MeasureValueType: 'DOUBLE',
        MeasureValue: '1.5',
        Time: String(NOW_MS - 1000),
        TimeUnit: 'MILLISECONDS',
        Version: 1n,
      },
      {
        Dimensions: [{ Name: 'host', Value: 'h2', DimensionValueType: 'VARCHAR' }],
        MeasureName: 'metrics',
        MeasureValueType: 'MULTI',
        MeasureValues: [
          { Name: 'cpu', Value: '2', Type: 'BIGINT' },
          { Name: 'up', Value: 'TRUE', Type: 'BOOLEAN' },
          { Name: 'seen', Value: String(NOW_MS), Type: 'TIMESTAMP' },
        ],
        Time: String(NOW_MS),
        TimeUnit: 'MILLISECONDS',
        Version: 3n,
      },
    ]);
  });

  it('counts records older than the memory retention as MagneticStore when magnetic writes are on', async () => {
    const table = await newTable(true);
    const out = await write(table, [
      rec('1', { Time: String(NOW_MS - 2 * HOUR) }),
      rec('2', { Time: String(NOW_MS - 10 * 60_000) }),
      rec('3', { Time: String(NOW_MS - 5 * 24 * HOUR) }),
    ]);
    expect(out.RecordsIngested).toEqual({ Total: 3, MemoryStore: 1, MagneticStore: 2 });
  });

  it('merges CommonAttributes into every record; the record wins for scalar members [choice]', async () => {
    const table = await newTable();
    await write(
      table,
      [
        { Dimensions: [{ Name: 'host', Value: 'h1' }], MeasureValue: '1', Time: '1714564000' },
        {
          Dimensions: [{ Name: 'host', Value: 'h2' }],
          MeasureValue: '7',
          MeasureValueType: 'BIGINT',
          Version: 2,
        },
      ],
      {
        CommonAttributes: {
          Dimensions: [{ Name: 'region', Value: 'eu' }],
          MeasureName: 'load',
          MeasureValueType: 'DOUBLE',
          Time: '1714564700',
          TimeUnit: 'SECONDS',
        },
      },
    );
    expect(await stored(table)).toEqual([
      {
        Dimensions: [
          { Name: 'region', Value: 'eu', DimensionValueType: 'VARCHAR' },
          { Name: 'host', Value: 'h1', DimensionValueType: 'VARCHAR' },
        ],
        MeasureName: 'load',
        MeasureValueType: 'DOUBLE',
        MeasureValue: '1',
        Time: '1714564000',
        TimeUnit: 'SECONDS',
        Version: 1n,
      },
      {
        Dimensions: [
          { Name: 'region', Value: 'eu', DimensionValueType: 'VARCHAR' },
          { Name: 'host', Value: 'h2', DimensionValueType: 'VARCHAR' },
        ],
        MeasureName: 'load',
        MeasureValueType: 'BIGINT',
        MeasureValue: '7',
        Time: '1714564700',
        TimeUnit: 'SECONDS',
        Version: 2n,
      },
    ]);
  });

  it('refuses a dimension name in both CommonAttributes and a record (ValidationException, nothing stored)', async () => {
    const table = await newTable();
    const e = await failure(
      write(table, [rec('1'), rec('2', { Dimensions: [{ Name: 'region', Value: 'us' }] })], {
        CommonAttributes: { Dimensions: [{ Name: 'region', Value: 'eu' }] },
      }),
    );
    expect(e.name).toBe('ValidationException');
    expect(e.message).toBe(
      'Dimension "region" of record 1 is also in CommonAttributes. A dimension name can appear only once in a record.',
    );
    expect(await stored(table)).toEqual([]);
  });
});

describe('WriteRecords: request validation (R-LOCAL-2)', () => {
  let table: string;
  beforeAll(async () => {
    table = await newTable();
  });

  it('needs 1 to 100 records', async () => {
    const none = await failure(write(table, []));
    expect(none.message).toBe(
      "1 validation error detected: Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    const many = await failure(
      write(
        table,
        Array.from({ length: 101 }, (_, i) => rec(String(i), { Time: String(NOW_MS - i) })),
      ),
    );
    expect(many.name).toBe('ValidationException');
    expect(many.message).toMatch(
      /at 'records' failed to satisfy constraint: Member must have length less than or equal to 100$/,
    );
  });

  it('lists every broken model constraint at once, with 1-based member paths', async () => {
    const e = await failure(
      write(table, [
        rec('1'),
        {
          ...rec('x'.repeat(2049)),
          Dimensions: [{ Name: 'host', Value: 'h', DimensionValueType: 'NUMBER' as 'VARCHAR' }],
          TimeUnit: 'HOURS' as 'SECONDS',
        },
      ]),
    );
    expect(e.name).toBe('ValidationException');
    expect(e.message).toBe(
      '3 validation errors detected: ' +
        "Value 'NUMBER' at 'records.2.member.dimensions.1.member.dimensionValueType' failed to satisfy constraint: Member must satisfy enum value set: [VARCHAR]; " +
        `Value '${'x'.repeat(200)}...' at 'records.2.member.measureValue' failed to satisfy constraint: Member must have length less than or equal to 2048; ` +
        "Value 'HOURS' at 'records.2.member.timeUnit' failed to satisfy constraint: Member must satisfy enum value set: [MILLISECONDS, SECONDS, MICROSECONDS, NANOSECONDS]",
    );
  });

  it('reports broken constraints inside dimensions and measure values next to valid ones (R-LOCAL-2)', async () => {
    const e = await failure(
      write(table, [
        {
          ...rec('1'),
          Dimensions: [
            { Name: 'host', Value: 'h' },
            { Name: '', Value: 'x' },
          ],
          MeasureValue: undefined,
          MeasureValueType: 'MULTI',
          MeasureValues: [
            { Name: 'ok', Value: '1', Type: 'DOUBLE' },
            { Name: 'empty', Value: '', Type: 'DOUBLE' },
            { Name: '', Value: '2', Type: 'BIGINT' },
            { Name: 'long', Value: '3'.repeat(2049), Type: 'INT' as 'BIGINT' },
          ],
        },
      ]),
    );
    const at = 'records.1.member';
    expect(e.name).toBe('ValidationException');
    expect(e.message).toBe(
      '5 validation errors detected: ' +
        `Value '' at '${at}.dimensions.2.member.name' failed to satisfy constraint: Member must have length greater than or equal to 1; ` +
        `Value '' at '${at}.measureValues.2.member.value' failed to satisfy constraint: Member must have length greater than or equal to 1; ` +
        `Value '' at '${at}.measureValues.3.member.name' failed to satisfy constraint: Member must have length greater than or equal to 1; ` +
        `Value '${'3'.repeat(200)}...' at '${at}.measureValues.4.member.value' failed to satisfy constraint: Member must have length less than or equal to 2048; ` +
        `Value 'INT' at '${at}.measureValues.4.member.type' failed to satisfy constraint: Member must satisfy enum value set: [DOUBLE, BIGINT, BOOLEAN, VARCHAR, TIMESTAMP, MULTI]`,
    );
  });

  it.each([
    ['no dimension', rec('1', { Dimensions: [] }), 'At least one dimension is required for a record.'],
    ['a time that is not digits', rec('1', { Time: '2024-05-01T00:00:00Z' }), 'Invalid time for record.'],
    [
      'a time past int64 nanoseconds',
      rec('1', { Time: '9223372036854776', TimeUnit: 'MILLISECONDS' }),
      'Invalid time for record.',
    ],
    ['no time', rec('1', { Time: undefined }), 'Record 0 has no Time.'],
    ['no measure name', rec('1', { MeasureName: undefined }), 'Record 0 has no MeasureName.'],
    ['version 0', rec('1', { Version: 0 }), 'Version of record 0 is 0; it must be at least 1.'],
    [
      'a scalar TIMESTAMP',
      rec(String(NOW_MS), { MeasureValueType: 'TIMESTAMP' }),
      'TIMESTAMP is an invalid measure value type',
    ],
    [
      'MeasureValues on a scalar',
      rec('1', { MeasureValues: [{ Name: 'a', Value: '1', Type: 'DOUBLE' }] }),
      'MeasureValues can be used only with MeasureValueType MULTI (record 0).',
    ],
    [
      'MULTI without MeasureValues',
      rec('1', { MeasureValueType: 'MULTI', MeasureValue: undefined }),
      'Record 0 is MULTI and needs at least one MeasureValue in MeasureValues.',
    ],
    [
      'MULTI with a MeasureValue',
      rec('1', { MeasureValueType: 'MULTI', MeasureValues: [{ Name: 'a', Value: '1', Type: 'DOUBLE' }] }),
      'Record 0 is MULTI: give MeasureValues, not MeasureValue.',
    ],
    [
      'a MULTI measure value',
      rec('', {
        MeasureValue: undefined,
        MeasureValueType: 'MULTI',
        MeasureValues: [{ Name: 'a', Value: '1', Type: 'MULTI' }],
      }),
      'MULTI is an invalid measure value type for MeasureValue "a".',
    ],
    [
      'two measure values of one name',
      rec('', {
        MeasureValue: undefined,
        MeasureValueType: 'MULTI',
        MeasureValues: [
          { Name: 'a', Value: '1', Type: 'DOUBLE' },
          { Name: 'a', Value: '2', Type: 'DOUBLE' },
        ],
      }),
      'MeasureValue "a" appears more than once in record 0.',
    ],
    [
      'a dimension twice',
      rec('1', {
        Dimensions: [
          { Name: 'h', Value: '1' },
          { Name: 'h', Value: '2' },
        ],
      }),
      'Dimension "h" appears more than once in record 0.',
    ],
    [
      'an empty dimension value',
      rec('1', { Dimensions: [{ Name: 'h', Value: '' }] }),
      'Dimension "h" of record 0 has an empty value.',
    ],
    [
      'a reserved dimension name',
      rec('1', { Dimensions: [{ Name: 'time', Value: 'x' }] }),
      'Dimension name "time" of record 0 is a reserved name.',
    ],
    [
      'a dimension name over 60 bytes',
      rec('1', { Dimensions: [{ Name: 'd'.repeat(61), Value: 'x' }] }),
      `Dimension name "${'d'.repeat(61)}" of record 0 is longer than 60 bytes.`,
    ],
    [
      'a measure name with a colon',
      rec('1', { MeasureName: 'a:b' }),
      'Measure name "a:b" of record 0 contains \':\'.',
    ],
    [
      'a ts_ measure name',
      rec('1', { MeasureName: 'ts_x' }),
      'Measure name "ts_x" of record 0 starts with a reserved prefix.',
    ],
  ])('refuses %s as a ValidationException for the call', async (_what, record, message) => {
    const e = await failure(write(table, [record]));
    expect(e.name).toBe('ValidationException');
    expect((e.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
    expect(e.message).toBe(message);
  });

  it('answers ResourceNotFoundException for a missing database or table', async () => {
    const db = await failure(
      t.client.send(new WriteRecordsCommand({ DatabaseName: 'nodb', TableName: 'x', Records: [rec('1')] })),
    );
    expect(db.name).toBe('ResourceNotFoundException');
    expect(db.message).toBe('The database nodb does not exist.');
    const tb = await failure(write('nope', [rec('1')]));
    expect(tb.name).toBe('ResourceNotFoundException');
    expect(tb.message).toBe('The table nope does not exist.'); // the service's text (R-LOCAL-1)
  });
});

describe('WriteRecords: version and upsert rules across writes (R-LOCAL-2, R-DUP-1)', () => {
  it('accepts an identical re-write (idempotent) without storing it twice', async () => {
    const table = await newTable();
    await write(table, [rec('5')]);
    const again = await write(table, [rec('5.0')]);
    expect(again.RecordsIngested?.Total).toBe(1);
    expect((await stored(table)).map((r) => r.MeasureValue)).toEqual(['5']);
  });

  it('rejects other values at the same version with ExistingVersion, and stores the rest of the call (419)', async () => {
    const table = await newTable();
    await write(table, [rec('5')]);
    const e = await failure(
      write(table, [
        rec('1', { Time: String(NOW_MS - 5) }),
        rec('6'),
        rec('2', { Time: String(NOW_MS - 7) }),
      ]),
    );
    expect(e.name).toBe('RejectedRecordsException');
    expect((e.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(419);
    expect(e.message).toBe('One or more records have been rejected. See RejectedRecords for details.');
    expect(rejections(e)).toEqual([
      {
        RecordIndex: 1,
        Reason:
          'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value. Specifying record version is supported by the latest SDKs.',
        ExistingVersion: 1,
      },
    ]);
    expect((await stored(table)).map((r) => r.MeasureValue)).toEqual(['5', '1', '2']);
  });

  it('rejects a lower version, updates on a higher one, and re-versions identical values', async () => {
    const table = await newTable();
    await write(table, [rec('5', { Version: 3 })]);
    const lower = await failure(write(table, [rec('6', { Version: 2 })]));
    expect(rejections(lower)).toEqual([
      {
        RecordIndex: 0,
        Reason:
          'The record version 2 is lower than the existing version 3. A higher version is required to update the measure value.',
        ExistingVersion: 3,
      },
    ]);
    await write(table, [rec('6', { Version: 4 })]);
    expect((await stored(table)).map((r) => [r.MeasureValue, r.Version])).toEqual([['6', 4n]]);
    await write(table, [rec('6', { Version: 9 })]);
    expect((await stored(table)).map((r) => [r.MeasureValue, r.Version])).toEqual([['6', 9n]]);
  });

  it('decides a point inside one call in order: the second, different record of a point is rejected', async () => {
    const table = await newTable();
    const e = await failure(write(table, [rec('1'), rec('2')]));
    expect(rejections(e)).toEqual([expect.objectContaining({ RecordIndex: 1, ExistingVersion: 1 })]);
    expect((await stored(table)).map((r) => r.MeasureValue)).toEqual(['1']);
  });

  it('takes dimensions as a set and times as instants: 12 SECONDS is 12000 MILLISECONDS [choice]', async () => {
    const table = await newTable();
    const time = Math.floor((NOW_MS - 60_000) / 1000);
    await write(table, [
      rec('1', {
        Dimensions: [
          { Name: 'a', Value: '1' },
          { Name: 'b', Value: '2' },
        ],
        Time: String(time),
        TimeUnit: 'SECONDS',
      }),
    ]);
    const e = await failure(
      write(table, [
        rec('2', {
          Dimensions: [
            { Name: 'b', Value: '2' },
            { Name: 'a', Value: '1' },
          ],
          Time: `${time}000`,
          TimeUnit: 'MILLISECONDS',
        }),
      ]),
    );
    expect(rejections(e)).toEqual([expect.objectContaining({ RecordIndex: 0, ExistingVersion: 1 })]);
  });
});

describe('WriteRecords: per-record rejections (R-LOCAL-2, R-WIN-1, R-LIM-1)', () => {
  it('rejects records outside the memory store window (magnetic writes off), past and future', async () => {
    const table = await newTable();
    const e = await failure(
      write(table, [
        rec('1', { Time: String(NOW_MS - 6 * HOUR - 1) }),
        rec('2', { Time: String(NOW_MS - 6 * HOUR) }),
        rec('3', { Time: String(NOW_MS + 15 * 60_000) }),
        rec('4', { Time: String(NOW_MS + 15 * 60_000 - 1) }),
      ]),
    );
    const reason =
      'The record timestamp is outside the time range [2024-05-01T06:00:00.000Z, 2024-05-01T12:15:00.000Z) of the memory store.';
    expect(rejections(e)).toEqual([
      { RecordIndex: 0, Reason: reason },
      { RecordIndex: 2, Reason: reason },
    ]);
    expect((await stored(table)).map((r) => r.MeasureValue)).toEqual(['2', '4']);
  });

  it('widens the window to both retentions with magnetic writes on', async () => {
    const table = await newTable(true);
    const e = await failure(
      write(table, [
        rec('1', { Time: String(NOW_MS - 10 * 24 * HOUR - HOUR - 1) }),
        rec('2', { Time: String(NOW_MS - 10 * 24 * HOUR) }),
      ]),
    );
    expect(rejections(e)).toEqual([
      {
        RecordIndex: 0,
        Reason:
          'The record timestamp is outside the time range [2024-04-21T11:00:00.000Z, 2024-05-01T12:15:00.000Z) of the data ingestion window.',
      },
    ]);
  });

  it('rejects records over the limits of R-LIM-1 with the limit as the reason', async () => {
    const table = await newTable();
    const values = Array.from({ length: 257 }, (_, i) => ({
      Name: `m${i}`,
      Value: '1',
      Type: 'BIGINT' as const,
    }));
    const e = await failure(
      write(
        table,
        [
          rec('1', { Dimensions: [{ Name: 'host', Value: 'x'.repeat(2049) }] }),
          rec('1', { MeasureValueType: 'VARCHAR', MeasureValue: 'é'.repeat(1025), Time: String(NOW_MS - 2) }),
          rec('1', {
            Dimensions: [
              { Name: 'host', Value: 'y'.repeat(1500) },
              { Name: 'rack', Value: 'z'.repeat(600) },
            ],
          }),
          rec('', {
            MeasureValue: undefined,
            MeasureValueType: 'MULTI',
            MeasureValues: values,
            Time: String(NOW_MS - 3),
          }),
          rec('1', {
            Dimensions: Array.from({ length: 29 }, (_, i) => ({ Name: `d${i}`, Value: 'v' })),
            Time: String(NOW_MS - 4),
          }),
          rec('ok', { MeasureValueType: 'VARCHAR', Time: String(NOW_MS - 5) }),
        ],
        {
          CommonAttributes: {
            Dimensions: Array.from({ length: 100 }, (_, i) => ({ Name: `c${i}`, Value: 'v' })),
          },
        },
      ),
    );
    expect(rejections(e)).toEqual([
      { RecordIndex: 0, Reason: 'A dimension name and value are larger than 2048 bytes together.' },
      { RecordIndex: 1, Reason: 'A VARCHAR measure value is larger than 2048 bytes.' },
      { RecordIndex: 2, Reason: 'The record is larger than 2048 bytes.' },
      { RecordIndex: 3, Reason: 'The record has more than 256 measure values.' },
      { RecordIndex: 4, Reason: 'The record has more than 128 dimensions.' },
    ]);
    expect((await stored(table)).map((r) => r.MeasureValue)).toEqual(['ok']);
  });

  it('rejects a value that is not of its type [choice]', async () => {
    const table = await newTable();
    const e = await failure(
      write(table, [
        rec('abc'),
        rec('9223372036854775808', { MeasureValueType: 'BIGINT', Time: String(NOW_MS - 2) }),
        rec('yes', { MeasureValueType: 'BOOLEAN', Time: String(NOW_MS - 3) }),
        rec('', {
          MeasureValue: undefined,
          MeasureValueType: 'MULTI',
          MeasureValues: [{ Name: 'when', Value: 'soon', Type: 'TIMESTAMP' }],
          Time: String(NOW_MS - 4),
        }),
        rec('-9223372036854775808', { MeasureValueType: 'BIGINT', Time: String(NOW_MS - 5) }),
      ]),
    );
    expect(rejections(e)).toEqual([
      { RecordIndex: 0, Reason: 'Measure value "abc" is not a valid DOUBLE.' },
      { RecordIndex: 1, Reason: 'Measure value "9223372036854775808" is not a valid BIGINT.' },
      { RecordIndex: 2, Reason: 'Measure value "yes" is not a valid BOOLEAN.' },
      { RecordIndex: 3, Reason: 'Measure value "soon" of "when" is not a valid TIMESTAMP.' },
    ]);
    expect((await stored(table)).map((r) => r.MeasureValue)).toEqual(['-9223372036854775808']);
  });
});
