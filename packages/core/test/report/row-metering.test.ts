/**
 * R-METER-1: a range job sizes a row's record from the row's bytes (row-metering.ts: recordEventSizeAscii plus the
 * bytes its non-ASCII text adds) instead of measuring its strings. Property: on generated files of any text (accents,
 * CJK, surrogate pairs, separators, quotes and newlines inside quotes, NullValue cells, bad values), read in chunks
 * of any size, every record's size in the range job's outcome equals recordEventSize of the record the sequential
 * reader maps; with a header and options where the shortcut does not hold (an unmapped column, a non-ASCII
 * NullValue, TrimWhiteSpace, a BOOLEAN attribute), as well as where it does; with white space and blank lines
 * before rows, where a row's first char may be in an earlier chunk than its line's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  compileTask,
  mapRows,
  readRows,
  recordEventSize,
  runRangeJob,
  type ResolvedTask,
} from '../../src/index.js';
import { extraBytesMeterable } from '../../src/report/row-metering.js';
import { fleetTask, sourceOf } from '../dry-run-fixtures.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

interface Variant {
  nullValue: string | null;
  trim: boolean;
  unmapped: boolean;
  boolean: boolean;
}

function taskOf(v: Variant): ResolvedTask {
  const base = fleetTask();
  return fleetTask({
    csv: { ...base.csv, nullValue: v.nullValue, trimWhiteSpace: v.trim },
    model: {
      ...base.model,
      dimensions: [
        { source: 'vehicle', name: 'vehicle' },
        { source: 'city', name: 'city' },
      ],
      measures: {
        kind: 'multi',
        measureName: { kind: 'fixed', name: 'mesure' },
        attributes: [
          { source: 'wgt', name: 'poids', type: 'DOUBLE' },
          { source: 'miles', name: 'miles', type: 'BIGINT' },
          { source: 'note', name: 'note', type: 'VARCHAR' },
          ...(v.boolean ? [{ source: 'ok', name: 'ok', type: 'BOOLEAN' as const }] : []),
        ],
      },
    },
  });
}

const header = (v: Variant): string[] => [
  'timestamp',
  'vehicle',
  'city',
  'wgt',
  'miles',
  'note',
  ...(v.boolean ? ['ok'] : []),
  ...(v.unmapped ? ['spare'] : []),
];

/** A cell as CSV: quoted (quotes doubled) when it must be, or at random. */
function csvCell(text: string, quote: boolean): string {
  return quote || /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const text = fc
  .array(
    fc.constantFrom('a', 'Z', ' ', '-', 'é', 'ß', '東', '京', '😀', '\u3000', ',', '"', '\n', 'ñ', 'NA'),
    {
      maxLength: 8,
    },
  )
  .map((parts) => parts.join(''));
const cell = (v: Variant): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: text },
    { weight: 1, arbitrary: fc.constant('') },
    { weight: 1, arbitrary: fc.constant(v.nullValue ?? '') },
  );
const numberCell = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -5000, max: 5000 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('1e3', 'x', '', '١٢') },
);

const variant = fc.record({
  nullValue: fc.constantFrom(null, 'NA', 'ñ'),
  trim: fc.boolean(),
  unmapped: fc.boolean(),
  boolean: fc.boolean(),
});

const file = variant.chain((v) =>
  fc.record({
    v: fc.constant(v),
    rows: fc.array(
      fc.record({
        time: fc.oneof(fc.integer({ min: 1714521600, max: 1714529999 }).map(String), fc.constant('t')),
        vehicle: cell(v),
        city: cell(v),
        wgt: numberCell,
        miles: numberCell,
        note: cell(v),
        ok: fc.constantFrom('true', 'FALSE', 'nope'),
        spare: text,
        quote: fc.boolean(),
        // White space before the row (trimmed with TrimWhiteSpace), and blank or white lines before it.
        lead: fc.constantFrom('', '', '', ' ', '\u3000 ', '\t'),
        before: fc.constantFrom('', '', '', '\n', ' \n', '\u00a0\n'),
      }),
      { maxLength: 30 },
    ),
    crlf: fc.boolean(),
    highWaterMark: fc.integer({ min: 1, max: 80 }),
  }),
);

describe('row metering (R-METER-1)', () => {
  it('a range job sizes every record as recordEventSize does, for any text and chunking (fast-check)', async () => {
    let shortcut = 0;
    await fc.assert(
      fc.asyncProperty(file, async ({ v, rows, crlf, highWaterMark }) => {
        const task = taskOf(v);
        const eol = crlf ? '\r\n' : '\n';
        const lines = rows.map(
          (r) =>
            r.before.replace('\n', eol) +
            r.lead +
            [
              r.time,
              csvCell(r.vehicle, r.quote),
              csvCell(r.city, false),
              r.wgt,
              r.miles,
              csvCell(r.note, r.quote),
              ...(v.boolean ? [r.ok] : []),
              ...(v.unmapped ? [csvCell(r.spare, false)] : []),
            ].join(','),
        );
        const content = [header(v).join(','), ...lines].join(eol) + eol;
        const source = sourceOf({ 'data.csv': content });
        const expected: number[] = [];
        for await (const batch of mapRows(readRows(source, task.csv, { highWaterMark }), compileTask(task))) {
          for (const e of batch)
            if (e.type === 'records') for (const r of e.records) expected.push(recordEventSize(r));
        }
        const outcome = await runRangeJob({
          task,
          taskKey: JSON.stringify(v),
          file: source.files[0]!,
          header: null,
          nominal: 0,
          limit: Infinity,
          table: null,
          nowMs: 0,
          highWaterMark,
        });
        if (extraBytesMeterable(task, header(v))) shortcut++;
        expect(Array.from(outcome.recSize)).toEqual(expected);
      }),
      { numRuns: 150, ...fcOptions },
    );
    // The shortcut was taken on some of the files (else this test would prove nothing about it).
    expect(shortcut).toBeGreaterThan(0);
  });

  it('the shortcut holds only where every column is read once and nothing non-ASCII can be left out', () => {
    const plain: Variant = { nullValue: 'NA', trim: false, unmapped: false, boolean: false };
    expect(extraBytesMeterable(taskOf(plain), header(plain))).toBe(true);
    for (const other of [
      { ...plain, nullValue: 'ñ' },
      { ...plain, trim: true },
      { ...plain, unmapped: true },
      { ...plain, boolean: true },
    ]) {
      expect(extraBytesMeterable(taskOf(other), header(other))).toBe(false);
    }
    // A column read twice (a dimension that is also an attribute) would count its text twice.
    const twice = taskOf(plain);
    const measures = twice.model.measures;
    if (measures.kind !== 'multi') throw new Error('multi expected');
    const withCity = {
      ...twice,
      model: {
        ...twice.model,
        measures: {
          ...measures,
          attributes: [...measures.attributes, { source: 'city', name: 'c', type: 'VARCHAR' as const }],
        },
      },
    };
    expect(extraBytesMeterable(withCity, header(plain))).toBe(false);
  });
});
