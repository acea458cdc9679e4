/**
 * R-DUP-1 exact at any size, in the dry run: with the in-memory key budget forced small, the keys past it go to
 * disk, and the one-thread run (dryRun) and the run in byte ranges (dryRunInRanges, in-process here; worker threads
 * in @tsbatch/parallel) give exactly the result of a run that kept every key in memory: counts, BytesMetered
 * (batches of 100 ingested records in file order), error-report line ranges, rejects in input order, records.
 * fast-check prints the seed of a failure; pin it with FC_SEED=<seed>.
 */
import { readdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  dryRun,
  dryRunInRanges,
  isLoadAborted,
  runRangeJob,
  type DryRunOptions,
  type RejectEntry,
  type ResolvedSource,
  type ResolvedTask,
  type TimestreamRecord,
} from '../../src/index.js';
import { collidingFleetLines, FLEET_HEADER, fleetTask, mixedTask, sourceOf } from '../dry-run-fixtures.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };
const NOW = new Date('2024-05-01T01:30:00Z');
const T0 = 1714521600;
const UNBOUNDED = 10_000_000;

interface Run {
  result: unknown;
  rejects: RejectEntry[];
  records?: { file: string; line: number; record: TimestreamRecord }[];
}

async function oneThread(
  task: ResolvedTask,
  source: ResolvedSource,
  options: DryRunOptions = {},
): Promise<Run> {
  const rejects: RejectEntry[] = [];
  const records: NonNullable<Run['records']> = [];
  const result = await dryRun(task, source, {
    now: NOW,
    ...options,
    onReject: (e) => void rejects.push(e),
    onRecords: (file, line, rs) => void rs.forEach((record) => records.push({ file, line, record })),
  });
  return { result, rejects, records };
}

async function inRanges(
  task: ResolvedTask,
  source: ResolvedSource,
  rangeBytes: number,
  options: DryRunOptions = {},
): Promise<Run> {
  const rejects: RejectEntry[] = [];
  const result = await dryRunInRanges(task, source, (job) => runRangeJob(structuredClone(job)), {
    now: NOW,
    ...options,
    rangeBytes,
    inFlight: 3,
    onReject: (e) => void rejects.push(e),
  });
  return { result, rejects };
}

/** `n` rows with distinct keys, then one that conflicts with row `conflictWith` (same point, other value). */
function distinctThenConflict(n: number, conflictWith: number): string {
  const rows: string[] = [FLEET_HEADER];
  for (let i = 0; i < n; i++) rows.push(`${T0 + i},truck-${i % 97},REG,${i},1.5,2,${i}`);
  const i = conflictWith - 1;
  rows.push(`${T0 + i},truck-${i % 97},REG,${i + 0.5},1.5,2,${i}`);
  return `${rows.join('\n')}\n`;
}

describe('the dry run past the in-memory key budget (R-DUP-1)', () => {
  it('finds a conflict far beyond the budget, at its line, in the one-thread and the ranged run', async () => {
    // The scenario at test scale: N distinct rows, then a row that conflicts with row N*2/3.
    const n = 3000;
    const source = sourceOf({ 'a.csv': distinctThenConflict(n, (n * 2) / 3) });
    const spills: string[] = [];
    const options: DryRunOptions = {
      maxDuplicateKeys: 500,
      onDuplicateSpill: (e) => void spills.push(e.type),
    };
    const expected = await oneThread(fleetTask(), source, { maxDuplicateKeys: UNBOUNDED });
    const one = await oneThread(fleetTask(), source, options);
    const ranged = await inRanges(fleetTask(), source, 8 * 1024, options);
    expect(spills).toEqual([
      'spill-start',
      'resolve-start',
      'spill-end',
      'spill-start',
      'resolve-start',
      'spill-end',
    ]);
    expect(one).toEqual(expected);
    expect(ranged).toEqual({ result: expected.result, rejects: expected.rejects });
    expect(one.result).toMatchObject({
      status: 'FAILED',
      progress: { RecordsProcessed: n + 1, RecordsIngested: n, RecordIngestionFailures: 1 },
      errorReport: {
        fileErrors: [
          {
            fileName: 'a.csv',
            errors: [
              { reason: expect.stringMatching(/^A record already exists/), lineRanges: [[n + 2, n + 2]] },
            ],
          },
        ],
      },
    });
    expect(one.rejects.map((r) => [r.line, r.code])).toEqual([[n + 2, 'RECORD_VERSION_CONFLICT']]);
    expect(one.rejects[0]!.reason).toContain(`at time ${T0 + (n * 2) / 3 - 1} SECONDS`);
  });

  it('gives the unbounded result for any budget, range size and file, one thread or in ranges (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        collidingFleetLines(T0, 120),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 40, max: 2000 }),
        fc.boolean(),
        async (lines, budget, rangeBytes, mixed) => {
          const cut = Math.floor(lines.length / 3);
          const source = sourceOf({
            'a.csv': [FLEET_HEADER, ...lines.slice(0, cut)].join('\n'),
            'b.csv': `${[FLEET_HEADER, ...lines.slice(cut)].join('\r\n')}\r\n`,
          });
          const task = mixed ? mixedTask() : fleetTask();
          const expected = await oneThread(task, source, { maxDuplicateKeys: UNBOUNDED });
          expect(await oneThread(task, source, { maxDuplicateKeys: budget })).toEqual(expected);
          // Decoded from latin1: no byte offsets, so the records go to disk whole instead of as row places.
          const latin1 = { maxDuplicateKeys: budget, encoding: 'latin1' };
          const expectedLatin1 = await oneThread(task, source, { ...latin1, maxDuplicateKeys: UNBOUNDED });
          expect(await oneThread(task, source, latin1)).toEqual(expectedLatin1);
          const ranged = await inRanges(task, source, rangeBytes, { maxDuplicateKeys: budget });
          expect(ranged).toEqual({ result: expected.result, rejects: expected.rejects });
        },
      ),
      { ...fcOptions, numRuns: 60 },
    );
  });

  it('asks every record of a conflicting row, so that the answers from disk keep their place (mixed model)', async () => {
    const lines = [FLEET_HEADER];
    for (let i = 0; i < 20; i++) lines.push(`${T0 + i},v,R,1,1,2,7`);
    lines.push(`${T0 + 1},v,R,1,9,2,8`); // speed and miles conflict
    lines.push(`${T0 + 2},v,R,1,1,2,8`); // miles only
    lines.push(`${T0 + 30},v,R,1,1,2,8`); // new points
    const source = sourceOf({ 'a.csv': lines.join('\n') });
    const expected = await oneThread(mixedTask(), source, { maxDuplicateKeys: UNBOUNDED });
    expect(expected.rejects.map((r) => r.line)).toEqual([22, 23]);
    expect(await oneThread(mixedTask(), source, { maxDuplicateKeys: 4 })).toEqual(expected);
    const ranged = await inRanges(mixedTask(), source, 100, { maxDuplicateKeys: 4 });
    expect(ranged).toEqual({ result: expected.result, rejects: expected.rejects });
  });

  it('leaves no temporary file behind, after a run that spilled and after one stopped while it spilled', async () => {
    const tempDir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-spill-test-'));
    const source = sourceOf({ 'a.csv': distinctThenConflict(2000, 10) });
    let folder = '';
    const options: DryRunOptions = {
      maxDuplicateKeys: 100,
      tempDir,
      onDuplicateSpill: (e) => void (folder = e.folder),
    };
    await oneThread(fleetTask(), source, options);
    await inRanges(fleetTask(), source, 4096, options);
    expect(folder.startsWith(path.join(tempDir, 'tsbatch-dup-'))).toBe(true);
    expect(readdirSync(tempDir)).toEqual([]);
    for (const run of [
      (o: DryRunOptions) => oneThread(fleetTask(), source, o),
      (o: DryRunOptions) => inRanges(fleetTask(), source, 4096, o),
    ]) {
      // Stopped while keys go to disk, and while they are resolved.
      for (const at of ['spill-start', 'resolve-start']) {
        const abort = new AbortController();
        const stopped = run({
          ...options,
          statistics: true,
          signal: abort.signal,
          onDuplicateSpill: (e) => {
            if (e.type === at) {
              expect(readdirSync(tempDir)).toHaveLength(1);
              abort.abort(new Error('stopped'));
            }
          },
        });
        const error: unknown = await stopped.catch((e: unknown) => e);
        // Issue 18: a LoadAbortedError holding the rows counted so far, each counted whole (R-COUNT-1).
        expect(isLoadAborted(error), String(error)).toBe(true);
        if (!isLoadAborted(error)) continue;
        expect(error.message).toContain('stopped');
        const partial = error.partial;
        expect(partial.status).toBe('PROGRESS_STOPPED');
        const { RecordsProcessed, RecordsIngested, ParseFailures, RecordIngestionFailures } =
          partial.progress;
        expect(RecordsProcessed).toBe(RecordsIngested + ParseFailures + RecordIngestionFailures);
        expect(RecordsProcessed).toBeLessThan(2001);
        // Its statistics (issue 19) cover every row it counted: no time bucket with more refused rows than rows.
        const stats = partial.statistics!;
        expect(stats.rowsMapped).toBeGreaterThanOrEqual(RecordsIngested + RecordIngestionFailures);
        for (const n of stats.times?.counts.flat() ?? []) expect(n).toBeGreaterThanOrEqual(0);
        expect(readdirSync(tempDir)).toEqual([]);
      }
    }
    rmSync(tempDir, { recursive: true });
  });

  it('stops with DUPLICATES_TEMP_UNWRITABLE, not a result, when the temporary folder cannot be written', async () => {
    const source = sourceOf({ 'a.csv': distinctThenConflict(300, 10) });
    const options = { maxDuplicateKeys: 10, tempDir: path.join(os.tmpdir(), 'tsbatch-no-such-folder', 'x') };
    await expect(oneThread(fleetTask(), source, options)).rejects.toMatchObject({
      code: 'DUPLICATES_TEMP_UNWRITABLE',
    });
    await expect(inRanges(fleetTask(), source, 1024, options)).rejects.toMatchObject({
      code: 'DUPLICATES_TEMP_UNWRITABLE',
    });
  });
});
