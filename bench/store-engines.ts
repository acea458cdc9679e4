// Which embedded engine holds `tsbatch serve`'s points and journal (issue 16, "chosen by measuring two of them on
// this workload"): SQLite (better-sqlite3) and DuckDB (@duckdb/node-api), each in its own child process, doing what
// the store does per WriteRecords call of 100 fleet records: look up the 100 points (version check, R-DUP-1 across
// writes), insert the points and their revisions (the journal), commit durably (fsync), then reopen the folder
// and read every record back in stored order. The SQLite schema is the store's (packages/local/src/internal/
// store-db.ts). Prints one table; not part of `pnpm bench` (the choice is made).
//
//   node --conditions=source --import tsx bench/store-engines.ts [--records 1000000]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatTable } from './table.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BATCH = 100;

interface Result {
  engine: string;
  records: number;
  writeSeconds: number;
  writeRssKiB: number;
  reopenSeconds: number;
  scanSeconds: number;
  scanned: number;
  peakRssKiB: number;
  bytesOnDisk: number;
}

/** The n-th fleet record (time increasing, 5000 vehicles) as the store keeps it: its point key and its JSON. */
function fleetRecord(n: number): { key: string; time: bigint; json: string } {
  const v = (n * 7919) % 5000;
  const t = 1714521600000 + n * 1500;
  const json =
    `{"Dimensions":[{"Name":"vehicle","Value":"vehicle-${v}","DimensionValueType":"VARCHAR"},` +
    `{"Name":"registration","Value":"REG-${(v * 7919) % 100000}","DimensionValueType":"VARCHAR"}],` +
    `"MeasureName":"metrics","MeasureValueType":"MULTI","MeasureValues":[` +
    `{"Name":"wgt","Value":"${1000 + (n % 9000)}.5","Type":"DOUBLE"},{"Name":"spd","Value":"${n % 120}.25","Type":"DOUBLE"},` +
    `{"Name":"fuel_consumption","Value":"${n % 30}.125","Type":"DOUBLE"},{"Name":"miles","Value":"${n % 1000000}","Type":"BIGINT"}],` +
    `"Time":"${t}","TimeUnit":"MILLISECONDS","Version":1}`;
  const key = `"metrics"${t}000000"registration""REG-${(v * 7919) % 100000}""vehicle""vehicle-${v}"`;
  return { key, time: BigInt(t) * 1_000_000n, json };
}

function du(dir: string): number {
  const r = spawnSync('du', ['-sb', dir], { encoding: 'utf8' });
  return Number(r.stdout.split('\t')[0] ?? 0);
}

async function sqlite(dir: string, records: number): Promise<Result> {
  const { default: Database } = await import('better-sqlite3');
  const file = path.join(dir, 'store.db');
  const open = (): InstanceType<typeof Database> => {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('cache_size = -32768');
    return db;
  };
  let db = open();
  db.exec(`
    CREATE TABLE points (tbl INTEGER NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL, rev INTEGER NOT NULL,
      PRIMARY KEY (tbl, key)) WITHOUT ROWID;
    CREATE TABLE revisions (id INTEGER PRIMARY KEY, tbl INTEGER NOT NULL, block INTEGER NOT NULL,
      time_ns INTEGER NOT NULL, live INTEGER NOT NULL, record TEXT NOT NULL);
    CREATE TABLE blocks (id INTEGER PRIMARY KEY, ledger INTEGER NOT NULL, ts INTEGER NOT NULL, hash BLOB NOT NULL);`);
  const find = db.prepare('SELECT version, rev FROM points WHERE tbl = 1 AND key = ?');
  const putPoint = db.prepare('INSERT INTO points VALUES (1, ?, ?, ?)');
  const putRev = db.prepare('INSERT INTO revisions VALUES (?, 1, ?, ?, 1, ?)');
  const putBlock = db.prepare('INSERT INTO blocks VALUES (?, 1, ?, ?)');
  const started = performance.now();
  let rev = 0;
  for (let block = 0; block * BATCH < records; block++) {
    db.exec('BEGIN');
    for (let i = 0; i < BATCH; i++) {
      const r = fleetRecord(block * BATCH + i);
      if (find.get(r.key) !== undefined) throw new Error('duplicate');
      rev++;
      putPoint.run(r.key, 1, rev);
      putRev.run(rev, block, r.time, r.json);
    }
    putBlock.run(block, Date.now(), Buffer.alloc(32, block % 256));
    db.exec('COMMIT');
  }
  const writeSeconds = (performance.now() - started) / 1000;
  const writeRssKiB = process.memoryUsage().rss / 1024;
  db.close();
  const reopenStart = performance.now();
  db = open();
  const count = db.prepare('SELECT count(*) AS n FROM blocks').get() as { n: number };
  const reopenSeconds = (performance.now() - reopenStart) / 1000;
  if (count.n * BATCH < records) throw new Error('lost blocks');
  const scanStart = performance.now();
  let scanned = 0;
  let bytes = 0;
  const scan = db.prepare('SELECT record FROM revisions WHERE tbl = 1 AND live = 1 ORDER BY id').raw();
  for (const row of scan.iterate() as IterableIterator<[string]>) {
    scanned++;
    bytes += row[0].length;
  }
  const scanSeconds = (performance.now() - scanStart) / 1000;
  db.close();
  if (bytes === 0) throw new Error('nothing read');
  return {
    engine: 'SQLite (better-sqlite3 12.11.1, WAL, synchronous=FULL)',
    records,
    writeSeconds,
    writeRssKiB,
    reopenSeconds,
    scanSeconds,
    scanned,
    peakRssKiB: process.resourceUsage().maxRSS,
    bytesOnDisk: du(dir),
  };
}

async function duckdb(dir: string, records: number): Promise<Result> {
  const { DuckDBInstance, VARCHAR, listValue } = await import('@duckdb/node-api');
  const file = path.join(dir, 'store.duckdb');
  const open = async (): Promise<{
    instance: InstanceType<typeof DuckDBInstance>;
    c: Awaited<ReturnType<InstanceType<typeof DuckDBInstance>['connect']>>;
  }> => {
    const instance = await DuckDBInstance.create(file, { memory_limit: '256MB', threads: '1' });
    return { instance, c: await instance.connect() };
  };
  let { instance, c } = await open();
  await c.run(`
    CREATE TABLE points (tbl INTEGER NOT NULL, key VARCHAR NOT NULL, version BIGINT NOT NULL, rev BIGINT NOT NULL,
      PRIMARY KEY (tbl, key));
    CREATE TABLE revisions (tbl INTEGER NOT NULL, id BIGINT NOT NULL, block BIGINT NOT NULL, time_ns BIGINT NOT NULL,
      live BOOLEAN NOT NULL, record VARCHAR NOT NULL);
    CREATE TABLE blocks (id BIGINT PRIMARY KEY, ledger INTEGER NOT NULL, ts BIGINT NOT NULL, hash BLOB NOT NULL);`);
  const find = await c.prepare(
    'SELECT key, version FROM points WHERE tbl = 1 AND key IN (SELECT unnest($1::VARCHAR[]))',
  );
  const started = performance.now();
  let rev = 0;
  for (let block = 0; block * BATCH < records; block++) {
    const batch = Array.from({ length: BATCH }, (_, i) => fleetRecord(block * BATCH + i));
    await c.run('BEGIN');
    find.bindList(1, listValue(batch.map((r) => r.key)), (await import('@duckdb/node-api')).LIST(VARCHAR));
    const found = await find.runAndReadAll();
    if (found.currentRowCount > 0) throw new Error('duplicate');
    const points = await c.createAppender('points');
    const revs = await c.createAppender('revisions');
    for (const r of batch) {
      rev++;
      points.appendInteger(1);
      points.appendVarchar(r.key);
      points.appendBigInt(1n);
      points.appendBigInt(BigInt(rev));
      points.endRow();
      revs.appendInteger(1);
      revs.appendBigInt(BigInt(rev));
      revs.appendBigInt(BigInt(block));
      revs.appendBigInt(r.time);
      revs.appendBoolean(true);
      revs.appendVarchar(r.json);
      revs.endRow();
    }
    points.closeSync();
    revs.closeSync();
    await c.run(`INSERT INTO blocks VALUES (${block}, 1, ${Date.now()}, '\\x00'::BLOB)`);
    await c.run('COMMIT');
  }
  const writeSeconds = (performance.now() - started) / 1000;
  const writeRssKiB = process.memoryUsage().rss / 1024;
  c.closeSync();
  instance.closeSync();
  const reopenStart = performance.now();
  ({ instance, c } = await open());
  const count = await c.runAndReadAll('SELECT count(*) FROM blocks');
  const reopenSeconds = (performance.now() - reopenStart) / 1000;
  if (Number(count.getRows()[0]![0]) * BATCH < records) throw new Error('lost blocks');
  const scanStart = performance.now();
  let scanned = 0;
  let bytes = 0;
  const result = await c.stream('SELECT record FROM revisions WHERE tbl = 1 AND live ORDER BY id');
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    for (const [record] of chunk.getRows()) {
      scanned++;
      bytes += (record as string).length;
    }
  }
  const scanSeconds = (performance.now() - scanStart) / 1000;
  c.closeSync();
  instance.closeSync();
  if (bytes === 0) throw new Error('nothing read');
  return {
    engine: 'DuckDB (@duckdb/node-api 1.5.6-r.1, 1 thread, 256 MB limit)',
    records,
    writeSeconds,
    writeRssKiB,
    reopenSeconds,
    scanSeconds,
    scanned,
    peakRssKiB: process.resourceUsage().maxRSS,
    bytesOnDisk: du(dir),
  };
}

async function child(engine: string, records: number): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `tsbatch-engine-${engine}-`));
  try {
    const result = engine === 'sqlite' ? await sqlite(dir, records) : await duckdb(dir, records);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { records: { type: 'string', default: '1000000' }, child: { type: 'string' } },
  });
  const records = Number(values.records);
  if (values.child !== undefined) return child(values.child, records);
  const rows: string[][] = [];
  for (const engine of ['sqlite', 'duckdb']) {
    process.stderr.write(`store-engines: ${engine}, ${records.toLocaleString('en-US')} records\n`);
    const r = spawnSync(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--child',
        engine,
        '--records',
        String(records),
      ],
      { cwd: here, encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    if (r.status !== 0) {
      rows.push([engine, `failed: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`, '', 'NO']);
      continue;
    }
    const x = JSON.parse(r.stdout.trim().split('\n').pop()!) as Result;
    const n = (v: number): string => Math.round(v).toLocaleString('en-US');
    rows.push(
      [
        `${x.engine}: write (lookup + insert + durable commit)`,
        `${n(x.records / x.writeSeconds)} records/s`,
        '',
        '',
      ],
      [`${x.engine}: RSS after the writes`, `${n(x.writeRssKiB / 1024)} MiB`, '', ''],
      [`${x.engine}: reopen`, `${x.reopenSeconds.toFixed(3)} s`, '', ''],
      [`${x.engine}: read back in stored order`, `${n(x.scanned / x.scanSeconds)} records/s`, '', ''],
      [`${x.engine}: peak RSS`, `${n(x.peakRssKiB / 1024)} MiB`, '', ''],
      [`${x.engine}: on disk`, `${(x.bytesOnDisk / 1e6).toFixed(0)} MB`, '', ''],
    );
  }
  process.stdout.write(
    `${records.toLocaleString('en-US')} fleet records in 100-record committed calls, ${os.availableParallelism()} cores\n\n`,
  );
  process.stdout.write(formatTable(rows));
}

await main();
