import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Decimal, IonTypes, loadAll, type dom } from 'ion-js';
import { NANOS_PER_UNIT, type TimestreamRecord, type TimeUnit } from '@tsbatch/core';
import { openExport, parseInstant, startServer, type ExportRun, type LocalServer } from '@tsbatch/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const NOW = new Date('2024-05-01T12:00:00.000Z');
/** 11:00:00Z in seconds. */
const B_S = NOW.getTime() / 1000 - 3600;
const B_NS = BigInt(B_S) * 1_000_000_000n;
const DB = 'cli_exp';
const FULL = ['--start', '2024-05-01T00:00:00Z', '--end', '2024-05-01T12:00:00Z'];

let server: LocalServer;
let dataDir: string;
let out: string;

function sink(): Writable & { text: string } {
  const stream = new Writable({
    write(chunk: Buffer, _enc, done): void {
      stream.text += chunk.toString('utf8');
      done();
    },
  }) as Writable & { text: string };
  stream.text = '';
  return stream;
}

async function run(argv: string[]): Promise<{ exit: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const exit = await main(argv, { stdout, stderr, cwd: ROOT });
  return { exit, stdout: stdout.text, stderr: stderr.text };
}

/** One AWS JSON 1.0 call, as an SDK sends it (the SDK itself is exercised in packages/local/test). */
async function call(operation: string, body: unknown): Promise<unknown> {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `Timestream_20181101.${operation}`,
    },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`${operation}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function dims(host: string): TimestreamRecord['Dimensions'] {
  return [{ Name: 'host', Value: host, DimensionValueType: 'VARCHAR' }];
}

/** Every measure type, every TimeUnit, values whose text matters (0.1, 1.50, 2^63-1, TRUE). */
const TYPED: TimestreamRecord[] = [
  {
    Dimensions: dims('s'),
    MeasureName: 'cpu',
    MeasureValueType: 'DOUBLE',
    MeasureValue: '0.1',
    Time: String(B_S),
    TimeUnit: 'SECONDS',
    Version: 1,
  },
  {
    Dimensions: dims('ms'),
    MeasureName: 'cpu',
    MeasureValueType: 'DOUBLE',
    MeasureValue: '1.50',
    Time: String(B_S * 1000 + 1),
    TimeUnit: 'MILLISECONDS',
    Version: 1,
  },
  {
    Dimensions: dims('us'),
    MeasureName: 'count',
    MeasureValueType: 'BIGINT',
    MeasureValue: '9223372036854775807',
    Time: String(B_S * 1_000_000 + 1),
    TimeUnit: 'MICROSECONDS',
    Version: 1,
  },
  {
    Dimensions: dims('ns'),
    MeasureName: 'up',
    MeasureValueType: 'BOOLEAN',
    MeasureValue: 'TRUE',
    Time: String(B_NS + 1n),
    TimeUnit: 'NANOSECONDS',
    Version: 1,
  },
  {
    Dimensions: dims('text'),
    MeasureName: 'status',
    MeasureValueType: 'VARCHAR',
    MeasureValue: 'ok ✓ "quoted"',
    Time: String(B_S * 1000 + 2),
    TimeUnit: 'MILLISECONDS',
    Version: 1,
  },
  {
    Dimensions: [...dims('multi'), { Name: 'region', Value: 'eu', DimensionValueType: 'VARCHAR' }],
    MeasureName: 'metrics',
    MeasureValueType: 'MULTI',
    MeasureValues: [
      { Name: 'load', Value: '-2E3', Type: 'DOUBLE' },
      { Name: 'small', Value: '1e-7', Type: 'DOUBLE' },
      { Name: 'n', Value: '-42', Type: 'BIGINT' },
      { Name: 'ok', Value: 'false', Type: 'BOOLEAN' },
      { Name: 'seen', Value: String(B_NS + 123_456_789n), Type: 'TIMESTAMP' },
      { Name: 'note', Value: ' ', Type: 'VARCHAR' },
    ],
    Time: String(B_NS + 999n),
    TimeUnit: 'NANOSECONDS',
    Version: 3,
  },
];

/** The Ion decimal each DOUBLE text must become: every digit kept (written here in Ion's own notation). */
const DOUBLE_AS_ION: Record<string, string> = {
  '0.1': '0.1',
  '1.50': '1.50',
  '-2E3': '-2d3',
  '1e-7': '1d-7',
};
const ION_FRACTION_DIGITS: Record<TimeUnit, number> = {
  SECONDS: 0,
  MILLISECONDS: 3,
  MICROSECONDS: 6,
  NANOSECONDS: 9,
};

async function write(table: string, records: TimestreamRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += 100) {
    await call('WriteRecords', { DatabaseName: DB, TableName: table, Records: records.slice(i, i + 100) });
  }
}

async function stored(table: string): Promise<TimestreamRecord[]> {
  const records: TimestreamRecord[] = [];
  // The store's versions are exact (bigint, R-LOCAL-2); these tests use small ones.
  for await (const r of server.store.records(DB, table)) records.push({ ...r, Version: Number(r.Version) });
  return records;
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-export-cli-'));
  out = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-export-out-'));
  server = await startServer({ dataDir: path.join(dataDir, 'store'), sync: false, clock: () => NOW });
  await call('CreateDatabase', { DatabaseName: DB });
  for (const table of ['typed', 'many']) {
    await call('CreateTable', {
      DatabaseName: DB,
      TableName: table,
      RetentionProperties: { MemoryStoreRetentionPeriodInHours: 24, MagneticStoreRetentionPeriodInDays: 7 },
    });
  }
  await write('typed', TYPED);
  const many: TimestreamRecord[] = [];
  for (let i = 0; i < 2500; i++) {
    many.push({
      Dimensions: dims(`h${i % 7}`),
      MeasureName: `m${i}`,
      MeasureValueType: 'BIGINT',
      MeasureValue: String(i),
      Time: String(B_S * 1000 + i),
      TimeUnit: 'MILLISECONDS',
      Version: 1,
    });
  }
  await write('many', many);
});
afterAll(async () => {
  await server.close();
});

const storeDir = (): string => path.join(dataDir, 'store');
const outFile = (name: string): string => path.join(out, name);

/** An Ion struct back to the Record it was written from, checking the Ion type of every value on the way. */
function fromIon(value: dom.Value): TimestreamRecord {
  const unit = value.get('TimeUnit')!.stringValue() as TimeUnit;
  const typed = (type: string, v: dom.Value): string => {
    switch (type) {
      case 'DOUBLE': {
        expect(v.getType()).toBe(IonTypes.DECIMAL);
        const text = Object.keys(DOUBLE_AS_ION).find((t) =>
          Decimal.parse(DOUBLE_AS_ION[t]!)!.equals(v.decimalValue()!),
        );
        expect(text, `decimal ${v.decimalValue()!.toString()}`).toBeDefined();
        return text!;
      }
      case 'BIGINT':
        expect(v.getType()).toBe(IonTypes.INT);
        return String(v.bigIntValue());
      case 'BOOLEAN':
        expect(v.getType()).toBe(IonTypes.BOOL);
        return v.booleanValue() === true ? 'TRUE' : 'false'; // the texts the test wrote
      case 'TIMESTAMP':
        return timeDigits(v, unit);
      default:
        expect(v.getType()).toBe(IonTypes.STRING);
        return v.stringValue()!;
    }
  };
  const record: TimestreamRecord = {
    Dimensions: value
      .get('Dimensions')!
      .elements()
      .map((d) => ({
        Name: d.get('Name')!.stringValue()!,
        Value: d.get('Value')!.stringValue()!,
        DimensionValueType: d.get('DimensionValueType')!.stringValue() as 'VARCHAR',
      })),
    MeasureName: value.get('MeasureName')!.stringValue()!,
    MeasureValueType: value.get('MeasureValueType')!.stringValue() as TimestreamRecord['MeasureValueType'],
    Time: timeDigits(value.get('Time')!, unit),
    TimeUnit: unit,
    Version: Number(value.get('Version')!.bigIntValue()),
  };
  const scalar = value.get('MeasureValue');
  if (scalar !== null) record.MeasureValue = typed(record.MeasureValueType, scalar);
  const multi = value.get('MeasureValues');
  if (multi !== null) {
    record.MeasureValues = multi.elements().map((m) => {
      const type = m.get('Type')!.stringValue() as NonNullable<
        TimestreamRecord['MeasureValues']
      >[number]['Type'];
      return { Name: m.get('Name')!.stringValue()!, Value: typed(type, m.get('Value')!), Type: type };
    });
  }
  return record;
}

/** An Ion timestamp back to time digits: it must carry exactly the unit's fraction digits, in UTC. */
function timeDigits(v: dom.Value, unit: TimeUnit): string {
  expect(v.getType()).toBe(IonTypes.TIMESTAMP);
  const text = v.timestampValue()!.toString();
  const places = ION_FRACTION_DIGITS[unit];
  expect(text).toMatch(new RegExp(places === 0 ? ':\\d\\dZ$' : `:\\d\\d\\.\\d{${places}}Z$`));
  return String(parseInstant(text)! / NANOS_PER_UNIT[unit]);
}

describe('tsbatch export: JSON Lines (R-EXP-1)', () => {
  it('writes the stored records exactly, one per line, from a data folder the server is using', async () => {
    const file = outFile('typed.jsonl');
    const r = await run([
      'export',
      '--data-dir',
      storeDir(),
      '--database',
      DB,
      '--table',
      'typed',
      ...FULL,
      '--out',
      file,
    ]);
    expect(r.stderr).toBe(
      'note: the start 2024-05-01T00:00:00Z is before the first record (2024-05-01T11:00:00Z): the export starts there (R-EXP-1)\n',
    );
    expect(r.exit).toBe(0);
    // Issue 18: every summary ends with its elapsed time and rate.
    expect(r.stdout).toMatch(
      new RegExp(
        `^${escape(`Exported 6 records of ${DB}.typed with time in [2024-05-01T11:00:00Z, 2024-05-01T12:00:00Z) to ${file} (JSON Lines).`)}\n  elapsed      \\d+\\.\\d s, [\\d,]+ records/s\n$`,
      ),
    );
    const lines = readFileSync(file, 'utf8');
    expect(lines).toBe((await stored('typed')).map((x) => `${JSON.stringify(x)}\n`).join(''));
    expect(
      lines
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual(TYPED);
    expect(readdirSync(out).filter((f) => f.includes('.partial'))).toEqual([]);
  });

  it('writes the same bytes through --endpoint-url as from the folder', async () => {
    const a = outFile('endpoint.jsonl');
    const b = outFile('folder.jsonl');
    const range = ['--start', '2024-05-01T11:00:00.000000001Z', '--end', '2024-05-01T11:00:00.000001001Z'];
    const viaUrl = await run([
      'export',
      '--endpoint-url',
      server.url,
      '--database',
      DB,
      '--table',
      'typed',
      ...range,
      '--out',
      a,
    ]);
    const viaDir = await run([
      'export',
      '--data-dir',
      storeDir(),
      '--database',
      DB,
      '--table',
      'typed',
      ...range,
      '--out',
      b,
    ]);
    expect([viaUrl.exit, viaDir.exit]).toEqual([0, 0]);
    expect(viaUrl.stderr).toBe('');
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
    // [11:00:00.000000001, 11:00:00.000001001): the ns records and the µs one, not the s or ms ones.
    expect(
      readFileSync(a, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as TimestreamRecord).Dimensions[0]!.Value),
    ).toEqual(['us', 'ns', 'multi']);
  });

  it("exports a dry run's --records file", async () => {
    const records = outFile('fleet-records.jsonl');
    const dry = await run([
      'dry-run',
      'examples/fleet/task.json',
      '--s3-root',
      'examples/fleet/s3',
      '--records',
      records,
    ]);
    expect(dry.exit).toBe(0);
    const predicted = readFileSync(records, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { record: TimestreamRecord }).record);
    expect(predicted.length).toBe(12);
    const file = outFile('fleet.jsonl');
    // Rows every 5 minutes from 00:00:00Z: [00:05, 00:25) holds the 2nd to the 5th; the 6th is at the end itself.
    const r = await run([
      'export',
      '--records',
      records,
      '--start',
      '2024-05-01T00:05:00Z',
      '--end',
      '2024-05-01T00:25:00Z',
      '--out',
      file,
    ]);
    expect(r.exit).toBe(0);
    expect(r.stderr).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(
      predicted
        .slice(1, 5)
        .map((x) => `${JSON.stringify(x)}\n`)
        .join(''),
    );
    expect(r.stdout.split('\n')[0]).toBe(
      `Exported 4 records of ${records} with time in [2024-05-01T00:05:00Z, 2024-05-01T00:25:00Z) to ${file} (JSON Lines).`,
    );
  });
});

describe('tsbatch export: where it writes (R-EXP-1, issue 16)', () => {
  const table = (): string[] => ['--data-dir', storeDir(), '--database', DB, '--table', 'typed', ...FULL];

  it('writes to standard output with --out -, the summary then going to stderr', async () => {
    const file = outFile('to-compare.jsonl');
    expect((await run(['export', ...table(), '--out', file])).exit).toBe(0);
    const r = await run(['export', ...table(), '--out', '-']);
    expect(r.exit).toBe(0);
    expect(r.stdout).toBe(readFileSync(file, 'utf8'));
    expect(r.stderr).toMatch(
      /Exported 6 records of cli_exp\.typed .* to standard output \(JSON Lines\)\.\n {2}elapsed .*\n$/,
    );
    expect(existsSync(path.join(ROOT, '-'))).toBe(false); // no file named '-'
  });

  it('replaces a regular file it may replace, as a whole', async () => {
    const file = outFile('replace-me.jsonl');
    writeFileSync(file, 'old content\n');
    expect((await run(['export', ...table(), '--out', file])).exit).toBe(0);
    expect(readFileSync(file, 'utf8')).not.toContain('old content');
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(7);
  });

  it('refuses a symbolic link at --out (exit 2) and leaves the link and its target as they were', async () => {
    const target = outFile('precious.txt');
    writeFileSync(target, 'keep me\n');
    const link = outFile('link.jsonl');
    symlinkSync(target, link);
    const r = await run(['export', ...table(), '--out', link]);
    expect(r.exit).toBe(2);
    expect(r.stderr).toBe(
      `tsbatch export: ${link} is a symbolic link: tsbatch export writes only regular files it creates or ` +
        'replaces, and never replaces one. Give another path, or --out - for standard output.\n',
    );
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('keep me\n');
    expect(readdirSync(out).filter((f) => f.includes('.partial'))).toEqual([]);
  });

  it('refuses a device, a FIFO and a folder at --out (exit 2), writing nothing to them', async () => {
    const fifo = outFile('a.fifo');
    execFileSync('mkfifo', [fifo]);
    const folder = outFile('a-folder');
    mkdirSync(folder);
    for (const [where, what] of [
      ['/dev/null', 'a device'],
      [fifo, 'a FIFO'],
      [folder, 'a folder'],
    ] as const) {
      const r = await run(['export', ...table(), '--out', where]);
      expect(r.exit, where).toBe(2);
      expect(r.stderr).toContain(
        `tsbatch export: ${where} is ${what}: tsbatch export writes only regular files`,
      );
    }
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(readdirSync(folder)).toEqual([]);
  });
});

describe('tsbatch export: Ion (R-EXP-1)', () => {
  it.each(['ion-text', 'ion-binary'])(
    'writes typed %s that reads back to the stored records',
    async (format) => {
      const file = outFile(`typed.${format}`);
      const r = await run([
        'export',
        '--data-dir',
        storeDir(),
        '--database',
        DB,
        '--table',
        'typed',
        ...FULL,
        '--format',
        format,
        '--out',
        file,
      ]);
      expect(r.exit).toBe(0);
      const bytes = readFileSync(file);
      if (format === 'ion-binary') expect([...bytes.subarray(0, 4)]).toEqual([0xe0, 0x01, 0x00, 0xea]);
      else expect(bytes.toString('utf8').split('\n').length).toBe(TYPED.length + 1); // one value per line
      const values = loadAll(format === 'ion-binary' ? new Uint8Array(bytes) : bytes.toString('utf8'));
      expect(values.map(fromIon)).toEqual(TYPED);
    },
  );

  it.each(['ion-text', 'ion-binary'])(
    'writes more records than one Ion chunk as one %s stream',
    async (format) => {
      const file = outFile(`many.${format}`);
      const r = await run([
        'export',
        '--endpoint-url',
        server.url,
        '--database',
        DB,
        '--table',
        'many',
        ...FULL,
        '--format',
        format,
        '--out',
        file,
      ]);
      expect(r.exit).toBe(0);
      const bytes = readFileSync(file);
      const values = loadAll(format === 'ion-binary' ? new Uint8Array(bytes) : bytes.toString('utf8'));
      expect(values.map(fromIon)).toEqual(await stored('many'));
    },
  );

  it('writes an empty range as an empty Ion stream', async () => {
    const file = outFile('empty.ion');
    const r = await run([
      'export',
      '--data-dir',
      storeDir(),
      '--database',
      DB,
      '--table',
      'typed',
      '--start',
      '2024-05-01T11:59:00Z',
      '--end',
      '2024-05-01T12:00:00Z',
      '--format',
      'ion-binary',
      '--out',
      file,
    ]);
    expect(r.exit).toBe(0);
    expect(r.stdout).toMatch(/^Exported 0 records /);
    expect(loadAll(new Uint8Array(readFileSync(file)))).toEqual([]);
  });
});

describe('tsbatch export: refusals (R-EXP-1)', () => {
  it('refuses a start that is not before the end (exit 2, no file)', async () => {
    const file = outFile('never-1.jsonl');
    const r = await run([
      'export',
      '--data-dir',
      storeDir(),
      '--database',
      DB,
      '--table',
      'typed',
      '--start',
      '2024-05-01T11:00:00Z',
      '--end',
      '2024-05-01T10:00:00Z',
      '--out',
      file,
    ]);
    expect(r.exit).toBe(2);
    expect(r.stderr).toBe(
      'tsbatch export: the start (2024-05-01T11:00:00Z) must be before the end (2024-05-01T10:00:00Z): the range is [start, end) [EXPORT_START_NOT_BEFORE_END]\n',
    );
    expect(existsSync(file)).toBe(false);
  });

  it('refuses an end in the future (exit 2): the clock of the machine, or of the server', async () => {
    const file = outFile('never-2.jsonl');
    const local = await run([
      'export',
      '--data-dir',
      storeDir(),
      '--database',
      DB,
      '--table',
      'typed',
      '--start',
      '2024-05-01T11:00:00Z',
      '--end',
      '2999-01-01T00:00:00Z',
      '--out',
      file,
    ]);
    expect(local.exit).toBe(2);
    expect(local.stderr).toMatch(
      /^tsbatch export: the end \(2999-01-01T00:00:00Z\) must not be in the future \(now: .*\) \[EXPORT_END_IN_FUTURE\]\n$/,
    );
    // The server's clock says 12:00:00Z: one nanosecond later is the future there.
    const remote = await run([
      'export',
      '--endpoint-url',
      server.url,
      '--database',
      DB,
      '--table',
      'typed',
      '--start',
      '2024-05-01T11:00:00Z',
      '--end',
      '2024-05-01T12:00:00.000000001Z',
      '--out',
      file,
    ]);
    expect(remote.exit).toBe(2);
    expect(remote.stderr).toBe(
      'tsbatch export: the end (2024-05-01T12:00:00.000000001Z) must not be in the future (now: 2024-05-01T12:00:00Z) [EXPORT_END_IN_FUTURE]\n',
    );
    expect(existsSync(file)).toBe(false);
  });

  it('refuses a third export of a table while two run (exit 1), and runs it once one has finished', async () => {
    const range = { start: '2024-05-01T11:00:00Z', end: '2024-05-01T12:00:00Z' };
    const running: ExportRun[] = [
      await openExport({
        source: { kind: 'store', store: server.store },
        database: DB,
        table: 'typed',
        ...range,
        clock: () => NOW,
      }),
      await openExport({
        source: { kind: 'data-dir', dataDir: storeDir() },
        database: DB,
        table: 'typed',
        ...range,
        clock: () => NOW,
      }),
    ];
    const file = outFile('third.jsonl');
    for (const input of [
      ['--data-dir', storeDir()],
      ['--endpoint-url', server.url],
    ]) {
      const r = await run(['export', ...input, '--database', DB, '--table', 'typed', ...FULL, '--out', file]);
      expect(r.exit).toBe(1);
      expect(r.stderr).toBe(
        `tsbatch export: 2 exports of ${DB}.typed are running already (in process ${process.pid}); ` +
          'at most 2 run at once per table. Try again when one has finished. [EXPORT_LIMIT_EXCEEDED]\n',
      );
      expect(existsSync(file)).toBe(false);
    }
    // Another table is not held up.
    expect(
      (
        await run([
          'export',
          '--data-dir',
          storeDir(),
          '--database',
          DB,
          '--table',
          'many',
          ...FULL,
          '--out',
          file,
        ])
      ).exit,
    ).toBe(0);
    await running[0]!.close();
    expect(
      (
        await run([
          'export',
          '--data-dir',
          storeDir(),
          '--database',
          DB,
          '--table',
          'typed',
          ...FULL,
          '--out',
          file,
        ])
      ).exit,
    ).toBe(0);
    await running[1]!.close();
  });

  it('names a missing table, a folder that is not a store, and an endpoint that is not there', async () => {
    const file = outFile('never-3.jsonl');
    const missing = await run([
      'export',
      '--data-dir',
      storeDir(),
      '--database',
      DB,
      '--table',
      'nope',
      ...FULL,
      '--out',
      file,
    ]);
    expect(missing).toMatchObject({
      exit: 2,
      stderr: 'tsbatch export: The table nope does not exist. [EXPORT_NOT_FOUND]\n', // the service's text
    });
    const notStore = await run([
      'export',
      '--data-dir',
      out,
      '--database',
      DB,
      '--table',
      'typed',
      ...FULL,
      '--out',
      file,
    ]);
    expect(notStore.exit).toBe(2);
    expect(notStore.stderr).toContain('[EXPORT_NOT_A_STORE]');
    const gone = await run([
      'export',
      '--endpoint-url',
      'http://127.0.0.1:1',
      '--database',
      DB,
      '--table',
      'typed',
      ...FULL,
      '--out',
      file,
    ]);
    expect(gone.exit).toBe(1);
    expect(gone.stderr).toMatch(
      /^tsbatch export: cannot reach http:\/\/127\.0\.0\.1:1: .*\[EXPORT_ENDPOINT_FAILED\]\n$/,
    );
    expect(existsSync(file)).toBe(false);
  });

  it('leaves no file when the input breaks off in the middle', async () => {
    const records = outFile('broken-records.jsonl');
    const good = JSON.stringify({ source: { file: 'a.csv', line: 2 }, record: TYPED[0] });
    writeFileSync(records, `${good}\n${good}\nnot json\n`);
    const file = outFile('never-4.jsonl');
    const r = await run(['export', '--records', records, ...FULL, '--out', file]);
    expect(r.exit).toBe(2);
    expect(r.stderr).toBe(`tsbatch export: ${records}:3: not JSON [EXPORT_RECORDS_FILE_INVALID]\n`);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(out).filter((f) => f.includes('.partial'))).toEqual([]);
  });

  it.each([
    [[...FULL, '--out', 'x'], 'give exactly one of --data-dir, --endpoint-url and --records'],
    [
      ['--data-dir', 'a', '--records', 'b', ...FULL, '--out', 'x'],
      'give exactly one of --data-dir, --endpoint-url and --records (got 2)',
    ],
    [
      ['--records', 'b', '--table', 't', ...FULL, '--out', 'x'],
      '--records exports a dry run, which has no tables: leave out --database and --table',
    ],
    [
      ['--data-dir', 'a', '--database', 'd', ...FULL, '--out', 'x'],
      'exporting a table needs --database and --table',
    ],
    [['--records', 'b', '--end', '2024-05-01T00:00:00Z', '--out', 'x'], 'missing --start'],
    [['--records', 'b', ...FULL], 'missing --out'],
    [
      ['--records', 'b', ...FULL, '--format', 'csv', '--out', 'x'],
      "--format must be one of json, ion-text, ion-binary, got 'csv'",
    ],
    [
      ['--records', 'b', ...FULL, '--out', '/nonexistent-dir/x'],
      'cannot write /nonexistent-dir/x: its folder does not exist or is not writable',
    ],
  ])('is a usage error (exit 2): %j', async (argv, message) => {
    const r = await run(['export', ...argv]);
    expect(r.exit).toBe(2);
    expect(r.stderr).toBe(`tsbatch export: ${message}\nRun 'tsbatch export --help' for usage.\n`);
  });

  it('refuses a time that is not ISO 8601 with a zone (exit 2)', async () => {
    const r = await run([
      'export',
      '--records',
      'b.jsonl',
      '--start',
      '2024-05-01T00:00:00',
      '--end',
      '2024-05-01T01:00:00Z',
      '--out',
      outFile('x'),
    ]);
    expect(r.exit).toBe(2);
    expect(r.stderr).toMatch(
      /^tsbatch export: the start must be an ISO 8601 date-time with a zone.*got '2024-05-01T00:00:00' \[EXPORT_INVALID_TIME\]\n$/,
    );
  });
});

describe('tsbatch export --help', () => {
  it('teaches every flag, the formats, the rules, examples and exit codes', async () => {
    const r = await run(['export', '--help']);
    expect(r.exit).toBe(0);
    for (const text of [
      'Usage: tsbatch export [options]',
      '--data-dir DIR',
      '--endpoint-url URL',
      '--records FILE',
      '--database NAME',
      '--table NAME',
      '--start ISO8601',
      '--end ISO8601',
      '--format json|ion-text|ion-binary',
      '--out FILE',
      'DOUBLE as decimal',
      'a third is refused (exit 1)',
      'Examples:',
      '  0  the export is written',
      '  1  refused or failed, may succeed later',
      '  2  usage error',
    ]) {
      expect(r.stdout).toContain(text);
    }
    expect((await run(['--help'])).stdout).toMatch(
      /\n {2}export +Write the records of a table or of a dry run/,
    );
  });
});

/** `text` as a literal inside a RegExp. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
