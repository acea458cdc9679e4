/**
 * The range job's row kernel (load/row-kernel.ts) against the generic path (RowMapping, recordsRow): random tasks
 * (multi-measure with a fixed name or a MeasureNameColumn, mixed models, every scalar type, NullValue, trimming,
 * the time window, unmapped and reordered columns) over random rows (nulls, bad cells, rows of the wrong width (R-CSV-6), non-ASCII text,
 * records over R-LIM-1's size) read in random ranges: every column of every RangeOutcome is equal with the kernel
 * and without it (RangeJob.genericOnly). R-METER-1, R-LIM-1, R-WIN-1, R-DUP-1 (the key hash), R-TIME-1, R-MEAS-1.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  runRangeJob,
  type RangeJob,
  type RangeOutcome,
  type ResolvedTask,
  type ScalarMeasureValueType,
  type TableRetention,
  type TimeUnit,
} from '../../src/index.js';
import { MixedKernel } from '../../src/load/mixed-kernel.js';
import { plainDouble, RowKernel, shortBigint } from '../../src/load/row-kernel.js';
import { valueParser } from '../../src/map/map-values.js';
import { fleetTask, sourceOf } from '../dry-run-fixtures.js';
import { fcOptions, FUZZ_TIMEOUT, fuzzRuns } from '../fuzz-helpers.js';

const NOW_MS = Date.UTC(2024, 4, 1, 1, 0, 0);
const NOW_S = NOW_MS / 1000;
const TABLE: TableRetention = {
  memoryStoreRetentionPeriodInHours: 1,
  magneticStoreRetentionPeriodInDays: 1,
  enableMagneticStoreWrites: false,
};
const DIGITS: Record<TimeUnit, number> = { SECONDS: 0, MILLISECONDS: 3, MICROSECONDS: 6, NANOSECONDS: 9 };
const TYPES: ScalarMeasureValueType[] = ['DOUBLE', 'BIGINT', 'BOOLEAN', 'VARCHAR', 'TIMESTAMP'];
const VALUE_COLUMNS = ['a1', 'a2', 'a3'];

const names = fc.constantFrom('v', 'ville', 'Städte', '東京', 'a1', 'zz');
const model = fc.record({
  unit: fc.constantFrom<TimeUnit>('SECONDS', 'MILLISECONDS', 'MICROSECONDS', 'NANOSECONDS'),
  dims: fc.uniqueArray(fc.constantFrom('d1', 'd2', 'd3'), { minLength: 1, maxLength: 3 }),
  dimNames: fc.array(names, { minLength: 3, maxLength: 3 }),
  kind: fc.constantFrom('multi-fixed', 'multi-column', 'mixed', 'mixed-column'),
  attrs: fc.uniqueArray(fc.constantFrom(...VALUE_COLUMNS), { minLength: 1, maxLength: 3 }),
  types: fc.array(fc.constantFrom(...TYPES), { minLength: 3, maxLength: 3 }),
  measureName: fc.constantFrom('m', 'mesure', 'Größe'),
  nullValue: fc.constantFrom(null, 'NA', '0', 'ñ', ' NA '),
  trim: fc.boolean(),
  /** EscapeChar `\` (R-CSV-8): quoted cells escape their quotes and backslashes with it. */
  escape: fc.boolean(),
  separator: fc.constantFrom(',', ';', '\t'),
  window: fc.boolean(),
  unmapped: fc.boolean(),
  /** Mixed with a MeasureNameColumn: the first mapping applies to every row (match null). */
  everyRow: fc.boolean(),
  order: fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6, 7, 8], { minLength: 9, maxLength: 9 }),
});
type Model = typeof model extends fc.Arbitrary<infer T> ? T : never;

function taskOf(m: Model): ResolvedTask {
  const base = fleetTask();
  const dimensions = m.dims.map((source, i) => ({ source, name: m.dimNames[i]! }));
  const attributes = m.attrs.map((source, i) => ({ source, name: `${source}-${i}`, type: m.types[i]! }));
  const measures: ResolvedTask['model']['measures'] = m.kind.startsWith('multi')
    ? {
        kind: 'multi',
        measureName:
          m.kind === 'multi-fixed' ? { kind: 'fixed', name: m.measureName } : { kind: 'column', column: 'n' },
        attributes,
      }
    : {
        kind: 'mixed',
        measureNameColumn: m.kind === 'mixed-column' ? 'n' : null,
        mappings: attributes.map((a) => ({
          match: m.kind === 'mixed-column' && !(m.everyRow && a === attributes[0]) ? a.source : null,
          measureName: a.name,
          type: a.type,
          source: a.source,
          attributes: [],
        })),
      };
  return fleetTask({
    csv: {
      ...base.csv,
      columnSeparator: m.separator,
      nullValue: m.nullValue,
      trimWhiteSpace: m.trim,
      escapeChar: m.escape ? '\\' : null,
    },
    model: { timeColumn: 't', timeUnit: m.unit, dimensions, measures },
  });
}

const text = fc
  .array(fc.constantFrom('a', 'Z', '-', ' ', 'é', '東', '😀', '"', ',', ';', '\n', 'NA', 'ñ', '0', '\\'), {
    maxLength: 6,
  })
  .map((parts) => parts.join(''));
const cell = fc.oneof(
  { weight: 24, arbitrary: fc.integer({ min: 0, max: 99 }).map((n) => `v-${n}`) },
  { weight: 8, arbitrary: text },
  { weight: 1, arbitrary: fc.constantFrom('', 'NA', '0', 'ñ', ' NA ') },
  { weight: 1, arbitrary: fc.integer({ min: 900, max: 1300 }).map((n) => 'x'.repeat(n)) },
);
/** A valid value of the type, mostly (a valid row is what the kernel takes). */
const VALID: Record<ScalarMeasureValueType, fc.Arbitrary<string>> = {
  DOUBLE: fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String),
  BIGINT: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  BOOLEAN: fc.constantFrom('true', 'false', 'TRUE', 'False'),
  VARCHAR: text.filter((t) => t !== ''),
  TIMESTAMP: fc.integer({ min: 0, max: 2 ** 40 }).map(String),
};
const valueCell = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -99999, max: 99999 }).map(String) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map(String) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('true', 'FALSE', 'nope', '1e999', '.5', '9223372036854775808', ''),
  },
  { weight: 2, arbitrary: text },
);
const timeCell = (unit: TimeUnit): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 10,
      arbitrary: fc
        .tuple(fc.integer({ min: -7200, max: 3600 }), fc.integer({ min: 0, max: 999_999_999 }))
        .map(([s, sub]) => String(NOW_S + s) + String(sub).padStart(9, '0').slice(0, DIGITS[unit])),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom('', 'NA', '0', '0', '000', '00017145216', 't1', '99999999999999999999'),
    },
  );
const row = (unit: TimeUnit, types: readonly ScalarMeasureValueType[]) =>
  fc.record({
    t: timeCell(unit),
    cells: fc.array(cell, { minLength: 4, maxLength: 4 }), // d1 d2 d3 n
    values: fc.tuple(...types.map((t) => fc.oneof({ weight: 8, arbitrary: VALID[t] }, valueCell))),
    name: fc.constantFrom('a1', 'a2', 'a3', 'other'),
    quote: fc.boolean(),
    short: fc.integer({ min: 0, max: 19 }),
  });

const HEADER = ['t', 'd1', 'd2', 'd3', 'n', 'a1', 'a2', 'a3', 'x'];

function csvCell(value: string, sep: string, quote: boolean, escape: boolean): string {
  if (!quote && !value.includes(sep) && !/["\r\n]/.test(value) && !(escape && value.includes('\\')))
    return value;
  return escape ? `"${value.replace(/[\\"]/g, '\\$&')}"` : `"${value.replaceAll('"', '""')}"`;
}

/** The file's outcomes, range by range (as a dry run's workers read it), with or without the kernel. */
async function outcomes(
  task: ResolvedTask,
  table: TableRetention | null,
  path: string,
  size: number,
  rangeBytes: number,
  generic: boolean,
  statistics = false,
): Promise<RangeOutcome[]> {
  const out: RangeOutcome[] = [];
  let header: string[] | null = null;
  let start: number | undefined;
  for (let nominal = 0; nominal < size; nominal += rangeBytes) {
    const job: RangeJob = {
      task,
      taskKey: JSON.stringify(task.model) + JSON.stringify(task.csv),
      file: { key: 'data.csv', path, size },
      header,
      nominal,
      ...(start !== undefined && { start }),
      limit: nominal + rangeBytes >= size ? Infinity : nominal + rangeBytes,
      table,
      nowMs: NOW_MS,
      highWaterMark: 64,
      genericOnly: generic,
      ...(statistics && { statistics: true }),
    };
    out.push(await runRangeJob(job));
    const last = out[out.length - 1]!;
    if (header === null) {
      const fs = last.others.find((e) => e.type === 'file-start');
      header = fs?.type === 'file-start' ? fs.header : null;
    }
    start = last.handoff === -1 ? undefined : last.handoff;
    if (last.handoff === -1) break;
  }
  return out;
}

/** The model of the example tests: time, dimension d1 ("v"), attributes a1 and a2 (DOUBLE, BOOLEAN). */
const EXAMPLE: Model = {
  unit: 'SECONDS',
  dims: ['d1'],
  dimNames: ['v', 'ville', 'zz'],
  kind: 'multi-fixed',
  attrs: ['a1', 'a2'],
  types: ['DOUBLE', 'BOOLEAN', 'VARCHAR'],
  measureName: 'm',
  nullValue: null,
  trim: false,
  escape: false,
  separator: ',',
  window: false,
  unmapped: false,
  everyRow: false,
  order: [0, 1, 2, 3, 4, 5, 6, 7, 8],
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the row kernel of a range job', () => {
  it(
    'gives every outcome column the generic path gives, for random tasks, rows and ranges (fast-check)',
    async () => {
      const taken = vi.spyOn(RowKernel.prototype, 'row');
      const takenMixed = vi.spyOn(MixedKernel.prototype, 'row');
      // Span mode (CsvEngine.setRowHook): rows of valid UTF-8 text, trim off (with statistics: countSpans).
      const takenSpans = vi.spyOn(RowKernel.prototype, 'rowSpans');
      const countedSpans = vi.spyOn(RowKernel.prototype, 'countSpans');
      await fc.assert(
        fc.asyncProperty(
          model.chain((m) =>
            fc.record({
              m: fc.constant(m),
              rows: fc.array(row(m.unit, m.types), { maxLength: 25 }),
              // (ASCII draws: at least a few rows, so that span mode reads some in every such run.)
              moreRows: fc.array(row(m.unit, m.types), { minLength: 4, maxLength: 12 }),
              crlf: fc.boolean(),
              rangeBytes: fc.integer({ min: 40, max: 2000 }),
              // The report's statistics (issue 19): both kernels give them (ContentStats.addCellsRow, addCellsRecords).
              statistics: fc.boolean(),
              // ASCII text only, trim off: what span mode reads (CsvEngine.setRowHook).
              asciiOnly: fc.boolean(),
            }),
          ),
          async ({
            m: drawn,
            rows: drawnRows,
            moreRows,
            crlf,
            rangeBytes,
            statistics: drawnStatistics,
            asciiOnly,
          }) => {
            const rows = asciiOnly ? [...drawnRows, ...moreRows] : drawnRows;
            // Span mode reads rows of ASCII text without trim (for a multi-measure kernel; with statistics too,
            // RowKernel.countSpans): every ASCII draw is one it may read.
            const m = asciiOnly ? { ...drawn, trim: false } : drawn;
            const statistics = drawnStatistics;
            const task = taskOf(m);
            const columns = m.order.filter((i) => m.unmapped || HEADER[i] !== 'x');
            const eol = crlf ? '\r\n' : '\n';
            const lines = rows.map((r) => {
              const byName: Record<string, string> = {
                t: r.t,
                d1: r.cells[0]!,
                d2: r.cells[1]!,
                d3: r.cells[2]!,
                n: m.kind === 'mixed-column' ? r.name : r.cells[3]!,
                a1: r.values[0]!,
                a2: r.values[1]!,
                a3: r.values[2]!,
                x: 'spare',
              };
              const cells = columns.map((i) => csvCell(byName[HEADER[i]!]!, m.separator, r.quote, m.escape));
              // Now and then a row short of its last cells: a row failure of the reader (R-CSV-6).
              if (r.short < cells.length - 1 && r.short < 2) cells.length = cells.length - 1 - r.short;
              return cells.join(m.separator);
            });
            const whole = [columns.map((i) => HEADER[i]).join(m.separator), ...lines].join(eol) + eol;
            const content = asciiOnly ? whole.replace(/[^ -~\t\r\n]/gu, 'x') : whole;
            const source = sourceOf({ 'data.csv': content });
            const file = source.files[0]!;
            // R-WIN-1: an hour of memory store back from NOW_MS, 15 min ahead; some times fall out on each side.
            const table = m.window ? TABLE : null;
            const run = (generic: boolean) =>
              outcomes(task, table, file.path, file.size, rangeBytes, generic, statistics);
            expect(await run(false)).toEqual(await run(true));
          },
        ),
        { numRuns: fuzzRuns(300, 5000), ...fcOptions },
      );
      // The kernel took rows (else this would prove nothing of it), and left others to the generic path.
      // (Span mode takes the multi-measure rows of every valid UTF-8 draw since 67b5605, about 200 a run: the cells
      // path keeps the rest, about 100, hence the bounds.)
      for (const [spy, least] of [
        [taken, 40],
        [takenMixed, 100],
        [takenSpans, 100],
      ] as const) {
        const results = spy.mock.results.map((r) => r.value as number);
        expect(results.filter((v) => v > 0).length).toBeGreaterThan(least);
        expect(results.filter((v) => v === 0).length).toBeGreaterThan(least);
      }
      // Span mode gave the report's statistics of rows it took (issue 19), so the property covers them too.
      expect(countedSpans.mock.calls.length).toBeGreaterThan(20);
    },
    FUZZ_TIMEOUT,
  );

  it('takes rows of non-ASCII UTF-8 text in span mode as the generic path meters them, by extraBytes or by their bytes (R-CSV-2, R-METER-1, R-CSV-8)', async () => {
    // A VARCHAR attribute read only for its length (RowKernel.lengthCells) is now and then quoted with an escaped
    // or a doubled quote inside (cut chars: R-CSV-8), so that records of non-ASCII text have cuts too.
    const quoted = (escape: boolean) =>
      escape ? '"retard \\"à\\" à Orléans, été"' : '"retard ""à"" à Orléans, été"';
    const lines = (name: boolean, escape: boolean) =>
      Array.from({ length: 40 }, (_, i) => {
        const cells = [`${NOW_S - i}`, `Zürich-${i % 5}`, i % 3 === 0 ? '東京' : 'Łódź 😀', `${i}.5`];
        cells.push(i % 4 === 0 ? 'retard à Orléans' : i % 4 === 1 ? quoted(escape) : 'ok');
        if (name) cells.push(i % 2 === 0 ? 'größe' : 'm');
        return cells.join(',');
      });
    // Every column mapped, a fixed name: a row's extraBytes are its record's (extraBytesMeterable); a
    // MeasureNameColumn: its cells are measured.
    for (const kind of ['multi-fixed', 'multi-column'] as const) {
      for (const escape of [false, true]) {
        const m: Model = {
          ...EXAMPLE,
          dims: ['d1', 'd2'],
          kind,
          attrs: ['a1', 'a3'],
          types: ['DOUBLE', 'VARCHAR', 'VARCHAR'],
          escape,
        };
        const header = kind === 'multi-fixed' ? 't,d1,d2,a1,a3' : 't,d1,d2,a1,a3,n';
        const content = [header, ...lines(kind === 'multi-column', escape)].join('\n');
        const file = sourceOf({ 'data.csv': `${content}\n` }).files[0]!;
        const task = taskOf(m);
        const takenSpans = vi.spyOn(RowKernel.prototype, 'rowSpans');
        const kernel = await outcomes(task, null, file.path, file.size, 300, false);
        const utf8 = takenSpans.mock.calls.filter(
          (call, i) => call[2] > 0 && (takenSpans.mock.results[i]!.value as number) > 0,
        );
        expect(utf8.length).toBeGreaterThan(30);
        takenSpans.mockRestore();
        expect(kernel).toEqual(await outcomes(task, null, file.path, file.size, 300, true));
      }
    }
  });

  it('leaves the edge cases to the generic path: a time or a cell equal to NullValue, a time past the last instant', async () => {
    const task = taskOf({ ...EXAMPLE, dims: ['d1', 'd2'], nullValue: '0' });
    const content = [
      't,d1,d2,a1,a2',
      `${NOW_S},v1,w1,1.5,true`,
      '0,v1,w1,1.5,true', // R-CSV-7: the time is null (TIME_NULL)
      `${NOW_S},0,w1,1.5,true`, // a null dimension is left out (R-DIM-1)
      `${NOW_S},v1,w1,0,TRUE`, // a null attribute is left out (R-MEAS-2)
      '9223372037,v1,w1,1.5,true', // R-TIME-1: past the last instant in SECONDS
      '0009223372036,v1,w1,1.5,true', // leading zeros: in range
      `${NOW_S},v1,w1,1.5`, // a short row: a row failure of the reader (R-CSV-6), never mapped
      `${NOW_S},v1,w1,1.5,yes`, // R-MEAS-1: not a BOOLEAN
    ].join('\n');
    const file = sourceOf({ 'data.csv': `${content}\n` }).files[0]!;
    const taken = vi.spyOn(RowKernel.prototype, 'row');
    // Span mode (CsvEngine.setRowHook) asks rowSpans of the rows it reads whole: both, in the order asked.
    const takenSpans = vi.spyOn(RowKernel.prototype, 'rowSpans');
    const kernel = await outcomes(task, null, file.path, file.size, 1e6, false);
    const asked = [taken, takenSpans]
      .flatMap((spy) =>
        spy.mock.results.map((r, i) => ({
          at: spy.mock.invocationCallOrder[i]!,
          took: (r.value as number) > 0,
        })),
      )
      .sort((a, b) => a.at - b.at)
      .map((c) => c.took);
    expect(asked).toEqual([true, false, false, false, false, true, false]);
    expect(kernel).toEqual(await outcomes(task, null, file.path, file.size, 1e6, true));
  });

  it('its DOUBLE and BIGINT shortcuts take only what the parsers take (R-MEAS-1, fast-check)', () => {
    const numeric = fc
      .array(fc.constantFrom('0', '1', '9', '5', '.', '-', '+', 'e', 'E', 'x', ' ', '٣'), { maxLength: 24 })
      .map((parts) => parts.join(''));
    const long = fc.integer({ min: 300, max: 320 }).map((n) => '9'.repeat(n));
    const parseDouble = valueParser('DOUBLE', 'SECONDS');
    const parseBigint = valueParser('BIGINT', 'SECONDS');
    fc.assert(
      fc.property(fc.oneof(numeric, long, fc.string()), (text) => {
        if (plainDouble(text)) expect(parseDouble(text)).toBe(text);
        if (shortBigint(text)) expect(parseBigint(text)).toBe(text);
      }),
      { numRuns: fuzzRuns(2000, 50000), ...fcOptions },
    );
    // Both take the common cells.
    expect(['1.5', '-0.25', '12', '.5', '5.'].every(plainDouble)).toBe(true);
    expect(['0', '-12', '+123456789012345678'].every(shortBigint)).toBe(true);
  });

  it('takes a mixed record of 2048 bytes and leaves one of 2049 to the generic path (R-LIM-1)', async () => {
    const task = taskOf({ ...EXAMPLE, kind: 'mixed', types: ['VARCHAR', 'BIGINT', 'VARCHAR'] });
    // R-METER-1: 8 + "v" + "v1" + "a1-0" + the value: 2048 with 2033 chars, then 2049.
    const content = ['t,d1,a1,a2', `${NOW_S},v1,${'x'.repeat(2033)},7`, `${NOW_S},v1,${'x'.repeat(2034)},7`];
    const file = sourceOf({ 'data.csv': `${content.join('\n')}\n` }).files[0]!;
    const taken = vi.spyOn(MixedKernel.prototype, 'row');
    const kernel = await outcomes(task, null, file.path, file.size, 1e6, false);
    expect(taken.mock.results.map((r) => r.value as number)).toEqual([2, 0]);
    expect(kernel[0]!.recFailure[2]).not.toBe(-1); // LIMIT_RECORD_SIZE, from the generic path
    expect(kernel).toEqual(await outcomes(task, null, file.path, file.size, 1e6, true));
  });

  it("takes a mixed model's rows when the report's statistics are asked too, with the generic path's statistics (issue 19)", async () => {
    const task = taskOf({ ...EXAMPLE, kind: 'mixed', types: ['VARCHAR', 'BIGINT', 'VARCHAR'] });
    const content = ['t,d1,a1,a2', `${NOW_S},v1,x,7`, `${NOW_S + 1},v2,y,8`, `${NOW_S + 2},v1,z,9`];
    const file = sourceOf({ 'data.csv': `${content.join('\n')}\n` }).files[0]!;
    const taken = vi.spyOn(MixedKernel.prototype, 'row');
    const withStats = await outcomes(task, null, file.path, file.size, 1e6, false, true);
    expect(taken.mock.results.map((r) => r.value as number)).toEqual([2, 2, 2]);
    const stats = withStats[0]!.content!;
    expect([stats.rows, stats.records, stats.slotPresent, stats.slotApplies]).toEqual([3, 6, [3, 3], [3, 3]]);
    expect(stats.series?.slots.length).toBe(4 * 4); // v1, v2 by two measure names
    expect(withStats).toEqual(await outcomes(task, null, file.path, file.size, 1e6, true, true));
  });
});
