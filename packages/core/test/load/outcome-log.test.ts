/**
 * The spill log of the parallel dry run (outcome-log.ts, R-DUP-1) gives back what was appended, exactly: the times
 * of the rows with a limit or window failure to the bit whether they were kept as steps or as they are (no time of
 * another row: a row refused for a conflict alone has its time from the conflict), and the report's series (issue
 * 19) with their values whether they went to the log's dictionary or not. Property tests print their seed on failure;
 * FC_SEED=<seed> replays it.
 */
import { rmSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { SpillFolder } from '../../src/checks/spill-files.js';
import { OutcomeLog, timeSteps, unstep } from '../../src/load/outcome-log.js';
import { ROW, type RangeOutcome } from '../../src/load/range-job.js';
import type { ContentStatsData } from '../../src/report/stats/content-data.js';
import { decodeValues, SERIES_SLOT_WIDTH, SeriesTable } from '../../src/report/stats/series-table.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

/** Times as the report makes them: whole ms near now (seconds or ms data), or anything a double holds. */
const wholeMs = fc
  .tuple(
    fc.integer({ min: 0, max: 2e12 }),
    fc.constantFrom(1, 1000),
    fc.array(fc.integer({ min: -5000, max: 5000 }), { maxLength: 40 }),
  )
  .map(([first, unit, steps]) => {
    let t = first * unit;
    return Float64Array.from([t, ...steps.map((s) => (t += s * unit))]);
  });
const anyTimes = fc
  .array(
    fc.oneof(
      fc.double(),
      fc.constantFrom(NaN, -0, 0, Infinity, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1.5e18),
      fc.integer({ min: 0, max: 2e12 }).map((n) => n * 1e-6),
    ),
    { maxLength: 40 },
  )
  .map((times) => Float64Array.from(times));
const timesOf = fc.oneof(wholeMs, anyTimes);

/** A few series of two dimensions (lanes from a small set, so that outcomes share series). */
const seriesOf = fc.array(
  fc.record({
    lane: fc.integer({ min: 0, max: 12 }),
    values: fc.tuple(
      fc.option(fc.string({ maxLength: 6 })),
      fc.option(fc.string({ unit: 'binary', maxLength: 4 })),
    ),
    rows: fc.integer({ min: 0, max: 5 }),
  }),
  { maxLength: 12 },
);

/** Per row: whether it has a limit or window failure (every row, none, or some). */
const failedOf = fc.oneof(
  fc.constant((): boolean => true),
  fc.constant((): boolean => false),
  fc
    .array(fc.boolean(), { minLength: 1, maxLength: 40 })
    .map((flags) => (row: number) => flags[row % flags.length]!),
);

function outcomeOf(
  rowTime: Float64Array,
  series: Series,
  firstValues: Map<number, (string | null)[]>,
  failed: (row: number) => boolean = () => false,
): RangeOutcome {
  const n = rowTime.length;
  const table = new SeriesTable(2);
  for (const s of series) {
    // A lane's values are those it first came with, in any outcome (a series' values do not change).
    const values = firstValues.get(s.lane) ?? s.values;
    firstValues.set(s.lane, values);
    table.add(s.lane, s.lane * 7 + 1, s.rows, values);
  }
  const content: ContentStatsData = {
    rows: n,
    records: n,
    times: { width: 1, first: 0, counts: [[]] },
    minTime: Infinity,
    maxTime: -Infinity,
    window: [0, 0, 0],
    present: [n, n],
    slotPresent: [],
    slotApplies: [],
    series: table.data(),
    tops: null,
    seriesSketch: null,
  };
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  // Rows of one to three records (a mixed model's); a failed row's failure is on its last record only.
  const rowRecords = Int32Array.from(rows, (i) => 1 + (i % 3));
  const recFailure = Int32Array.from(
    Array.from(rows).flatMap((i) => {
      const records = new Array<number>(rowRecords[i]!).fill(-1);
      if (failed(i)) records[records.length - 1] = 0;
      return records;
    }),
  );
  const records = Int32Array.from(recFailure, (_, i) => i);
  return {
    start: 0,
    handoff: -1,
    lines: n,
    rows: n,
    kinds: new Uint8Array(n).fill(ROW),
    rowLine: rows,
    rowSpan: new Int32Array(n),
    rowOffset: rows,
    rowBytes: new Int32Array(n).fill(10),
    rowRecords,
    recSize: Int32Array.from(records, (i) => 30 + (i % 7)),
    recHash: records,
    recHashHigh: records,
    recFailure,
    failures: rows.some((i) => failed(i))
      ? [{ kind: 'ingestion', code: 'TIME_OUTSIDE_WINDOW', reason: 'r', detail: 'd' }]
      : [],
    others: [],
    namesLines: false,
    rowTime,
    content,
  };
}

type Series = { lane: number; values: [string | null, string | null]; rows: number }[];

/** The series of a content as lanes, rows and decoded values, in slot order. */
function seriesEntries(content: ContentStatsData): unknown[] {
  const { slots, chars, width } = content.series!;
  const out: unknown[] = [];
  for (let at = 0; at < slots.length; at += SERIES_SLOT_WIDTH)
    out.push([slots[at], slots[at + 1], slots[at + 2], decodeValues(chars, slots[at + 3]!, width)]);
  return out;
}

describe('OutcomeLog', () => {
  it('timeSteps and unstep give every time back to the bit, or decline', () => {
    fc.assert(
      fc.property(timesOf, (times) => {
        const stepped = timeSteps(times);
        if (stepped === null) return;
        const back = new Float64Array(times.length);
        unstep(stepped.steps, times[0] ?? 0, stepped.unit, back);
        for (let i = 0; i < times.length; i++) expect(Object.is(back[i], times[i]), `row ${i}`).toBe(true);
      }),
      { numRuns: 500, ...fcOptions },
    );
    // Whole ms, the usual times, are stepped; whole seconds in steps of seconds.
    expect(timeSteps(Float64Array.from([1714521601000, 1714521603000, 1714521603000]))?.unit).toBe(1000);
    expect(timeSteps(Float64Array.from([1714521601000, 1714521603001]))?.unit).toBe(1);
    expect(timeSteps(Float64Array.from([1714521601000.5, 1714521601001.25]))).toBeNull();
  });

  it("reads back every appended outcome: failed rows' times to the bit, series with their values", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(timesOf, seriesOf, failedOf), { minLength: 1, maxLength: 6 }),
        (parts) => {
          const folder = SpillFolder.create(undefined);
          try {
            const log = new OutcomeLog(folder);
            const values = new Map<number, (string | null)[]>();
            const outcomes = parts.map(([times, series, failed]) => outcomeOf(times, series, values, failed));
            outcomes.forEach((o, i) => log.append(0, i, { event: 0, row: 0, record: 0, other: 0 }, o));
            let n = 0;
            for (const logged of log.entries()) {
              const want = outcomes[n++]!;
              const got = logged.outcome;
              expect(logged.lineBase).toBe(n - 1);
              expect(Array.from(got.recSize)).toEqual(Array.from(want.recSize));
              expect(Array.from(got.recFailure)).toEqual(Array.from(want.recFailure));
              // No failed rows, no times: the log gives none back; else each failed row's, NaN for the others.
              let rec = 0;
              const failed = Array.from(want.rowRecords, (count) =>
                want.recFailure.subarray(rec, (rec += count)).some((f) => f !== -1),
              );
              expect(got.rowTime?.length ?? 0).toBe(failed.includes(true) ? want.rowTime!.length : 0);
              for (let i = 0; i < (got.rowTime?.length ?? 0); i++) {
                const time = failed[i] ? want.rowTime![i] : NaN;
                expect(Object.is(got.rowTime![i], time), `row ${i}`).toBe(true);
              }
              expect(seriesEntries(got.content!)).toEqual(seriesEntries(want.content!));
            }
            expect(n).toBe(outcomes.length);
          } finally {
            rmSync(folder.path, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 150, ...fcOptions },
    );
  });
});
