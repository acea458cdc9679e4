/**
 * The parallel dry run on real worker threads gives the sequential dry run's result exactly (core's
 * range-load.test.ts proves the merge on hostile inputs in-process; this proves the thread path: jobs and outcomes
 * crossing threads, files in parallel, errors as data).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { dryRun, type RejectEntry, type ResolvedSource, type ResolvedTask } from '@tsbatch/core';
import { describe, expect, it } from 'vitest';

import { parallelDryRun, parallelSupport } from '../src/index.js';

const HEADER = 'timestamp,vehicle,registration,wgt,spd,fuel_consumption,miles';
const T0 = 1714521600;
const NOW = new Date('2024-05-01T01:30:00Z');
const TABLE = {
  memoryStoreRetentionPeriodInHours: 24,
  magneticStoreRetentionPeriodInDays: 0,
  enableMagneticStoreWrites: false,
};

function fleetTask(): ResolvedTask {
  return {
    request: {
      TargetDatabaseName: 'db',
      TargetTableName: 'tbl',
      DataSourceConfiguration: {
        DataSourceS3Configuration: { BucketName: 'b', ObjectKeyPrefix: 'p' },
        CsvConfiguration: {},
        DataFormat: 'CSV',
      },
      ReportConfiguration: { ReportS3Configuration: { BucketName: 'r' } },
      RecordVersion: 1,
    },
    database: 'db',
    table: 'tbl',
    recordVersion: 1,
    source: { bucket: 'b', prefix: 'p' },
    report: { bucket: 'r', prefix: '' },
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
        measureName: { kind: 'fixed', name: 'metrics' },
        attributes: [
          { source: 'wgt', name: 'weight', type: 'DOUBLE' },
          { source: 'spd', name: 'speed', type: 'DOUBLE' },
          { source: 'fuel_consumption', name: 'fuel', type: 'DOUBLE' },
          { source: 'miles', name: 'miles', type: 'BIGINT' },
        ],
      },
    },
  };
}

/** Rows with every kind of failure sprinkled in, quoted newlines included, and conflicting rewrites. */
function hostileCsv(rows: number, seed: number): string {
  const out: string[] = [HEADER];
  let n = seed;
  const rand = (m: number): number => {
    n = (n * 1103515245 + 12345) & 0x7fffffff;
    return n % m;
  };
  for (let i = 0; i < rows; i++) {
    const t = T0 - rand(200_000);
    const reg = rand(10) === 0 ? `"R\n${i}\n""q"""` : `R${i % 97}`;
    const kind = rand(40);
    if (kind === 0) out.push(`${t},v${i % 13},${reg},x,1,2,3`);
    else if (kind === 1) out.push(`${t},v${i % 13},${reg},1,2`);
    else if (kind === 2)
      out.push(`${T0 - (i % 50)},v0,R0,${i},1,1,1`); // rewrites with other values
    else if (kind === 3) out.push('');
    else out.push(`${t},v${i % 13},${reg},${i},${rand(120)}.5,${rand(9)},${i * 7}`);
  }
  return `${out.join('\n')}\n`;
}

function sourceOf(files: Record<string, string>): ResolvedSource {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-parallel-'));
  const source: ResolvedSource = { files: [], totalBytes: 0 };
  for (const key of Object.keys(files).sort()) {
    const full = path.join(dir, key);
    writeFileSync(full, files[key]!);
    const size = Buffer.byteLength(files[key]!);
    source.files.push({ key, path: full, size });
    source.totalBytes += size;
  }
  return source;
}

describe('parallelDryRun on worker threads', () => {
  it('equals the sequential dry run: counts, bytes, error report, rejects in order (2 workers, many ranges)', async () => {
    const source = sourceOf({
      'a.csv': hostileCsv(20_000, 1),
      'b.csv': hostileCsv(3_000, 2),
      'c.csv': `${HEADER}\n${T0},v,"never closed,1,2,3,4\n1,2,3,4,5,6,7\n`,
      'd.csv': '\uFEFFtimestamp\n1\n',
    });
    const seqRejects: RejectEntry[] = [];
    const parRejects: RejectEntry[] = [];
    const sequential = await dryRun(fleetTask(), source, {
      now: NOW,
      table: TABLE,
      onReject: (e) => void seqRejects.push(e),
    });
    const parallel = await parallelDryRun(fleetTask(), source, {
      now: NOW,
      table: TABLE,
      workers: 2,
      rangeBytes: 64 * 1024,
      minParallelBytes: 0,
      onReject: (e) => void parRejects.push(e),
    });
    expect(parallel).toEqual(sequential);
    expect(parRejects).toEqual(seqRejects);
    // The data exercised every path: parse, ingestion (time window, conflicts) and file failures.
    expect(sequential.progress.ParseFailures).toBeGreaterThan(100);
    expect(sequential.progress.RecordIngestionFailures).toBeGreaterThan(100);
    expect(sequential.progress.FileFailures).toBe(1);
  });

  it('reads on one thread what ranges cannot do, and says why', () => {
    expect(parallelSupport({ encoding: 'latin1' })).toEqual({
      ok: false,
      reason: 'files are decoded as latin1',
    });
    expect(parallelSupport({ onRecords: () => {} }).ok).toBe(false);
    expect(parallelSupport({}).ok).toBe(true);
  });

  it('rejects a bad worker count', async () => {
    await expect(parallelDryRun(fleetTask(), sourceOf({}), { workers: 0 })).rejects.toThrow(
      /workers must be/,
    );
  });
});
