/**
 * Invariants of the CSV reader, checked by fast-check (fast-check prints the seed of a failure; pin one with
 * FC_SEED=<seed>): chunking never changes the events; hostile input never throws and every record becomes exactly
 * one event, as an independent reference reader says; CSV written by csv-stringify reads back to its cells.
 */
import { isUtf8 } from 'node:buffer';

import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { ResolvedCsvOptions, SourceEvent } from '../../src/index.js';
import { CsvEngine } from '../../src/csv/csv-engine.js';
import { Utf8Checker } from '../../src/csv/csv-utf8.js';
import { bytes, collect, FILE, show, splitAt } from '../read-rows-helpers.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

const LF = 10;
const CR = 13;

const csvOptions: fc.Arbitrary<ResolvedCsvOptions> = fc.record({
  columnSeparator: fc.constantFrom(',', '|', ';', '\t', ' '),
  quoteChar: fc.constantFrom('"', "'"),
  escapeChar: fc.constantFrom(null, '\\'),
  nullValue: fc.constant(null),
  trimWhiteSpace: fc.boolean(),
});

/** Pieces that stress the parser: quotes, separators, line ends, escapes, spaces, multi-byte text. */
const hostileToken = fc.constantFrom(
  '"',
  '""',
  "'",
  ',',
  ';',
  '|',
  '\t',
  ' ',
  '\n',
  '\r\n',
  '\r',
  '\\',
  'a',
  'bc',
  'é',
  '😀',
  '\0',
);
const hostileText = fc.array(hostileToken, { maxLength: 40 }).map((tokens) => tokens.join(''));

/** Hostile bytes: the text above plus bytes that break UTF-8 or form a BOM. */
const hostileBytes = fc
  .array(
    fc.oneof(
      { weight: 8, arbitrary: hostileToken.map((t) => [...bytes(t)]) },
      {
        weight: 1,
        arbitrary: fc.constantFrom([0xff], [0xc3], [0xef, 0xbb, 0xbf], [0xfe, 0xff], [0xe2, 0x82]),
      },
    ),
    { maxLength: 30 },
  )
  .map((parts) => Uint8Array.from(parts.flat()));

describe('UTF-8 checking (R-CSV-2)', () => {
  it('finds the first invalid byte however the bytes are split, where the longest valid prefix ends (R-CSV-2)', () => {
    const utf8ish = fc.array(
      fc.oneof(
        fc.constantFrom([0x61], [0x0a], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80]),
        fc.constantFrom(
          [0x80],
          [0xc0, 0xaf],
          [0xed, 0xa0, 0x80],
          [0xf4, 0x90, 0x80, 0x80],
          [0xe2, 0x82],
          [0xff],
        ),
        fc.nat(255).map((b) => [b]),
      ),
      { maxLength: 24 },
    );
    fc.assert(
      fc.property(utf8ish, fc.array(fc.nat(100), { maxLength: 6 }), (parts, cuts) => {
        const input = Uint8Array.from(parts.flat());
        let valid = input.length;
        while (!isUtf8(input.subarray(0, valid))) valid--;
        const checker = new Utf8Checker();
        let bad = -1;
        for (const chunk of splitAt(input, cuts)) {
          bad = checker.check(chunk);
          if (bad !== -1) break;
        }
        if (bad === -1) bad = checker.end();
        expect(bad).toBe(valid === input.length ? -1 : valid);
      }),
      { ...fcOptions, numRuns: 2000 },
    );
  });
});

describe('readCsvBytes properties (R-CSV-1..6)', () => {
  it('gives the same events however the bytes are split: at every offset, and byte by byte (R-CSV-1)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          hostileBytes,
          hostileText.map((t) => bytes(`h1,h2\n${t}`)),
        ),
        csvOptions,
        fc.constantFrom(8, 1024),
        async (input, csv, maxRowBytes) => {
          const expected = await collect([input], csv, { maxRowBytes });
          for (let cut = 1; cut < input.length; cut++) {
            expect(await collect(splitAt(input, [cut]), csv, { maxRowBytes })).toEqual(expected);
          }
          expect(await collect(splitAt(input, [...input.keys()]), csv, { maxRowBytes })).toEqual(expected);
        },
      ),
      { ...fcOptions, numRuns: 120 },
    );
  });

  it('reads unquoted cells of any length as written, in ASCII chunks and others, split anywhere (R-CSV-1)', async () => {
    // Unquoted cells in an ASCII chunk are cut from the chunk's text (short) or decoded alone (13+ characters).
    const cellText = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'B', '7', ' ', '-', '.'), maxLength: 30, size: 'max' }),
      fc.constantFrom('é', 'a-longer-cell-with-é-in-it'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(cellText, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(700), { maxLength: 8 }),
        async (rows, cuts) => {
          const input = bytes(`h1,h2,h3\n${rows.map((cells) => `${cells.join(',')}\n`).join('')}`);
          const events = await collect(splitAt(input, cuts));
          expect(events.filter((e) => e.type === 'row').map((e) => e.cells)).toEqual(rows);
        },
      ),
      { ...fcOptions, numRuns: 300 },
    );
  });

  it('gives the same events for random splits of larger inputs (R-CSV-1)', async () => {
    const large = fc.array(fc.oneof(hostileText, fc.constant('1,2\n'), fc.constant('"x\ny",z\n')), {
      minLength: 5,
      maxLength: 60,
    });
    await fc.assert(
      fc.asyncProperty(
        large,
        csvOptions,
        fc.array(fc.nat(4000), { maxLength: 12 }),
        async (parts, csv, cuts) => {
          const input = bytes(`h1,h2\n${parts.join('')}`);
          const expected = await collect([input], csv, { maxRowBytes: 64 });
          expect(await collect(splitAt(input, cuts), csv, { maxRowBytes: 64 })).toEqual(expected);
        },
      ),
      { ...fcOptions, numRuns: 150 },
    );
  });

  it('never throws on hostile CSV, and turns every record into exactly one row or row failure (R-CSV-6)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(fc.oneof(hostileToken, fc.constantFrom('1,2,3\n', '"x\ny",z,\n', ',,\r\n')), {
            maxLength: 30,
          })
          .map((tokens) => tokens.join('')),
        fc.constantFrom(',', ';', '\t', ' '),
        fc.constantFrom('"', "'"),
        fc.constantFrom(null, '\\'),
        async (body, columnSeparator, quoteChar, escapeChar) => {
          const csv: ResolvedCsvOptions = {
            columnSeparator,
            quoteChar,
            escapeChar,
            nullValue: null,
            trimWhiteSpace: false,
          };
          const header = ['h1', 'h2', 'h3'].join(columnSeparator) + '\n';
          const input = bytes(header + body);
          const events = await collect([input], csv);
          const expected = referenceEvents(input, csv, 3);
          expect(events.slice(1, -1).map(showWithCells)).toEqual(expected);
          expect(show([events[0]!, events.at(-1)!])).toEqual(['start ["h1","h2","h3"]', 'end']);
        },
      ),
      { ...fcOptions, numRuns: 400 },
    );
  });

  it('never throws with TrimWhiteSpace, and the events tile the non-blank lines in order (R-CSV-4, R-CSV-5)', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, csvOptions, async (body, options) => {
        const csv = { ...options, trimWhiteSpace: true };
        const input = `h1${csv.columnSeparator}h2\n${body}`;
        const events = await collect([bytes(input)], csv);
        expect(events[0]?.type).toBe('file-start');
        expect(events.at(-1)?.type).toBe('file-end');
        const lines = input.split('\n');
        const lineCount = input.endsWith('\n') ? lines.length - 1 : lines.length;
        let next = 2;
        for (const event of events.slice(1, -1)) {
          if (event.type !== 'row' && event.type !== 'row-failure')
            throw new Error(`unexpected ${event.type}`);
          // Lines skipped between two events are blank: nothing but white space.
          for (let line = next; line < event.line; line++) expect(lines[line - 1]!.trim()).toBe('');
          expect(event.lastLine).toBeGreaterThanOrEqual(event.line);
          next = event.lastLine + 1;
        }
        for (let line = next; line <= lineCount; line++) expect(lines[line - 1]!.trim()).toBe('');
      }),
      { ...fcOptions, numRuns: 300 },
    );
  });

  it('reads back what csv-stringify writes: the same cells on the same lines (R-CSV-1, R-CSV-5)', async () => {
    const cell = fc.oneof(
      fc.string({
        unit: fc.constantFrom('a', 'b', ' ', ',', ';', '|', '\t', '"', "'", '\\', '\n', '\r', 'é', '😀'),
      }),
      fc.string({ maxLength: 8 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 5 }).chain((columns) =>
          fc
            .array(fc.array(cell, { minLength: columns, maxLength: columns }), { maxLength: 12 })
            .map((rows) => ({
              columns,
              rows,
            })),
        ),
        fc.constantFrom(',', '|', ';', '\t', ' '),
        fc.constantFrom('"', "'"),
        fc.constantFrom<'unix' | 'windows'>('unix', 'windows'),
        async ({ columns, rows }, columnSeparator, quoteChar, recordDelimiter) => {
          const header = Array.from({ length: columns }, (_, i) => `c${i}`);
          const text = stringify([header, ...rows], {
            delimiter: columnSeparator,
            quote: quoteChar,
            escape: quoteChar,
            record_delimiter: recordDelimiter,
            // csv-stringify leaves a bare LF unquoted when records end in CRLF; R-CSV-4 ends a record at any LF.
            quoted_match: /[\r\n]/,
          });
          const csv: ResolvedCsvOptions = {
            columnSeparator,
            quoteChar,
            escapeChar: null,
            nullValue: null,
            trimWhiteSpace: false,
          };
          const events = await collect([bytes(text)], csv);
          let line = 2;
          const expected: SourceEvent[] = rows.map((cells) => {
            const newlines = cells.reduce((n, c) => n + c.split('\n').length - 1, 0);
            const event: SourceEvent = {
              type: 'row',
              file: 'data/f.csv',
              line,
              lastLine: line + newlines,
              cells,
            };
            line += newlines + 1;
            return event;
          });
          // `offset`/`bytes` are checked by the row-bytes property below.
          expect(events.slice(1, -1).map((e) => ({ ...e, offset: undefined, bytes: undefined }))).toEqual(
            expected,
          );
        },
      ),
      { ...fcOptions, numRuns: 300 },
    );
  });
});

describe('the fast path for plain lines (CsvEngine.fastLines)', () => {
  let plainRecords = 0;
  /** Every event and the range's handoff of a CsvEngine over `chunks`, with or without the fast path. */
  function engineRun(
    chunks: Uint8Array[],
    csv: ResolvedCsvOptions,
    maxRowBytes: number,
    fastLines: boolean,
    range: { header: string[] | null; limit: number } | null,
  ): unknown {
    const engine = new CsvEngine(FILE, csv, { encoding: undefined, maxRowBytes, fastLines });
    if (range !== null) engine.startRange(range.header, 0, range.limit);
    const events: SourceEvent[] = [];
    for (const chunk of chunks) {
      events.push(...engine.push(Buffer.from(chunk)));
      if (engine.done) break;
    }
    if (!engine.done) events.push(...engine.end());
    plainRecords += engine.plainRecords;
    return { events, handoff: engine.handoff, lines: engine.handoffLines, rows: engine.rows };
  }

  // Plain lines (what the fast path reads) mixed with every kind of line it leaves to csv-parse.
  const plainCell = fc.string({ unit: fc.constantFrom('a', '7', '-', '.', 'x'), maxLength: 16 });
  const line = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.array(plainCell, { minLength: 1, maxLength: 4 }).map((cells) => cells.join(',') + '\n'),
    },
    {
      weight: 1,
      arbitrary: fc.array(plainCell, { minLength: 1, maxLength: 4 }).map((cells) => cells.join(';') + '\n'),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('\n', '\r\n', '\r', ' \n', 'a, b\n', '\t1,2\n', '"q",1\n', '"x\ny",z\n'),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom("'a',b\n", 'a"b,c\n', 'a\\,b\n', '"open,1\n', 'é,1\n', '1,2', '1,2\r'),
    },
    { weight: 1, arbitrary: hostileText },
  );

  it("gives csv-parse's events exactly, for any options, row limit, split and range (R-CSV-1, R-CSV-4..6)", () => {
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 40 }).map((lines) => bytes(`h1,h2\n${lines.join('')}`)),
        csvOptions,
        fc.constantFrom(8, 24, 1024),
        fc.array(fc.nat(1200), { maxLength: 10 }),
        fc.oneof(
          fc.constant(null),
          fc.record({ header: fc.constant(null), limit: fc.nat(1200) }),
          fc.record({ header: fc.constant(['h1', 'h2'] as string[]), limit: fc.nat(1200) }),
        ),
        (input, csv, maxRowBytes, cuts, range) => {
          const chunks = splitAt(input, cuts);
          const expected = engineRun(chunks, csv, maxRowBytes, false, range);
          expect(engineRun(chunks, csv, maxRowBytes, true, range)).toEqual(expected);
          // And whatever the chunking, as csv-parse's own reading is (the property above).
          expect(engineRun([input], csv, maxRowBytes, true, range)).toEqual(
            engineRun([input], csv, maxRowBytes, false, range),
          );
        },
      ),
      { ...fcOptions, numRuns: 1500 },
    );
    // The fast path was taken, not only csv-parse's (the check above would then compare csv-parse with itself).
    expect(plainRecords).toBeGreaterThan(5000);
  });

  it('reads plain lines of a big ASCII file as csv-parse does, in 64 KiB chunks (R-CSV-1)', () => {
    const rows = Array.from({ length: 20_000 }, (_, i) =>
      i % 997 === 0
        ? `${i},"quoted, ${i}",x`
        : i % 1009 === 0
          ? ''
          : `${i},v-${i % 13},${'z'.repeat(i % 40)}`,
    );
    const input = bytes(`a,b,c\n${rows.join('\n')}\n`);
    const chunks = [];
    for (let i = 0; i < input.length; i += 65536) chunks.push(input.subarray(i, i + 65536));
    const csv: ResolvedCsvOptions = {
      columnSeparator: ',',
      quoteChar: '"',
      escapeChar: null,
      nullValue: null,
      trimWhiteSpace: false,
    };
    plainRecords = 0;
    const fast = engineRun(chunks, csv, 1024, true, null) as { events: SourceEvent[] };
    // Only the quoted rows, the line after each (csv-parse finishes the record it looked ahead into) and the
    // lines cut by a chunk end are left to csv-parse.
    expect(plainRecords).toBeGreaterThan(19_800);
    expect(fast).toEqual(engineRun(chunks, csv, 1024, false, null));
    expect(fast.events.filter((e) => e.type === 'row')).toHaveLength(rows.filter((r) => r !== '').length);
  });
});

interface ReferenceRecord {
  line: number;
  lastLine: number;
  cells: string[];
  badQuote: boolean;
  unterminated: boolean;
}

/**
 * An independent, byte-at-a-time reader of the records of `input` (without trim), written from csv-parse's rules
 * and the engine's recovery choices: a stray quote is data and spoils its row; an invalid closing quote also
 * closes the quoted section; blank lines are skipped; `\n` and `\r\n` end records; a lone CR is data.
 */
function referenceRecords(input: Uint8Array, csv: ResolvedCsvOptions): ReferenceRecord[] {
  const sep = csv.columnSeparator.charCodeAt(0);
  const quote = csv.quoteChar.charCodeAt(0);
  const escape = (csv.escapeChar ?? csv.quoteChar).charCodeAt(0);
  const n = input.length;
  const records: ReferenceRecord[] = [];
  let line = 1;
  let start = -1;
  let quoting = false;
  let wasQuoting = false;
  let escaping = false;
  let badQuote = false;
  let field: number[] = [];
  let cells: string[] = [];
  const endField = (): void => {
    cells.push(Buffer.from(field).toString('utf8'));
    field = [];
    wasQuoting = false;
  };
  const endRecord = (lastLine: number, unterminated: boolean): void => {
    records.push({ line: start, lastLine, cells, badQuote, unterminated });
    cells = [];
    start = -1;
    badQuote = false;
  };
  let i = 0;
  while (i < n) {
    const c = input[i]!;
    if (
      start === -1 &&
      !(isLineEnd(input, i) && !quoting && !wasQuoting && cells.length === 0 && field.length === 0)
    ) {
      start = line;
    }
    if (escaping) {
      escaping = false;
    } else {
      if (quoting && c === escape && i + 1 < n && (escape !== quote || input[i + 1] === quote)) {
        escaping = true;
        i++;
        continue;
      }
      if (c === quote) {
        if (quoting) {
          const next = input[i + 1];
          if (next === undefined || next === 0 || next === sep || isLineEnd(input, i + 1)) {
            quoting = false;
            wasQuoting = true;
            i++;
            continue;
          }
          badQuote = true;
          quoting = false;
        } else if (field.length !== 0) {
          badQuote = true;
        } else {
          quoting = true;
          i++;
          continue;
        }
      }
      if (!quoting) {
        const end = isLineEnd(input, i);
        if (end !== 0) {
          if (start !== -1) {
            endField();
            endRecord(line, false);
          }
          line++;
          i += end;
          continue;
        }
        if (c === sep) {
          endField();
          i++;
          continue;
        }
      }
    }
    field.push(c);
    if (c === LF) line++;
    i++;
  }
  const lastLine = n > 0 && input[n - 1] === LF ? line - 1 : line;
  if (quoting) endRecord(lastLine, true);
  else if (start !== -1) {
    endField();
    endRecord(lastLine, false);
  }
  return records;
}

/** Length of the record delimiter at `i` (`\n` or `\r\n`), or 0. */
function isLineEnd(input: Uint8Array, i: number): number {
  if (input[i] === LF) return 1;
  return input[i] === CR && input[i + 1] === LF ? 2 : 0;
}

/** `show`, with the cells of a row failure that has them. */
function showWithCells(event: SourceEvent): string {
  const [shown] = show([event]);
  return event.type === 'row-failure' && event.cells !== undefined
    ? `${shown} ${JSON.stringify(event.cells)}`
    : shown!;
}

/** The reference reader's data events in the `showWithCells` format, the first record being the header. */
function referenceEvents(input: Uint8Array, csv: ResolvedCsvOptions, columns: number): string[] {
  return referenceRecords(input, csv)
    .slice(1)
    .map((r) => {
      const range = `${r.line}-${r.lastLine}`;
      if (r.unterminated) return `CSV_UNTERMINATED_QUOTE ${range}`;
      if (r.badQuote) return `CSV_INVALID_QUOTE ${range}`;
      if (r.cells.length !== columns) return `CSV_FIELD_COUNT ${range} ${JSON.stringify(r.cells)}`;
      return `row ${range} ${JSON.stringify(r.cells)}`;
    });
}
