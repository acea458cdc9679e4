import { mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { readHeader } from '../../src/index.js';
import type { ReadHeaderResult, ResolvedCsvOptions, SourceFile } from '../../src/index.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'csv');
const CSV: ResolvedCsvOptions = {
  columnSeparator: ',',
  quoteChar: '"',
  escapeChar: null,
  nullValue: null,
  trimWhiteSpace: false,
};

async function fixture(name: string): Promise<SourceFile> {
  const file = path.join(FIXTURES, name);
  const size = await stat(file).then(
    (s) => s.size,
    () => 0,
  );
  return { key: `data/${name}`, path: file, size };
}

async function header(
  name: string,
  csv: Partial<ResolvedCsvOptions> = {},
  options: { encoding?: string } = {},
): Promise<ReadHeaderResult> {
  return readHeader(await fixture(name), { ...CSV, ...csv }, options);
}

function failureCode(result: ReadHeaderResult): string {
  if (result.ok) throw new Error(`expected a failure, got header ${JSON.stringify(result.header)}`);
  expect(result.failure.kind).toBe('file');
  return result.failure.code;
}

describe('readHeader (R-CSV-3, R-VAL-8)', () => {
  it('reads the names of the first record (R-CSV-3)', async () => {
    expect(await header('simple.csv')).toEqual({ ok: true, header: ['time', 'host', 'cpu'] });
  });

  it('reads a header-only file, with or without the final newline (R-CSV-3, R-CSV-4)', async () => {
    expect(await header('header-only.csv')).toEqual({ ok: true, header: ['time', 'host', 'cpu'] });
    expect(await header('header-only-no-newline.csv')).toEqual({ ok: true, header: ['time', 'host', 'cpu'] });
  });

  it('reads a CRLF header without the CR (R-CSV-4)', async () => {
    expect(await header('crlf.csv')).toEqual({ ok: true, header: ['time', 'host'] });
  });

  it('skips blank lines before the header (R-CSV-4)', async () => {
    expect(await header('blank-lines-before-header.csv')).toEqual({ ok: true, header: ['time', 'host'] });
  });

  it('keeps a quoted newline inside a column name (R-CSV-4)', async () => {
    expect(await header('header-quoted-newline.csv')).toEqual({ ok: true, header: ['time', 'ho\nst'] });
  });

  it('uses the separator and quote of the CSV options (R-CSV-1)', async () => {
    expect(await header('semicolon-single-quote.csv', { columnSeparator: ';', quoteChar: "'" })).toEqual({
      ok: true,
      header: ['time', 'host'],
    });
  });

  it('trims header names with TrimWhiteSpace and keeps them verbatim without (R-CSV-3)', async () => {
    expect(await header('header-padded.csv', { trimWhiteSpace: true })).toEqual({
      ok: true,
      header: ['time', 'host'],
    });
    expect(await header('header-padded.csv')).toEqual({ ok: true, header: [' time ', ' host '] });
  });

  it('fails an empty file and a file of blank lines with FILE_EMPTY (R-CSV-3)', async () => {
    expect(failureCode(await header('empty.csv'))).toBe('FILE_EMPTY');
    expect(failureCode(await header('blank-lines-only.csv'))).toBe('FILE_EMPTY');
  });

  it('fails an empty column name with FILE_HEADER_EMPTY_NAME naming its position (R-CSV-3)', async () => {
    expect(await header('header-empty-name.csv')).toEqual({
      ok: false,
      failure: {
        kind: 'file',
        code: 'FILE_HEADER_EMPTY_NAME',
        reason: 'The header has an empty column name',
        detail: 'Column 2 of the header has no name',
      },
    });
  });

  it('fails a duplicated column name with FILE_HEADER_DUPLICATE_NAME (R-CSV-3)', async () => {
    const result = await header('header-duplicate-name.csv');
    expect(failureCode(result)).toBe('FILE_HEADER_DUPLICATE_NAME');
    if (!result.ok) expect(result.failure.detail).toBe('Column name "time" appears at positions 1 and 3');
  });

  it('fails a header with a stray or unterminated quote with FILE_HEADER_UNREADABLE (R-CSV-3)', async () => {
    expect(failureCode(await header('header-invalid-quote.csv'))).toBe('FILE_HEADER_UNREADABLE');
    expect(failureCode(await header('header-unterminated-quote.csv'))).toBe('FILE_HEADER_UNREADABLE');
  });

  it('fails every BOM with FILE_BOM and the spec reason (R-CSV-2)', async () => {
    for (const [name, bom] of [
      ['bom-utf8.csv', 'UTF-8'],
      ['bom-utf16le.csv', 'UTF-16 LE'],
      ['bom-utf16be.csv', 'UTF-16 BE'],
    ] as const) {
      expect(await header(name)).toEqual({
        ok: false,
        failure: {
          kind: 'file',
          code: 'FILE_BOM',
          reason: 'File begins with a byte-order mark (BOM); remove it',
          detail: `The file starts with the ${bom} byte-order mark`,
        },
      });
    }
  });

  it('fails invalid UTF-8 in the header with FILE_INVALID_UTF8 naming the byte offset (R-CSV-2)', async () => {
    const result = await header('invalid-utf8-in-header.csv');
    expect(failureCode(result)).toBe('FILE_INVALID_UTF8');
    if (!result.ok)
      expect(result.failure.detail).toBe('Invalid UTF-8 byte sequence at byte offset 7 (line 1)');
  });

  it('reads the header of a file whose invalid UTF-8 comes after it (R-VAL-8)', async () => {
    expect(await header('invalid-utf8-after-header.csv')).toEqual({ ok: true, header: ['time', 'host'] });
  });

  it('decodes with an iconv-lite encoding when one is given (R-CSV-2 extension)', async () => {
    expect(await header('latin1.csv', {}, { encoding: 'latin1' })).toEqual({
      ok: true,
      header: ['time', 'city'],
    });
  });

  it('fails a missing file with FILE_UNREADABLE (R-COUNT-2)', async () => {
    const result = await header('no-such-file.csv');
    expect(failureCode(result)).toBe('FILE_UNREADABLE');
    if (!result.ok) expect(result.failure.detail).toContain('ENOENT');
  });
});

// Issue 18: the validator reads every file's header; a file without a line break used to be read to its end.
describe('readHeader past the row limit (R-CSV-6)', () => {
  it('stops after the row limit and a chunk, and fails the header as the full read does', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tsbatch-header-'));
    try {
      const file = path.join(dir, 'no-line-break.csv');
      await writeFile(file, 'a,b');
      await truncate(file, 64 * 1024 * 1024); // sparse: 64 MiB of NUL bytes after "a,b", no line break
      const result = await readHeader({ key: 'no-line-break.csv', path: file, size: 64 * 1024 * 1024 }, CSV);
      expect(result).toEqual({
        ok: false,
        failure: {
          kind: 'file',
          code: 'FILE_HEADER_UNREADABLE',
          reason: 'The header row cannot be parsed',
          // The full read names the row's whole size; this one stopped reading past the limit.
          detail: 'The header row is too large: more than 16777216 bytes',
        },
      });
      // A header just under the limit is still read whole.
      await writeFile(file, `${'x'.repeat(16 * 1024 * 1024 - 10)},b\n1,2\n`);
      const under = await readHeader({ key: 'under.csv', path: file, size: 16 * 1024 * 1024 }, CSV);
      expect(under.ok && under.header.map((h) => h.length)).toEqual([16 * 1024 * 1024 - 10, 1]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
