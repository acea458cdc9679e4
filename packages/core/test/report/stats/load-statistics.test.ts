/**
 * The report's statistics (issue 19) gathered in the dry run's pass: their values on the fleet example with errors,
 * and the same statistics from the parallel reading (byte ranges replayed in file order) as from the sequential run,
 * whatever the range size, on clean and hostile files.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  dryRun,
  dryRunInRanges,
  runRangeJob,
  type DryRunOptions,
  type ResolvedSource,
  type ResolvedTask,
} from '../../../src/index.js';
import { RecordKeyEncoder } from '../../../src/checks/check-record-key.js';
import { ContentStats } from '../../../src/report/stats/content-stats.js';
import { simpleTime, simpleTimeMs, simpleTimeMsIn } from '../../../src/load/kernel-cells.js';
import { MAX_TIME_DIGITS } from '../../../src/map/map-time.js';
import { recordTimeMs, timeDigitsMs, unitMs } from '../../../src/report/stats/record-time.js';
import type { TimestreamRecord } from '../../../src/map/record.js';
import { FLEET_HEADER, fleetTask, mixedTask, sourceOf } from '../../dry-run-fixtures.js';
import { ROOT } from '../../fuzz-helpers.js';

const NOW = new Date('2024-05-01T01:30:00Z');
const FLEET_TABLE = {
  memoryStoreRetentionPeriodInHours: 1,
  magneticStoreRetentionPeriodInDays: 3650,
  enableMagneticStoreWrites: true,
};

async function both(
  task: ResolvedTask,
  source: ResolvedSource,
  rangeBytes: number,
  options: DryRunOptions = {},
) {
  const base = { now: NOW, table: FLEET_TABLE, statistics: true, ...options };
  const sequential = await dryRun(task, source, base);
  const ranged = await dryRunInRanges(task, source, (job) => runRangeJob(structuredClone(job)), {
    ...base,
    rangeBytes,
    inFlight: 3,
  });
  return { sequential, ranged };
}

const withErrors = (): ResolvedSource =>
  sourceOf({
    'sample.csv': readFileSync(
      path.join(ROOT, 'examples/fleet/s3-with-errors/test-batch-load-west-2/sample.csv'),
    ),
  });

describe('dry-run statistics (issue 19)', () => {
  it('on the fleet example with errors: failures along the file, times against the window, nulls and invalid cells', async () => {
    const result = await dryRun(fleetTask(), withErrors(), {
      now: NOW,
      table: FLEET_TABLE,
      statistics: true,
    });
    const stats = result.statistics!;
    const p = result.progress;
    // 14 rows: 4 parse failures (lines 4, 5, 7, 9), 2 ingestion failures (11: window, 15: version conflict).
    expect(stats.rowsMapped).toBe(p.RecordsIngested + p.RecordIngestionFailures);
    expect(stats.files).toHaveLength(1);
    const lines = stats.files[0]!.lines;
    const sum = (series: number): number => lines.counts[series]!.reduce((a, b) => a + b, 0);
    expect([sum(0), sum(1)]).toEqual([p.ParseFailures, p.RecordIngestionFailures]);
    expect(stats.files[0]!.lastLine).toBe(15);
    expect(lines.width).toBe(1); // 15 lines fit in single-line buckets
    const at = (line: number, series: number): number => lines.counts[series]![line - lines.first] ?? 0;
    expect([4, 5, 7, 9].map((line) => at(line, 0))).toEqual([1, 1, 1, 1]);
    expect([at(11, 1), at(15, 1), at(6, 0), at(6, 1)]).toEqual([1, 1, 0, 0]);
    // Rows by time: ingested and refused, on the same buckets.
    const total = (series: number): number => stats.times!.counts[series]!.reduce((a, b) => a + b, 0);
    expect([total(0), total(1)]).toEqual([p.RecordsIngested, p.RecordIngestionFailures]);
    // R-WIN-1: line 11 (2025-06-05) is after the window; every other mapped row is inside it.
    expect(stats.window).toEqual({
      from: Date.parse(result.window!.from),
      to: Date.parse(result.window!.to),
      before: 0,
      inside: stats.rowsMapped - 1,
      after: 1,
    });
    expect(stats.times!.max).toBe(1749081600_000);
    expect(stats.times!.min).toBe(1714521600_000);
    const wgt = stats.columns.find((c) => c.column === 'wgt')!;
    expect(wgt).toMatchObject({ role: 'measure', nulls: 0, invalid: { VALUE_INVALID: 2 } });
    expect(stats.columns.find((c) => c.column === 'timestamp')).toMatchObject({
      role: 'time',
      invalid: { TIME_INVALID: 1 },
    });
    const vehicle = stats.dimensions.find((d) => d.name === 'vehicle')!;
    expect(vehicle).toMatchObject({ column: 'vehicle', distinct: 4, exact: true, nulls: 0 });
    // Truck-1 on lines 2, 6, 10, 13 and 15 (the version conflict counts: it mapped).
    expect(vehicle.top[0]).toEqual({ value: 'Truck-1', count: 5 });
    expect(stats.series).toEqual({ count: 4, exact: true });
  });

  it('counts null dimensions and attributes left out of the records (R-DIM-1, R-MEAS-2)', async () => {
    const source = sourceOf({
      'n.csv': `${FLEET_HEADER}\n1714521600,a,,1,,3,4\n1714521601,,r,1,2,3,\n1714521602,a,r,1,2,3,4\n`,
    });
    const { statistics } = await dryRun(fleetTask(), source, { now: NOW, statistics: true });
    const nulls = Object.fromEntries(statistics!.columns.map((c) => [c.column, c.nulls]));
    expect(nulls).toEqual({
      timestamp: 0,
      vehicle: 1,
      registration: 1,
      wgt: 0,
      spd: 1,
      fuel_consumption: 0,
      miles: 1,
    });
    // Series: {a}, {r}, {a, r} with the one measure name.
    expect(statistics!.series).toEqual({ count: 3, exact: true });
    expect(statistics!.window).toBeNull();
  });

  it('are the same from byte ranges as from the sequential run, on clean and hostile files', async () => {
    const T0 = 1714521600;
    const rows = Array.from(
      { length: 300 },
      (_, i) =>
        `${T0 + (i % 40) * 997},truck-${i % 7},"REG\n${i % 5}",${i % 13 === 0 ? 'x' : i},${i % 90}.5,,${i * 3}`,
    );
    rows.push(`${T0},truck-0,"REG\n0",1,2.5,3,4`, 'broken,"row', `${T0 + 9e7},late,r,1,1,1,1`);
    const source = sourceOf({
      'a.csv': `${FLEET_HEADER}\n${rows.join('\n')}\n`,
      'b.csv': `${FLEET_HEADER}\r\n${rows.slice(0, 50).join('\r\n')}`,
      'c.csv': '\uFEFFbom',
    });
    for (const rangeBytes of [50, 700, 1 << 20]) {
      const { sequential, ranged } = await both(fleetTask(), source, rangeBytes);
      expect(sequential.statistics).toBeDefined();
      expect(ranged.statistics).toEqual(sequential.statistics);
      expect(ranged.progress).toEqual(sequential.progress);
    }
  });

  it('are the same when the duplicate check spills to disk, on one thread and in ranges (R-DUP-1)', async () => {
    const T0 = 1714521600;
    const row = (i: number, weight: number | string): string =>
      `${T0 + i},truck-${i % 7},REG-${i % 3},${weight},1.5,2,${i}`;
    // Far past a 40-key budget: conflicts (same point, other weight) within a file and across files, a row after
    // the window, and parse failures, so that rows of every fate are replayed after the keys are resolved.
    const a = Array.from({ length: 400 }, (_, i) => row(i, i));
    a.push(row(5, 999), `${T0 + 9e7},late,r,1,1,1,1`, row(300, 'x'), row(350, 350));
    const b = Array.from({ length: 200 }, (_, i) => row(400 + i, 400 + i));
    b.push(row(17, 1.25), row(410, 410.5), 'broken,"row');
    const source = sourceOf({
      'a.csv': `${FLEET_HEADER}\n${a.join('\n')}\n`,
      'b.csv': `${FLEET_HEADER}\n${b.join('\n')}\n`,
    });
    const unbounded = await dryRun(fleetTask(), source, {
      now: NOW,
      table: FLEET_TABLE,
      statistics: true,
      maxDuplicateKeys: 10_000_000,
    });
    const p = unbounded.progress;
    expect(p).toMatchObject({ RecordIngestionFailures: 4, ParseFailures: 2 });
    const lines = (file: number, series: number): number =>
      unbounded.statistics!.files[file]!.lines.counts[series]!.reduce((x, y) => x + y, 0);
    expect(lines(0, 1) + lines(1, 1)).toBe(p.RecordIngestionFailures);
    for (const rangeBytes of [600, 1 << 20]) {
      const spills: string[] = [];
      const { sequential, ranged } = await both(fleetTask(), source, rangeBytes, {
        maxDuplicateKeys: 40,
        onDuplicateSpill: (e) => void spills.push(e.type),
      });
      // Both runs went to disk, and each row's fate was told to the statistics once, in file order.
      expect(spills.filter((t) => t === 'spill-end')).toHaveLength(2);
      expect(sequential.statistics).toEqual(unbounded.statistics);
      expect(ranged.statistics).toEqual(unbounded.statistics);
      expect(ranged.progress).toEqual(p);
    }
  });

  it('are the same when the duplicate check spills, for mixed-model rows refused by a conflict of any record (R-DUP-1)', async () => {
    const T0 = 1714521600;
    const H = 3600;
    // Points an hour apart in the window (rows in their own time buckets), then rows refused from disk: by their
    // first record (speed), by their second only (miles), by both, and rows after the window.
    const lines = [FLEET_HEADER];
    for (let i = 0; i < 60; i++) lines.push(`${T0 - i * H},v${i % 3},R,1,${i},2,${i}`);
    lines.push(`${T0 - 7 * H},v1,R,1,70.5,2,7`, `${T0 - 20 * H},v2,R,1,20,2,99`);
    lines.push(`${T0 - 41 * H},v2,R,1,0.5,2,0`, `${T0 - 50 * H},v2,R,1,50.5,2,51`);
    lines.push(`${T0 + 9e7},v0,R,1,1,2,1`, `${T0 + 9e7},v0,R,1,2,2,1`);
    const source = sourceOf({ 'a.csv': `${lines.join('\n')}\n` });
    const unbounded = await dryRun(mixedTask(), source, {
      now: NOW,
      table: FLEET_TABLE,
      statistics: true,
      maxDuplicateKeys: 10_000_000,
    });
    expect(unbounded.progress).toMatchObject({ RecordIngestionFailures: 6, ParseFailures: 0 });
    const refused = unbounded.statistics!.times!.counts[1]!.reduce((a, b) => a + b, 0);
    expect(refused).toBe(6);
    for (const rangeBytes of [100, 1 << 20]) {
      const spills: string[] = [];
      const { sequential, ranged } = await both(mixedTask(), source, rangeBytes, {
        maxDuplicateKeys: 4,
        onDuplicateSpill: (e) => void spills.push(e.type),
      });
      expect(spills.filter((t) => t === 'spill-end')).toHaveLength(2);
      expect(sequential.statistics).toEqual(unbounded.statistics);
      expect(ranged.statistics).toEqual(unbounded.statistics);
      expect(ranged.progress).toEqual(unbounded.progress);
    }
  });

  it('leaves the result without statistics unless asked', async () => {
    const result = await dryRun(fleetTask(), withErrors(), { now: NOW });
    expect(result.statistics).toBeUndefined();
  });
});

describe('content statistics past their exact bounds', () => {
  const rows = (n: number, names: number) =>
    Array.from({ length: n }, (_, i) => [
      {
        Dimensions: [
          { Name: 'vehicle', Value: `v${i % 300}`, DimensionValueType: 'VARCHAR' as const },
          { Name: 'license', Value: `r${i % 7}`, DimensionValueType: 'VARCHAR' as const },
        ],
        MeasureName: `m${i % names}`,
        MeasureValues: [{ Name: 'weight', Value: '1', Type: 'DOUBLE' as const }],
        MeasureValueType: 'MULTI' as const,
        Time: String(1714521600 + i),
        TimeUnit: 'SECONDS' as const,
        Version: 1,
      },
    ]);

  it('estimates series and keeps the Misra-Gries bound once the combinations overflow, alone and merged', () => {
    const data = rows(5000, 1);
    const alone = new ContentStats(fleetTask().model, null, 100);
    for (const r of data) alone.add(r);
    const parts = [
      new ContentStats(fleetTask().model, null, 100),
      new ContentStats(fleetTask().model, null, 100),
    ];
    data.forEach((r, i) => parts[i < 1700 ? 0 : 1]!.add(r));
    const merged = new ContentStats(fleetTask().model, null, 100);
    for (const p of parts) merged.merge(structuredClone(p.data()));
    // 300 vehicles x 7 licences, 2100 combinations over 5000 rows (lcm: every pair of i % 300, i % 7 appears).
    for (const s of [alone, merged]) {
      expect(s.seriesCount.exact).toBe(false);
      expect(Math.abs(s.seriesCount.count - 2100) / 2100).toBeLessThan(0.03);
      const v = s.dimensionSummary(1, 7);
      expect(v.top.map((t) => t.value).sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
      for (const t of v.top) expect(t.count).toBeLessThanOrEqual(Math.ceil(5000 / 7));
    }
    expect(merged.seriesCount).toEqual(alone.seriesCount); // the same HyperLogLog registers
  });

  it('counts series exactly with any number of measure names, and estimates past the bound', () => {
    const exact = new ContentStats(fleetTask().model);
    for (const r of rows(600, 31)) exact.add(r);
    expect(exact.seriesCount).toEqual({ count: 600, exact: true }); // lcm(300, 7, 31) > 600: every row its own series
    // Series are keyed by dimensions and measure name together: 40 names (past the 31 bits of a mask) stay exact.
    const many = new ContentStats(fleetTask().model);
    for (const r of rows(3000, 40)) many.add(r);
    expect(many.seriesCount).toEqual({ count: 3000, exact: true }); // lcm(300, 7, 40) = 8400
    // 3000 rows, each its own series, past a bound of 1000: an estimate within 3%.
    const past = new ContentStats(fleetTask().model, null, 1000);
    for (const r of rows(3000, 40)) past.add(r);
    expect(past.seriesCount.exact).toBe(false);
    expect(Math.abs(past.seriesCount.count - 3000) / 3000).toBeLessThan(0.03);
  });
});

describe("ContentStats.addCellsRow (the range job's row kernel, issue 19)", () => {
  it('counts a row from its cells (and addSpansRow from its spans) as add counts its record, exact and past the bound, in every unit', () => {
    for (const unit of ['SECONDS', 'MILLISECONDS', 'MICROSECONDS', 'NANOSECONDS'] as const) {
      const model = { ...fleetTask().model, timeUnit: unit };
      if (model.measures.kind !== 'multi') throw new Error('the fleet model is multi-measure');
      const attributes = model.measures.attributes;
      // Cells: time, then the dimensions, then the attributes; dimCells points at the dimensions in model order.
      const dimCells = Int32Array.from(model.dimensions, (_, i) => 1 + i);
      const encoder = new RecordKeyEncoder();
      for (const combosMax of [100_000, 100]) {
        const byRecord = new ContentStats(
          model,
          { from: 1714521600e3 + 1e6, to: 1714521600e3 + 4e6 },
          combosMax,
        );
        const byCells = new ContentStats(
          model,
          { from: 1714521600e3 + 1e6, to: 1714521600e3 + 4e6 },
          combosMax,
        );
        const bySpans = new ContentStats(
          model,
          { from: 1714521600e3 + 1e6, to: 1714521600e3 + 4e6 },
          combosMax,
        );
        const times = new Float64Array(1);
        const scale = { SECONDS: 1, MILLISECONDS: 1e3, MICROSECONDS: 1e6, NANOSECONDS: 1e9 }[unit];
        for (let i = 0; i < 5000; i++) {
          const time = String((1714521600 + i) * scale + (i % 7));
          const cells = [time, `v${i % 300}`, `r${i % 7}`, ...attributes.map((_, k) => String(i + k))];
          const record: TimestreamRecord = {
            Dimensions: model.dimensions.map((d, k) => ({
              Name: d.name,
              Value: cells[1 + k]!,
              DimensionValueType: 'VARCHAR' as const,
            })),
            MeasureName: 'mva_measure_name',
            MeasureValues: attributes.map((a, k) => ({ Name: a.name, Value: cells[3 + k]!, Type: a.type })),
            MeasureValueType: 'MULTI',
            Time: time,
            TimeUnit: unit,
            Version: 1,
          };
          byRecord.add([record]);
          encoder.keyHash(record);
          byCells.addCellsRow(cells, dimCells, encoder.seriesHash, encoder.seriesHashHigh);
          // The kernel reads the time with its check (simpleTimeMs); the range counts it at its end (addTimes).
          times[0] = simpleTimeMs(time, MAX_TIME_DIGITS[unit], unitMs(unit));
          expect(times[0]).toBe(recordTimeMs(record));
          byCells.addTimes(times, 0, 1);
          // Span mode (countSpans): the same row as spans of a line, after a prefix.
          const line = `#,${cells.join(',')}`;
          const spans = new Int32Array(2 * cells.length);
          for (let k = 0, at = 2; k < cells.length; at += cells[k]!.length + 1, k++) {
            spans[2 * k] = at;
            spans[2 * k + 1] = at + cells[k]!.length;
          }
          bySpans.addSpansRow(line, spans, dimCells, encoder.seriesHash, encoder.seriesHashHigh);
          times[0] = simpleTimeMsIn(line, spans[0]!, spans[1]!, MAX_TIME_DIGITS[unit], unitMs(unit));
          expect(times[0]).toBe(recordTimeMs(record));
          bySpans.addTimes(times, 0, 1);
        }
        expect(byCells.data()).toEqual(byRecord.data());
        expect(bySpans.data()).toEqual(byRecord.data());
        expect(bySpans.seriesCount).toEqual(byCells.seriesCount);
        expect(byCells.seriesCount.exact).toBe(combosMax === 100_000);
      }
    }
  });
});

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

describe('content statistics against a Map of the rows (the hand-written series table)', () => {
  /**
   * A row of the fleet model: vehicle and licence each null (left out, R-DIM-1) or a value from a small set; one to
   * three records with distinct measure names (as a mixed model's row: several series, one row).
   */
  const row = fc.record({
    vehicle: fc.option(fc.constantFrom('v1', 'v2', 'v12', 'v', 'ab', 'a', ''), { nil: null }),
    license: fc.option(fc.constantFrom('r1', 'c', 'bc', 'b', 'v1', '\u00e9\u4e00'), { nil: null }),
    names: fc.uniqueArray(fc.constantFrom('m0', 'm1', 'm2'), { minLength: 1, maxLength: 3 }),
    time: fc.integer({ min: 0, max: 4_000_000_000 }),
  });
  const recordsOf = (r: {
    vehicle: string | null;
    license: string | null;
    names: string[];
    time: number;
  }): TimestreamRecord[] => {
    const dims: TimestreamRecord['Dimensions'] = [];
    if (r.vehicle !== null) dims.push({ Name: 'vehicle', Value: r.vehicle, DimensionValueType: 'VARCHAR' });
    if (r.license !== null) dims.push({ Name: 'license', Value: r.license, DimensionValueType: 'VARCHAR' });
    return r.names.map((name) => ({
      Dimensions: dims,
      MeasureName: name,
      MeasureValues: [{ Name: 'weight', Value: '1', Type: 'DOUBLE' }],
      MeasureValueType: 'MULTI',
      Time: String(r.time),
      TimeUnit: 'SECONDS',
      Version: 1,
    }));
  };

  it('top values, distinct counts, nulls and the series count are exact, alone and merged from any split', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 300 }), fc.nat(), (rows, cut) => {
        const alone = new ContentStats(fleetTask().model);
        const parts = [new ContentStats(fleetTask().model), new ContentStats(fleetTask().model)];
        const at = rows.length === 0 ? 0 : cut % (rows.length + 1);
        rows.forEach((r, i) => {
          alone.add(recordsOf(r));
          parts[i < at ? 0 : 1]!.add(recordsOf(r));
        });
        const merged = new ContentStats(fleetTask().model);
        for (const p of parts) merged.merge(structuredClone(p.data()));
        const series = new Set(
          rows.flatMap((r) => r.names.map((name) => JSON.stringify([r.vehicle, r.license, name]))),
        );
        for (const s of [alone, merged]) {
          expect(s.rows).toBe(rows.length);
          expect(s.records).toBe(rows.reduce((n, r) => n + r.names.length, 0));
          expect(s.seriesCount).toEqual({ count: series.size, exact: true });
          (['vehicle', 'license'] as const).forEach((key, i) => {
            const counts = new Map<string, number>();
            for (const r of rows) if (r[key] !== null) counts.set(r[key], (counts.get(r[key]) ?? 0) + 1);
            const summary = s.dimensionSummary(i, 100);
            expect(summary.exact).toBe(true);
            expect(summary.distinct).toBe(counts.size);
            expect(new Map(summary.top.map((t) => [t.value, t.count]))).toEqual(counts);
            expect(s.rows - s.presentOf(i)).toBe(rows.filter((r) => r[key] === null).length);
          });
          expect(s.minTime).toBe(rows.length === 0 ? Infinity : Math.min(...rows.map((r) => r.time * 1000)));
        }
      }),
      fcOptions,
    );
  });

  it('reads a record time as Number() does, in every unit', () => {
    const units = { SECONDS: 1000, MILLISECONDS: 1, MICROSECONDS: 1e-3, NANOSECONDS: 1e-6 } as const;
    fc.assert(
      fc.property(
        // Up to 15 digits, with leading zeros: exact in a double, whichever way it is summed.
        fc.stringMatching(/^[0-9]{1,15}$/),
        fc.constantFrom(...(Object.keys(units) as (keyof typeof units)[])),
        (digits, unit) => {
          const record = { Time: digits, TimeUnit: unit } as TimestreamRecord;
          expect(recordTimeMs(record)).toBe(Number(digits) * units[unit]);
        },
      ),
      fcOptions,
    );
  });

  it("reads the kernel's time cell as simpleTime checks it and timeDigitsMs reads it, in every unit", () => {
    // simpleTimeMs (the row kernel's time check with statistics) sums the digits in the loop that checks them.
    const units = ['SECONDS', 'MILLISECONDS', 'MICROSECONDS', 'NANOSECONDS'] as const;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.stringMatching(/^[0-9]{0,20}$/),
          // Around the unit's last instant (R-TIME-1), and cells that are not digits.
          fc.constantFrom(
            ...units.flatMap((u) => [MAX_TIME_DIGITS[u], `${MAX_TIME_DIGITS[u].slice(0, -1)}9`]),
          ),
          fc.string({ maxLength: 20 }),
          fc.stringMatching(/^[0-9]{1,12}[^0-9][0-9]{0,6}$/),
        ),
        fc.constantFrom(...units),
        (time, unit) => {
          const ms = simpleTimeMs(time, MAX_TIME_DIGITS[unit], unitMs(unit));
          if (simpleTime(time, MAX_TIME_DIGITS[unit])) expect(ms).toBe(timeDigitsMs(time, unit));
          else expect(ms).toBeNaN();
        },
      ),
      fcOptions,
    );
  });

  it('writes the row time addRangeRow reads by hand as recordTimeMs reads it, in every unit', () => {
    // ContentStats.addRangeRow has recordTimeMs written in (its size keeps it out of the range job's row loop).
    const units = { SECONDS: 1000, MILLISECONDS: 1, MICROSECONDS: 1e-3, NANOSECONDS: 1e-6 } as const;
    const stats = new ContentStats(fleetTask().model, null, undefined, undefined, false);
    const times = new Float64Array(4);
    const hashes = new Int32Array(1);
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9]{1,19}$/),
        fc.constantFrom(...(Object.keys(units) as (keyof typeof units)[])),
        fc.nat(3),
        (digits, unit, at) => {
          const record = {
            Time: digits,
            TimeUnit: unit,
            Dimensions: [],
            MeasureName: 'm',
            MeasureValueType: 'MULTI',
            MeasureValues: [],
          } as unknown as TimestreamRecord;
          stats.addRangeRow([record], times, at, hashes, hashes);
          expect(times[at]).toBe(recordTimeMs(record));
          if (digits.length <= 15) expect(times[at]).toBe(Number(digits) * units[unit]);
        },
      ),
      fcOptions,
    );
  });
});
