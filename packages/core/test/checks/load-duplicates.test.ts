/**
 * R-DUP-1 exact at any size: the load's duplicate check gives, for any in-memory budget, the verdicts of a check
 * that keeps every key in memory, record by record, in order: conflicts and their reasons (lower version, same
 * version), idempotent repeats, higher versions that update a point, rows whose limit or window failure keeps them
 * out, and mixed-model rows (several records, stored only when none conflicts, whose records land in different
 * partitions). Run the way the engine runs it: check every record of a row, add a stored row's records, and once
 * the table is full hand the rest of the load to the spill. fast-check prints the seed; pin it with FC_SEED=<seed>.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { FLAG_MULTI, FLAG_PREFAIL } from '../../src/checks/duplicate-spill.js';
import { LoadDuplicates } from '../../src/checks/load-duplicates.js';
import type { TimestreamRecord } from '../../src/index.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

interface Row {
  records: TimestreamRecord[];
  /** A limit or window failure in the row: it is never stored. */
  prefail: boolean;
}

type Verdict = { reason: string; detail: string } | null;

/** Drives the check as runLoad does; returns every record's verdict, row by row. */
async function verdicts(
  rows: readonly Row[],
  budget: number,
  mask = -1,
  tempDir?: string,
): Promise<Verdict[][]> {
  const duplicates = new LoadDuplicates(
    { maxDuplicateKeys: budget, ...(tempDir !== undefined && { tempDir }) },
    mask,
  );
  const out: Verdict[][] = [];
  try {
    for (let k = 0; k < rows.length; k++) {
      if (duplicates.full) {
        const spill = duplicates.startSpill(rows.length - k);
        for (const row of rows.slice(k)) {
          const flags = (row.prefail ? FLAG_PREFAIL : 0) | (row.records.length > 1 ? FLAG_MULTI : 0);
          row.records.forEach((record, i) => spill.addRecord(record, i, flags));
        }
        await duplicates.resolve();
      }
      const row = rows[k]!;
      const found = row.records.map((record) => duplicates.check(record));
      out.push(found.map((f) => (f === null ? null : { reason: f.reason, detail: f.detail })));
      if (!row.prefail && found.every((f) => f === null))
        for (const record of row.records) duplicates.add(record);
    }
  } finally {
    duplicates.close();
  }
  return out;
}

function record(spec: {
  dims: [string, string][];
  name: string;
  time: string;
  value: string;
  version: number;
  multi: boolean;
}): TimestreamRecord {
  const base = {
    Dimensions: spec.dims.map(([Name, Value]) => ({ Name, Value, DimensionValueType: 'VARCHAR' as const })),
    MeasureName: spec.name,
    Time: spec.time,
    TimeUnit: 'MILLISECONDS' as const,
    Version: spec.version,
  };
  if (!spec.multi) return { ...base, MeasureValue: spec.value, MeasureValueType: 'DOUBLE' };
  return {
    ...base,
    MeasureValueType: 'MULTI',
    MeasureValues: [
      { Name: 'b', Value: 'x', Type: 'VARCHAR' },
      { Name: 'a', Value: spec.value, Type: 'DOUBLE' },
    ],
  };
}

/** A small key space, so that points repeat far apart; values and versions that collide often. */
const recordSpec = fc.record({
  dims: fc
    .uniqueArray(
      fc.tuple(fc.constantFrom('host', 'zone', 'rack'), fc.constantFrom('1', '2', 'é', '\u0100')),
      {
        minLength: 1,
        maxLength: 3,
        selector: ([name]) => name,
      },
    )
    .chain((dims) => fc.shuffledSubarray(dims, { minLength: dims.length, maxLength: dims.length })),
  name: fc.constantFrom('cpu', 'mem'),
  time: fc.constantFrom('5', '05', '6', '7'),
  value: fc.constantFrom('1', '1.0', '2', '3'),
  version: fc.integer({ min: 1, max: 3 }),
  multi: fc.boolean(),
});

/** Eight points only: repeats, conflicts and mixed-model rows that depend on each other are the rule. */
const smallSpec = fc.record({
  dims: fc.constantFrom<[string, string][]>([['host', '1']], [['host', '2']]),
  name: fc.constantFrom('cpu', 'mem'),
  time: fc.constantFrom('5', '6'),
  value: fc.constantFrom('1', '1.0', '2'),
  version: fc.integer({ min: 1, max: 2 }),
  multi: fc.constant(false),
});

const rowOf = (spec: fc.Arbitrary<Parameters<typeof record>[0]>) =>
  fc.record({
    records: fc.array(spec, { minLength: 1, maxLength: 3 }),
    prefail: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
  });
const rowSpec = fc.oneof(rowOf(recordSpec), rowOf(smallSpec));

describe('LoadDuplicates: the same verdicts for any in-memory budget (R-DUP-1)', () => {
  it('gives every record the verdict of the unbounded check, whatever the budget and the rows (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowSpec, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 12 }),
        async (specs, budget) => {
          const rows = specs.map((s) => ({ records: s.records.map(record), prefail: s.prefail }));
          const expected = await verdicts(rows, 1_000_000);
          expect(await verdicts(rows, budget)).toEqual(expected);
        },
      ),
      { ...fcOptions, numRuns: 150 },
    );
  });

  it('never decides on a hash: with every key hashing alike on disk too, the verdicts are the same (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowSpec, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 6 }),
        async (specs, budget) => {
          const rows = specs.map((s) => ({ records: s.records.map(record), prefail: s.prefail }));
          const expected = await verdicts(rows, 1_000_000);
          expect(await verdicts(rows, budget, 0)).toEqual(expected);
        },
      ),
      { ...fcOptions, numRuns: 60 },
    );
  });

  it('decides a mixed-model row refused through a record in another partition before a later record meets its other record', async () => {
    const r = (name: string, value: string): TimestreamRecord =>
      record({ dims: [['host', '1']], name, time: '5', value, version: 1, multi: false });
    const rows: Row[] = [
      { records: [r('cpu', '1')], prefail: false },
      // Conflicts on cpu: the row is refused, so its mem record is not stored...
      { records: [r('cpu', '2'), r('mem', '7')], prefail: false },
      // ...and this mem record is new, not a conflict with 7.
      { records: [r('mem', '8')], prefail: false },
      { records: [r('mem', '9')], prefail: false },
    ];
    const expected = await verdicts(rows, 1_000_000);
    expect(expected.map((v) => v.map((x) => x !== null))).toEqual([[false], [true, false], [false], [true]]);
    for (const budget of [1, 2, 3]) expect(await verdicts(rows, budget)).toEqual(expected);
  });

  it('says why: the same version, or a lower one with the version stored, from disk as from memory', async () => {
    const r = (value: string, version: number): TimestreamRecord =>
      record({ dims: [['host', '1']], name: 'cpu', time: '5', value, version, multi: false });
    const filler = Array.from({ length: 5 }, (_, i): Row => ({
      records: [
        record({ dims: [['host', `f${i}`]], name: 'cpu', time: '5', value: '1', version: 1, multi: false }),
      ],
      prefail: false,
    }));
    const rows: Row[] = [
      { records: [r('1', 2)], prefail: false },
      ...filler,
      { records: [r('2', 2)], prefail: false },
      { records: [r('2', 1)], prefail: false },
      { records: [r('1', 1)], prefail: false },
      { records: [r('3', 3)], prefail: false },
      { records: [r('1', 3)], prefail: false },
    ];
    const found = await verdicts(rows, 2);
    expect(found).toEqual(await verdicts(rows, 1_000_000));
    expect(found.slice(6).map((v) => v[0]?.reason ?? null)).toEqual([
      'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value.',
      'The record version 1 is lower than the existing version 2. A higher version is required to update the measure value.',
      null,
      null,
      'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value.',
    ]);
  });

  it('removes its temporary files when it is done, and when the load fails or stops half-way', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-dup-test-'));
    const rows: Row[] = Array.from({ length: 50 }, (_, i) => ({
      records: [
        record({
          dims: [['host', String(i % 20)]],
          name: 'cpu',
          time: '5',
          value: String(i % 3),
          version: 1,
          multi: false,
        }),
      ],
      prefail: false,
    }));
    let seen = false;
    const check = new LoadDuplicates({
      maxDuplicateKeys: 4,
      tempDir: dir,
      onDuplicateSpill: () => void (seen = true),
    });
    for (const row of rows.slice(0, 10)) row.records.forEach((r) => check.add(r));
    const spill = check.startSpill(40);
    for (const row of rows.slice(10)) spill.addRecord(row.records[0]!, 0, 0);
    expect(readdirSync(dir)).toHaveLength(1);
    // A load that stops before resolving (an error, an abort) closes the check all the same.
    check.close();
    expect(readdirSync(dir)).toEqual([]);
    expect(seen).toBe(true);
    await verdicts(rows, 3, -1, dir);
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true });
  });
});
