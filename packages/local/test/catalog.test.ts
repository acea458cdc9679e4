import {
  CreateDatabaseCommand,
  CreateTableCommand,
  DeleteDatabaseCommand,
  DeleteTableCommand,
  DescribeDatabaseCommand,
  DescribeEndpointsCommand,
  DescribeTableCommand,
  ListDatabasesCommand,
  ListTablesCommand,
  ListTagsForResourceCommand,
  paginateListDatabases,
  paginateListTables,
  TagResourceCommand,
  TimestreamWriteClient,
  UntagResourceCommand,
  UpdateDatabaseCommand,
  UpdateTableCommand,
  WriteRecordsCommand,
} from '@aws-sdk/client-timestream-write';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIALS, failure, startTestServer, type TestServer } from './helpers.js';

const T0 = new Date('2024-05-01T00:00:00.250Z');
let clockNow = T0;
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ clock: () => clockNow, quotas: { databases: 8 } });
});
afterAll(async () => {
  await t.close();
});

describe('databases (R-LOCAL-1)', () => {
  it('creates a database with the service shape: Arn, default KMS key, TableCount, times as dates', async () => {
    const out = await t.client.send(new CreateDatabaseCommand({ DatabaseName: 'fleet' }));
    expect(out.Database).toEqual({
      Arn: 'arn:aws:timestream:us-east-1:000000000000:database/fleet',
      DatabaseName: 'fleet',
      TableCount: 0,
      // The service answers the managed key's ARN, not its alias (issue 16, divergence 4).
      KmsKeyId: expect.stringMatching(
        /^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ),
      CreationTime: T0,
      LastUpdatedTime: T0,
    });
    expect(out.$metadata.httpStatusCode).toBe(200);
  });

  it('answers ConflictException (400, as the API reference lists it) for a database that exists', async () => {
    const e = await failure(t.client.send(new CreateDatabaseCommand({ DatabaseName: 'fleet' })));
    expect(e.name).toBe('ConflictException');
    expect(e.message).toBe('The database fleet already exists.');
    expect((e.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
  });

  it('answers ValidationException (400) listing every broken constraint of the model', async () => {
    const e = await failure(
      t.client.send(
        new CreateDatabaseCommand({ DatabaseName: 'a b', KmsKeyId: '', Tags: [{ Key: '', Value: 'v' }] }),
      ),
    );
    expect(e.name).toBe('ValidationException');
    expect((e.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
    expect(e.message).toBe(
      "3 validation errors detected: Value 'a b' at 'databaseName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; " +
        "Value '' at 'kmsKeyId' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        "Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it('describes a database with its table count, and answers ResourceNotFoundException (400) for an unknown one', async () => {
    await t.client.send(new CreateDatabaseCommand({ DatabaseName: 'counted' }));
    await t.client.send(new CreateTableCommand({ DatabaseName: 'counted', TableName: 't_one' }));
    await t.client.send(new CreateTableCommand({ DatabaseName: 'counted', TableName: 't_two' }));
    const out = await t.client.send(new DescribeDatabaseCommand({ DatabaseName: 'counted' }));
    expect(out.Database?.TableCount).toBe(2);
    const e = await failure(t.client.send(new DescribeDatabaseCommand({ DatabaseName: 'missing' })));
    expect(e.name).toBe('ResourceNotFoundException');
    expect(e.message).toBe('The database missing does not exist.');
    expect((e.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
  });

  it('updates the KMS key and LastUpdatedTime', async () => {
    clockNow = new Date('2024-05-01T01:00:00.000Z');
    const out = await t.client.send(new UpdateDatabaseCommand({ DatabaseName: 'fleet', KmsKeyId: 'my-key' }));
    expect(out.Database).toMatchObject({ KmsKeyId: 'my-key', CreationTime: T0, LastUpdatedTime: clockNow });
    clockNow = T0;
  });

  it('deletes only an empty database (ValidationException otherwise), then forgets it', async () => {
    const e = await failure(t.client.send(new DeleteDatabaseCommand({ DatabaseName: 'counted' })));
    expect(e.name).toBe('ValidationException');
    expect(e.message).toBe(
      'The database counted has 2 tables. All tables in the database must be deleted first.',
    );
    await t.client.send(new DeleteTableCommand({ DatabaseName: 'counted', TableName: 't_one' }));
    await t.client.send(new DeleteTableCommand({ DatabaseName: 'counted', TableName: 't_two' }));
    await t.client.send(new DeleteDatabaseCommand({ DatabaseName: 'counted' }));
    const gone = await failure(t.client.send(new DescribeDatabaseCommand({ DatabaseName: 'counted' })));
    expect(gone.name).toBe('ResourceNotFoundException');
  });

  it('pages ListDatabases by MaxResults with an opaque NextToken, in name order', async () => {
    for (const name of ['page_c', 'page_a', 'page_b']) {
      await t.client.send(new CreateDatabaseCommand({ DatabaseName: name }));
    }
    const first = await t.client.send(new ListDatabasesCommand({ MaxResults: 2 }));
    expect(first.Databases?.map((d) => d.DatabaseName)).toEqual(['fleet', 'page_a']);
    expect(typeof first.NextToken).toBe('string');
    const names: string[] = [];
    for await (const page of paginateListDatabases({ client: t.client, pageSize: 1 }, {})) {
      names.push(...(page.Databases ?? []).map((d) => d.DatabaseName ?? ''));
    }
    expect(names).toEqual(['fleet', 'page_a', 'page_b', 'page_c']);
  });

  it('refuses MaxResults over 20 and a NextToken it did not issue', async () => {
    const big = await failure(t.client.send(new ListDatabasesCommand({ MaxResults: 21 })));
    expect(big.message).toBe(
      "1 validation error detected: Value '21' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 20",
    );
    const token = await failure(t.client.send(new ListDatabasesCommand({ NextToken: 'garbage' })));
    expect(token.name).toBe('ValidationException');
    expect(token.message).toBe('The NextToken is invalid.');
  });

  it('answers ServiceQuotaExceededException (400) past the database quota', async () => {
    const created: string[] = [];
    let error: Error | undefined;
    for (let i = 0; i < 10 && error === undefined; i++) {
      try {
        await t.client.send(new CreateDatabaseCommand({ DatabaseName: `quota_${i}` }));
        created.push(`quota_${i}`);
      } catch (e) {
        error = e as Error;
      }
    }
    expect(error?.name).toBe('ServiceQuotaExceededException');
    expect((error as unknown as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(
      400, // the API reference's status (R-LOCAL-1)
    );
    expect(error?.message).toBe('The account already has the maximum of 8 databases.');
    for (const name of created) await t.client.send(new DeleteDatabaseCommand({ DatabaseName: name }));
  });
});

describe('tables (R-LOCAL-1)', () => {
  it("creates a table with the service's defaults: 6 h memory, 73000 d magnetic, magnetic writes off, ACTIVE", async () => {
    await t.client.send(new CreateDatabaseCommand({ DatabaseName: 'plant' }));
    const out = await t.client.send(new CreateTableCommand({ DatabaseName: 'plant', TableName: 'sensors' }));
    expect(out.Table).toEqual({
      Arn: 'arn:aws:timestream:us-east-1:000000000000:database/plant/table/sensors',
      TableName: 'sensors',
      DatabaseName: 'plant',
      TableStatus: 'ACTIVE',
      RetentionProperties: {
        MemoryStoreRetentionPeriodInHours: 6,
        MagneticStoreRetentionPeriodInDays: 73000,
      },
      MagneticStoreWriteProperties: { EnableMagneticStoreWrites: false },
      Schema: { CompositePartitionKey: [{ Type: 'MEASURE' }] },
      CreationTime: T0,
      LastUpdatedTime: T0,
    });
  });

  it('keeps given retention, magnetic writes and schema, and describes the table the same', async () => {
    const input = {
      DatabaseName: 'plant',
      TableName: 'archive',
      RetentionProperties: {
        MemoryStoreRetentionPeriodInHours: 24,
        MagneticStoreRetentionPeriodInDays: 3650,
      },
      MagneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
      Schema: {
        CompositePartitionKey: [
          { Type: 'DIMENSION' as const, Name: 'site', EnforcementInRecord: 'REQUIRED' as const },
        ],
      },
    };
    const created = await t.client.send(new CreateTableCommand(input));
    const described = await t.client.send(
      new DescribeTableCommand({ DatabaseName: 'plant', TableName: 'archive' }),
    );
    expect(described.Table).toEqual(created.Table);
    expect(described.Table).toMatchObject({
      RetentionProperties: input.RetentionProperties,
      MagneticStoreWriteProperties: input.MagneticStoreWriteProperties,
      Schema: input.Schema,
    });
  });

  it('refuses retention out of range, naming both members', async () => {
    const e = await failure(
      t.client.send(
        new CreateTableCommand({
          DatabaseName: 'plant',
          TableName: 'bad_retention',
          RetentionProperties: {
            MemoryStoreRetentionPeriodInHours: 0,
            MagneticStoreRetentionPeriodInDays: 73001,
          },
        }),
      ),
    );
    expect(e.message).toBe(
      "2 validation errors detected: Value '0' at 'retentionProperties.memoryStoreRetentionPeriodInHours' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
        "Value '73001' at 'retentionProperties.magneticStoreRetentionPeriodInDays' failed to satisfy constraint: Member must have value less than or equal to 73000",
    );
  });

  it('answers ResourceNotFoundException for a table in a missing database and ConflictException for a repeat', async () => {
    const missing = await failure(
      t.client.send(new CreateTableCommand({ DatabaseName: 'nowhere', TableName: 'abc' })),
    );
    expect(missing.name).toBe('ResourceNotFoundException');
    const again = await failure(
      t.client.send(new CreateTableCommand({ DatabaseName: 'plant', TableName: 'sensors' })),
    );
    expect(again.name).toBe('ConflictException');
    expect(again.message).toBe('The table sensors already exists in database plant.');
  });

  it('updates retention and magnetic writes, moving LastUpdatedTime only', async () => {
    clockNow = new Date('2024-05-02T00:00:00.000Z');
    const out = await t.client.send(
      new UpdateTableCommand({
        DatabaseName: 'plant',
        TableName: 'sensors',
        RetentionProperties: {
          MemoryStoreRetentionPeriodInHours: 12,
          MagneticStoreRetentionPeriodInDays: 30,
        },
        MagneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
      }),
    );
    clockNow = T0;
    expect(out.Table).toMatchObject({
      RetentionProperties: { MemoryStoreRetentionPeriodInHours: 12, MagneticStoreRetentionPeriodInDays: 30 },
      MagneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
      CreationTime: T0,
      LastUpdatedTime: new Date('2024-05-02T00:00:00.000Z'),
    });
  });

  it('lists the tables of one database or of all, paging with NextToken', async () => {
    await t.client.send(new CreateDatabaseCommand({ DatabaseName: 'other' }));
    await t.client.send(new CreateTableCommand({ DatabaseName: 'other', TableName: 'aaa' }));
    const plant = await t.client.send(new ListTablesCommand({ DatabaseName: 'plant' }));
    expect(plant.Tables?.map((x) => x.TableName)).toEqual(['archive', 'sensors']);
    const all: string[] = [];
    for await (const page of paginateListTables({ client: t.client, pageSize: 1 }, {})) {
      all.push(...(page.Tables ?? []).map((x) => `${x.DatabaseName}.${x.TableName}`));
    }
    expect(all).toEqual(['other.aaa', 'plant.archive', 'plant.sensors']);
    const e = await failure(t.client.send(new ListTablesCommand({ DatabaseName: 'nowhere' })));
    expect(e.name).toBe('ResourceNotFoundException');
  });

  it('deletes a table: it is gone from Describe and List', async () => {
    await t.client.send(new DeleteTableCommand({ DatabaseName: 'other', TableName: 'aaa' }));
    const e = await failure(
      t.client.send(new DescribeTableCommand({ DatabaseName: 'other', TableName: 'aaa' })),
    );
    expect(e.name).toBe('ResourceNotFoundException');
    expect(e.message).toBe('The table aaa does not exist.'); // the service's text (R-LOCAL-1)
    const list = await t.client.send(new ListTablesCommand({ DatabaseName: 'other' }));
    expect(list.Tables).toEqual([]);
    const again = await failure(
      t.client.send(new DeleteTableCommand({ DatabaseName: 'other', TableName: 'aaa' })),
    );
    expect(again.name).toBe('ResourceNotFoundException');
  });

  it('tags databases and tables by ARN, replaces a key, removes keys, and answers ResourceNotFoundException for an unknown ARN', async () => {
    const arn = 'arn:aws:timestream:us-east-1:000000000000:database/plant/table/sensors';
    await t.client.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'team', Value: 'a' }] }));
    await t.client.send(
      new TagResourceCommand({
        ResourceARN: arn,
        Tags: [
          { Key: 'team', Value: 'b' },
          { Key: 'env', Value: 'ci' },
        ],
      }),
    );
    expect((await t.client.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([
      { Key: 'team', Value: 'b' },
      { Key: 'env', Value: 'ci' },
    ]);
    await t.client.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['team'] }));
    expect((await t.client.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).toEqual([
      { Key: 'env', Value: 'ci' },
    ]);
    const e = await failure(t.client.send(new ListTagsForResourceCommand({ ResourceARN: `${arn}x` })));
    expect(e.name).toBe('ResourceNotFoundException');
  });
});

describe('endpoint discovery (R-LOCAL-1, toolchain notes §3)', () => {
  it('answers DescribeEndpoints with its own host name', async () => {
    const out = await t.client.send(new DescribeEndpointsCommand({}));
    expect(out.Endpoints).toEqual([{ Address: '127.0.0.1', CachePeriodInMinutes: 1440 }]);
  });

  it('serves a client that discovers its endpoint (endpointProvider, no custom endpoint)', async () => {
    const seen: string[] = [];
    const server = await startTestServer({ log: (line) => seen.push(line.split(' ')[0] ?? '') });
    const url = new URL(server.server.url);
    const client = new TimestreamWriteClient({
      region: 'us-east-1',
      credentials: CREDENTIALS,
      maxAttempts: 1,
      endpointProvider: () => ({ url }),
    });
    try {
      await client.send(new CreateDatabaseCommand({ DatabaseName: 'discovered' }));
      await client.send(new CreateTableCommand({ DatabaseName: 'discovered', TableName: 'metrics' }));
      const out = await client.send(
        new WriteRecordsCommand({
          DatabaseName: 'discovered',
          TableName: 'metrics',
          Records: [
            {
              Dimensions: [{ Name: 'host', Value: 'h1' }],
              MeasureName: 'cpu',
              MeasureValue: '1',
              Time: String(Date.now()),
            },
          ],
        }),
      );
      expect(out.RecordsIngested?.Total).toBe(1);
      expect(seen.slice(0, 2)).toEqual(['DescribeEndpoints', 'CreateDatabase']);
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
