/**
 * R-S3-1: readFromLineStart (one read per range: the line start found in the bytes of the range read) finds the
 * start firstLineStartIn finds (a small read for the start, then another for the rows) and hands on exactly the bytes
 * from it, whatever the content (newlines, CRs, blank lines, none at all), the offset and the reader's chunk sizes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { firstLineStartIn, LINE_SEARCH_BYTES, readFromLineStart } from '../../src/load/range-start.js';
import type { ResolvedCsvOptions } from '../../src/index.js';
import type { SourceFile } from '../../src/source/source.js';
import type { ReadChunksOptions, SourceReader } from '../../src/source/source-reader.js';

/** A reader of one in-memory object handing on chunks of the given sizes in turn (as S3's may: any size). */
function memoryReader(bytes: Buffer, sizes: number[]): SourceReader & { reads: number } {
  const reader = {
    spec: undefined,
    rereads: false,
    reads: 0,
    list: () => Promise.resolve([]),
    head: () => Promise.reject(new Error('no head')),
    version: () => Promise.resolve(null),
    readSync: () => null,
    async *read(_file: SourceFile, options: ReadChunksOptions): AsyncGenerator<Buffer> {
      reader.reads++;
      let at = options.start ?? 0;
      let i = 0;
      while (at < bytes.length) {
        const n = sizes[i++ % sizes.length]!;
        // A turn of the event loop between chunks, as a socket gives them.
        yield await Promise.resolve(bytes.subarray(at, Math.min(bytes.length, at + n)));
        at += n;
      }
    },
  };
  return reader;
}

async function all(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

const byte = fc.constantFrom(10, 13, 13, 32, 97, 98, 44);

describe('readFromLineStart (R-S3-1)', () => {
  it('finds the line start firstLineStartIn finds and hands on exactly the bytes from it, in one read', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.array(byte, { maxLength: 300 }),
          // Lines longer than one search block: the start is past the first 64 KiB read.
          fc
            .tuple(fc.integer({ min: 0, max: 3 * LINE_SEARCH_BYTES }), fc.array(byte, { maxLength: 50 }))
            .map(([run, tail]) => [...Array.from({ length: run }, () => 97), ...tail]),
        ),
        fc.array(fc.integer({ min: 1, max: 2 * LINE_SEARCH_BYTES }), { minLength: 1, maxLength: 5 }),
        fc.double({ min: 0, max: 1.2, noNaN: true }),
        async (content, sizes, where) => {
          const bytes = Buffer.from(content);
          const file: SourceFile = { key: 'k', path: 's3://b/k', size: bytes.length };
          const nominal = Math.floor(where * bytes.length);
          const expected = await firstLineStartIn(memoryReader(bytes, sizes), file, nominal);
          const reader = memoryReader(bytes, sizes);
          const { start, chunks } = await readFromLineStart(reader, file, nominal, {
            end: bytes.length,
            highWaterMark: 1024,
          });
          expect(start).toBe(expected);
          expect((await all(chunks)).equals(bytes.subarray(Math.min(start, bytes.length)))).toBe(true);
          // One read at most (none when the start is the end of the object).
          expect(reader.reads).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('with the CSV options, skips the starts firstLineStartIn skips as inside a quoted field, and hands on the bytes from it', async () => {
    const quoted = fc.constantFrom(10, 10, 13, 34, 34, 44, 97, 92, 32);
    const csv = fc.record<ResolvedCsvOptions>({
      columnSeparator: fc.constant(','),
      quoteChar: fc.constant('"'),
      escapeChar: fc.constantFrom(null, '\\'),
      nullValue: fc.constant(null),
      trimWhiteSpace: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(quoted, { maxLength: 400 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 }),
        fc.double({ min: 0, max: 1.2, noNaN: true }),
        csv,
        async (content, sizes, where, options) => {
          const bytes = Buffer.from(content);
          const file: SourceFile = { key: 'k', path: 's3://b/k', size: bytes.length };
          const nominal = Math.floor(where * bytes.length);
          const expected = await firstLineStartIn(memoryReader(bytes, sizes), file, nominal, options);
          const reader = memoryReader(bytes, sizes);
          const { start, chunks } = await readFromLineStart(
            reader,
            file,
            nominal,
            { end: bytes.length, highWaterMark: 1024 },
            options,
          );
          expect(start).toBe(expected);
          expect((await all(chunks)).equals(bytes.subarray(Math.min(start, bytes.length)))).toBe(true);
          // A second read only where the quote check gave up and fell back to a start behind what was read.
          expect(reader.reads).toBeLessThanOrEqual(2);
        },
      ),
      { numRuns: 400 },
    );
  });
});
