import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { progressBalances } from '../../src/index.js';
import { collect, FLEET_HEADER, fleetTask, sourceOf } from '../dry-run-fixtures.js';

const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };
const NOW = new Date('2024-05-01T01:30:00Z');
const TABLE = {
  memoryStoreRetentionPeriodInHours: 1,
  magneticStoreRetentionPeriodInDays: 3650,
  enableMagneticStoreWrites: true,
};

const GOOD = [
  FLEET_HEADER,
  '1714521600,Truck-1,TX-1A2B3C,4266.8,30.6,14.76,1000',
  '1714521900,Truck-2,TX-4D5E6F,2507.1,57.5,10.49,1037',
].join('\n');

describe('dryRun', () => {
  it('ingests every good row and meters two records as one 1 KiB write (R-METER-1, AWS CLI guide example)', async () => {
    const { result, records } = await collect(fleetTask(), sourceOf({ 'sample.csv': `${GOOD}\n` }));
    expect(result.progress).toEqual({
      RecordsProcessed: 2,
      RecordsIngested: 2,
      ParseFailures: 0,
      RecordIngestionFailures: 0,
      FileFailures: 0,
      BytesMetered: 1024,
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.errorReport).toBeNull();
    expect(records.map((r) => r.line)).toEqual([2, 3]);
    // Issue 18: warnings are data; the message names no CLI flag (the CLI words its own advice by code).
    expect(result.warnings).toEqual([
      {
        code: 'TIME_WINDOW_NOT_CHECKED',
        message: expect.stringMatching(/^Time window not checked/),
        advice: expect.any(String),
      },
    ]);
    expect(JSON.stringify(result.warnings)).not.toMatch(/--/);
  });

  it('fails a row outside the ingestion window, at both ends (R-WIN-1, R-STATUS-1)', async () => {
    const lower = Math.ceil((NOW.getTime() - (1 * 3600_000 + 3650 * 86_400_000)) / 1000);
    const upper = (NOW.getTime() + 15 * 60_000) / 1000; // exclusive
    const csv = [
      FLEET_HEADER,
      `${lower - 1},a,r,1,1,1,1`,
      `${lower},b,r,1,1,1,1`,
      `${upper - 1},c,r,1,1,1,1`,
      `${upper},d,r,1,1,1,1`,
    ].join('\n');
    const { result, rejects } = await collect(fleetTask(), sourceOf({ 'sample.csv': csv }), {
      table: TABLE,
      now: NOW,
    });
    expect(result.progress.RecordsIngested).toBe(2);
    expect(result.progress.RecordIngestionFailures).toBe(2);
    expect(rejects.map((r) => [r.line, r.code])).toEqual([
      [2, 'TIME_OUTSIDE_WINDOW'],
      [5, 'TIME_OUTSIDE_WINDOW'],
    ]);
    expect(result.status).toBe('FAILED');
    expect(result.errorReport?.fileErrors).toEqual([
      {
        fileName: 'sample.csv',
        errors: [
          {
            reason: 'The record timestamp is outside the time range of the data ingestion window.',
            lineRanges: [
              [2, 2],
              [5, 5],
            ],
          },
        ],
      },
    ]);
  });

  it('accepts an identical repeat and fails a conflicting one, metering the failure unrounded (R-DUP-1)', async () => {
    const csv = [
      GOOD,
      '1714521600,Truck-1,TX-1A2B3C,4266.8,30.6,14.76,1000',
      '1714521600,Truck-1,TX-1A2B3C,1,30.6,14.76,1000',
    ].join('\n');
    const { result, rejects } = await collect(fleetTask(), sourceOf({ 'sample.csv': csv }));
    expect(result.progress.RecordsIngested).toBe(3);
    expect(rejects).toEqual([
      expect.objectContaining({ line: 5, kind: 'ingestion', code: 'RECORD_VERSION_CONFLICT' }),
    ]);
    // 3 ingested records in one batch -> 1024; the failed record's own event size on top, unrounded.
    expect(result.progress.BytesMetered).toBeGreaterThan(1024);
    expect(result.progress.BytesMetered).toBeLessThan(1024 + 200);
  });

  it('counts a file with a BOM as a file failure with no line ranges and goes on with the next file (R-CSV-2, R-COUNT-2)', async () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(GOOD)]);
    const { result, rejects } = await collect(fleetTask(), sourceOf({ 'a.csv': bom, 'b.csv': GOOD }));
    expect(result.progress).toMatchObject({ FileFailures: 1, RecordsProcessed: 2, RecordsIngested: 2 });
    expect(result.errorReport?.fileErrors).toEqual([
      {
        fileName: 'a.csv',
        errors: [{ reason: 'File begins with a byte-order mark (BOM); remove it', lineRanges: [] }],
      },
    ]);
    expect(rejects).toEqual([expect.objectContaining({ file: 'a.csv', kind: 'file', code: 'FILE_BOM' })]);
  });

  it('fails a file whose header lacks a mapped column, without counting its rows (R-COUNT-2)', async () => {
    const csv = GOOD.replace('miles', 'mileage');
    const { result, rejects } = await collect(fleetTask(), sourceOf({ 'sample.csv': csv }));
    expect(result.progress).toMatchObject({ FileFailures: 1, RecordsProcessed: 0 });
    expect(rejects).toEqual([expect.objectContaining({ kind: 'file', code: 'FILE_MISSING_COLUMN' })]);
  });

  it('keeps the counts of rows read before an invalid UTF-8 byte mid-file (R-CSV-2, R-COUNT-2)', async () => {
    const bytes = Buffer.concat([
      Buffer.from(`${GOOD}\n1714521900,Van-`),
      Buffer.from([0xff]),
      Buffer.from('7,r,1,1,1,1\n'),
    ]);
    const { result, rejects } = await collect(fleetTask(), sourceOf({ 'sample.csv': bytes }));
    expect(result.progress).toMatchObject({ FileFailures: 1, RecordsProcessed: 2, RecordsIngested: 2 });
    expect(rejects[0]).toMatchObject({ kind: 'file', code: 'FILE_INVALID_UTF8' });
    expect(rejects[0]!.reason).toMatch(/byte|offset/i);
  });
});

// ---- properties ----

const cellChar = fc.constantFrom('a', 'Z', '7', ',', '"', '\n', '\r', ' ', 'é', '😀', ';');
const hostileCsv = fc
  .array(fc.oneof(cellChar, fc.constantFrom('1714521600', '12.5', '-3', 'x', '\r\n')), { maxLength: 400 })
  .map((parts) => `${FLEET_HEADER}\n${parts.join('')}`);

describe('dryRun properties', () => {
  it('gives identical counts, records, rejects and reports for any read chunk size', async () => {
    await fc.assert(
      fc.asyncProperty(hostileCsv, fc.integer({ min: 1, max: 64 }), async (csv, highWaterMark) => {
        const source = sourceOf({ 'sample.csv': csv });
        const whole = await collect(fleetTask(), source, { now: NOW, table: TABLE });
        const chunked = await collect(fleetTask(), source, { now: NOW, table: TABLE, highWaterMark });
        expect(chunked.result.progress).toEqual(whole.result.progress);
        expect(chunked.result.errorReport).toEqual(whole.result.errorReport);
        expect(chunked.rejects).toEqual(whole.rejects);
        expect(chunked.records).toEqual(whole.records);
      }),
      { numRuns: 60, ...seed },
    );
  });

  it('keeps RecordsProcessed = RecordsIngested + ParseFailures + RecordIngestionFailures for hostile CSV (R-COUNT-1)', async () => {
    await fc.assert(
      fc.asyncProperty(hostileCsv, async (csv) => {
        const { result, rejects } = await collect(fleetTask(), sourceOf({ 'sample.csv': csv }), {
          now: NOW,
          table: TABLE,
        });
        const p = result.progress;
        expect(progressBalances(p)).toBe(true);
        // R-REP-3: every failed row and file is in the rejects, once.
        expect(rejects.length).toBe(p.ParseFailures + p.RecordIngestionFailures + p.FileFailures);
      }),
      { numRuns: 150, ...seed },
    );
  });

  it('round-trips cells written by csv-stringify into records carrying the same values', async () => {
    const text = fc.string({
      minLength: 1,
      maxLength: 12,
      unit: fc.constantFrom('a', 'b', ',', '"', '\n', ' ', 'ü', '中'),
    });
    const row = fc.record({
      time: fc.integer({ min: 0, max: 4_000_000_000 }).map(String),
      vehicle: text,
      registration: text,
      wgt: fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      spd: fc.integer({ min: -1000, max: 1000 }).map((n) => `${n}.5`),
      fuel: fc.constantFrom('1e3', '.5', '-0.25', '42'),
      miles: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 20 }), async (rows) => {
        const csv = stringify([
          FLEET_HEADER.split(','),
          ...rows.map((r) => [r.time, r.vehicle, r.registration, r.wgt, r.spd, r.fuel, r.miles]),
        ]);
        // Distinct keys so the duplicate rule does not interfere.
        const { result, records } = await collect(fleetTask(), sourceOf({ 'sample.csv': csv }));
        const distinct = new Set(rows.map((r) => `${r.time}\u0000${r.vehicle}\u0000${r.registration}`)).size;
        if (distinct !== rows.length) return;
        expect(result.progress.RecordsIngested).toBe(rows.length);
        expect(records.map((r) => r.record)).toEqual(
          rows.map((r) => ({
            Dimensions: [
              { Name: 'vehicle', Value: r.vehicle, DimensionValueType: 'VARCHAR' },
              { Name: 'license', Value: r.registration, DimensionValueType: 'VARCHAR' },
            ],
            MeasureName: 'mva_measure_name',
            MeasureValues: [
              { Name: 'weight', Value: r.wgt, Type: 'DOUBLE' },
              { Name: 'speed', Value: r.spd, Type: 'DOUBLE' },
              { Name: 'fuel', Value: r.fuel, Type: 'DOUBLE' },
              { Name: 'miles', Value: r.miles, Type: 'BIGINT' },
            ],
            MeasureValueType: 'MULTI',
            Time: r.time,
            TimeUnit: 'SECONDS',
            Version: 1,
          })),
        );
      }),
      { numRuns: 80, ...seed },
    );
  });
});
