/**
 * Issue 18: an AbortSignal stops a dry run at the next row, not at the end of a read chunk, and the counts of the
 * rows read so far come back in the LoadAbortedError (`partial`), sequential and ranged alike.
 */
import { describe, expect, it } from 'vitest';
import {
  dryRun,
  dryRunInRanges,
  isLoadAborted,
  runRangeJob,
  type LoadAbortedError,
  type RejectEntry,
} from '../../src/index.js';
import { FLEET_HEADER, fleetTask, sourceOf } from '../dry-run-fixtures.js';

const ROWS = 20_000;
/** One read chunk holds every row: without the per-row check the whole file would be mapped after the abort. */
function bigFleetFile(badEvery = 0): string {
  const lines = [FLEET_HEADER];
  for (let i = 0; i < ROWS; i++) {
    const weight = badEvery > 0 && i % badEvery === 0 ? 'n/a' : '12.5';
    lines.push(`${1_714_521_600 + i},Truck-${i % 7},TX-${i},${weight},40.1,6.2,${i}`);
  }
  return `${lines.join('\n')}\n`;
}

async function aborted(run: Promise<unknown>): Promise<LoadAbortedError> {
  const error = await run.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isLoadAborted(error)) throw new Error(`expected a LoadAbortedError, got ${String(error)}`);
  return error;
}

describe('dryRun with an AbortSignal', () => {
  it('calls onRecords no more after abort() inside one read chunk, and returns the counts so far', async () => {
    const source = sourceOf({ 'sample.csv': bigFleetFile() });
    const abort = new AbortController();
    let calls = 0;
    let callsAfterAbort = 0;
    const error = await aborted(
      dryRun(fleetTask(), source, {
        signal: abort.signal,
        highWaterMark: 4 * 1024 * 1024,
        onRecords: () => {
          if (abort.signal.aborted) callsAfterAbort++;
          if (++calls === 100) abort.abort(new Error('enough'));
        },
      }),
    );
    expect(callsAfterAbort).toBe(0);
    expect(calls).toBe(100);
    expect(error.name).toBe('AbortError');
    expect((error.cause as Error).message).toBe('enough');
    const { partial } = error;
    expect(partial.status).toBe('PROGRESS_STOPPED');
    expect(partial.description.TaskStatus).toBe('PROGRESS_STOPPED');
    // R-COUNT-1 holds for the partial counts: every row read so far counted once.
    expect(partial.progress.RecordsProcessed).toBe(100);
    expect(partial.progress.RecordsIngested).toBe(100);
    expect(partial.progress.BytesMetered).toBeGreaterThan(0);
    expect(partial.errorReport).toBeNull();
  });

  it('keeps the error report and rejects of the rows read before the abort (R-REP-2, R-REP-3)', async () => {
    const source = sourceOf({ 'sample.csv': bigFleetFile(10) });
    const abort = new AbortController();
    const rejects: RejectEntry[] = [];
    const error = await aborted(
      dryRun(fleetTask(), source, {
        signal: abort.signal,
        highWaterMark: 4 * 1024 * 1024,
        onReject: (entry) => {
          rejects.push(entry);
          if (rejects.length === 5) abort.abort();
        },
      }),
    );
    const p = error.partial.progress;
    expect(rejects).toHaveLength(5);
    expect(p.ParseFailures).toBe(5);
    expect(p.RecordsProcessed).toBe(p.RecordsIngested + p.ParseFailures + p.RecordIngestionFailures);
    expect(p.RecordsProcessed).toBe(41); // rows 2..42 of the file: the 5th bad row is data row 41
    expect(error.partial.errorReport?.fileErrors[0]?.errors[0]?.lineRanges).toEqual([
      [2, 2],
      [12, 12],
      [22, 22],
      [32, 32],
      [42, 42],
    ]);
  });

  it('rejects at once, with empty counts, when the signal is aborted before the run starts', async () => {
    const abort = new AbortController();
    abort.abort();
    const error = await aborted(
      dryRun(fleetTask(), sourceOf({ 'sample.csv': bigFleetFile() }), { signal: abort.signal }),
    );
    expect(error.partial.progress.RecordsProcessed).toBe(0);
  });
});

describe('dryRunInRanges with an AbortSignal', () => {
  it('stops before the next range and returns the counts of the ranges replayed', async () => {
    const source = sourceOf({ 'sample.csv': bigFleetFile() });
    const abort = new AbortController();
    let ranges = 0;
    const error = await aborted(
      dryRunInRanges(
        fleetTask(),
        source,
        async (job) => {
          const outcome = await runRangeJob(job);
          if (++ranges === 2) abort.abort();
          return outcome;
        },
        { signal: abort.signal, rangeBytes: 64 * 1024, inFlight: 1 },
      ),
    );
    const p = error.partial.progress;
    expect(error.partial.status).toBe('PROGRESS_STOPPED');
    expect(p.RecordsProcessed).toBeGreaterThan(0);
    expect(p.RecordsProcessed).toBeLessThan(ROWS);
    expect(p.RecordsProcessed).toBe(p.RecordsIngested + p.ParseFailures + p.RecordIngestionFailures);
  });
});
