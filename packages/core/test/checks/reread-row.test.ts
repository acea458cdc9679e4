/**
 * Reading a row again (R-DUP-1): the reader tells where each row's bytes are, and those bytes alone read back to
 * the same cells (fast-check prints the seed of a failure; pin one with FC_SEED=<seed>); mapRows stamps records
 * with that place without changing how they look.
 */
import { statSync, utimesSync, writeFileSync } from 'node:fs';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { ResolvedCsvOptions, SourceEvent, TimestreamRecord } from '../../src/index.js';
import { compileTask, mapRows, readRows } from '../../src/index.js';
import { readStamp, stampRecord, type RecordStamp, type RowSource } from '../../src/map/record-source.js';
import { parseRowBytes, RowRereader } from '../../src/checks/reread-row.js';
import { fleetTask, FLEET_HEADER, sourceOf } from '../dry-run-fixtures.js';
import { bytes, collect, CSV, splitAt } from '../read-rows-helpers.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

const csvOptions: fc.Arbitrary<ResolvedCsvOptions> = fc.record({
  columnSeparator: fc.constantFrom(',', '|', ';', '\t', ' '),
  quoteChar: fc.constantFrom('"', "'"),
  escapeChar: fc.constantFrom(null, '\\'),
  nullValue: fc.constant(null),
  trimWhiteSpace: fc.boolean(),
});

const token = fc.constantFrom('"', '""', "'", ',', ';', '|', '\t', ' ', '\n', '\r\n', '\r', '\\', 'a', 'é');
const cell = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('1', 'abc', ' x ', '', 'é😀', 'a-much-longer-cell-than-twelve') },
  { weight: 1, arbitrary: fc.array(token, { maxLength: 4 }).map((tokens) => tokens.join('')) },
);

/** Lines of two cells joined by the task's separator (mostly whole rows; some cells hold hostile bytes). */
function body(csv: ResolvedCsvOptions): fc.Arbitrary<string> {
  const line = fc.tuple(cell, cell).map(([a, b]) => `${a}${csv.columnSeparator}${b}`);
  return fc
    .array(fc.tuple(line, fc.constantFrom('\n', '\r\n')), { maxLength: 12 })
    .map((lines) => lines.map(([l, end]) => l + end).join(''));
}

type RowEvent = Extract<SourceEvent, { type: 'row' }>;

describe('row offsets (R-DUP-1, R-CSV-1)', () => {
  it('gives each row the bytes that read back alone to its cells, in file order, however the bytes are split', async () => {
    await fc.assert(
      fc.asyncProperty(
        csvOptions.chain((csv) => fc.tuple(fc.constant(csv), body(csv))),
        fc.array(fc.nat(200), { maxLength: 5 }),
        async ([csv, text], cuts) => {
          const input = bytes(`h1${csv.columnSeparator}h2\n${text}`);
          const events = await collect(splitAt(input, cuts), csv);
          const start = events[0];
          if (start?.type !== 'file-start') return;
          let end = 0;
          for (const row of events.filter((e): e is RowEvent => e.type === 'row')) {
            const { offset, bytes: length } = row;
            expect(offset).toBeGreaterThanOrEqual(end);
            end = offset! + length!;
            expect(end).toBeLessThanOrEqual(input.length);
            const slice = Buffer.from(input.subarray(offset, end));
            if (end < input.length) expect(slice[slice.length - 1]).toBe(10);
            expect(parseRowBytes(slice, start.header.length, csv)).toEqual(row.cells);
          }
        },
      ),
      { ...fcOptions, numRuns: 400 },
    );
  });

  it('counts blank lines before a row out of its bytes, and its CRLF in (R-CSV-4)', async () => {
    const rows = (await collect('a,b\n\n\r\n1,2\r\n3,4')).filter((e): e is RowEvent => e.type === 'row');
    expect(rows.map((r) => [r.line, r.offset, r.bytes])).toEqual([
      [4, 7, 5],
      [5, 12, 3],
    ]);
  });

  it('gives no offsets when the file is decoded from another encoding (R-CSV-2)', async () => {
    const rows = (await collect('a,b\n1,2\n', {}, { encoding: 'latin1' })).filter((e) => e.type === 'row');
    expect(rows).toEqual([{ type: 'row', file: 'data/f.csv', line: 2, lastLine: 2, cells: ['1', '2'] }]);
  });
});

describe('parseRowBytes (R-DUP-1)', () => {
  it('reads a plain row by its separators, with or without CR, and a quoted or trimmed one as the reader does', () => {
    expect(parseRowBytes(Buffer.from('1,a,\r\n'), 3, CSV)).toEqual(['1', 'a', '']);
    expect(parseRowBytes(Buffer.from('1,a\r'), 2, CSV)).toEqual(['1', 'a\r']);
    expect(parseRowBytes(Buffer.from('"x,\ny",z\n'), 2, CSV)).toEqual(['x,\ny', 'z']);
    expect(parseRowBytes(Buffer.from(' x , y \n'), 2, { ...CSV, trimWhiteSpace: true })).toEqual(['x', 'y']);
  });

  it('reads nothing from bytes that are not exactly one row of the header width', () => {
    expect(parseRowBytes(Buffer.from('1,2\n3,4\n'), 2, CSV)).toBeNull();
    expect(parseRowBytes(Buffer.from('1,2,3\n'), 2, CSV)).toBeNull();
    expect(parseRowBytes(Buffer.from('"1,2\n'), 2, CSV)).toBeNull();
  });
});

describe('RowRereader (R-DUP-1)', () => {
  const lines = [
    FLEET_HEADER,
    '1714521600,Truck-1,TX-1,4266.8,30.6,14.76,1000',
    '1714521900,Truck-2,TX-2,1,2,3,4',
  ];

  async function readFile(content: string): Promise<{ path: string; records: TimestreamRecord[] }> {
    const task = fleetTask();
    const source = sourceOf({ 'a.csv': content });
    const records: TimestreamRecord[] = [];
    for await (const batch of mapRows(readRows(source, task.csv), compileTask(task))) {
      for (const event of batch) if (event.type === 'records') records.push(...event.records);
    }
    return { path: source.files[0]!.path, records };
  }

  it('reads a stamped record back from its row, equal to it', async () => {
    const { records } = await readFile(`${lines.join('\n')}\n`);
    const stamp: RecordStamp = { source: null, offset: 0, bytes: 0, index: 0 };
    const reader = new RowRereader();
    for (const record of records) {
      expect(readStamp(record, stamp)).toBe(true);
      expect(reader.record(stamp.source!, stamp.offset, stamp.bytes, stamp.index)).toEqual(record);
    }
    expect(stamp.offset).toBe(FLEET_HEADER.length + 1 + lines[1]!.length + 1);
  });

  it('reads nothing once the file changed since it was read', async () => {
    const { path, records } = await readFile(`${lines.join('\n')}\n`);
    const stamp: RecordStamp = { source: null, offset: 0, bytes: 0, index: 0 };
    readStamp(records[0]!, stamp);
    writeFileSync(path, `${lines.join('\n').replace('4266.8', '4266.9')}\n`); // same size
    const { mtime } = statSync(path);
    utimesSync(path, mtime, new Date(mtime.getTime() + 5000));
    expect(new RowRereader().record(stamp.source!, stamp.offset, stamp.bytes, stamp.index)).toBeNull();
  });
});

describe('record stamps (R-DUP-1)', () => {
  it('leave the record as it was to JSON, keys, spread, clones and deep equality', () => {
    const plain = { MeasureName: 'm', Time: '1', Version: 1 };
    const record = { MeasureName: 'm', Time: '1', Version: 1 };
    const source = { size: 5 } as unknown as RowSource; // a stand-in: only its identity is stamped
    stampRecord(record, source, 10, 5, 2);
    stampRecord(record, source, 99, 9, 9); // a second stamp is ignored
    expect(record).toEqual(plain);
    expect(JSON.stringify(record)).toBe(JSON.stringify(plain));
    expect(Reflect.ownKeys(record)).toEqual(Object.keys(plain));
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    const out: RecordStamp = { source: null, offset: 0, bytes: 0, index: 0 };
    expect(readStamp(record, out)).toBe(true);
    expect(out).toEqual({ source, offset: 10, bytes: 5, index: 2 });
    expect(readStamp({ ...record }, out)).toBe(false);
    expect(readStamp(structuredClone(record), out)).toBe(false);
  });
});
