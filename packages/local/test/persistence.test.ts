import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  ListDatabasesCommand,
  ListTagsForResourceCommand,
  WriteRecordsCommand,
  type _Record,
} from '@aws-sdk/client-timestream-write';
import type { TimestreamRecord } from '@tsbatch/core';
import { describe, expect, it } from 'vitest';
import { LocalError, LocalStore, startServer } from '../src/index.js';
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

async function all(t: TestServer, db: string, table: string): Promise<TimestreamRecord[]> {
  const out: TimestreamRecord[] = [];
  for await (const r of t.server.store.records(db, table)) out.push(r);
  return out;
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
        ['2', 1],
        ['3', 2],
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

  it('cuts off a torn last record left by a crash, says so, and keeps appending cleanly', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir, clock });
    await seed(first);
    await first.close();
    const logs = readdirSync(path.join(dataDir, 'records'));
    expect(logs).toHaveLength(1);
    const log = path.join(dataDir, 'records', logs[0]!);
    const clean = readFileSync(log, 'utf8');
    appendFileSync(log, '{"Dimensions":[{"Name":"host","Val');

    const lines: string[] = [];
    const second = await startTestServer({ dataDir, clock, log: (line) => lines.push(line) });
    try {
      expect(lines.some((l) => /keep\.metrics: cut off a torn last record \(34 bytes\)/.test(l))).toBe(true);
      expect(readFileSync(log, 'utf8')).toBe(clean);
      await second.client.send(
        new WriteRecordsCommand({ DatabaseName: 'keep', TableName: 'metrics', Records: [rec('4', 3000)] }),
      );
      expect((await all(second, 'keep', 'metrics')).map((r) => r.MeasureValue)).toEqual(['2', '3', '4']);
    } finally {
      await second.close();
    }
    const text = readFileSync(log, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(
      text
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as TimestreamRecord).MeasureValue),
    ).toEqual(['1', '2', '3', '4']);
  });

  it('cuts a torn tail at the right byte after non-ASCII and invalid UTF-8 lines', async () => {
    const dataDir = tempDir();
    const store = await LocalStore.open({ dataDir, clock, sync: false });
    await store.createDatabase({ DatabaseName: 'utf' });
    await store.createTable({ DatabaseName: 'utf', TableName: 'cities' });
    const data = store.data('utf', 'cities');
    const city = (name: string, at: number): TimestreamRecord => ({
      Dimensions: [{ Name: 'city', Value: name, DimensionValueType: 'VARCHAR' }],
      MeasureName: 'temp',
      MeasureValueType: 'DOUBLE',
      MeasureValue: '1',
      Time: String(NOW.getTime() - at),
      TimeUnit: 'MILLISECONDS',
      Version: 1,
    });
    data.apply(city('Zürich', 1));
    data.apply(city('東京', 2));
    await store.close();
    const log = path.join(dataDir, 'records', readdirSync(path.join(dataDir, 'records'))[0]!);
    appendFileSync(log, Buffer.from([0xff, 0xfe, 0x0a])); // a whole line that is not UTF-8, let alone JSON
    const clean = readFileSync(log);
    appendFileSync(log, Buffer.from('{"Dimensions":[{"Name":"city","Value":"Gen\u00e8ve', 'utf8'));

    const reopened = await LocalStore.open({ dataDir, clock, sync: false });
    try {
      expect(reopened.warnings).toEqual([
        'utf.cities: cut off a torn last record (46 bytes) left by a crash',
        'utf.cities: passed over 1 damaged log lines',
      ]);
      expect(readFileSync(log)).toEqual(clean);
      const names: string[] = [];
      for await (const r of reopened.records('utf', 'cities')) names.push(r.Dimensions[0]!.Value);
      expect(names).toEqual(['Zürich', '東京']);
    } finally {
      await reopened.close();
    }
  });

  it('passes over a damaged line in the middle of a log and never crashes', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir, clock });
    await seed(first);
    await first.close();
    const log = path.join(dataDir, 'records', readdirSync(path.join(dataDir, 'records'))[0]!);
    const [a, b, c] = readFileSync(log, 'utf8').trim().split('\n');
    writeFileSync(log, `${a}\n#garbage#\n${b}\n${c}\n`);
    const lines: string[] = [];
    const second = await startTestServer({ dataDir, clock, log: (line) => lines.push(line) });
    try {
      expect(lines).toContain('store: keep.metrics: passed over 1 damaged log lines');
      expect((await all(second, 'keep', 'metrics')).map((r) => r.MeasureValue)).toEqual(['2', '3']);
    } finally {
      await second.close();
    }
  });

  it('drops the records of a deleted table, even when a crash left its log behind', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir, clock });
    await seed(first);
    await first.client.send(new DeleteTableCommand({ DatabaseName: 'keep', TableName: 'metrics' }));
    expect(readdirSync(path.join(dataDir, 'records'))).toEqual([]);
    await first.close();
    writeFileSync(path.join(dataDir, 'records', '0123456789abcdef.log'), '{}\n');
    const lines: string[] = [];
    const second = await startTestServer({ dataDir, clock, log: (line) => lines.push(line) });
    await second.close();
    expect(readdirSync(path.join(dataDir, 'records'))).toEqual([]);
    expect(lines).toContain(
      'store: removed 0123456789abcdef.log, the records of a table deleted before a crash',
    );
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
