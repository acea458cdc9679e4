/**
 * The parallel dry run on real worker threads gives the sequential dry run's result exactly (core's
 * range-load.test.ts proves the merge on hostile inputs in-process; this proves the thread path: jobs and outcomes
 * crossing threads, files in parallel, errors as data).
 */
import { dryRun, type DryRunResult, type RejectEntry, type ResolvedSource } from '@tsbatch/core';
import { describe, expect, it } from 'vitest';

// The fleet task and temporary sources of core's dry-run tests.
import { FLEET_HEADER as HEADER, fleetTask, sourceOf } from '../../core/test/dry-run-fixtures.js';
import { parallelDryRun, parallelSupport, type MainThreadRange, type WorkerHeap } from '../src/index.js';

const T0 = 1714521600;
const NOW = new Date('2024-05-01T01:30:00Z');
const TABLE = {
  memoryStoreRetentionPeriodInHours: 24,
  magneticStoreRetentionPeriodInDays: 0,
  enableMagneticStoreWrites: false,
};

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

/** The sequential dry run of `source`, and the parallel one on 2 workers with `heap`, with its main-thread ranges. */
async function withWorkerHeap(
  source: ResolvedSource,
  rangeBytes: number,
  heap: WorkerHeap,
): Promise<{ sequential: DryRunResult; parallel: DryRunResult; fallbacks: MainThreadRange[] }> {
  const sequential = await dryRun(fleetTask(), source, { now: NOW, table: TABLE });
  const fallbacks: MainThreadRange[] = [];
  const parallel = await parallelDryRun(fleetTask(), source, {
    now: NOW,
    table: TABLE,
    workers: 2,
    rangeBytes,
    minParallelBytes: 0,
    workerHeap: heap,
    onMainThreadRange: (range) => void fallbacks.push(range),
  });
  return { sequential, parallel, fallbacks };
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

  it('R-DUP-1: finds a conflict far past the in-memory key budget, at its line, as the one-thread run does (statistics too)', async () => {
    // 20,000 distinct rows, 1,000 keys in memory, then hostile rows (conflicting rewrites among them) and the point
    // of row 13,334 again with another weight.
    const rows = [HEADER];
    for (let i = 0; i < 20_000; i++) rows.push(`${T0 - i},v${i % 13},R${i % 97},${i},1.5,2,3`);
    const body = hostileCsv(3_000, 5).slice(HEADER.length + 1);
    const source = sourceOf({
      'a.csv': `${rows.join('\n')}\n${body}${T0 - 13_333},v${13_333 % 13},R${13_333 % 97},0.5,1.5,2,3\n`,
    });
    // The report's statistics (issue 19) ride along: replayed once, in order, after the keys are resolved.
    const options = { now: NOW, table: TABLE, maxDuplicateKeys: 1_000, statistics: true };
    const seqRejects: RejectEntry[] = [];
    const parRejects: RejectEntry[] = [];
    const unbounded = await dryRun(fleetTask(), source, { now: NOW, table: TABLE, statistics: true });
    const sequential = await dryRun(fleetTask(), source, {
      ...options,
      onReject: (e) => void seqRejects.push(e),
    });
    const spilled: string[] = [];
    const parallel = await parallelDryRun(fleetTask(), source, {
      ...options,
      workers: 2,
      rangeBytes: 32 * 1024,
      minParallelBytes: 0,
      onReject: (e) => void parRejects.push(e),
      onDuplicateSpill: (e) => void spilled.push(e.type),
    });
    expect(spilled).toEqual(['spill-start', 'resolve-start', 'spill-end']);
    expect(unbounded.statistics?.rowsMapped).toBeGreaterThan(20_000);
    expect(sequential).toEqual(unbounded);
    expect(parallel).toEqual(sequential);
    expect(parRejects).toEqual(seqRejects);
    const last = seqRejects[seqRejects.length - 1]!;
    expect([last.code, last.line]).toEqual(['RECORD_VERSION_CONFLICT', 20_002 + body.split('\n').length - 1]);
  }, 60_000);

  it('reads a range again on the main thread when its worker runs out of heap, with the same result', async () => {
    // window.csv: 300,000 rows outside the time window, one failure kept per record until the range is answered:
    // more than a worker with a 16 MiB old generation holds in one 8 MiB range. ok.csv fits in a worker.
    const late: string[] = [HEADER];
    for (let i = 0; i < 300_000; i++) late.push(`${T0 - 500_000 - i},v${i % 13},R${i % 97},${i},1.5,2,3`);
    const source = sourceOf({ 'ok.csv': hostileCsv(2_000, 3), 'window.csv': `${late.join('\n')}\n` });
    const { sequential, parallel, fallbacks } = await withWorkerHeap(source, 8 * 1024 * 1024, {
      youngMb: 4,
      oldMb: 16,
    });
    expect(parallel).toEqual(sequential);
    expect(sequential.progress.RecordIngestionFailures).toBeGreaterThan(300_000);
    // Only window.csv's ranges fell back; ok.csv was read by a worker.
    expect(fallbacks.length).toBeGreaterThan(0);
    expect(new Set(fallbacks.map((f) => f.file))).toEqual(new Set(['window.csv']));
    expect(fallbacks[0]!.reason).toMatch(/memory limit/);
  }, 120_000);

  it('reads every range on the main thread when no worker can start, instead of waiting forever', async () => {
    const source = sourceOf({ 'a.csv': hostileCsv(5_000, 4) });
    // A heap too small to load the worker's modules.
    const { sequential, parallel, fallbacks } = await withWorkerHeap(source, 32 * 1024, {
      youngMb: 1,
      oldMb: 1,
    });
    expect(parallel).toEqual(sequential);
    expect(fallbacks.length).toBeGreaterThan(3);
    expect(fallbacks.every((f) => /memory|terminat/i.test(f.reason))).toBe(true);
  }, 60_000);

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
