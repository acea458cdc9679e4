import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import os from 'node:os';
import path from 'node:path';
import type { ResolvedSource, ResolvedTask, TimestreamRecord } from '../src/index.js';
import { dryRun, type DryRunOptions, type DryRunResult, type RejectEntry } from '../src/index.js';

/** The AWS CLI guide's vehicle-fleet model, resolved as the validator would resolve it. */
export function fleetTask(overrides: Partial<ResolvedTask> = {}): ResolvedTask {
  return {
    request: {
      TargetDatabaseName: 'BatchLoadExampleDatabase',
      TargetTableName: 'BatchLoadExampleTable',
      DataSourceConfiguration: {
        DataSourceS3Configuration: { BucketName: 'test-batch-load-west-2', ObjectKeyPrefix: 'sample.csv' },
        CsvConfiguration: {},
        DataFormat: 'CSV',
      },
      ReportConfiguration: { ReportS3Configuration: { BucketName: 'test-batch-load-report-west-2' } },
      RecordVersion: 1,
    },
    database: 'BatchLoadExampleDatabase',
    table: 'BatchLoadExampleTable',
    recordVersion: 1,
    source: { bucket: 'test-batch-load-west-2', prefix: 'sample.csv' },
    report: { bucket: 'test-batch-load-report-west-2', prefix: '' },
    csv: { columnSeparator: ',', quoteChar: '"', escapeChar: null, nullValue: null, trimWhiteSpace: false },
    model: {
      timeColumn: 'timestamp',
      timeUnit: 'SECONDS',
      dimensions: [
        { source: 'vehicle', name: 'vehicle' },
        { source: 'registration', name: 'license' },
      ],
      measures: {
        kind: 'multi',
        measureName: { kind: 'fixed', name: 'mva_measure_name' },
        attributes: [
          { source: 'wgt', name: 'weight', type: 'DOUBLE' },
          { source: 'spd', name: 'speed', type: 'DOUBLE' },
          { source: 'fuel_consumption', name: 'fuel', type: 'DOUBLE' },
          { source: 'miles', name: 'miles', type: 'BIGINT' },
        ],
      },
    },
    ...overrides,
  };
}

export const FLEET_HEADER = 'timestamp,vehicle,registration,wgt,spd,fuel_consumption,miles';

/**
 * Fleet lines (and a blank one in ten) on a small key space from `t0`, so that points repeat across partitions,
 * ranges and files, with values that collide ('1' and '1.0', '7' and '+7') and a bad BIGINT: the duplicate
 * check's property tests.
 */
export function collidingFleetLines(t0: number, maxLength: number): fc.Arbitrary<string[]> {
  const line = fc
    .record({
      t: fc.integer({ min: 0, max: 15 }),
      v: fc.integer({ min: 0, max: 1 }),
      spd: fc.constantFrom('1', '1.0', '2'),
      miles: fc.constantFrom('7', '+7', '8', 'x'),
      quoted: fc.boolean(),
    })
    .map(
      ({ t, v, spd, miles, quoted }) =>
        `${t0 + t},${quoted ? `"truck ${v}"` : `truck-${v}`},R,1,${spd},2,${miles}`,
    );
  return fc.array(fc.oneof({ weight: 9, arbitrary: line }, { weight: 1, arbitrary: fc.constant('') }), {
    minLength: 20,
    maxLength,
  });
}

/** The fleet file read with two scalar records per row (mixed model): `speed` (DOUBLE) and `miles` (BIGINT). */
export function mixedTask(): ResolvedTask {
  return fleetTask({
    model: {
      timeColumn: 'timestamp',
      timeUnit: 'SECONDS',
      dimensions: [{ source: 'vehicle', name: 'vehicle' }],
      measures: {
        kind: 'mixed',
        measureNameColumn: null,
        mappings: [
          { match: null, measureName: 'speed', type: 'DOUBLE', source: 'spd', attributes: [] },
          { match: null, measureName: 'miles', type: 'BIGINT', source: 'miles', attributes: [] },
        ],
      },
    },
  });
}

/** Writes files into a fresh temporary folder and returns them as a source, in key order. */
export function sourceOf(files: Record<string, string | Uint8Array>): ResolvedSource {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-dry-run-'));
  const out: ResolvedSource = { files: [], totalBytes: 0 };
  for (const key of Object.keys(files).sort()) {
    const full = path.join(dir, key);
    mkdirSync(path.dirname(full), { recursive: true });
    const content = files[key]!;
    writeFileSync(full, content);
    const size = typeof content === 'string' ? Buffer.byteLength(content) : content.byteLength;
    out.files.push({ key, path: full, size });
    out.totalBytes += size;
  }
  return out;
}

export interface CollectedRun {
  result: DryRunResult;
  records: { file: string; line: number; record: TimestreamRecord }[];
  rejects: RejectEntry[];
}

/** A dry run that also collects what it would write and what it rejects. */
export async function collect(
  task: ResolvedTask,
  source: ResolvedSource,
  options: DryRunOptions = {},
): Promise<CollectedRun> {
  const records: CollectedRun['records'] = [];
  const rejects: RejectEntry[] = [];
  const result = await dryRun(task, source, {
    ...options,
    onRecords: (file, line, rs) => {
      for (const record of rs) records.push({ file, line, record });
    },
    onReject: (entry) => {
      rejects.push(entry);
    },
  });
  return { result, records, rejects };
}
