/**
 * Invariants of the CSV reader, checked by fast-check (fast-check prints the seed of a failure; pin one with
 * FC_SEED=<seed>): chunking never changes the events; hostile input never throws and every record becomes exactly
 * one event, as an independent reference reader says; CSV written by csv-stringify reads back to its cells.
 * TSBATCH_LONG=1 runs each property ten times as often (the long profile; see fuzz-helpers.ts).
 */
import { isUtf8 } from 'node:buffer';

import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { ResolvedCsvOptions, SourceEvent } from '../../src/index.js';
import { CsvEngine } from '../../src/csv/csv-engine.js';
import { Utf8Checker } from '../../src/csv/csv-utf8.js';
import { fcOptions, fuzzRuns } from '../fuzz-helpers.js';
import { bytes, chunksOf, collect, FILE, show, splitAt } from '../read-rows-helpers.js';

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
      { ...fcOptions, numRuns: fuzzRuns(2000, 20000) },
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
      { ...fcOptions, numRuns: fuzzRuns(120, 1200) },
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
      { ...fcOptions, numRuns: fuzzRuns(300, 3000) },
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
      { ...fcOptions, numRuns: fuzzRuns(150, 1500) },
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
      { ...fcOptions, numRuns: fuzzRuns(400, 4000) },
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
      { ...fcOptions, numRuns: fuzzRuns(300, 3000) },
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
      { ...fcOptions, numRuns: fuzzRuns(300, 3000) },
    );
  });
});

describe('the engine against csv-parse, the reference semantics (R-CSV-1)', () => {
  /** Every event and the range's handoff of a CsvEngine over `chunks`. */
  function engineRun(
    chunks: Uint8Array[],
    csv: ResolvedCsvOptions,
    maxRowBytes: number,
    range: { header: string[] | null; limit: number } | null,
  ): { events: SourceEvent[]; handoff: number; lines: number; rows: number } {
    const engine = new CsvEngine(FILE, csv, { encoding: undefined, maxRowBytes });
    if (range !== null) engine.startRange(range.header, 0, range.limit);
    const events: SourceEvent[] = [];
    for (const chunk of chunks) {
      events.push(...engine.push(Buffer.from(chunk)));
      if (engine.done) break;
    }
    if (!engine.done) events.push(...engine.end());
    return { events, handoff: engine.handoff, lines: engine.handoffLines, rows: engine.rows };
  }

  /**
   * What csv-parse (public API, the task's options) makes of `input`, as engine events: its records up to its
   * first error, with lines and offsets taken from the record ends it reports (`info.bytes`); the first record is
   * the header. `complete` is false when csv-parse met an error (it then skips, and reads on inside quotes).
   */
  function csvParseEvents(
    input: Uint8Array,
    csv: ResolvedCsvOptions,
  ): { events: SourceEvent[]; complete: boolean } {
    const buf = Buffer.from(input);
    const log: { cells: string[]; end: number }[] = [];
    let complete = true;
    parse(buf, {
      delimiter: csv.columnSeparator,
      quote: csv.quoteChar,
      escape: csv.escapeChar ?? csv.quoteChar,
      trim: csv.trimWhiteSpace,
      record_delimiter: ['\n', '\r\n'],
      skip_empty_lines: true,
      relax_column_count: true,
      bom: false,
      skip_records_with_error: true,
      on_skip: () => {
        complete = false;
      },
      on_record: (cells: string[], context: { bytes: number }) => {
        if (complete) log.push({ cells, end: context.bytes });
        return cells;
      },
    });
    const newlines = new Int32Array(buf.length + 1); // newlines[k]: LFs in buf[0, k)
    for (let k = 0; k < buf.length; k++) newlines[k + 1] = newlines[k]! + (buf[k] === LF ? 1 : 0);
    const linesBefore = (at: number): number => newlines[at]!;
    const blank = (from: number, to: number): boolean => {
      const line = buf.toString('utf8', from, to).replace(/\r$/, '');
      return csv.trimWhiteSpace ? !line.includes(csv.columnSeparator) && line.trim() === '' : line === '';
    };
    const events: SourceEvent[] = [];
    let header: string[] | null = null;
    let prevEnd = 0;
    for (const { cells, end } of log) {
      let start = prevEnd;
      for (;;) {
        const nl = buf.indexOf(LF, start);
        if (nl === -1 || nl >= end - 1 || !blank(start, nl)) break;
        start = nl + 1;
      }
      prevEnd = end;
      const line = linesBefore(start) + 1;
      const lastLine = linesBefore(end) + (buf[end - 1] === LF ? 0 : 1);
      if (header === null) {
        header = csv.trimWhiteSpace ? cells.map((c) => c.trim()) : cells;
        events.push({ type: 'file-start', file: FILE, header });
      } else if (cells.length !== header.length) {
        events.push({
          type: 'row-failure',
          file: FILE.key,
          line,
          lastLine,
          failure: {
            kind: 'parse',
            code: 'CSV_FIELD_COUNT',
            reason: 'The number of fields in the row does not match the header',
            detail: `The row has ${cells.length} field${cells.length === 1 ? '' : 's'}; the header has ${header.length}`,
          },
          cells,
        });
      } else {
        events.push({
          type: 'row',
          file: FILE.key,
          line,
          lastLine,
          cells,
          offset: start,
          bytes: end - start,
        });
      }
    }
    return { events, complete };
  }

  // Text that stresses the tokenizer: quotes, separators, escapes, line ends, white space of every width.
  const token = fc.constantFrom(
    ...['"', '""', "'", "''", ',', ';', '|', '\t', ' ', '\n', '\r\n', '\r', '\\', '\\"', 'a', 'bc'],
    ...['é', '😀', '中文', '\0', '\u00a0', '\u3000', '"x,y\nz"', "'p;q'", '"a""b"', '  "s"  ', '1.5'],
  );
  const body = fc.array(token, { maxLength: 50 }).map((t) => t.join(''));

  it('reads what csv-parse reads, on every line up to its first error, for any options and split (R-CSV-1, R-CSV-4, R-CSV-5, R-CSV-7)', () => {
    let compared = 0;
    let whole = 0;
    fc.assert(
      fc.property(
        csvOptions,
        fc.constantFrom('h1', 'h1,h2', 'h1;h2;h3', 'h1|h2', 'h1\th2', 'h1 h2'),
        body,
        fc.array(fc.nat(200), { maxLength: 8 }),
        (csv, head, text, cuts) => {
          const input = bytes(`${head}\n${text}`);
          const expected = csvParseEvents(input, csv);
          const { events } = engineRun(splitAt(input, cuts), csv, 1 << 20, null);
          const firstFailure = events.findIndex(
            (e) => e.type === 'row-failure' && e.failure.code !== 'CSV_FIELD_COUNT',
          );
          if (expected.complete && firstFailure === -1) {
            whole++;
            expect(events.slice(0, -1)).toEqual(expected.events);
            expect(events.at(-1)?.type).toBe('file-end');
            return;
          }
          // After an error csv-parse reads on inside the quoted field; SPEC R-CSV-8 ends the row with its line
          // (and R-CSV-7 trims white space after a closing quote that csv-parse trips on): up to there, the same.
          const upTo = firstFailure === -1 ? events.length : firstFailure;
          const n = Math.min(upTo, expected.events.length);
          compared += n;
          expect(events.slice(0, n)).toEqual(expected.events.slice(0, n));
        },
      ),
      { ...fcOptions, numRuns: fuzzRuns(3000, 30000) },
    );
    // Most inputs are read whole by both, and the rest compared up to a failure.
    expect(whole).toBeGreaterThan(1000);
    expect(compared).toBeGreaterThan(1000);
  });

  it('gives the same events whatever the split, the row limit and the range, on hostile bytes (R-CSV-1, R-CSV-6)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileBytes,
          body.map((t) => bytes(`h1,h2\n${t}`)),
        ),
        csvOptions,
        fc.constantFrom(8, 24, 1024),
        fc.array(fc.nat(200), { maxLength: 10 }),
        fc.oneof(
          fc.constant(null),
          fc.record({ header: fc.constant(null), limit: fc.nat(200) }),
          fc.record({ header: fc.constant(['h1', 'h2'] as string[]), limit: fc.nat(200) }),
        ),
        (input, csv, maxRowBytes, cuts, range) => {
          const expected = engineRun([input], csv, maxRowBytes, range);
          expect(engineRun(splitAt(input, cuts), csv, maxRowBytes, range)).toEqual(expected);
          expect(engineRun(splitAt(input, [...input.keys()]), csv, maxRowBytes, range)).toEqual(expected);
        },
      ),
      { ...fcOptions, numRuns: fuzzRuns(1500, 15000) },
    );
  });

  /** The bytes a row's non-ASCII text adds: its bytes, line end included, less its chars. */
  function trueExtra(input: Uint8Array, row: Extract<SourceEvent, { type: 'row' }>): number {
    const own = input.subarray(row.offset, row.offset! + row.bytes!);
    return own.length - Buffer.from(own).toString('utf8').length;
  }

  /** The row events spanRun's hook made of rows in span mode (their extraBytes is the hook's). */
  const spanned = new WeakSet<SourceEvent>();

  /**
   * engineRun with row events that carry extraBytes (CsvEngine.measureRows) and, with `take`, a row hook
   * (setRowHook: span mode, and rows of cells) that takes the rows `take` says: each becomes the row event it
   * stands for, in place.
   */
  function spanRun(
    chunks: Uint8Array[],
    csv: ResolvedCsvOptions,
    maxRowBytes: number,
    range: { header: string[] | null; limit: number } | null,
    take: ((line: number) => boolean) | null,
  ): { events: SourceEvent[]; handoff: number; lines: number; rows: number; taken: number } {
    const engine = new CsvEngine(FILE, csv, { encoding: undefined, maxRowBytes });
    if (range !== null) engine.startRange(range.header, 0, range.limit);
    engine.measureRows = true;
    const events: SourceEvent[] = [];
    let taken = 0;
    if (take !== null) {
      engine.setRowHook({
        spans: (text, spans, line, lastLine, offset, bytes, extraBytes) => {
          if (!take(line)) return false;
          taken++;
          const cells: string[] = [];
          for (let k = 0; 2 * k < spans.length && cells.length < 2; k++) {
            cells.push(text.substring(spans[2 * k]!, spans[2 * k + 1]));
          }
          const event: SourceEvent = {
            type: 'row',
            file: FILE.key,
            line,
            lastLine,
            cells,
            offset,
            bytes,
            extraBytes,
          };
          spanned.add(event);
          events.push(event);
          return true;
        },
        cells: (cells, line, lastLine, offset, bytes, extraBytes) => {
          if (!take(line)) return false;
          taken++;
          events.push({ type: 'row', file: FILE.key, line, lastLine, cells, offset, bytes, extraBytes });
          return true;
        },
      });
    }
    for (const chunk of chunks) {
      events.push(...engine.push(Buffer.from(chunk)));
      if (engine.done) break;
    }
    if (!engine.done) events.push(...engine.end());
    return { events, handoff: engine.handoff, lines: engine.handoffLines, rows: engine.rows, taken };
  }

  it('span mode (a row hook) gives the rows the row events give, in their place, however split (R-CSV-1, R-CSV-5)', () => {
    // Mostly plain lines (the ones span mode takes), with hostile pieces, blank lines and CRLF among them.
    const plainCell = fc.constantFrom('', 'a', 'bc', '12.5', 'x y', 'é', '\r', '\0', '\\');
    const line = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(plainCell, plainCell).map(([a, b]) => `${a},${b}`) },
      { weight: 1, arbitrary: fc.constantFrom('', '\r', 'a', 'a,b,c', '"q,1",b', 'a,"b\nc"', "'s',t") },
      { weight: 1, arbitrary: hostileText },
    );
    const input = fc
      .tuple(fc.array(line, { maxLength: 30 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
      .map(([lines, eol, last]) => bytes(`h1,h2${eol}${lines.join(eol)}${last ? eol : ''}`));
    let taken = 0;
    let spannedUtf8 = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          { weight: 3, arbitrary: input },
          { weight: 1, arbitrary: body.map((t) => bytes(`h1,h2\n${t}`)) },
        ),
        csvOptions.map((csv) => ({ ...csv, columnSeparator: ',' })),
        fc.constantFrom(8, 24, 1024),
        fc.array(fc.nat(200), { maxLength: 10 }),
        fc.oneof(
          fc.constant(null),
          fc.record({ header: fc.constant(null), limit: fc.nat(200) }),
          fc.record({ header: fc.constant(['h1', 'h2'] as string[]), limit: fc.nat(200) }),
        ),
        fc.nat(3),
        (bytesIn, csv, maxRowBytes, cuts, range, every) => {
          // The hook takes every row, or leaves every (every+1)th line's to its row event.
          const take = (l: number): boolean => every === 0 || l % (every + 1) !== 0;
          for (const chunks of [[bytesIn], splitAt(bytesIn, cuts), splitAt(bytesIn, [...bytesIn.keys()])]) {
            // The same split without the hook (a row's extraBytes is -1 where the split hides its chars).
            const expected = spanRun(chunks, csv, maxRowBytes, range, null);
            const got = spanRun(chunks, csv, maxRowBytes, range, take);
            taken += got.taken;
            // A row the hook took in span mode was read whole in one text: its extraBytes is its true one (0 for
            // ASCII). Its row event tells that too, or leaves it unknown (-1) where the split hid the row's start;
            // span mode reads a row cut by the split again whole, so it knows it also of some rows the hook
            // leaves: then it is the row's true one.
            const events = got.events.map((e, i) => {
              if (e.type !== 'row') return e;
              if (spanned.has(e)) {
                expect(e.extraBytes).toBe(trueExtra(bytesIn, e));
                if (e.extraBytes! > 0) spannedUtf8++;
              }
              const x = expected.events[i];
              if (x?.type === 'row' && x.extraBytes === -1 && e.extraBytes === trueExtra(bytesIn, e)) {
                return { ...e, extraBytes: -1 };
              }
              return e;
            });
            expect({ ...got, events, taken: 0 }).toEqual({ ...expected, taken: 0 });
          }
        },
      ),
      { ...fcOptions, numRuns: fuzzRuns(1500, 15000) },
    );
    // The hook took rows (else this proves nothing of span mode), non-ASCII ones among them in span mode.
    expect(taken).toBeGreaterThan(1000);
    expect(spannedUtf8).toBeGreaterThan(100);
  });

  it('reads a big file of every shape in 16 KiB chunks as csv-parse does (R-CSV-1)', () => {
    const rows = Array.from({ length: 20_000 }, (_, i) =>
      i % 7 === 0
        ? `${i},"quoted, ${i}\nsecond ""line""",x`
        : i % 1009 === 0
          ? ''
          : `${i},v-${i % 13}é中,${'z'.repeat(i % 40)}`,
    );
    const input = bytes(`a,b,c\n${rows.join(rows.length % 2 === 0 ? '\r\n' : '\n')}\n`);
    const csv: ResolvedCsvOptions = {
      columnSeparator: ',',
      quoteChar: '"',
      escapeChar: null,
      nullValue: null,
      trimWhiteSpace: false,
    };
    const expected = csvParseEvents(input, csv);
    expect(expected.complete).toBe(true);
    const { events } = engineRun(chunksOf(input, 16384), csv, 1 << 20, null);
    expect(events.slice(0, -1)).toEqual(expected.events);
    expect(events.filter((e) => e.type === 'row')).toHaveLength(rows.filter((r) => r !== '').length);
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
 * and SPEC's recovery: a stray quote or an invalid closing quote spoils its row, which ends with the physical line
 * where it went wrong (R-CSV-8; csv-parse itself would read on inside the quoted field); blank lines are skipped;
 * `\n` and `\r\n` end records; a lone CR is data.
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
        } else if (field.length !== 0) {
          badQuote = true;
        } else {
          quoting = true;
          i++;
          continue;
        }
        // R-CSV-8: the row went wrong here; it ends with this physical line, and reading resumes on the next.
        const nl = input.indexOf(LF, i);
        endRecord(line, false);
        quoting = false;
        wasQuoting = false;
        field = [];
        if (nl === -1) return records;
        line++;
        i = nl + 1;
        continue;
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
