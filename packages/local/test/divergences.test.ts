// Issue 16: where real clients disagreed with `tsbatch serve`, each fixed and checked through the real JS SDK over
// HTTP (boto3's side: boto3-divergences.test.ts).
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  DescribeDatabaseCommand,
  DescribeTableCommand,
  UpdateTableCommand,
  WriteRecordsCommand,
  type _Record,
} from '@aws-sdk/client-timestream-write';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, startTestServer, type TestServer } from './helpers.js';

const NOW = new Date('2024-05-01T12:00:00.000Z');
const NOW_MS = NOW.getTime();
const DB = 'divergences';
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ clock: () => NOW, quotas: { databases: 2 } });
  await t.client.send(new CreateDatabaseCommand({ DatabaseName: DB }));
});
afterAll(async () => {
  await t.close();
});

function rec(value: string, version?: number | bigint, dims = [{ Name: 'host', Value: 'h1' }]): _Record {
  return {
    Dimensions: dims,
    MeasureName: 'cpu',
    MeasureValue: value,
    MeasureValueType: 'DOUBLE',
    Time: String(NOW_MS - 1000),
    // The SDK writes a bigint Version as its exact digits (a JS number cannot hold 2^53 + 1).
    ...(version !== undefined && { Version: version as number }),
  };
}

async function table(name: string, extra: Partial<ConstructorParameters<typeof CreateTableCommand>[0]> = {}) {
  await t.client.send(
    new CreateTableCommand({
      DatabaseName: DB,
      TableName: name,
      RetentionProperties: { MemoryStoreRetentionPeriodInHours: 24, MagneticStoreRetentionPeriodInDays: 7 },
      ...extra,
    }),
  );
}

function write(name: string, records: _Record[]) {
  return t.client.send(new WriteRecordsCommand({ DatabaseName: DB, TableName: name, Records: records }));
}

/** WriteRecords as raw JSON, to see the exact digits of the answer (the SDK reads ExistingVersion as a double). */
async function rawWrite(name: string, recordsJson: string): Promise<{ status: number; text: string }> {
  const res = await fetch(t.server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'Timestream_20181101.WriteRecords',
    },
    body: `{"DatabaseName":"${DB}","TableName":"${name}","Records":${recordsJson}}`,
  });
  return { status: res.status, text: await res.text() };
}

const status = (e: Record<string, unknown>): number =>
  (e['$metadata'] as { httpStatusCode: number }).httpStatusCode;

describe('divergence 1: DescribeEndpoints sends every SDK family back to the endpoint it was given (R-LOCAL-1)', () => {
  async function describeEndpoints(userAgent: string): Promise<unknown> {
    const res = await fetch(t.server.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'Timestream_20181101.DescribeEndpoints', 'user-agent': userAgent },
      body: '{}',
    });
    return res.json();
  }

  it('answers botocore a whole http:// URL (it prefixes anything else with https://) and the JS SDK a host name', async () => {
    const host = new URL(t.server.url).host;
    expect(
      await describeEndpoints('Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux Botocore/1.34.0'),
    ).toEqual({
      Endpoints: [{ Address: `http://${host}`, CachePeriodInMinutes: 1440 }],
    });
    expect(await describeEndpoints('aws-cli/2.15.0 md/awscrt#0.19.19 ua/2.0 os/linux')).toEqual({
      Endpoints: [{ Address: `http://${host}`, CachePeriodInMinutes: 1440 }],
    });
    expect(await describeEndpoints('aws-sdk-js/3.1138.0 ua/2.1 os/linux lang/js')).toEqual({
      Endpoints: [{ Address: '127.0.0.1', CachePeriodInMinutes: 1440 }],
    });
  });
  // The JS SDK discovering its endpoint and coming back: catalog.test.ts, 'endpoint discovery'.
});

describe('divergence 2: a REQUIRED dimension partition key rejects records without it (R-LOCAL-2)', () => {
  it('rejects a record that lacks the key dimension and stores the others; OPTIONAL takes both', async () => {
    const key = (enforcement: 'REQUIRED' | 'OPTIONAL') => ({
      Schema: {
        CompositePartitionKey: [
          { Type: 'DIMENSION' as const, Name: 'host', EnforcementInRecord: enforcement },
        ],
      },
    });
    await table('keyed', key('OPTIONAL'));
    const without = rec('2', undefined, [{ Name: 'region', Value: 'eu' }]);
    await write('keyed', [rec('1'), without]);
    await t.client.send(new UpdateTableCommand({ DatabaseName: DB, TableName: 'keyed', ...key('REQUIRED') }));
    const e = await failure(write('keyed', [rec('1'), { ...without, MeasureName: 'other' }]));
    expect(e.name).toBe('RejectedRecordsException');
    expect(status(e)).toBe(419);
    expect(e['RejectedRecords']).toEqual([
      {
        RecordIndex: 1,
        Reason:
          'The record is missing the dimension "host", which is the table\'s partition key and is REQUIRED in every record (EnforcementInRecord).',
      },
    ]);
  });
});

describe('divergence 3: versions are exact 64-bit integers (R-LOCAL-2, R-DUP-1)', () => {
  const TWO_53 = 2n ** 53n;

  it('takes 2^53 + 1 after 2^53 as a higher version, and answers ExistingVersion with its exact digits', async () => {
    await table('versions');
    await write('versions', [rec('1', TWO_53)]);
    await write('versions', [rec('2', TWO_53 + 1n)]); // not "the same version": it is higher
    const raw = await rawWrite(
      'versions',
      `[{"Dimensions":[{"Name":"host","Value":"h1"}],"MeasureName":"cpu",
      "MeasureValue":"3","Time":"${NOW_MS - 1000}","Version":${TWO_53}}]`,
    );
    expect(raw.status).toBe(419);
    expect(raw.text).toContain(`"ExistingVersion":${TWO_53 + 1n}}`);
    expect(raw.text).toContain(
      `The record version ${TWO_53} is lower than the existing version ${TWO_53 + 1n}. A higher version is required to update the measure value.`,
    );
    const stored = [];
    for await (const r of t.server.store.records(DB, 'versions')) stored.push([r.MeasureValue, r.Version]);
    expect(stored).toEqual([['2', TWO_53 + 1n]]);
  });

  it('tells apart nanosecond-time versions 100 ns apart (the "current time as version" upsert)', async () => {
    await table('ns_versions');
    const v = BigInt(NOW_MS) * 1_000_000n;
    await write('ns_versions', [rec('1', v)]);
    await write('ns_versions', [rec('2', v + 100n)]);
    const e = await failure(write('ns_versions', [rec('3', v + 50n)]));
    expect((e['RejectedRecords'] as { Reason: string }[])[0]!.Reason).toBe(
      `The record version ${v + 50n} is lower than the existing version ${v + 100n}. A higher version is required to update the measure value.`,
    );
  });

  it('refuses version 2^63 (ValidationException) and takes 2^63 - 1', async () => {
    await table('max_version');
    const e = await failure(write('max_version', [rec('1', 2n ** 63n)]));
    expect(e.name).toBe('ValidationException');
    expect(e.message).toBe(
      "1 validation error detected: Value '9223372036854775808' at 'records.1.member.version' failed to satisfy constraint: Member must have value less than or equal to 9223372036854775807",
    );
    await write('max_version', [rec('1', 2n ** 63n - 1n)]);
    const raw = await rawWrite(
      'max_version',
      `[{"Dimensions":[{"Name":"host","Value":"h1"}],"MeasureName":"cpu",
      "MeasureValue":"2","Time":"${NOW_MS - 1000}","Version":${2n ** 63n - 1n}}]`,
    );
    expect(raw.text).toContain(
      'A record already exists with the same time, dimensions, measure name, and record version.',
    );
    expect(raw.text).toContain(`"ExistingVersion":${2n ** 63n - 1n}}`);
  });
});

describe("divergence 4: the service's texts (R-LOCAL-1, R-LOCAL-2, R-WIN-1)", () => {
  it('names a missing table as the service does, without its database', async () => {
    const e = await failure(t.client.send(new DescribeTableCommand({ DatabaseName: DB, TableName: 'nope' })));
    expect([e.name, e.message]).toEqual(['ResourceNotFoundException', 'The table nope does not exist.']);
  });

  it('gives a database created without a key the ARN of the managed key, the same for every database', async () => {
    const a = await t.client.send(new DescribeDatabaseCommand({ DatabaseName: DB }));
    await t.client.send(new CreateDatabaseCommand({ DatabaseName: 'second' }));
    const b = await t.client.send(new DescribeDatabaseCommand({ DatabaseName: 'second' }));
    expect(a.Database?.KmsKeyId).toMatch(/^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f-]{36}$/);
    expect(b.Database?.KmsKeyId).toBe(a.Database?.KmsKeyId);
  });

  it('says which window a time is outside: the memory store, or the data ingestion window', async () => {
    await table('memory_only');
    await table('magnetic', { MagneticStoreWriteProperties: { EnableMagneticStoreWrites: true } });
    const old = { ...rec('1'), Time: String(NOW_MS - 30 * 24 * 3600_000) };
    const memory = await failure(write('memory_only', [old]));
    expect((memory['RejectedRecords'] as { Reason: string }[])[0]!.Reason).toBe(
      'The record timestamp is outside the time range [2024-04-30T12:00:00.000Z, 2024-05-01T12:15:00.000Z) of the memory store.',
    );
    const magnetic = await failure(write('magnetic', [old]));
    expect((magnetic['RejectedRecords'] as { Reason: string }[])[0]!.Reason).toBe(
      'The record timestamp is outside the time range [2024-04-23T12:00:00.000Z, 2024-05-01T12:15:00.000Z) of the data ingestion window.',
    );
  });
});

describe('divergence 5: HTTP statuses as the API reference lists them (R-LOCAL-1)', () => {
  it('answers 400 for client errors, 419 for rejected records, 500 for an internal error', async () => {
    const notFound = await failure(t.client.send(new DescribeDatabaseCommand({ DatabaseName: 'none' })));
    const conflict = await failure(t.client.send(new CreateDatabaseCommand({ DatabaseName: DB })));
    const quota = await failure(t.client.send(new CreateDatabaseCommand({ DatabaseName: 'third' })));
    t.server.faults.set({ throttle: 1, seed: 1 });
    const throttled = await failure(write('versions', [rec('9', 1)]));
    t.server.faults.set({ error: 1, seed: 1 });
    const internal = await failure(write('versions', [rec('9', 1)]));
    t.server.faults.set({});
    const rejected = await failure(write('versions', [rec('9', 1)]));
    expect(
      [notFound, conflict, quota, throttled, internal, rejected].map((e) => [e.name, status(e)]),
    ).toEqual([
      ['ResourceNotFoundException', 400],
      ['ConflictException', 400],
      ['ServiceQuotaExceededException', 400],
      ['ThrottlingException', 400],
      ['InternalServerException', 500],
      ['RejectedRecordsException', 419],
    ]);
  });
});
