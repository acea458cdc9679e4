/**
 * Where a range of a file starts for parallel reading (range-job.ts): the first non-blank line at or after its
 * nominal offset. A guess (a newline may sit inside a quoted field), proven by the replay (range-load.ts).
 */
import { open } from 'node:fs/promises';

import type { SourceFile } from '../source/source.js';
import type { SourceReader } from '../source/source-reader.js';

const NL = 10;
const CR = 13;

/** Bytes read at once while looking for a range's first line. */
export const LINE_SEARCH_BYTES = 64 * 1024;

/** Reads up to LINE_SEARCH_BYTES at a position (fewer at the end of the file, none past it). */
type ReadBlock = (position: number) => Promise<Buffer>;

/** The first line start at or after `nominal` whose line is not blank (R-CSV-4: blank lines are skipped). */
export async function firstLineStart(path: string, nominal: number, size: number): Promise<number> {
  if (nominal <= 0) return 0;
  const handle = await open(path, 'r');
  try {
    const block = Buffer.allocUnsafe(LINE_SEARCH_BYTES);
    const read: ReadBlock = async (position) => {
      const { bytesRead } = await handle.read(block, 0, block.length, position);
      return block.subarray(0, bytesRead);
    };
    return await searchLineStart(read, nominal, size);
  } finally {
    await handle.close();
  }
}

/** firstLineStart through a source reader (R-S3-1: small ranged GETs of an object). */
export function firstLineStartIn(reader: SourceReader, file: SourceFile, nominal: number): Promise<number> {
  if (nominal <= 0) return Promise.resolve(0);
  return searchLineStart((position) => readBlock(reader, file, position), nominal, file.size);
}

/**
 * firstLineStartIn and the read of the range from it in one (R-S3-1: one ranged GET per range instead of a small one
 * for the line start, then another for the rows, each a round trip): the bytes from `nominal - 1` on are read once,
 * the line start is found in them exactly as firstLineStartIn finds it, and `chunks` are the bytes from it on.
 */
export async function readFromLineStart(
  reader: SourceReader,
  file: SourceFile,
  nominal: number,
  options: { end: number; highWaterMark: number },
): Promise<{ start: number; chunks: AsyncIterable<Buffer> }> {
  if (nominal <= 0) return { start: 0, chunks: reader.read(file, { start: 0, ...options }) };
  const it = reader.read(file, { start: nominal - 1, ...options })[Symbol.asyncIterator]();
  // The bytes read and not yet handed on, from `bufferStart`.
  let buffer: Buffer = Buffer.alloc(0);
  let bufferStart = nominal - 1;
  let ended = false;
  const read: ReadBlock = async (position) => {
    buffer = buffer.subarray(Math.min(buffer.length, position - bufferStart));
    bufferStart = position;
    while (buffer.length < LINE_SEARCH_BYTES && !ended) {
      const next = await it.next();
      if (next.done === true) ended = true;
      else buffer = buffer.length === 0 ? next.value : Buffer.concat([buffer, next.value]);
    }
    return buffer.subarray(0, LINE_SEARCH_BYTES);
  };
  let start: number;
  try {
    start = await searchLineStart(read, nominal, file.size);
  } catch (error) {
    await it.return?.();
    throw error;
  }
  const rest = buffer.subarray(Math.min(buffer.length, Math.max(0, start - bufferStart)));
  const chunks = async function* (): AsyncGenerator<Buffer, void, undefined> {
    try {
      if (rest.length > 0) yield rest;
      if (start >= file.size) return;
      for (;;) {
        const next = await it.next();
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      await it.return?.();
    }
  };
  return { start, chunks: chunks() };
}

async function readBlock(reader: SourceReader, file: SourceFile, position: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  const end = position + LINE_SEARCH_BYTES;
  for await (const chunk of reader.read(file, { start: position, end, highWaterMark: LINE_SEARCH_BYTES })) {
    parts.push(chunk);
    got += chunk.length;
    if (got >= LINE_SEARCH_BYTES) break;
  }
  const block = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  return block.length > LINE_SEARCH_BYTES ? block.subarray(0, LINE_SEARCH_BYTES) : block;
}

async function searchLineStart(read: ReadBlock, nominal: number, size: number): Promise<number> {
  let pos = nominal - 1; // the byte before: a newline there means `nominal` starts a line
  let atLineStart = false;
  for (;;) {
    if (pos >= size) return size;
    const block = await read(pos);
    const bytesRead = block.length;
    if (bytesRead === 0) return size;
    let i = 0;
    if (!atLineStart) {
      const nl = block.indexOf(NL);
      if (nl === -1) {
        pos += bytesRead;
        continue;
      }
      i = nl + 1;
      atLineStart = true;
    }
    // Skip blank lines: `\n` or `\r\n`.
    while (i < bytesRead) {
      if (block[i] === NL) i++;
      else if (block[i] === CR && i + 1 < bytesRead && block[i + 1] === NL) i += 2;
      else if (block[i] === CR && i + 1 === bytesRead && i > 0)
        break; // the block ends on a CR: read again from it to see what follows
      else return pos + i; // data; or a CR that is the file's last byte (a one-byte read: a lone CR is a row)
    }
    pos += i;
  }
}
