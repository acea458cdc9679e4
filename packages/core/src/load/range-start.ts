/**
 * Where a range of a file starts for parallel reading (range-job.ts): the first non-blank line at or after its
 * nominal offset that looks like a record start (quoteViolation). A guess (a newline may sit inside a quoted
 * field), proven by the replay (range-load.ts): a wrong guess costs a second read of the range, never a wrong
 * result.
 */
import { open } from 'node:fs/promises';

import type { SourceFile } from '../source/source.js';
import type { SourceReader, StagedBytes } from '../source/source-reader.js';
import type { ResolvedCsvOptions } from '../task.js';

const NL = 10;
const CR = 13;

/** Bytes read at once while looking for a range's first line. */
export const LINE_SEARCH_BYTES = 64 * 1024;

/** Reads up to LINE_SEARCH_BYTES at a position (fewer at the end of the file, none past it). */
type ReadBlock = (position: number) => Promise<Buffer>;

/**
 * The first line start at or after `nominal` whose line is not blank (R-CSV-4: blank lines are skipped) and, with
 * `csv`, that does not read as the inside of a quoted field (quoteViolation).
 */
export async function firstLineStart(
  path: string,
  nominal: number,
  size: number,
  csv?: ResolvedCsvOptions,
): Promise<number> {
  if (nominal <= 0) return 0;
  const handle = await open(path, 'r');
  try {
    const block = Buffer.allocUnsafe(LINE_SEARCH_BYTES);
    const read: ReadBlock = async (position) => {
      const { bytesRead } = await handle.read(block, 0, block.length, position);
      return block.subarray(0, bytesRead);
    };
    return await searchRecordStart(read, nominal, size, csv);
  } finally {
    await handle.close();
  }
}

/** firstLineStart through a source reader (R-S3-1: small ranged GETs of an object). */
export function firstLineStartIn(
  reader: SourceReader,
  file: SourceFile,
  nominal: number,
  csv?: ResolvedCsvOptions,
): Promise<number> {
  if (nominal <= 0) return Promise.resolve(0);
  return searchRecordStart((position) => readBlock(reader, file, position), nominal, file.size, csv);
}

/**
 * firstLineStartIn and the read of the range from it in one (R-S3-1: one ranged GET per range instead of a small one
 * for the line start, then another for the rows, each a round trip): the bytes from `nominal - 1` on are read once,
 * the line start is found in them exactly as firstLineStartIn finds it (with `csv`, past starts that read as the inside
 * of a quoted field), and `chunks` are the bytes from it on.
 */
export async function readFromLineStart(
  reader: SourceReader,
  file: SourceFile,
  nominal: number,
  options: { end: number; highWaterMark: number; staged?: StagedBytes },
  csv?: ResolvedCsvOptions,
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
    start = await searchRecordStart(read, nominal, file.size, csv);
  } catch (error) {
    await it.return?.();
    throw error;
  }
  if (start < bufferStart) {
    // The quote check gave up and fell back to the first line start, behind what was read: read again from it.
    await it.return?.();
    return { start, chunks: reader.read(file, { start, ...options }) };
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

/** Line starts tried after the first before giving up on the quote check (the first is then the guess). */
const MAX_TRIES = 16;
/** Bytes after a candidate start that the quote check reads. */
const CHECK_BYTES = 16 * 1024;

/**
 * searchLineStart, then, with `csv`, on to the next line start while the candidate reads as the inside of a quoted
 * field: files with newlines inside quotes had about one range in four guessed wrong, each read twice, the second
 * time with the replay waiting for it.
 */
async function searchRecordStart(
  read: ReadBlock,
  nominal: number,
  size: number,
  csv: ResolvedCsvOptions | undefined,
): Promise<number> {
  const first = await searchLineStart(read, nominal, size);
  const syntax = csv === undefined ? null : quoteSyntax(csv);
  if (syntax === null) return first;
  let candidate = first;
  for (let tries = 0; tries <= MAX_TRIES && candidate < size; tries++) {
    const block = await read(candidate);
    if (quoteViolation(block, Math.min(block.length, CHECK_BYTES), syntax) === -1) return candidate;
    candidate = await searchLineStart(read, candidate + 1, size);
  }
  return first;
}

/** The bytes quoteViolation looks for; null when one of them is not a single ASCII byte (no check then). */
export interface QuoteSyntax {
  sep: number;
  quote: number;
  /** The escape inside quotes (the quote itself when EscapeChar is not set: a doubled quote). */
  escape: number;
  trim: boolean;
}

export function quoteSyntax(csv: ResolvedCsvOptions): QuoteSyntax | null {
  const sep = csv.columnSeparator.charCodeAt(0);
  const quote = csv.quoteChar.charCodeAt(0);
  const escape = (csv.escapeChar ?? csv.quoteChar).charCodeAt(0);
  if (!(sep < 0x80 && quote < 0x80 && escape < 0x80)) return null;
  if (csv.columnSeparator.length !== 1 || csv.quoteChar.length !== 1) return null;
  return { sep, quote, escape, trim: csv.trimWhiteSpace };
}

/**
 * Reads bytes [0, end) as CSV from a record start and returns the offset of the first quote that breaks the
 * grammar (an opening quote inside an unquoted field, or text right after a closing quote), or -1. From a newline
 * inside a quoted field the roles of the quotes swap and such a quote comes soon; from a true record start it
 * comes only in a malformed row. A heuristic only: the replay proves every start.
 */
export function quoteViolation(block: Uint8Array, end: number, syntax: QuoteSyntax): number {
  const { sep, quote, escape, trim } = syntax;
  let fieldStart = true; // at the start of a field, white space before it skipped (trim)
  let i = 0;
  while (i < end) {
    const c = block[i]!;
    if (c === quote && fieldStart) {
      // A quoted field: to its closing quote.
      let j = i + 1;
      for (;;) {
        if (j >= end) return -1; // the check ends inside it: nothing against the candidate
        const d = block[j]!;
        if (d === escape && escape !== quote && j + 1 < end) {
          j += 2;
          continue;
        }
        if (d === quote) {
          if (escape === quote && j + 1 < end && block[j + 1] === quote) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      // After the closing quote: a separator, a line end, the check's end (or white space with trim).
      let k = j + 1;
      if (trim) while (k < end && (block[k] === 0x20 || block[k] === 9)) k++;
      if (k < end) {
        const e = block[k]!;
        if (e !== sep && e !== NL && !(e === CR && (k + 1 >= end || block[k + 1] === NL))) return j;
      }
      i = k;
      continue;
    }
    if (c === quote) return i; // a quote inside an unquoted field
    if (c === sep || c === NL) fieldStart = true;
    else if (!(trim && fieldStart && (c === 0x20 || c === 9))) fieldStart = false;
    i++;
  }
  return -1;
}
