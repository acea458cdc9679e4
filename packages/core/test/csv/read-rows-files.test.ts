import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fileURLToPath } from 'node:url';

import { readRows, resolveSource } from '../../src/index.js';
import type { ReadOptions, ReadProgress, ResolvedSource, SourceEvent, SourceFile } from '../../src/index.js';
import { CSV, show } from '../read-rows-helpers.js';

let dir: string;

async function file(name: string, content: string): Promise<SourceFile> {
  const full = path.join(dir, name);
  await writeFile(full, content);
  return { key: `in/${name}`, path: full, size: Buffer.byteLength(content) };
}

function sourceOf(files: SourceFile[]): ResolvedSource {
  return { files, totalBytes: files.reduce((sum, f) => sum + f.size, 0) };
}

async function all(source: ResolvedSource, options: ReadOptions = {}): Promise<SourceEvent[]> {
  const events: SourceEvent[] = [];
  for await (const batch of readRows(source, CSV, options)) events.push(...batch);
  return events;
}

/** Open file descriptors of this process (Linux). */
function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tsbatch-read-rows-'));
  await mkdir(path.join(dir, 'a-folder'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readRows over source files (R-IN-3, R-COUNT-2)', () => {
  it('reads every file in order, each framed by file-start and file-end with its key (R-IN-3)', async () => {
    const one = await file('one.csv', 'a,b\n1,2\n');
    const two = await file('two.csv', 'a,b\n3,4\n5,6\n');
    const events = await all(sourceOf([one, two]));
    expect(show(events)).toEqual([
      'start ["a","b"]',
      'row 2-2 ["1","2"]',
      'end',
      'start ["a","b"]',
      'row 2-2 ["3","4"]',
      'row 3-3 ["5","6"]',
      'end',
    ]);
    expect(events.map((e) => (e.type === 'file-start' ? e.file.key : e.file))).toEqual([
      'in/one.csv',
      'in/one.csv',
      'in/one.csv',
      'in/two.csv',
      'in/two.csv',
      'in/two.csv',
      'in/two.csv',
    ]);
    expect(events[2]).toEqual({ type: 'file-end', file: 'in/one.csv', bytesRead: 8 });
  });

  it('fails a file over maxFileBytes with FILE_TOO_LARGE without reading it, and reads the next (R-VAL-9, R-COUNT-2)', async () => {
    const big = await file('big.csv', 'a,b\n1,2\n3,4\n');
    const small = await file('small.csv', 'a\n1\n');
    const events = await all(sourceOf([big, small]), { maxFileBytes: 5 });
    expect(events[0]).toEqual({
      type: 'file-failure',
      file: 'in/big.csv',
      failure: {
        kind: 'file',
        code: 'FILE_TOO_LARGE',
        reason: 'The file is larger than the 5 GB limit',
        detail: 'The file is 12 bytes; the limit is 5 bytes',
      },
    });
    expect(show(events.slice(1))).toEqual(['start ["a"]', 'row 2-2 ["1"]', 'end']);
  });

  it('fails a file that vanished or is not a file with FILE_UNREADABLE, and reads the next (R-COUNT-2)', async () => {
    const gone: SourceFile = { key: 'in/gone.csv', path: path.join(dir, 'gone.csv'), size: 4 };
    const folder: SourceFile = { key: 'in/a-folder', path: path.join(dir, 'a-folder'), size: 0 };
    const ok = await file('ok.csv', 'a\n1\n');
    const events = await all(sourceOf([gone, folder, ok]));
    expect(show(events)).toEqual([
      'FILE_UNREADABLE',
      'FILE_UNREADABLE',
      'start ["a"]',
      'row 2-2 ["1"]',
      'end',
    ]);
    expect(events[0]).toMatchObject({
      file: 'in/gone.csv',
      failure: { kind: 'file', detail: expect.stringContaining('ENOENT') },
    });
    expect(events[1]).toMatchObject({
      file: 'in/a-folder',
      failure: { detail: expect.stringContaining('EISDIR') },
    });
  });

  it('gives the same events for any read chunk size (R-CSV-1)', async () => {
    const content = 'a,b\n1,"x\ny"\n\n2,3\r\n4,5,6\n"7",8\n';
    const f = await file('chunks.csv', content);
    const expected = await all(sourceOf([f]));
    for (const highWaterMark of [1, 2, 3, 5, 8, 13]) {
      expect(await all(sourceOf([f]), { highWaterMark })).toEqual(expected);
    }
  });

  it('reports progress over the whole source; a skipped file counts as read (R-COUNT-1)', async () => {
    const big = await file('p-big.csv', 'a,b\n1,2\n3,4\n');
    const one = await file('p-one.csv', 'a\n1\n2\n');
    const seen: ReadProgress[] = [];
    await all(sourceOf([big, one]), { maxFileBytes: 8, highWaterMark: 4, onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).toEqual({
      file: 'in/p-one.csv',
      fileBytesRead: 6,
      fileBytes: 6,
      bytesRead: 18,
      totalBytes: 18,
      rows: 2,
    });
    expect(seen.map((p) => p.bytesRead)).toEqual([16, 18, 18]);
  });

  it.skipIf(!existsSync('/proc/self/fd'))(
    'closes the file when the consumer leaves the loop early (STYLE rule 7)',
    async () => {
      const f = await file('early.csv', 'a\n' + '1\n'.repeat(1000));
      const before = openFds();
      for await (const batch of readRows(sourceOf([f]), CSV, { highWaterMark: 16 })) {
        expect(batch[0]?.type).toBe('file-start');
        expect(openFds()).toBe(before + 1);
        break;
      }
      expect(openFds()).toBe(before);
    },
  );

  it.skipIf(!existsSync('/proc/self/fd'))(
    'stops on abort with the abort reason and closes the file (STYLE rule 7)',
    async () => {
      const f = await file('abort.csv', 'a\n' + '1\n'.repeat(1000));
      const controller = new AbortController();
      const before = openFds();
      let rows = 0;
      await expect(
        (async () => {
          for await (const batch of readRows(sourceOf([f, f]), CSV, {
            signal: controller.signal,
            highWaterMark: 16,
          })) {
            rows += batch.filter((e) => e.type === 'row').length;
            if (rows > 10) controller.abort();
          }
        })(),
      ).rejects.toMatchObject({ name: 'AbortError' });
      expect(rows).toBeLessThan(30);
      expect(openFds()).toBe(before);
    },
  );
});

describe('readRows over the fixture files, end to end (R-IN-3, R-CSV-1..6)', () => {
  it('reads each fixture to the events its name promises', async () => {
    const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'csv');
    const resolved = await resolveSource({ bucket: 'b', prefix: 'fx/' }, { source: fixtures });
    if (!resolved.ok) throw new Error(resolved.error.message);
    const byFile = new Map<string, string[]>();
    for await (const batch of readRows(resolved.source, CSV)) {
      for (const event of batch) {
        const key = event.type === 'file-start' ? event.file.key : event.file;
        byFile.set(key, [...(byFile.get(key) ?? []), ...show([event])]);
      }
    }
    expect(Object.fromEntries(byFile)).toEqual({
      'fx/blank-lines-before-header.csv': ['start ["time","host"]', 'row 4-4 ["1","h1"]', 'end'],
      'fx/blank-lines-only.csv': ['FILE_EMPTY'],
      'fx/bom-utf16be.csv': ['FILE_BOM'],
      'fx/bom-utf16le.csv': ['FILE_BOM'],
      'fx/bom-utf8.csv': ['FILE_BOM'],
      'fx/crlf.csv': ['start ["time","host"]', 'row 2-2 ["1","h1"]', 'row 3-3 ["2","h2"]', 'end'],
      'fx/empty.csv': ['FILE_EMPTY'],
      'fx/header-duplicate-name.csv': ['FILE_HEADER_DUPLICATE_NAME'],
      'fx/header-empty-name.csv': ['FILE_HEADER_EMPTY_NAME'],
      'fx/header-invalid-quote.csv': ['FILE_HEADER_UNREADABLE'],
      'fx/header-only-no-newline.csv': ['start ["time","host","cpu"]', 'end'],
      'fx/header-only.csv': ['start ["time","host","cpu"]', 'end'],
      'fx/header-padded.csv': ['start [" time "," host "]', 'row 2-2 ["1","h"]', 'end'],
      'fx/header-quoted-newline.csv': ['start ["time","ho\\nst"]', 'row 3-3 ["1","h"]', 'end'],
      'fx/header-unterminated-quote.csv': ['FILE_HEADER_UNREADABLE'],
      'fx/invalid-utf8-after-header.csv': ['start ["time","host"]', 'FILE_INVALID_UTF8 @2'],
      'fx/invalid-utf8-in-header.csv': ['FILE_INVALID_UTF8'],
      'fx/latin1.csv': ['start ["time","city"]', 'FILE_INVALID_UTF8 @2'],
      'fx/quoted-newline.csv': [
        'start ["time","note"]',
        'row 2-3 ["1","line one\\nline two"]',
        'row 4-4 ["2","plain"]',
        'end',
      ],
      // Read with the default comma separator, the whole line is one column.
      'fx/semicolon-single-quote.csv': ['start ["time;host"]', 'row 2-2 ["1;\'a;b\'"]', 'end'],
      'fx/simple.csv': [
        'start ["time","host","cpu"]',
        'row 2-2 ["1700000000000","h1","1.5"]',
        'row 3-3 ["1700000000001","h2","2.5"]',
        'end',
      ],
    });
  });
});
