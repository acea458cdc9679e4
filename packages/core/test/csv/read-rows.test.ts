import { describe, expect, it } from 'vitest';

import { readCsvBytes } from '../../src/index.js';
import { CsvEngine } from '../../src/csv/csv-engine.js';
import type { SourceEvent } from '../../src/index.js';
import { CSV, FILE, bytes, chunksOf, collect, read, show, splitAt } from '../read-rows-helpers.js';

describe('readCsvBytes: records and lines (R-CSV-3, R-CSV-4, R-CSV-5)', () => {
  it('emits file-start with the header, one row per record with its line, then file-end (R-CSV-3, R-CSV-5)', async () => {
    expect(await collect('time,host\n1,a\n2,b\n')).toEqual([
      {
        type: 'file-start',
        file: { key: 'data/f.csv', path: '/nowhere/f.csv', size: 0 },
        header: ['time', 'host'],
      },
      { type: 'row', file: 'data/f.csv', line: 2, lastLine: 2, cells: ['1', 'a'], offset: 10, bytes: 4 },
      { type: 'row', file: 'data/f.csv', line: 3, lastLine: 3, cells: ['2', 'b'], offset: 14, bytes: 4 },
      { type: 'file-end', file: 'data/f.csv', bytesRead: 18 },
    ]);
  });

  it('reads a header-only file as a file without rows (R-CSV-3)', async () => {
    expect(await read('time,host\n')).toEqual(['start ["time","host"]', 'end']);
    expect(await read('time,host')).toEqual(['start ["time","host"]', 'end']);
  });

  it('reads the last row without a final newline (R-CSV-4)', async () => {
    expect(await read('a,b\n1,2\n3,4')).toEqual([
      'start ["a","b"]',
      'row 2-2 ["1","2"]',
      'row 3-3 ["3","4"]',
      'end',
    ]);
  });

  it('ends records at CRLF as at LF, without keeping the CR (R-CSV-4)', async () => {
    expect(await read('a,b\r\n1,2\r\n3,4\n5,6\r\n')).toEqual([
      'start ["a","b"]',
      'row 2-2 ["1","2"]',
      'row 3-3 ["3","4"]',
      'row 4-4 ["5","6"]',
      'end',
    ]);
  });

  it('keeps a lone CR as data: it ends neither the record nor the line (R-CSV-4, R-CSV-5)', async () => {
    expect(await read('a,b\n1\r2,x\ry\r\n3,4\r')).toEqual([
      'start ["a","b"]',
      'row 2-2 ["1\\r2","x\\ry"]',
      'row 3-3 ["3","4\\r"]',
      'end',
    ]);
  });

  it('keeps separators and newlines inside quotes; a row spanning lines has lastLine > line (R-CSV-4, R-CSV-5)', async () => {
    expect(await read('a,b\n"x,y",1\n"one\ntwo\r\nthree",2\n3,"\n"\n4,5\n')).toEqual([
      'start ["a","b"]',
      'row 2-2 ["x,y","1"]',
      'row 3-5 ["one\\ntwo\\r\\nthree","2"]',
      'row 6-7 ["3","\\n"]',
      'row 8-8 ["4","5"]',
      'end',
    ]);
  });

  it('skips blank lines in the middle and at the end without counting them, but they advance the line (R-CSV-4)', async () => {
    expect(await read('a,b\n\n1,2\n\r\n\n3,4\n\n\r\n')).toEqual([
      'start ["a","b"]',
      'row 3-3 ["1","2"]',
      'row 6-6 ["3","4"]',
      'end',
    ]);
  });

  it('skips blank lines before the header, which then is not on line 1 (R-CSV-3, R-CSV-5)', async () => {
    expect(await read('\n\na,b\n1,2\n')).toEqual(['start ["a","b"]', 'row 4-4 ["1","2"]', 'end']);
  });

  it('reads a line of only spaces as blank with TrimWhiteSpace, and as a record without [choice]', async () => {
    expect(await read('a,b\n  \n1,2\n', { trimWhiteSpace: true })).toEqual([
      'start ["a","b"]',
      'row 3-3 ["1","2"]',
      'end',
    ]);
    expect(await read('a,b\n  \n1,2\n')).toEqual([
      'start ["a","b"]',
      'CSV_FIELD_COUNT 2-2',
      'row 3-3 ["1","2"]',
      'end',
    ]);
  });

  it('keeps a quoted empty cell: a line of "" is not blank (R-CSV-4)', async () => {
    expect(await read('a\n""\n\n1\n')).toEqual(['start ["a"]', 'row 2-2 [""]', 'row 4-4 ["1"]', 'end']);
  });
});

describe('readCsvBytes: CSV options (R-CSV-1, R-VAL-7)', () => {
  it.each([',', '|', ';', '\t', ' '])('splits on the column separator %j (R-CSV-1)', async (separator) => {
    const input =
      ['a', 'b', 'c'].join(separator) + '\n' + ['1', `"x${separator}y"`, '3'].join(separator) + '\n';
    expect(await read(input, { columnSeparator: separator })).toEqual([
      'start ["a","b","c"]',
      `row 2-2 ${JSON.stringify(['1', `x${separator}y`, '3'])}`,
      'end',
    ]);
  });

  it('reads a doubled quote inside quotes as one quote when there is no EscapeChar (R-VAL-7)', async () => {
    expect(await read('a,b\n"say ""hi""",1\n')).toEqual([
      'start ["a","b"]',
      'row 2-2 ["say \\"hi\\"","1"]',
      'end',
    ]);
  });

  it('uses the quote character given, and a double quote is then plain data (R-CSV-1)', async () => {
    expect(await read("a,b\n'x,''y''',\"z\"\n", { quoteChar: "'" })).toEqual([
      'start ["a","b"]',
      'row 2-2 ["x,\'y\'","\\"z\\""]',
      'end',
    ]);
  });

  it('unescapes with EscapeChar inside quotes and keeps it literal outside (R-CSV-1, R-VAL-7)', async () => {
    expect(await read('a,b\n"x\\"y\\\\z",a\\b\n', { escapeChar: '\\' })).toEqual([
      'start ["a","b"]',
      'row 2-2 ["x\\"y\\\\z","a\\\\b"]',
      'end',
    ]);
  });

  it('with EscapeChar, a doubled quote is no longer an escaped quote (R-VAL-7)', async () => {
    expect(await read('a,b\n"x""y",1\n2,3\n', { escapeChar: '\\' })).toEqual([
      'start ["a","b"]',
      'CSV_INVALID_QUOTE 2-2',
      'row 3-3 ["2","3"]',
      'end',
    ]);
  });

  it('trims unquoted cells with TrimWhiteSpace and keeps the inside of quotes verbatim (R-CSV-1, R-CSV-7)', async () => {
    expect(await read(' a , b \n 1 , " 2 " \n', { trimWhiteSpace: true })).toEqual([
      'start ["a","b"]',
      'row 2-2 ["1"," 2 "]',
      'end',
    ]);
  });

  it('keeps cells verbatim without TrimWhiteSpace (R-CSV-7)', async () => {
    expect(await read('a,b\n 1 ,2\t\n')).toEqual(['start ["a","b"]', 'row 2-2 [" 1 ","2\\t"]', 'end']);
  });

  it('decodes with an iconv-lite encoding and skips the UTF-8 checks (R-CSV-2 extension)', async () => {
    const latin1 = [...bytes('a,b\n1,'), 0x4c, 0xf3, 0x64, 0x7a, 0x0a];
    expect(await read(latin1, {}, { encoding: 'latin1' })).toEqual([
      'start ["a","b"]',
      'row 2-2 ["1","Lódz"]',
      'end',
    ]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n1,\u00e9\n', 'utf16le')]);
    expect(await read(chunksOf(utf16, 3), {}, { encoding: 'utf16' })).toEqual([
      'start ["a","b"]',
      'row 2-2 ["1","é"]',
      'end',
    ]);
  });

  it('refuses unknown options with a RangeError', async () => {
    await expect(collect('a\n', {}, { encoding: 'no-such-encoding' })).rejects.toThrow(RangeError);
    await expect(collect('a\n', {}, { maxRowBytes: 0 })).rejects.toThrow(/maxRowBytes/);
  });
});

describe('readCsvBytes: encoding (R-CSV-2)', () => {
  const bomFailure = {
    type: 'file-failure',
    file: 'data/f.csv',
    failure: {
      kind: 'file',
      code: 'FILE_BOM',
      reason: 'File begins with a byte-order mark (BOM); remove it',
      detail: expect.stringContaining('byte-order mark'),
    },
  };

  it.each([
    ['UTF-8', [0xef, 0xbb, 0xbf]],
    ['UTF-16 LE', [0xff, 0xfe]],
    ['UTF-16 BE', [0xfe, 0xff]],
  ])('fails a file beginning with the %s BOM, and emits nothing else (R-CSV-2)', async (name, bom) => {
    const input = bytes([...bom, ...bytes('a,b\n1,2\n')]);
    expect(await collect(input)).toEqual([bomFailure]);
    // Also when the BOM arrives one byte at a time.
    expect(await collect(chunksOf(input, 1))).toEqual([bomFailure]);
    expect((await collect(input))[0]).toMatchObject({
      failure: { detail: `The file starts with the ${name} byte-order mark` },
    });
  });

  it('fails a one-byte file that is not a BOM as invalid UTF-8, not as a BOM (R-CSV-2)', async () => {
    expect(await read([0xef])).toEqual(['FILE_INVALID_UTF8']);
    expect(await read([0xef, 0xbb])).toEqual(['FILE_INVALID_UTF8']);
  });

  it('fails invalid UTF-8 at offset 0 before any header (R-CSV-2)', async () => {
    const events = await collect([0xff, ...bytes('a,b\n')]);
    expect(events).toEqual([
      {
        type: 'file-failure',
        file: 'data/f.csv',
        failure: {
          kind: 'file',
          code: 'FILE_INVALID_UTF8',
          reason: 'The file is not valid UTF-8',
          detail: 'Invalid UTF-8 byte sequence at byte offset 0 (line 1)',
        },
      },
    ]);
  });

  it('keeps the rows before invalid UTF-8 mid-file, drops the row holding it, and sends no file-end (R-CSV-2, R-COUNT-2)', async () => {
    const input = bytes([...bytes('a,b\n1,2\n3,'), 0xc3, 0x28, ...bytes('\n5,6\n')]);
    const events = await collect(input);
    expect(show(events)).toEqual(['start ["a","b"]', 'row 2-2 ["1","2"]', 'FILE_INVALID_UTF8 @3']);
    expect(events[2]).toMatchObject({
      line: 3,
      failure: { detail: 'Invalid UTF-8 byte sequence at byte offset 10 (line 3)' },
    });
  });

  it('emits the row whose newline comes right before the bad byte (R-COUNT-2)', async () => {
    expect(await read([...bytes('a,b\n1,2\n'), 0x80])).toEqual([
      'start ["a","b"]',
      'row 2-2 ["1","2"]',
      'FILE_INVALID_UTF8 @3',
    ]);
  });

  it('drops a quoted multi-line row that the bad byte interrupts (R-COUNT-2)', async () => {
    expect(await read([...bytes('a,b\n1,2\n3,"x\ny'), 0xff, ...bytes('"\n')])).toEqual([
      'start ["a","b"]',
      'row 2-2 ["1","2"]',
      'FILE_INVALID_UTF8 @4',
    ]);
  });

  it('accepts a multi-byte character split across chunks at every position (R-CSV-2)', async () => {
    const input = bytes('a,b\n€,😀\n');
    for (let cut = 1; cut < input.length; cut++) {
      expect(await read(splitAt(input, [cut]))).toEqual(['start ["a","b"]', 'row 2-2 ["€","😀"]', 'end']);
    }
  });

  it('finds an invalid sequence split across chunks, at its first byte (R-CSV-2)', async () => {
    const input = bytes([...bytes('a,b\n1,'), 0xe2, 0x82, 0x41, ...bytes('\n')]);
    for (let cut = 1; cut < input.length; cut++) {
      const events = await collect(splitAt(input, [cut]));
      expect(show(events)).toEqual(['start ["a","b"]', 'FILE_INVALID_UTF8 @2']);
      expect(events[1]).toMatchObject({
        failure: { detail: 'Invalid UTF-8 byte sequence at byte offset 6 (line 2)' },
      });
    }
  });

  it('fails a sequence cut off by the end of the file (R-CSV-2)', async () => {
    expect(await read([...bytes('a,b\n1,2\n'), 0xf0, 0x9f, 0x98])).toEqual([
      'start ["a","b"]',
      'row 2-2 ["1","2"]',
      'FILE_INVALID_UTF8 @3',
    ]);
  });

  it.each([
    ['an overlong encoding', [0xc0, 0xaf]],
    ['a surrogate', [0xed, 0xa0, 0x80]],
    ['a code point over U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a lone continuation byte', [0x80]],
  ])('fails %s (R-CSV-2)', async (_name, sequence) => {
    expect(await read([...bytes('a\n'), ...sequence, 0x0a])).toEqual(['start ["a"]', 'FILE_INVALID_UTF8 @2']);
  });
});

describe('readCsvBytes: header (R-CSV-3)', () => {
  it('fails an empty file and a file of blank lines with FILE_EMPTY (R-CSV-3)', async () => {
    expect(await collect('')).toEqual([
      {
        type: 'file-failure',
        file: 'data/f.csv',
        failure: {
          kind: 'file',
          code: 'FILE_EMPTY',
          reason: 'The file has no header row',
          detail: 'The file is empty',
        },
      },
    ]);
    expect(await read('\n\r\n\n')).toEqual(['FILE_EMPTY']);
  });

  it('fails empty and duplicated names, and a header it cannot parse (R-CSV-3)', async () => {
    expect(await read('a,,b\n1,2,3\n')).toEqual(['FILE_HEADER_EMPTY_NAME']);
    expect(await read('a,b,a\n1,2,3\n')).toEqual(['FILE_HEADER_DUPLICATE_NAME']);
    expect(await read(' a,a \n1,2\n', { trimWhiteSpace: true })).toEqual(['FILE_HEADER_DUPLICATE_NAME']);
    expect(await read('a,b"c\n1,2\n')).toEqual(['FILE_HEADER_UNREADABLE']);
    expect(await read('a,"b\n1,2\n')).toEqual(['FILE_HEADER_UNREADABLE']);
  });

  it('fails a header over maxRowBytes as unreadable (R-CSV-3, R-CSV-6)', async () => {
    expect(await read('abcdefghij,k\n1,2\n', {}, { maxRowBytes: 8 })).toEqual(['FILE_HEADER_UNREADABLE']);
  });
});

describe('readCsvBytes: malformed rows never stop the file (R-CSV-6)', () => {
  it('fails a row with too few or too many fields with CSV_FIELD_COUNT, keeping its cells (R-CSV-6)', async () => {
    const events = await collect('a,b,c\n1,2\n1,2,3,4\n5,6,7\n');
    expect(events.slice(1, 3)).toEqual([
      {
        type: 'row-failure',
        file: 'data/f.csv',
        line: 2,
        lastLine: 2,
        failure: {
          kind: 'parse',
          code: 'CSV_FIELD_COUNT',
          reason: 'The number of fields in the row does not match the header',
          detail: 'The row has 2 fields; the header has 3',
        },
        cells: ['1', '2'],
      },
      {
        type: 'row-failure',
        file: 'data/f.csv',
        line: 3,
        lastLine: 3,
        failure: {
          kind: 'parse',
          code: 'CSV_FIELD_COUNT',
          reason: 'The number of fields in the row does not match the header',
          detail: 'The row has 4 fields; the header has 3',
        },
        cells: ['1', '2', '3', '4'],
      },
    ]);
    expect(show(events.slice(3))).toEqual(['row 4-4 ["5","6","7"]', 'end']);
  });

  it('fails a quote inside an unquoted value with CSV_INVALID_QUOTE and reads on (R-CSV-6)', async () => {
    const events = await collect('a,b\n1,x"y\n2,3\n');
    expect(show(events)).toEqual(['start ["a","b"]', 'CSV_INVALID_QUOTE 2-2', 'row 3-3 ["2","3"]', 'end']);
    expect(events[1]).toMatchObject({
      failure: {
        kind: 'parse',
        reason: 'The row has a quote character where none is allowed',
        detail: 'A quote character appears inside the unquoted value of field 2',
      },
    });
    expect(events[1]).not.toHaveProperty('cells');
  });

  it('fails text after a closing quote on that row only, not the rest of the file [choice] (R-CSV-6)', async () => {
    expect(await read('a,b\n"x"y,1\n2,3\n"4",5\n')).toEqual([
      'start ["a","b"]',
      'CSV_INVALID_QUOTE 2-2',
      'row 3-3 ["2","3"]',
      'row 4-4 ["4","5"]',
      'end',
    ]);
  });

  it('fails white space then text after a closing quote with TrimWhiteSpace, losing no row (R-CSV-6)', async () => {
    // csv-parse 7.0.3 drops the rest of its buffer on this error under skip_records_with_error; the engine resumes.
    expect(await read('a,b\n"x" y,1\n2,3\n4,5\n', { trimWhiteSpace: true })).toEqual([
      'start ["a","b"]',
      'CSV_INVALID_QUOTE 2-2',
      'row 3-3 ["2","3"]',
      'row 4-4 ["4","5"]',
      'end',
    ]);
    expect(await read('a,b\n"x"  ,1\n', { trimWhiteSpace: true })).toEqual([
      'start ["a","b"]',
      'row 2-2 ["x","1"]',
      'end',
    ]);
  });

  it('reads the rest of the file as one row after an unterminated quote (R-CSV-6)', async () => {
    const events = await collect('a,b\n1,2\n3,"x\n4,5\n\n6,7');
    expect(show(events)).toEqual([
      'start ["a","b"]',
      'row 2-2 ["1","2"]',
      'CSV_UNTERMINATED_QUOTE 3-6',
      'end',
    ]);
    expect(events[2]).toMatchObject({
      failure: {
        kind: 'parse',
        reason: 'A quoted field is not closed before the end of the file',
        detail: 'The quote opened on line 3 is never closed; lines 3-6 are read as one row',
      },
    });
    expect(await read('a,b\n1,"\n')).toEqual(['start ["a","b"]', 'CSV_UNTERMINATED_QUOTE 2-2', 'end']);
  });

  it('takes a row of exactly maxRowBytes and fails one a byte over with CSV_ROW_TOO_LARGE (R-CSV-6)', async () => {
    const max = { maxRowBytes: 10 };
    expect(await read('a,b\n1234,67890\n', {}, max)).toEqual([
      'start ["a","b"]',
      'row 2-2 ["1234","67890"]',
      'end',
    ]);
    expect(await read('a,b\n1234,67890\r\n', {}, max)).toEqual([
      'start ["a","b"]',
      'row 2-2 ["1234","67890"]',
      'end',
    ]);
    expect(await read('a,b\n1234,67890', {}, max)).toEqual([
      'start ["a","b"]',
      'row 2-2 ["1234","67890"]',
      'end',
    ]);
    const events = await collect('a,b\n1234,678901\n1,2\n', {}, max);
    expect(show(events)).toEqual(['start ["a","b"]', 'CSV_ROW_TOO_LARGE 2-2', 'row 3-3 ["1","2"]', 'end']);
    expect(events[1]).toMatchObject({
      failure: {
        kind: 'parse',
        reason: 'The row is larger than the 16 MB limit',
        detail: 'The row is 11 bytes; the limit is 10',
      },
    });
    expect(events[1]).not.toHaveProperty('cells');
  });

  it('measures a multi-line row over all its lines, and does not count blank lines before it (R-CSV-6)', async () => {
    const max = { maxRowBytes: 10 };
    expect(await read('a,b\n"12\n3",456\n', {}, max)).toEqual([
      'start ["a","b"]',
      'row 2-3 ["12\\n3","456"]',
      'end',
    ]);
    expect(await read('a,b\n"12\n3",45678\n\n\n1,2\n', {}, max)).toEqual([
      'start ["a","b"]',
      'CSV_ROW_TOO_LARGE 2-3',
      'row 6-6 ["1","2"]',
      'end',
    ]);
    expect(await read('a,b\n\n\n\n\n\n\n\n\n\n\n\n1,2\n', {}, { maxRowBytes: 3 })).toEqual([
      'start ["a","b"]',
      'row 13-13 ["1","2"]',
      'end',
    ]);
  });

  it('fails an unterminated quote over maxRowBytes as too large (R-CSV-6)', async () => {
    expect(await read('a,b\n1,"2345678901\n\n', {}, { maxRowBytes: 10 })).toEqual([
      'start ["a","b"]',
      'CSV_ROW_TOO_LARGE 2-3',
      'end',
    ]);
  });

  it('keeps memory bounded on a huge row: its content is dropped while it is read (R-CSV-6)', () => {
    const huge = 'x'.repeat(4 * 1024 * 1024);
    const input = Buffer.from(`a,b\n1,2\n${huge},"${huge}\n${huge}"\n3,4\n`);
    const engine = new CsvEngine(FILE, CSV, { encoding: undefined, maxRowBytes: 1024 });
    // The tokenizer's text of the record in progress: the field so far and the finished cells.
    const state = (engine as unknown as { tok: { prefix: string; cells: string[] } }).tok;
    const events: SourceEvent[] = [];
    let peak = 0;
    for (const chunk of chunksOf(input, 64 * 1024)) {
      events.push(...engine.push(Buffer.from(chunk)));
      peak = Math.max(peak, state.prefix.length + state.cells.reduce((n, cell) => n + cell.length, 0));
    }
    events.push(...engine.end());
    expect(show(events)).toEqual([
      'start ["a","b"]',
      'row 2-2 ["1","2"]',
      'CSV_ROW_TOO_LARGE 3-4',
      'row 5-5 ["3","4"]',
      'end',
    ]);
    expect(events[2]).toMatchObject({
      failure: { detail: `The row is ${3 * huge.length + 4} bytes; the limit is 1024` },
    });
    expect(peak).toBeLessThan(256 * 1024);
  });
});

describe('readCsvBytes: the byte source (R-COUNT-2, STYLE rule 7)', () => {
  function source(chunks: string[], options: { failAfter?: number } = {}) {
    const state = { closed: false, served: 0 };
    const iterable: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]() {
        return {
          next: async () => {
            await Promise.resolve();
            if (options.failAfter !== undefined && state.served === options.failAfter) {
              throw Object.assign(new Error('disk gone'), { code: 'EIO' });
            }
            const chunk = chunks[state.served++];
            return chunk === undefined
              ? { done: true, value: undefined }
              : { done: false, value: bytes(chunk) };
          },
          return: () => {
            state.closed = true;
            return Promise.resolve({ done: true, value: undefined });
          },
        };
      },
    };
    return { iterable, state };
  }

  it('turns a failing source into FILE_UNREADABLE after the complete rows read so far (R-COUNT-2)', async () => {
    const { iterable } = source(['a,b\n1,2\n3,', '4\n'], { failAfter: 1 });
    const out: SourceEvent[] = [];
    for await (const batch of readCsvBytes(FILE, iterable, CSV)) out.push(...batch);
    expect(show(out)).toEqual(['start ["a","b"]', 'row 2-2 ["1","2"]', 'FILE_UNREADABLE @3']);
    expect(out[2]).toMatchObject({
      failure: { kind: 'file', reason: 'The file cannot be read', detail: expect.stringContaining('EIO') },
    });
  });

  it('closes the source when the consumer leaves the loop early (STYLE rule 7)', async () => {
    const { iterable, state } = source(['a,b\n1,2\n', '3,4\n', '5,6\n']);
    for await (const batch of readCsvBytes(FILE, iterable, CSV)) {
      expect(batch.length).toBeGreaterThan(0);
      break;
    }
    expect(state.closed).toBe(true);
  });

  it('closes the source after a file failure (R-COUNT-2)', async () => {
    const { iterable, state } = source(['\uFEFFa,b\n', '1,2\n']);
    const out: SourceEvent[] = [];
    for await (const batch of readCsvBytes(FILE, iterable, CSV)) out.push(...batch);
    expect(show(out)).toEqual(['FILE_BOM']);
    expect(state.closed).toBe(true);
  });

  it('throws the abort reason and closes the source when aborted (STYLE rule 7)', async () => {
    const { iterable, state } = source(['a,b\n1,2\n', '3,4\n', '5,6\n']);
    const controller = new AbortController();
    const seen: SourceEvent[] = [];
    await expect(
      (async () => {
        for await (const batch of readCsvBytes(FILE, iterable, CSV, { signal: controller.signal })) {
          seen.push(...batch);
          controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ name: 'AbortError' });
    // Only the first chunk's events: its complete lines (the fast path for plain lines emits them at once).
    expect(show(seen)).toEqual(['start ["a","b"]', 'row 2-2 ["1","2"]']);
    expect(state.closed).toBe(true);
  });

  it('reports progress per chunk (R-COUNT-1)', async () => {
    const seen: number[][] = [];
    await collect(
      splitAt(bytes('a,b\n1,2\n3,4\n'), [6]),
      {},
      {
        onProgress: (p) => seen.push([p.fileBytesRead, p.bytesRead, p.rows]),
      },
    );
    // Rows count once their line is complete: both after the second chunk, which completes them.
    expect(seen).toEqual([
      [6, 6, 0],
      [12, 12, 2],
      [12, 12, 2],
    ]);
  });
});

describe('readCsvBytes: several files at once (R-CSV-1)', () => {
  it('keeps the rows of two files read in turns apart', async () => {
    const a = readCsvBytes(FILE, chunksOf(bytes('h\na1\na2\na3\n'), 3), CSV)[Symbol.asyncIterator]();
    const b = readCsvBytes({ ...FILE, key: 'b.csv' }, chunksOf(bytes('h\nb1\nb2\n'), 2), CSV)[
      Symbol.asyncIterator
    ]();
    const events: SourceEvent[] = [];
    let doneA = false;
    let doneB = false;
    while (!doneA || !doneB) {
      if (!doneA) {
        const step = await a.next();
        if (step.done === true) doneA = true;
        else events.push(...step.value);
      }
      if (!doneB) {
        const step = await b.next();
        if (step.done === true) doneB = true;
        else events.push(...step.value);
      }
    }
    const rows = events.filter((e) => e.type === 'row').map((e) => `${e.file} ${e.cells.join()}`);
    expect(rows.filter((r) => r.startsWith('data/f.csv'))).toEqual([
      'data/f.csv a1',
      'data/f.csv a2',
      'data/f.csv a3',
    ]);
    expect(rows.filter((r) => r.startsWith('b.csv'))).toEqual(['b.csv b1', 'b.csv b2']);
  });
});
