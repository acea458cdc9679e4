import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  WriteRecordsCommand,
  type _Record,
} from '@aws-sdk/client-timestream-write';
import type { TimestreamRecord } from '@tsbatch/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  EXPORT_ROUTE,
  ExportError,
  formatInstant,
  openExport,
  parseInstant,
  type ExportOptions,
  type ExportRun,
  type StoredRecord,
} from '../src/index.js';
import { failure, startTestServer, tempDir, type TestServer } from './helpers.js';

const NOW = new Date('2024-05-01T12:00:00.000Z');
const clock = (): Date => NOW;
/** 11:00:00Z, the instant most records sit at or just after. */
const B_S = NOW.getTime() / 1000 - 3600;
const B_NS = BigInt(B_S) * 1_000_000_000n;
const DB = 'exp';
let t: TestServer;

function rec(
  host: string,
  time: string,
  unit: _Record['TimeUnit'],
  value = '1.5',
  version?: number,
): _Record {
  return {
    Dimensions: [{ Name: 'host', Value: host }],
    MeasureName: 'cpu',
    MeasureValue: value,
    MeasureValueType: 'DOUBLE',
    Time: time,
    TimeUnit: unit,
    ...(version !== undefined && { Version: version }),
  };
}

/** One record per unit at exact instants around 11:00:00Z, one later, and a point updated to version 2. */
const BOUNDARY_RECORDS: _Record[] = [
  rec('s0', String(B_S), 'SECONDS'),
  rec('ms1', String(B_S * 1000 + 1), 'MILLISECONDS'),
  rec('us1', String(B_S * 1_000_000 + 1), 'MICROSECONDS'),
  rec('ns1', String(B_NS + 1n), 'NANOSECONDS'),
  rec('ns999', String(B_NS + 999n), 'NANOSECONDS'),
  rec('later', String(B_S * 1000 + 30 * 60_000), 'MILLISECONDS'),
  rec('updated', String(B_S + 600), 'SECONDS', '1', 1),
];

async function createTable(name: string): Promise<void> {
  await t.client.send(
    new CreateTableCommand({
      DatabaseName: DB,
      TableName: name,
      RetentionProperties: { MemoryStoreRetentionPeriodInHours: 24, MagneticStoreRetentionPeriodInDays: 7 },
    }),
  );
}

async function write(table: string, records: _Record[]): Promise<void> {
  for (let i = 0; i < records.length; i += 100) {
    await t.client.send(
      new WriteRecordsCommand({ DatabaseName: DB, TableName: table, Records: records.slice(i, i + 100) }),
    );
  }
}

beforeAll(async () => {
  t = await startTestServer({ clock });
  await t.client.send(new CreateDatabaseCommand({ DatabaseName: DB }));
  await createTable('boundaries');
  await write('boundaries', BOUNDARY_RECORDS);
  await write('boundaries', [rec('updated', String(B_S + 600), 'SECONDS', '2', 2)]);
  await createTable('empty');
  await createTable('big');
  const big: _Record[] = [];
  for (let i = 0; i < 3000; i++) {
    big.push(rec(`host-${i}-${'x'.repeat(60)}`, String(B_S * 1000 + i), 'MILLISECONDS', String(i)));
  }
  await write('big', big);
});
afterAll(async () => {
  await t.close();
});

async function collect(run: ExportRun): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for await (const r of run) out.push(r);
  return out;
}

function hosts(records: readonly { Dimensions: TimestreamRecord['Dimensions'] }[]): string[] {
  return records.map((r) => r.Dimensions[0]!.Value);
}

function fromDir(table: string, start: string, end: string): Promise<ExportRun> {
  return openExport({
    source: { kind: 'data-dir', dataDir: t.dataDir },
    database: DB,
    table,
    start,
    end,
    clock,
  });
}

async function exportError(options: Promise<unknown>): Promise<ExportError> {
  const e = await failure(options);
  expect(e).toBeInstanceOf(ExportError);
  return e as unknown as ExportError;
}

describe('export of a data folder written by the server (R-EXP-1)', () => {
  it('writes the current record of every point in the range, as stored, in stored order', async () => {
    const run = await fromDir('boundaries', '2024-05-01T10:00:00Z', '2024-05-01T12:00:00Z');
    const records = await collect(run);
    expect(hosts(records)).toEqual(['s0', 'ms1', 'us1', 'ns1', 'ns999', 'later', 'updated']);
    expect(records[0]).toEqual({
      Dimensions: [{ Name: 'host', Value: 's0', DimensionValueType: 'VARCHAR' }],
      MeasureName: 'cpu',
      MeasureValue: '1.5',
      MeasureValueType: 'DOUBLE',
      Time: String(B_S),
      TimeUnit: 'SECONDS',
      Version: 1n,
    });
    // The updated point is exported once, at its latest version.
    expect(records[6]).toMatchObject({ MeasureValue: '2', Version: 2n });
    expect(run.summary).toEqual({
      records: 7,
      start: parseInstant('2024-05-01T10:00:00Z'),
      end: parseInstant('2024-05-01T12:00:00Z'),
      firstRecordTime: B_NS,
      clamped: true,
    });
  });

  it.each([
    ['11:00:00Z', '11:00:00.000000001Z', ['s0']],
    ['11:00:00.000000001Z', '11:00:00.000001Z', ['ns1', 'ns999']],
    ['11:00:00.000000002Z', '11:00:00.000000999Z', []],
    ['11:00:00.000000999Z', '11:00:00.000001001Z', ['us1', 'ns999']],
    ['11:00:00.000001Z', '11:00:00.001Z', ['us1']],
    ['11:00:00.000001001Z', '11:00:00.001000001Z', ['ms1']],
    ['11:00:00.001Z', '11:30:00Z', ['ms1', 'updated']],
    ['11:10:00.000000001Z', '11:30:00.000000001Z', ['later']],
  ])('keeps [%s, %s) exactly, whatever the TimeUnit (R-EXP-1)', async (start, end, expected) => {
    const records = await collect(await fromDir('boundaries', `2024-05-01T${start}`, `2024-05-01T${end}`));
    expect(hosts(records).sort()).toEqual([...expected].sort());
  });

  it('reads an ISO instant with an offset as the same instant (R-EXP-1)', async () => {
    const records = await collect(
      await fromDir('boundaries', '2024-05-01T12:00:00.000000001+01:00', '2024-05-01T07:00:00.000001-04:00'),
    );
    expect(hosts(records)).toEqual(['ns1', 'ns999']);
  });

  it('clamps a start before the first record and says so in the summary (R-EXP-1)', async () => {
    const early = await fromDir('boundaries', '1970-01-01T00:00:00Z', '2024-05-01T11:00:00.000000002Z');
    expect(hosts(await collect(early))).toEqual(['s0', 'ns1']);
    expect(early.summary).toMatchObject({ clamped: true, firstRecordTime: B_NS, records: 2 });

    const exact = await fromDir('boundaries', '2024-05-01T11:00:00Z', '2024-05-01T11:00:01Z');
    await collect(exact);
    expect(exact.summary).toMatchObject({ clamped: false, firstRecordTime: B_NS });

    const empty = await fromDir('empty', '2000-01-01T00:00:00Z', '2024-05-01T12:00:00Z');
    expect(await collect(empty)).toEqual([]);
    expect(empty.summary).toMatchObject({ clamped: false, firstRecordTime: null, records: 0 });
  });

  it('refuses a start that is not before the end (R-EXP-1)', async () => {
    const same = await exportError(fromDir('boundaries', '2024-05-01T11:00:00Z', '2024-05-01T11:00:00.000Z'));
    expect(same.code).toBe('EXPORT_START_NOT_BEFORE_END');
    expect(same.message).toBe(
      'the start (2024-05-01T11:00:00Z) must be before the end (2024-05-01T11:00:00Z): the range is [start, end)',
    );
    const after = await exportError(
      fromDir('boundaries', '2024-05-01T11:00:00.000000001Z', '2024-05-01T11:00:00Z'),
    );
    expect(after.code).toBe('EXPORT_START_NOT_BEFORE_END');
  });

  it('refuses an end in the future, to the nanosecond; an end of exactly now is fine (R-EXP-1)', async () => {
    const e = await exportError(
      fromDir('boundaries', '2024-05-01T11:00:00Z', '2024-05-01T12:00:00.000000001Z'),
    );
    expect(e.code).toBe('EXPORT_END_IN_FUTURE');
    expect(e.message).toBe(
      'the end (2024-05-01T12:00:00.000000001Z) must not be in the future (now: 2024-05-01T12:00:00Z)',
    );
    expect(
      hosts(await collect(await fromDir('boundaries', '2024-05-01T11:30:00Z', '2024-05-01T12:00:00Z'))),
    ).toEqual(['later']);
  });

  it('refuses times that are not ISO 8601 date-times with a zone', async () => {
    for (const bad of ['2024-05-01 11:00:00Z', '2024-05-01T11:00:00', '2024-02-30T00:00:00Z', '1714561200']) {
      const e = await exportError(fromDir('boundaries', bad, '2024-05-01T12:00:00Z'));
      expect(e.code).toBe('EXPORT_INVALID_TIME');
    }
  });

  it('names a missing table, and a folder that is not a store', async () => {
    const table = await exportError(fromDir('nope', '2024-05-01T11:00:00Z', '2024-05-01T12:00:00Z'));
    expect(table.code).toBe('EXPORT_NOT_FOUND');
    expect(table.message).toBe('The table nope does not exist.'); // the service's text (R-LOCAL-1)
    const dir = tempDir();
    const notStore = await exportError(
      openExport({
        source: { kind: 'data-dir', dataDir: dir },
        database: DB,
        table: 'boundaries',
        start: '2024-05-01T11:00:00Z',
        end: '2024-05-01T12:00:00Z',
        clock,
      }),
    );
    expect(notStore.code).toBe('EXPORT_NOT_A_STORE');
    expect(readdirSync(dir)).toEqual([]); // nothing written into a folder that is not a store
  });
});

describe('export through the endpoint route (R-EXP-1)', () => {
  function fromUrl(table: string, start: string, end: string, url = t.server.url): Promise<ExportRun> {
    return openExport({ source: { kind: 'endpoint', url }, database: DB, table, start, end });
  }

  it('streams the same records as the data folder, with the summary of the server', async () => {
    const run = await fromUrl('boundaries', '2024-05-01T10:00:00Z', '2024-05-01T11:00:00.000001Z');
    const records = await collect(run);
    const local = await collect(
      await fromDir('boundaries', '2024-05-01T10:00:00Z', '2024-05-01T11:00:00.000001Z'),
    );
    expect(records).toEqual(local);
    expect(hosts(records)).toEqual(['s0', 'ns1', 'ns999']);
    expect(run.summary).toEqual({
      records: 3,
      start: parseInstant('2024-05-01T10:00:00Z'),
      end: parseInstant('2024-05-01T11:00:00.000001Z'),
      firstRecordTime: B_NS,
      clamped: true,
    });
  });

  it('streams a table larger than one chunk, in stored order', async () => {
    const records = await collect(await fromUrl('big', '2024-05-01T11:00:00Z', '2024-05-01T12:00:00Z'));
    const stored: StoredRecord[] = [];
    for await (const r of t.server.store.records(DB, 'big')) stored.push(r);
    expect(records.length).toBe(3000);
    expect(records).toEqual(stored);
  });

  it("applies the server's clock and rules, and answers refusals with their codes", async () => {
    const future = await exportError(fromUrl('boundaries', '2024-05-01T11:00:00Z', '2024-05-01T12:00:01Z'));
    expect(future.code).toBe('EXPORT_END_IN_FUTURE');
    const missing = await exportError(fromUrl('nope', '2024-05-01T11:00:00Z', '2024-05-01T12:00:00Z'));
    expect(missing.code).toBe('EXPORT_NOT_FOUND');
    const res = await fetch(new URL(EXPORT_ROUTE, t.server.url), {
      method: 'POST',
      body: '{"Database": "exp"}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      code: 'EXPORT_INVALID_REQUEST',
      message: 'Table must be a string (Start and End in ISO 8601)',
    });
  });

  it('says when the endpoint cannot be reached or is not tsbatch serve', async () => {
    const closed = await startTestServer();
    const url = closed.server.url;
    await closed.close();
    const e = await exportError(fromUrl('boundaries', '2024-05-01T11:00:00Z', '2024-05-01T12:00:00Z', url));
    expect(e.code).toBe('EXPORT_ENDPOINT_FAILED');
    expect(e.message).toMatch(new RegExp(`^cannot reach ${url}: .*ECONNREFUSED`));
  });
});

describe('at most two exports at once per table (R-EXP-1)', () => {
  const range = { start: '2024-05-01T11:00:00Z', end: '2024-05-01T12:00:00Z' } as const;
  const dirExport = (table = 'boundaries'): Promise<ExportRun> =>
    openExport({ source: { kind: 'data-dir', dataDir: t.dataDir }, database: DB, table, ...range, clock });
  const storeExport = (): Promise<ExportRun> =>
    openExport({
      source: { kind: 'store', store: t.server.store },
      database: DB,
      table: 'boundaries',
      ...range,
      clock,
    });
  const urlExport = (): Promise<ExportRun> =>
    openExport({
      source: { kind: 'endpoint', url: t.server.url },
      database: DB,
      table: 'boundaries',
      ...range,
    });

  it('refuses a third export of a table, through any path, until one ends', async () => {
    const first = await storeExport();
    const second = await dirExport();
    const third = await exportError(urlExport());
    expect(third.code).toBe('EXPORT_LIMIT_EXCEEDED');
    expect(third.message).toBe(
      `2 exports of ${DB}.boundaries are running already (in process ${process.pid}); ` +
        'at most 2 run at once per table. Try again when one has finished.',
    );
    expect((await exportError(dirExport())).code).toBe('EXPORT_LIMIT_EXCEEDED');
    // Another table is not limited by this one's exports.
    await collect(await dirExport('empty'));
    await collect(first); // reading to the end frees the slot
    expect(hosts(await collect(await urlExport()))).toEqual([
      's0',
      'ms1',
      'us1',
      'ns1',
      'ns999',
      'later',
      'updated',
    ]);
    await second.close(); // so does closing without reading
    const again = [await dirExport(), await storeExport()];
    for (const run of again) await run.close();
  });

  it('frees the slot of a client that stops reading and goes away', async () => {
    const run = await openExport({
      source: { kind: 'endpoint', url: t.server.url },
      database: DB,
      table: 'big',
      ...range,
    });
    for await (const r of run) {
      expect(r.MeasureValue).toBe('0');
      break;
    }
    await run.close();
    // Both slots are free again once the server has seen the client go.
    await vi.waitFor(async () => {
      const one = await dirExport('big');
      try {
        await (await dirExport('big')).close();
      } finally {
        await one.close();
      }
    });
  });

  it('takes over the slots of processes that are gone, and counts those of live ones', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const held = [await dirExport(), await dirExport()];
    const slots = readdirSync(path.join(t.dataDir, 'exports')).filter((f) => f.endsWith('.lock'));
    expect(slots.length).toBe(2);
    // As if two other processes had taken them and then crashed (kill -9): their lock files stay behind.
    for (const f of slots) {
      const file = path.join(t.dataDir, 'exports', f);
      writeFileSync(
        file,
        JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), pid: dead, token: 'crashed' }),
      );
    }
    const taken = [await dirExport(), await dirExport()];
    for (const run of [...held, ...taken]) await run.close();

    // A live process (our parent) holding both slots blocks a third export.
    const live = [await dirExport(), await dirExport()];
    for (const f of readdirSync(path.join(t.dataDir, 'exports')).filter((x) => x.endsWith('.lock'))) {
      const file = path.join(t.dataDir, 'exports', f);
      writeFileSync(file, JSON.stringify({ pid: process.ppid, token: 'other' }));
    }
    const e = await exportError(dirExport());
    expect(e.message).toContain(`(in process ${process.ppid})`);
    for (const run of live) await run.close(); // not ours any more: left in place
    expect(readdirSync(path.join(t.dataDir, 'exports')).filter((x) => x.endsWith('.lock')).length).toBe(2);
    for (const f of readdirSync(path.join(t.dataDir, 'exports'))) {
      writeFileSync(path.join(t.dataDir, 'exports', f), JSON.stringify({ pid: dead, token: 'gone' }));
    }
  });
});

describe('export of a dry run (R-EXP-1)', () => {
  const dryRecord = (host: string, time: string): TimestreamRecord => ({
    Dimensions: [{ Name: 'host', Value: host, DimensionValueType: 'VARCHAR' }],
    MeasureName: 'cpu',
    MeasureValueType: 'BIGINT',
    MeasureValue: '7',
    Time: time,
    TimeUnit: 'MILLISECONDS',
    Version: 1,
  });

  function fromFile(file: string, start: string, end: string): Promise<ExportRun> {
    return openExport({ source: { kind: 'records-file', file }, start, end, clock } satisfies ExportOptions);
  }

  it("exports the records of a dry run's --records file in [start, end), in file order", async () => {
    const file = path.join(tempDir(), 'records.jsonl');
    const lines = [
      dryRecord('b', String(B_S * 1000 + 5)),
      dryRecord('a', String(B_S * 1000)),
      dryRecord('c', String(B_S * 1000 + 10)),
    ].map((record, i) => JSON.stringify({ source: { file: 'data.csv', line: i + 2 }, record }));
    writeFileSync(file, `${lines.join('\n')}\n`);
    const run = await fromFile(file, '2024-01-01T00:00:00Z', '2024-05-01T11:00:00.010Z');
    const records = await collect(run);
    expect(records).toEqual([
      { ...dryRecord('b', String(B_S * 1000 + 5)), Version: 1n },
      { ...dryRecord('a', String(B_S * 1000)), Version: 1n },
    ]);
    expect(run.summary).toMatchObject({ clamped: true, firstRecordTime: B_NS, records: 2 });
  });

  it('names the line of a records file that is not a dry run record', async () => {
    const file = path.join(tempDir(), 'bad.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({ source: {}, record: dryRecord('a', '1') })}\n{"record": {"Time": 5}}\n`,
    );
    const run = await fromFile(file, '1970-01-01T00:00:00Z', '2024-05-01T12:00:00Z');
    const e = await exportError(collect(run));
    expect(e.code).toBe('EXPORT_RECORDS_FILE_INVALID');
    expect(e.message).toBe(
      `${file}:2: not {"source": ..., "record": <Record>} as \`tsbatch dry-run --records\` writes`,
    );
    const missing = await exportError(
      fromFile(`${file}.nope`, '1970-01-01T00:00:00Z', '2024-05-01T12:00:00Z'),
    );
    expect(missing.code).toBe('EXPORT_RECORDS_FILE_INVALID');
  });
});

describe('instants of --start and --end (R-EXP-1)', () => {
  it.each([
    ['1970-01-01T00:00:00Z', 0n],
    ['1970-01-01T00:00:00.000000001Z', 1n],
    ['2024-02-29T23:59:59.999999999Z', 1709251199999999999n],
    ['2024-05-01T14:00:00+02:00', BigInt(NOW.getTime()) * 1_000_000n],
    ['1969-12-31T23:59:59.5Z', -500_000_000n],
    ['2262-04-11T23:47:16.854775807Z', 9223372036854775807n],
  ])('reads %s as %s ns', (text, nanos) => {
    expect(parseInstant(text)).toBe(nanos);
  });

  it.each([
    '2023-02-29T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-05-01T24:00:00Z',
    '2024-05-01T00:00:00.1234567890Z',
    '2024-05-01',
  ])('refuses %s', (text) => {
    expect(parseInstant(text)).toBeNull();
  });

  it('writes instants back with the digits they need', () => {
    expect(formatInstant(0n)).toBe('1970-01-01T00:00:00Z');
    expect(formatInstant(1_000_000n)).toBe('1970-01-01T00:00:00.001Z');
    expect(formatInstant(1_000n)).toBe('1970-01-01T00:00:00.000001Z');
    expect(formatInstant(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
    expect(formatInstant(9223372036854775807n)).toBe('2262-04-11T23:47:16.854775807Z');
  });
});
