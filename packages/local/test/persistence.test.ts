import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  DescribeTableCommand,
  ListDatabasesCommand,
  ListTagsForResourceCommand,
  WriteRecordsCommand,
  type _Record,
} from '@aws-sdk/client-timestream-write';
import type { TimestreamRecord } from '@tsbatch/core';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { LocalError, LocalStore, startServer, type StoredRecord } from '../src/index.js';
import { failure, startTestServer, tempDir, type TestServer } from './helpers.js';

const NOW = new Date('2024-05-01T12:00:00.000Z');
const clock = (): Date => NOW;

function rec(value: string, time: number, version = 1): _Record {
  return {
    Dimensions: [{ Name: 'host', Value: 'h1' }],
    MeasureName: 'cpu',
    MeasureValue: value,
    Time: String(NOW.getTime() - time),
    Version: version,
  };
}

async function all(t: TestServer, db: string, table: string): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for await (const r of t.server.store.records(db, table)) out.push(r);
  return out;
}

function city(name: string, at: number, version: number, value = '1'): TimestreamRecord {
  return {
    Dimensions: [{ Name: 'city', Value: name, DimensionValueType: 'VARCHAR' }],
    MeasureName: 'temp',
    MeasureValueType: 'DOUBLE',
    MeasureValue: value,
    Time: String(NOW.getTime() - at),
    TimeUnit: 'MILLISECONDS',
    Version: version,
  };
}

function oldLine(record: TimestreamRecord): string {
  return JSON.stringify(record);
}

/**
 * A data folder as tsbatch wrote it before the SQLite store: catalog.json (no database ids) and one JSON-lines log
 * per table under records/. The last line is written without its newline (a torn append). Returns the table's id.
 */
function writeOldFormatFolder(dataDir: string, lines: string[]): string {
  const id = '0123456789abcdef';
  const times = { CreationTime: NOW.toISOString(), LastUpdatedTime: NOW.toISOString() };
  const catalog = {
    format: 1,
    databases: [
      {
        info: { Arn: 'arn:db', DatabaseName: 'old', KmsKeyId: 'k', ...times },
        tags: [],
      },
    ],
    tables: [
      {
        id,
        info: {
          Arn: 'arn:t',
          TableName: 'cities',
          DatabaseName: 'old',
          TableStatus: 'ACTIVE',
          RetentionProperties: {
            MemoryStoreRetentionPeriodInHours: 6,
            MagneticStoreRetentionPeriodInDays: 7,
          },
          MagneticStoreWriteProperties: { EnableMagneticStoreWrites: false },
          Schema: { CompositePartitionKey: [{ Type: 'MEASURE' }] },
          ...times,
        },
        tags: [],
      },
    ],
  };
  writeFileSync(path.join(dataDir, 'catalog.json'), JSON.stringify(catalog));
  mkdirSync(path.join(dataDir, 'records'));
  writeFileSync(path.join(dataDir, 'records', `${id}.log`), lines.join('\n'));
  return id;
}

async function seed(t: TestServer): Promise<void> {
  await t.client.send(new CreateDatabaseCommand({ DatabaseName: 'keep', Tags: [{ Key: 'k', Value: 'v' }] }));
  await t.client.send(
    new CreateTableCommand({
      DatabaseName: 'keep',
      TableName: 'metrics',
      RetentionProperties: { MemoryStoreRetentionPeriodInHours: 24, MagneticStoreRetentionPeriodInDays: 7 },
    }),
  );
  await t.client.send(
    new WriteRecordsCommand({
      DatabaseName: 'keep',
      TableName: 'metrics',
      Records: [rec('1', 1000), rec('2', 2000)],
    }),
  );
  await t.client.send(
    new WriteRecordsCommand({ DatabaseName: 'keep', TableName: 'metrics', Records: [rec('3', 1000, 2)] }),
  );
}

describe('persistence (R-LOCAL-3)', () => {
  it('keeps databases, tables, tags and records across a restart on the same data folder', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir, clock, sync: true });
    await seed(first);
    const before = await first.client.send(
      new DescribeTableCommand({ DatabaseName: 'keep', TableName: 'metrics' }),
    );
    const records = await all(first, 'keep', 'metrics');
    await first.close();

    const second = await startTestServer({ dataDir, clock, sync: true });
    try {
      const after = await second.client.send(
        new DescribeTableCommand({ DatabaseName: 'keep', TableName: 'metrics' }),
      );
      expect(after.Table).toEqual(before.Table);
      expect(
        (await second.client.send(new ListDatabasesCommand({}))).Databases?.map((d) => d.DatabaseName),
      ).toEqual(['keep']);
      const tags = await second.client.send(
        new ListTagsForResourceCommand({
          ResourceARN: 'arn:aws:timestream:us-east-1:000000000000:database/keep',
        }),
      );
      expect(tags.Tags).toEqual([{ Key: 'k', Value: 'v' }]);
      expect(await all(second, 'keep', 'metrics')).toEqual(records);
      expect(records.map((r) => [r.MeasureValue, r.Version])).toEqual([
        ['2', 1n],
        ['3', 2n],
      ]);
      // The version index was rebuilt: the stored version 2 still decides.
      const e = await failure(
        second.client.send(
          new WriteRecordsCommand({
            DatabaseName: 'keep',
            TableName: 'metrics',
            Records: [rec('9', 1000, 2)],
          }),
        ),
      );
      expect(e['RejectedRecords']).toEqual([expect.objectContaining({ RecordIndex: 0, ExistingVersion: 2 })]);
    } finally {
      await second.close();
    }
  });

  it('survives a crash image with a torn WAL tail: every acknowledged write is there, the torn frame is not', async () => {
    const dataDir = tempDir();
    const crashed = tempDir();
    const first = await startTestServer({ dataDir, clock, sync: true });
    try {
      await seed(first);
      // The files as a kill -9 leaves them: the store open, its WAL not checkpointed, no clean close.
      for (const name of readdirSync(dataDir)) {
        cpSync(path.join(dataDir, name), path.join(crashed, name), { recursive: true });
      }
    } finally {
      await first.close();
    }
    rmSync(path.join(crashed, 'LOCK'));
    const wal = path.join(crashed, 'store.db-wal');
    expect(statSync(wal).size).toBeGreaterThan(0);
    // A write cut off mid-append: half a WAL frame of garbage at the end.
    appendFileSync(wal, Buffer.alloc(2100, 0xab));

    const second = await startTestServer({ dataDir: crashed, clock });
    try {
      expect((await all(second, 'keep', 'metrics')).map((r) => [r.MeasureValue, r.Version])).toEqual([
        ['2', 1n],
        ['3', 2n],
      ]);
      await second.client.send(
        new WriteRecordsCommand({ DatabaseName: 'keep', TableName: 'metrics', Records: [rec('4', 3000)] }),
      );
      expect((await all(second, 'keep', 'metrics')).map((r) => r.MeasureValue)).toEqual(['2', '3', '4']);
    } finally {
      await second.close();
    }
  });

  it('moves a data folder of the old log format into the store when it opens, once, and keeps the logs aside', async () => {
    const dataDir = tempDir();
    const id = writeOldFormatFolder(dataDir, [
      oldLine(city('Zürich', 1000, 1)),
      oldLine(city('東京', 2000, 1)),
      '#garbage#', // a damaged line: passed over, as the old replay did
      oldLine(city('Zürich', 1000, 2, '9')), // a later line of a point: a higher version, it wins
      '{"Dimensions":[{"Name":"city","Value":"Gen\u00e8ve', // torn: no newline after it
    ]);
    const lines: string[] = [];
    const store = await LocalStore.open({ dataDir, clock, sync: false, announce: (l) => lines.push(l) });
    try {
      const stored: [string, string, bigint][] = [];
      for await (const r of store.records('old', 'cities')) {
        stored.push([r.Dimensions[0]!.Value, r.MeasureValue ?? '', r.Version]);
      }
      expect(stored).toEqual([
        ['東京', '1', 1n],
        ['Zürich', '9', 2n],
      ]);
      expect(lines).toContain(`moving old.cities from the old log format into the store (records/${id}.log)`);
      expect(lines).toContain('  old.cities: 4 lines moved');
      expect(existsSync(path.join(dataDir, 'records'))).toBe(false);
      expect(readdirSync(path.join(dataDir, 'records-imported'))).toEqual([`${id}.log`]);
      // The moved records are journal blocks of their own (R-QLDB-2).
      const blocks = [];
      for await (const b of store.journal('old', { start: new Date(0), end: new Date(NOW.getTime() + 1) })) {
        blocks.push(b);
      }
      expect(blocks.map((b) => [b.transactionInfo.operation, b.revisions.length])).toEqual([['Import', 3]]);
    } finally {
      await store.close();
    }
    const again: string[] = [];
    const reopened = await LocalStore.open({ dataDir, clock, sync: false, announce: (l) => again.push(l) });
    await reopened.close();
    expect(again).toEqual([`opening the store in ${dataDir}: 2 points in 1 table`]);
  });

  it('finishes the delete of a table that a crash cut short: its points are purged at the next start', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir, clock });
    await seed(first);
    await first.close();
    // The catalog already without the table, the store still holding its points: a crash inside DeleteTable.
    const catalog = JSON.parse(readFileSync(path.join(dataDir, 'catalog.json'), 'utf8')) as {
      tables: unknown[];
    };
    catalog.tables = [];
    writeFileSync(path.join(dataDir, 'catalog.json'), JSON.stringify(catalog));
    const lines: string[] = [];
    const store = await LocalStore.open({ dataDir, clock, sync: false, announce: (l) => lines.push(l) });
    expect(store.warnings).toEqual(['finishing the delete of 1 table(s) deleted before a crash']);
    await store.close();
    expect(lines).toEqual([`opening the store in ${dataDir}: 2 points in 1 table`]);
    const db = new Database(path.join(dataDir, 'store.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM points').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });

  it('refuses a second server on a data folder in use, and takes over the lock of a process that is gone', async () => {
    const dataDir = tempDir();
    const first = await startServer({ dataDir, sync: false });
    const e = await failure(startServer({ dataDir, sync: false }));
    expect(e).toBeInstanceOf(LocalError);
    expect(e['code']).toBe('LOCAL_DATA_DIR_LOCKED');
    await first.close();
    // A lock left by a crashed process (a pid that cannot exist).
    writeFileSync(path.join(dataDir, 'LOCK'), '999999999\n');
    const store = await LocalStore.open({ dataDir, sync: false });
    expect(store.listDatabases()).toEqual([]);
    await store.close();
  });

  it('refuses a data folder whose catalog is not a tsbatch catalog (LOCAL_DATA_DIR_INVALID)', async () => {
    const dataDir = tempDir();
    writeFileSync(path.join(dataDir, 'catalog.json'), '{"databases": 3}');
    const e = await failure(LocalStore.open({ dataDir }));
    expect(e['code']).toBe('LOCAL_DATA_DIR_INVALID');
    // The lock was released: a repaired folder opens.
    writeFileSync(path.join(dataDir, 'catalog.json'), '{"format": 1, "databases": [], "tables": []}');
    const store = await LocalStore.open({ dataDir });
    await store.close();
  });

  it('releases the data folder when it cannot listen (port in use)', async () => {
    const dataDir = tempDir();
    const first = await startServer({ dataDir: tempDir(), sync: false });
    const e = await failure(startServer({ dataDir, sync: false, port: first.port }));
    expect(e['code']).toBe('EADDRINUSE');
    await first.close();
    const store = await LocalStore.open({ dataDir, sync: false });
    await store.close();
  });

  it('reads records in a time range [start, end) for export', async () => {
    const dataDir = tempDir();
    const t = await startTestServer({ dataDir, clock });
    try {
      await seed(t);
      const range = t.server.store.records('keep', 'metrics', {
        start: new Date(NOW.getTime() - 2000),
        end: new Date(NOW.getTime() - 1000),
      });
      const out: string[] = [];
      for await (const r of range) out.push(r.MeasureValue ?? '');
      expect(out).toEqual(['2']);
    } finally {
      await t.close();
    }
  });
});
