/**
 * R-DUP-1: reads one row of a source file again and maps it, so that the duplicate index can compare a record
 * with an earlier one it only kept a fingerprint and a location of. The row is parsed with the same CSV options
 * as the first time (the CSV engine, or a plain split where that gives the same cells) and mapped by the same
 * bound mapper, so it yields the same records, unless the file changed: then nothing is confirmed.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

import type { TimestreamRecord } from '../map/record.js';
import type { ResolvedCsvOptions } from '../task.js';
import { CsvEngine } from '../csv/csv-engine.js';
import type { RowSource } from '../map/record-source.js';
import { diskVersion, isDiskReader } from '../source/local-reader.js';

const NL = 10;
const CR = 13;

/** Bytes read at once around a row: rows read again are often near each other (a file loaded twice). */
const BLOCK_BYTES = 64 * 1024;
/** Blocks kept. */
const BLOCKS = 8;

interface Block {
  source: RowSource;
  start: number;
  bytes: Buffer;
}

/** Files kept open at once. */
const OPEN_FILES = 8;

/**
 * Reads rows of source files again (R-DUP-1), through a small cache of the blocks read last and of the last row's
 * records (the records of one row are often asked for one after the other). Files on disk stay open until `close`;
 * each read still checks that the file is the version it was read as (other readers, S3, check it themselves).
 */
export class RowRereader {
  private readonly blocks: Block[] = [];
  private next = 0;
  private readonly files = new Map<RowSource, number>();

  /**
   * `blockBytes`: how much is read around a row (rows read again are often near each other). `keepOpen`: files stay
   * open between reads, until `close` (the owner must call it); else each read opens and closes its file.
   */
  constructor(
    private readonly blockBytes = BLOCK_BYTES,
    private readonly keepOpen = false,
  ) {}

  /** Closes the files it holds open. */
  close(): void {
    for (const fd of this.files.values()) closeQuietly(fd);
    this.files.clear();
  }
  private lastSource: RowSource | null = null;
  private lastOffset = -1;
  private lastRecords: TimestreamRecord[] | null = null;

  /**
   * Record `index` of the row at bytes [offset, offset + bytes) of `source`; null when it cannot be had as it
   * was: the file changed size or modification time, cannot be read, or the bytes are no longer that row.
   */
  record(source: RowSource, offset: number, bytes: number, index: number): TimestreamRecord | null {
    if (source !== this.lastSource || offset !== this.lastOffset) {
      this.lastSource = source;
      this.lastOffset = offset;
      this.lastRecords = null;
      const row = this.bytes(source, offset, bytes);
      const cells = row === null ? null : parseRowBytes(row, source.columns, source.csv);
      const records = cells === null ? null : source.map(cells);
      if (Array.isArray(records)) this.lastRecords = records;
    }
    return this.lastRecords?.[index] ?? null;
  }

  private bytes(source: RowSource, offset: number, bytes: number): Buffer | null {
    // R-S3-1: another reader (S3's range cache) holds the rows read so far, not the blocks around them: exact reads.
    if (!isDiskReader(source.reader)) return this.read(source, offset, bytes);
    for (const block of this.blocks) {
      if (
        block.source === source &&
        offset >= block.start &&
        offset + bytes <= block.start + block.bytes.length
      ) {
        return block.bytes.subarray(offset - block.start, offset - block.start + bytes);
      }
    }
    const blockBytes = this.blockBytes;
    const start = offset - (offset % blockBytes);
    if (offset + bytes > start + blockBytes) return this.read(source, offset, bytes);
    const block = this.read(source, start, Math.min(blockBytes, source.size - start));
    if (block === null || offset + bytes > start + block.length) return null;
    this.blocks[this.next] = { source, start, bytes: block };
    this.next = (this.next + 1) % BLOCKS;
    return block.subarray(offset - start, offset - start + bytes);
  }

  /** Bytes [offset, offset + bytes) of the file, if it is still the version it was read as. */
  private read(source: RowSource, offset: number, bytes: number): Buffer | null {
    // R-S3-1: a reader other than the local disk reads its own bytes (S3: from its range cache).
    if (!isDiskReader(source.reader))
      return source.reader.readSync(source.file, source.version, offset, bytes);
    let fd = this.files.get(source);
    if (fd === undefined) {
      try {
        fd = openSync(source.path, 'r');
      } catch {
        return null;
      }
      if (this.files.size >= OPEN_FILES) {
        const [oldest, old] = this.files.entries().next().value as [RowSource, number];
        this.files.delete(oldest);
        closeQuietly(old);
      }
      this.files.set(source, fd);
    }
    try {
      const stat = fstatSync(fd);
      if (diskVersion(stat.size, stat.mtimeMs) !== source.version) return null;
      const row = Buffer.allocUnsafe(bytes);
      let done = 0;
      while (done < bytes) {
        const n = readSync(fd, row, done, bytes - done, offset + done);
        if (n === 0) return null;
        done += n;
      }
      return row;
    } catch {
      return null;
    } finally {
      if (!this.keepOpen) this.close();
    }
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Nothing was written through it.
  }
}

/**
 * The cells of the one row `row` holds (line end included), as the CSV engine reads it after a header of
 * `columns` columns; null when the bytes are not exactly one such row.
 */
export function parseRowBytes(row: Buffer, columns: number, csv: ResolvedCsvOptions): string[] | null {
  // Without quotes and trimming, csv-parse cuts a row at every separator and nowhere else (the escape character
  // only acts inside quotes), and ends it at LF or CRLF: a split gives the same cells.
  const quote = Buffer.from(csv.quoteChar, 'utf8');
  if (!csv.trimWhiteSpace && row.indexOf(quote) === -1) {
    let end = row.length;
    if (end > 0 && row[end - 1] === NL) end -= end > 1 && row[end - 2] === CR ? 2 : 1;
    const nl = row.indexOf(NL);
    if (nl !== -1 && nl < end) return null;
    const cells = row.toString('utf8', 0, end).split(csv.columnSeparator);
    return cells.length === columns ? cells : null;
  }
  const engine = new CsvEngine({ key: '', path: '', size: row.length }, csv, {
    encoding: undefined,
    maxRowBytes: row.length + 1,
  });
  engine.primeHeader(columns);
  const events = [...engine.push(row), ...engine.end()];
  const first = events[0];
  if (events.length !== 2 || first?.type !== 'row' || events[1]!.type !== 'file-end') return null;
  return first.cells;
}
