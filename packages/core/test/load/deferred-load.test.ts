import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  runDeferredLoad,
  type DeferredLoadSink,
  type LoadPosition,
  type RejectEntry,
  type RowOutcome,
  type SettleRow,
  type SentRow,
} from '../../src/index.js';
import { collect, FLEET_HEADER, fleetTask, sourceOf } from '../dry-run-fixtures.js';

const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };
const NOW = new Date('2024-05-01T01:30:00Z');
const TABLE = {
  memoryStoreRetentionPeriodInHours: 1,
  magneticStoreRetentionPeriodInDays: 3650,
  enableMagneticStoreWrites: true,
};

/** Rows of the fleet model: good ones, bad values, a conflicting duplicate, one outside the window. */
function fleetCsv(rows: number): string {
  const lines = [FLEET_HEADER];
  for (let i = 0; i < rows; i++) {
    const t = 1714521600 + i;
    if (i % 17 === 5) lines.push(`${t},Truck-${i},TX,heavy,1,1,1`);
    else if (i % 23 === 7) lines.push(`1,Truck-${i},TX,1,1,1,1`);
    else if (i % 29 === 11) lines.push(`1714521600,Truck-0,TX-0,9,9,9,9`);
    else lines.push(`${t},Truck-${i},TX-${i % 3},${i}.5,1,2,${i}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A sink whose target answers in a scrambled order, in batches, after a few turns of the event loop; it refuses the
 * records named by `refuse` (file:line).
 */
function scrambledSink(
  random: () => number,
  refuse: ReadonlySet<string> = new Set(),
): DeferredLoadSink & { sent: SentRow[] } {
  const held: { row: SentRow; settle: SettleRow }[] = [];
  const sent: SentRow[] = [];
  const answer = (batch: typeof held): void => {
    const delay = Math.floor(random() * 3);
    setTimeout(() => {
      for (const { row, settle } of batch) {
        const outcome: RowOutcome = refuse.has(`${row.file}:${row.line}`)
          ? {
              rejected: [
                {
                  index: 0,
                  failure: {
                    kind: 'ingestion',
                    code: 'RECORD_REJECTED',
                    reason: 'Refused by the target.',
                    detail: 'no',
                  },
                },
              ],
            }
          : { rejected: [] };
        settle(outcome);
      }
    }, delay);
  };
  const flush = (): void => {
    while (held.length > 0) {
      const n = 1 + Math.floor(random() * held.length);
      answer(held.splice(Math.floor(random() * (held.length - n + 1)), n));
    }
  };
  return {
    sent,
    // R-DUP-1 is the engine's (runDeferredLoad): the sink only sends.
    send(row, settle): void | Promise<void> {
      sent.push(row);
      held.push({ row, settle });
      if (held.length >= 7) flush();
    },
    flush,
    stop(): void {
      for (const { settle } of held.splice(0)) settle(new Error('stopped'));
    },
  };
}

describe('runDeferredLoad', () => {
  it('counts and reports exactly as the dry run, whatever order the target answers in (R-COUNT-1, R-REP-2, R-REP-3)', async () => {
    const source = sourceOf({ 'a.csv': fleetCsv(120), 'b.csv': fleetCsv(40) });
    const expected = await collect(fleetTask(), source, { table: TABLE, now: NOW, taskId: 'T'.repeat(32) });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 50 }),
        async (s, max) => {
          let state = s;
          const random = (): number => (state = (state * 48271) % 2147483647) / 2147483647;
          const rejects: RejectEntry[] = [];
          const sink = scrambledSink(random);
          const result = await runDeferredLoad(fleetTask(), source, sink, {
            table: TABLE,
            now: NOW,
            taskId: 'T'.repeat(32),
            maxPendingRows: max,
            onReject: (e) => void rejects.push(e),
          });
          expect(result.progress).toEqual(expected.result.progress);
          expect(result.errorReport).toEqual(expected.result.errorReport);
          expect(rejects).toEqual(expected.rejects);
          expect(sink.sent.flatMap((r) => r.records)).toEqual(expected.records.map((r) => r.record));
        },
      ),
      { numRuns: 15, ...seed },
    );
  });

  it('turns records the target refuses into ingestion failures of their rows, in line order (R-ING-2)', async () => {
    const csv = [FLEET_HEADER, ...[0, 1, 2, 3, 4].map((i) => `${1714521600 + i},T${i},R,1,1,1,1`)].join('\n');
    const source = sourceOf({ 'f.csv': csv });
    const rejects: RejectEntry[] = [];
    let state = 7;
    const random = (): number => (state = (state * 48271) % 2147483647) / 2147483647;
    const result = await runDeferredLoad(
      fleetTask(),
      source,
      scrambledSink(random, new Set(['f.csv:3', 'f.csv:4'])),
      {
        onReject: (e) => void rejects.push(e),
        taskId: 'T'.repeat(32),
      },
    );
    expect(result.progress).toMatchObject({
      RecordsProcessed: 5,
      RecordsIngested: 3,
      RecordIngestionFailures: 2,
    });
    expect(result.status).toBe('FAILED');
    expect(result.errorReport?.fileErrors).toEqual([
      { fileName: 'f.csv', errors: [{ reason: 'Refused by the target.', lineRanges: [[3, 4]] }] },
    ]);
    expect(rejects.map((r) => [r.line, r.code, r.kind])).toEqual([
      [3, 'RECORD_REJECTED', 'ingestion'],
      [4, 'RECORD_REJECTED', 'ingestion'],
    ]);
  });

  it('stops at the first row that was not written, counts the rows before it and throws the cause (R-ING-3)', async () => {
    const csv = [
      FLEET_HEADER,
      ...Array.from({ length: 30 }, (_, i) => `${1714521600 + i},T${i},R,1,1,1,1`),
    ].join('\n');
    const source = sourceOf({ 'f.csv': csv });
    const positions: LoadPosition[] = [];
    const failure = new Error('target unreachable');
    const sink: DeferredLoadSink = {
      check: () => null,
      send(row, settle): void {
        // Rows up to line 11 are written; line 12 fails; later rows are written again (they are still not counted).
        if (row.line === 12) setTimeout(() => settle(failure), 5);
        else setTimeout(() => settle({ rejected: [] }), row.line < 12 ? 1 : 0);
      },
      flush: () => undefined,
      stop: () => undefined,
    };
    const run = runDeferredLoad(fleetTask(), source, sink, {
      onSettled: (p) => positions.push({ ...p, report: { ...p.report } }),
    });
    await expect(run).rejects.toBe(failure);
    const last = positions.at(-1)!;
    expect(last).toMatchObject({ file: 'f.csv', line: 11, fileDone: false });
    expect(last.report).toMatchObject({ RecordsProcessed: 10, RecordsIngested: 10 });
  });

  it('stops when the signal aborts, after the sink settled what it held (R-TASK-1)', async () => {
    const csv = [
      FLEET_HEADER,
      ...Array.from({ length: 50 }, (_, i) => `${1714521600 + i},T${i},R,1,1,1,1`),
    ].join('\n');
    const abort = new AbortController();
    const held: SettleRow[] = [];
    const positions: LoadPosition[] = [];
    const sink: DeferredLoadSink = {
      check: () => null,
      send(row, settle): void | Promise<void> {
        if (row.line <= 5) return void settle({ rejected: [] });
        held.push(settle);
        if (row.line === 9) {
          abort.abort(new Error('interrupted'));
          return new Promise(() => undefined); // blocked until stop() … which never resolves it: the engine must not wait
        }
      },
      flush: () => undefined,
      stop(): void {
        for (const settle of held.splice(0)) settle(new Error('not sent'));
      },
    };
    const run = runDeferredLoad(fleetTask(), sourceOf({ 'f.csv': csv }), sink, {
      signal: abort.signal,
      onSettled: (p) => positions.push({ ...p, report: { ...p.report } }),
    });
    const outcome = await Promise.race([
      run.then(
        () => 'done',
        (e: Error) => e.message,
      ),
      delay(2000),
    ]);
    expect(outcome).toBe('interrupted');
    expect(positions.at(-1)).toMatchObject({ line: 5, report: { RecordsIngested: 4 } });
  });
});

function delay(ms: number): Promise<string> {
  return new Promise((resolve) => setTimeout(() => resolve('timeout'), ms));
}
