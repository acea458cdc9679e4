/**
 * R-DUP-1 over records read from files: the duplicate index keeps a row's place instead of its record and reads
 * the row again to confirm a match. It must decide exactly as it does for records it stores whole (fast-check
 * prints the seed of a failure; pin one with FC_SEED=<seed>), and stop (DUPLICATES_SOURCE_CHANGED) rather than
 * guess when a file changed under it: there is no partial mode any more (R-DUP-1: exact at any size).
 */
import { statSync, utimesSync, writeFileSync } from 'node:fs';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { DuplicateIndex, ResolvedSource, ResolvedTask, TimestreamRecord } from '../../src/index.js';
import { compileTask, createDuplicateIndex, mapRows, readRows } from '../../src/index.js';
import { RecordKeyEncoder } from '../../src/checks/check-record-key.js';
import { PointTable } from '../../src/checks/point-table.js';
import { readStamp, type RecordStamp } from '../../src/map/record-source.js';
import { collect, fleetTask, FLEET_HEADER, sourceOf, mixedTask } from '../dry-run-fixtures.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

interface Row {
  line: number;
  records: TimestreamRecord[];
}

async function rowsOf(task: ResolvedTask, source: ResolvedSource): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of mapRows(readRows(source, task.csv), compileTask(task))) {
    for (const event of batch) if (event.type === 'records') rows.push(event);
  }
  return rows;
}

/** Points an unbounded index holds after the dry run's sink saw the rows. */
function createDuplicateIndexSize(rows: Row[]): number {
  const index = createDuplicateIndex();
  conflicts(index, rows);
  return index.size;
}

/** The dry run's sink: a row is stored when none of its records conflicts; the lines of the rows that conflict. */
function conflicts(index: DuplicateIndex, rows: Row[]): number[] {
  const lines: number[] = [];
  for (const row of rows) {
    if (row.records.some((r) => index.check(r) !== null)) lines.push(row.line);
    else for (const r of row.records) index.add(r);
  }
  return lines;
}

describe('duplicates of rows read from files (R-DUP-1)', () => {
  it('finds the same conflicts from rows read again as from records kept whole, whatever the hashes (property)', async () => {
    const row = fc.record({
      time: fc.constantFrom('1714521600', '01714521600', '1714521601'),
      vehicle: fc.constantFrom('v1', 'v2', '"v,1"'),
      speed: fc.constantFrom('1', '1.0', '2'),
      miles: fc.constantFrom('7', '+7', '8'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 25 }), fc.nat(25), async (specs, split) => {
        const lines = specs.map((s) => `${s.time},${s.vehicle},r,1,${s.speed},1,${s.miles}`);
        const cut = split % lines.length;
        const files = {
          'a.csv': [FLEET_HEADER, ...lines.slice(0, cut)].join('\n'),
          'b.csv': `${[FLEET_HEADER, ...lines.slice(cut)].join('\r\n')}\r\n`,
        };
        for (const task of [fleetTask(), mixedTask()]) {
          const rows = await rowsOf(task, sourceOf(files));
          const whole = rows.map((r) => ({ line: r.line, records: structuredClone(r.records) }));
          const expected = conflicts(createDuplicateIndex(), whole);
          expect(conflicts(createDuplicateIndex(), rows)).toEqual(expected);
          const colliding = new PointTable(1_000_000, 0);
          expect(conflicts(colliding, rows)).toEqual(expected);
          expect(colliding.size).toBe(createDuplicateIndexSize(whole));
        }
      }),
      { ...fcOptions, numRuns: 60 },
    );
  });

  it('decides the same from key hashes and row places (checkRow/addRow, parallel reading) as from records, even when every hash collides (property)', async () => {
    const row = fc.record({
      time: fc.constantFrom('1714521600', '01714521600', '1714521601'),
      vehicle: fc.constantFrom('v1', 'v2', '"v,1"'),
      speed: fc.constantFrom('1', '1.0', '2'),
      miles: fc.constantFrom('7', '+7', '8'),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 30 }),
        fc.constantFrom(-1, 0, 3),
        async (specs, mask) => {
          const lines = specs.map((s) => `${s.time},${s.vehicle},r,1,${s.speed},1,${s.miles}`);
          for (const task of [fleetTask(), mixedTask()]) {
            const rows = await rowsOf(task, sourceOf({ 'a.csv': [FLEET_HEADER, ...lines].join('\n') }));
            const expected = conflicts(new PointTable(1_000_000, mask), rows);
            // The worker's side: a hash per record from another encoder; the main thread's: the row's place.
            const encoder = new RecordKeyEncoder();
            const table = new PointTable(1_000_000, mask);
            const stamp: RecordStamp = { source: null, offset: 0, bytes: 0, index: 0 };
            const byHash: number[] = [];
            for (const r of rows) {
              const hashes = r.records.map((record) => {
                encoder.keyHash(record);
                return [encoder.keyHashValue, encoder.keyHashHigh] as const;
              });
              const place = (
                i: number,
              ): [number, number, NonNullable<RecordStamp['source']>, number, number, number] => {
                expect(readStamp(r.records[i]!, stamp)).toBe(true);
                return [hashes[i]![0], hashes[i]![1], stamp.source!, stamp.offset, stamp.bytes, stamp.index];
              };
              if (r.records.some((_, i) => table.checkRow(...place(i)) !== null)) byHash.push(r.line);
              else r.records.forEach((_, i) => table.addRow(...place(i)));
            }
            expect(byHash).toEqual(expected);
          }
        },
      ),
      { ...fcOptions, numRuns: 60 },
    );
  });

  it('keeps only the place of a record read from a file, and of each record of a row', async () => {
    const line = '1714521600,v1,r,1,2.5,1,7\n';
    const rows = await rowsOf(mixedTask(), sourceOf({ 'a.csv': `${FLEET_HEADER}\n${line}` }));
    const stamp: RecordStamp = { source: null, offset: 0, bytes: 0, index: 0 };
    const places = rows[0]!.records.map((r) =>
      readStamp(r, stamp) ? [stamp.offset, stamp.bytes, stamp.index] : null,
    );
    expect(places).toEqual([
      [FLEET_HEADER.length + 1, line.length, 0],
      [FLEET_HEADER.length + 1, line.length, 1],
    ]);
  });

  // This pinned `partial` before R-DUP-1 said "exact at any size": a check that cannot confirm now stops the run.
  it('stops with DUPLICATES_SOURCE_CHANGED instead of guessing when the file changed since its rows were read', async () => {
    const source = sourceOf({ 'a.csv': `${FLEET_HEADER}\n1714521600,v1,r,1,2.5,1,7\n` });
    const index = createDuplicateIndex();
    const [first] = await rowsOf(fleetTask(), source);
    index.add(first!.records[0]!);
    const path = source.files[0]!.path;
    writeFileSync(path, `${FLEET_HEADER}\n1714521600,v1,r,1,9.5,1,7\n`);
    const { mtime } = statSync(path);
    utimesSync(path, mtime, new Date(mtime.getTime() + 5000));
    const other = structuredClone(first!.records[0]!);
    other.MeasureValues![1]!.Value = '9.5';
    expect(() => index.check(other)).toThrow(expect.objectContaining({ code: 'DUPLICATES_SOURCE_CHANGED' }));
  });

  it('reports a repeat across files with other values, and accepts an identical one, in a dry run', async () => {
    const row = '1714521600,Truck-1,TX-1A2B3C,4266.8,30.6,14.76,1000';
    const { result, rejects } = await collect(
      fleetTask(),
      sourceOf({
        'a.csv': `${FLEET_HEADER}\n${row}\n`,
        'b.csv': `${FLEET_HEADER}\n${row}\n${row.replace('1000', '1001')}\n`,
      }),
    );
    expect(result.progress).toMatchObject({ RecordsIngested: 2, RecordIngestionFailures: 1 });
    expect(rejects.map((r) => [r.file, r.line, r.code])).toEqual([['b.csv', 3, 'RECORD_VERSION_CONFLICT']]);
    // The check is exact (no partial mode): the only warning is the unchecked time window (no table given).
    expect(result.warnings.filter((w) => w.code !== 'TIME_WINDOW_NOT_CHECKED')).toEqual([]);
  });
});
