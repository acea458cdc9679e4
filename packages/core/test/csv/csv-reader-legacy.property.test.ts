/**
 * The new CSV engine (csv-reader.ts, our own tokenizer) against the engine it replaces (csv-engine.ts, csv-parse
 * driven through its private hooks): the same events, handoffs and counts on hostile input, every option set,
 * random chunking and byte ranges. Where SPEC settles what the old engine did otherwise (R-CSV-8: a row that goes
 * wrong ends with its physical line; a header that goes wrong before an invalid byte fails first; a quote left
 * open at a range's start is the next range's), only the events before the first such failure are compared.
 * fast-check prints the seed of a failure; pin one with FC_SEED=<seed>.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { ResolvedCsvOptions, SourceEvent } from '../../src/index.js';
import { CsvEngine } from '../../src/csv/csv-engine.js';
import { CsvReader } from '../../src/csv/csv-reader.js';
import { bytes, FILE, splitAt } from '../read-rows-helpers.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

const csvOptions: fc.Arbitrary<ResolvedCsvOptions> = fc.record({
  columnSeparator: fc.constantFrom(',', '|', ';', '\t', ' '),
  quoteChar: fc.constantFrom('"', "'"),
  escapeChar: fc.constantFrom(null, '\\'),
  nullValue: fc.constant(null),
  trimWhiteSpace: fc.boolean(),
});
const token = fc.constantFrom(
  ...['"', '""', "'", ',', ';', '|', '\t', ' ', '\n', '\r\n', '\r', '\\', 'a', 'bc', 'é', '😀', '\0'],
  ...['\u00a0', '\u3000', 'x,y\n', '"q,\n"', "'1'"],
);
const text = fc.array(token, { maxLength: 40 }).map((t) => t.join(''));
const hostileBytes = fc
  .array(
    fc.oneof(
      { weight: 8, arbitrary: token.map((t) => [...bytes(t)]) },
      {
        weight: 1,
        arbitrary: fc.constantFrom([0xff], [0xc3], [0xef, 0xbb, 0xbf], [0xfe, 0xff], [0xe2, 0x82]),
      },
    ),
    { maxLength: 30 },
  )
  .map((parts) => Uint8Array.from(parts.flat()));

type Engine = typeof CsvEngine | typeof CsvReader;
interface Range {
  header: string[] | null;
  limit: number;
}

function run(
  engine: Engine,
  chunks: Uint8Array[],
  csv: ResolvedCsvOptions,
  maxRowBytes: number,
  range: Range | null,
) {
  const e = new engine(FILE, csv, { encoding: undefined, maxRowBytes });
  if (range !== null) e.startRange(range.header, 0, range.limit);
  const events: SourceEvent[] = [];
  for (const chunk of chunks) {
    events.push(...e.push(Buffer.from(chunk)));
    if (e.done) break;
  }
  if (!e.done) events.push(...e.end());
  return { events, handoff: e.handoff, lines: e.handoffLines, rows: e.rows };
}

/** Failures whose recovery SPEC R-CSV-8 now settles. */
function settled(event: SourceEvent): boolean {
  if (event.type !== 'row-failure' && event.type !== 'file-failure') return false;
  return [
    'CSV_INVALID_QUOTE',
    'CSV_UNTERMINATED_QUOTE',
    'FILE_HEADER_UNREADABLE',
    'FILE_INVALID_UTF8',
  ].includes(event.failure.code);
}

function tooLarge(event: SourceEvent): boolean {
  return event.type === 'row-failure' && event.failure.code === 'CSV_ROW_TOO_LARGE';
}

describe('the new CSV engine against the csv-parse engine it replaces', () => {
  it('gives the same events on hostile input, any options, splits and ranges (R-CSV-1..8)', () => {
    let full = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          hostileBytes,
          text.map((t) => bytes(`h1,h2\n${t}`)),
        ),
        csvOptions,
        fc.constantFrom(8, 24, 1024),
        fc.array(fc.nat(120), { maxLength: 6 }),
        fc.oneof(
          fc.constant(null),
          fc.record({ header: fc.constant(null), limit: fc.nat(80) }),
          fc.record({ header: fc.constant(['h1', 'h2'] as string[]), limit: fc.nat(80) }),
        ),
        (input, csv, maxRowBytes, cuts, range) => {
          const old = run(CsvEngine, [input], csv, maxRowBytes, range);
          const now = run(CsvReader, splitAt(input, cuts), csv, maxRowBytes, range);
          // Equal up to the first failure SPEC settles anew (or a row too large because of where it now ends).
          for (let i = 0; i < Math.max(old.events.length, now.events.length); i++) {
            const [a, b] = [old.events[i], now.events[i]];
            const either = (f: (e: SourceEvent) => boolean): boolean =>
              (a !== undefined && f(a)) || (b !== undefined && f(b));
            if ((either(settled) || either(tooLarge)) && JSON.stringify(a) !== JSON.stringify(b)) return;
            expect(b).toEqual(a);
          }
          full++;
          expect(now).toEqual(old);
        },
      ),
      { ...fcOptions, numRuns: 4000 },
    );
    // Most inputs are compared in full, not only up to a settled failure.
    expect(full).toBeGreaterThan(2000);
  });

  it('gives the same events on large inputs in 16 KiB chunks and any ranges (R-CSV-1, R-CSV-5)', () => {
    const rows = Array.from({ length: 5000 }, (_, i) =>
      i % 97 === 0
        ? `${i},"quoted, ${i}\nsecond line",x`
        : i % 101 === 0
          ? ''
          : `${i},v-${i % 13},é${'z'.repeat(i % 40)}`,
    );
    const input = bytes(`a,b,c\n${rows.join('\r\n')}\n`);
    const csv: ResolvedCsvOptions = {
      columnSeparator: ',',
      quoteChar: '"',
      escapeChar: null,
      nullValue: null,
      trimWhiteSpace: false,
    };
    const chunks = [];
    for (let i = 0; i < input.length; i += 16384) chunks.push(input.subarray(i, i + 16384));
    expect(run(CsvReader, chunks, csv, 1 << 20, null)).toEqual(run(CsvEngine, [input], csv, 1 << 20, null));
    for (const limit of [1000, 65536, 100000]) {
      const range = { header: null, limit };
      expect(run(CsvReader, chunks, csv, 1 << 20, range)).toEqual(
        run(CsvEngine, chunks, csv, 1 << 20, range),
      );
    }
  });
});
