/**
 * The CSV engine behind readRows, readCsvBytes and readHeader: bytes in, SourceEvents out, one push per chunk.
 *
 * Bytes are checked (R-CSV-2: BOM, UTF-8 by Node's native isUtf8), decoded once per chunk and handed to the
 * tokenizer (csv-text-feed.ts, csv-tokenizer.ts), which calls back once per record. Here records become events: the header (R-CSV-3), rows,
 * row failures (R-CSV-6), the file's end or failure, and, for the parallel dry run, the end of a byte range.
 */
import type { Failure } from '../failure.js';
import type { SourceEvent, SourceFile } from '../source/source.js';
import type { ResolvedCsvOptions } from '../task.js';
import {
  fieldCountFailure,
  fileFailure,
  headerQuoteFailure,
  headerTooLarge,
  headerUnterminated,
  invalidUtf8,
  ioErrorText,
  quoteFailureDetail,
  rowFailure,
  rowTooLarge,
  unterminatedRow,
} from './csv-failures.js';
import { headerVerdict } from './header-names.js';
import { NO_ERROR, type RecordSink } from './csv-tokenizer.js';
import { CsvTextFeed } from './csv-text-feed.js';
import type { RowHook } from './row-hook.js';
import { detectBom } from './csv-utf8.js';

export type { RowHook } from './row-hook.js';

export interface EngineOptions {
  encoding: string | undefined;
  maxRowBytes: number;
}

/** spanRow's answers. */
const NOT_ASKED = 0;
const TAKEN = 1;
const LEFT = 2;

/** `limit` when the bytes are not a range with an end. */
const NONE = Number.MAX_SAFE_INTEGER;

export class CsvEngine extends CsvTextFeed implements RecordSink {
  /** True once the file failed as a whole (or the range ended): no more events for it. */
  done = false;
  /** Data rows seen (rows and row failures). */
  rows = 0;
  /** Raw bytes given to `push`. */
  bytesRead = 0;
  /**
   * Range mode (startRange): once the range's last record is read, the offset (relative to the range's first byte)
   * where the next range must start, and the newlines before it; -1 while unknown or when the range ends the file.
   */
  handoff = -1;
  handoffLines = 0;
  /** Row events of a file read as UTF-8 carry `extraBytes` (a range job's metering sets it before reading). */
  measureRows = false;
  /** See setRowHook. */
  private rowHook: RowHook | null = null;
  /** The cells of the last row event whose row the hook left (its consumer need not ask its kernel again). */
  leftCells: string[] | null = null;
  /** Range mode: records that start at or after this offset (relative) belong to the next range. */
  private limit = NONE;
  /** Range mode: the file offset of the first byte pushed, added to the offsets of row events. */
  private base = 0;
  /** Range mode: lines before the range, when known, for the line numbers inside failure texts. */
  private lineBase = 0;

  private readonly key: string;
  private readonly maxRowBytes: number;
  private readonly trim: boolean;
  private events: SourceEvent[] = [];
  private header: string[] | null = null;
  private headerLength = 0;

  constructor(
    private readonly file: SourceFile,
    csv: ResolvedCsvOptions,
    options: EngineOptions,
  ) {
    super(csv, options.encoding, options.maxRowBytes);
    this.key = file.key;
    this.maxRowBytes = options.maxRowBytes;
    this.trim = csv.trimWhiteSpace;
  }

  /**
   * Takes a header of `columns` columns without reading one: the bytes pushed next are data rows. For reading one
   * row of a file again (R-DUP-1); line numbers then start at 1.
   */
  primeHeader(columns: number): void {
    this.header = Array.from({ length: columns }, (_, i) => String(i));
    this.headerLength = columns;
  }

  /**
   * Reads a byte range of the file (parallel reading): the bytes pushed start at file offset `base`, at the start
   * of a line, and records that start at or after `base + limit` are left to the next range; the first record
   * that ends at or after it is the range's last (handoff tells where it ended). With a `header` the range is not
   * the file's first: its rows are data from the first byte (no BOM check, no file-start event). Line numbers are
   * relative to the range's first line; offsets are the file's.
   */
  startRange(header: string[] | null, base: number, limit: number, lineBase = 0): void {
    this.base = base;
    this.lineBase = lineBase;
    this.limit = limit === Infinity ? NONE : limit - base;
    if (header !== null) {
      this.header = header;
      this.headerLength = header.length;
      this.head = null;
    }
  }

  /**
   * Rows that would be row events with offsets and extraBytes (measureRows), read whole in one text and with
   * no event before them in the batch, go to `hook` first (null: none do). A range job's row kernel (range-job.ts):
   * the cells are never cut into strings unless the hook leaves the row.
   */
  setRowHook(hook: RowHook | null): void {
    this.rowHook = hook;
    this.tok.spanEnabled = hook !== null && this.measureRows && this.decoder === null;
    this.tok.lengthCells = hook?.lengthCells ?? null;
  }

  /** Feeds the next chunk of the file; returns the events it completed. */
  push(chunk: Buffer): SourceEvent[] {
    if (this.done) return this.take();
    this.bytesRead += chunk.length;
    if (this.decoder !== null) {
      const text = this.decoder.write(chunk);
      if (text.length > 0) this.feedText(text, false, -1);
      return this.take();
    }
    let bytes = chunk;
    if (this.head !== null) {
      // R-CSV-2: the first 3 bytes decide about a BOM before anything is read.
      bytes = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
      if (bytes.length < 3) {
        this.head = Buffer.from(bytes); // a copy: the chunk's memory may be reused
        return this.take();
      }
      this.head = null;
      if (this.failOnBom(bytes)) return this.take();
    }
    this.checkAndFeed(bytes);
    return this.take();
  }

  /** Ends the file: flushes the last record and emits `file-end` (or the file failure). */
  end(): SourceEvent[] {
    if (this.done) return this.take();
    if (this.decoder !== null) {
      const text = this.decoder.end();
      if (text !== undefined && text.length > 0) this.feedText(text, false, -1);
    } else {
      if (this.head !== null) {
        const head = this.head;
        this.head = null;
        if (this.failOnBom(head)) return this.take();
        this.checkAndFeed(head);
        if (this.done) return this.take();
      }
      const bad = this.utf8!.end();
      if (bad !== -1) {
        this.breakAt(bad, undefined, invalidUtf8);
        return this.take();
      }
    }
    if (this.done) return this.take();
    this.tok.scan(this.pending, this.pendingByte, this.pendingAscii, true);
    this.pending = '';
    if (this.done) return this.take();
    if (this.header === null) {
      const empty = this.textEnd === 0;
      this.failFile(
        fileFailure('FILE_EMPTY', empty ? 'The file is empty' : 'The file holds only blank lines'),
      );
    } else {
      this.events.push({ type: 'file-end', file: this.key, bytesRead: this.bytesRead });
    }
    return this.take();
  }

  /** The source of the bytes failed (read error): rows complete so far stay (R-COUNT-2), then FILE_UNREADABLE. */
  fail(error: unknown): SourceEvent[] {
    if (this.done) return this.take();
    this.breakAt(this.fedEnd, undefined, () =>
      fileFailure(
        'FILE_UNREADABLE',
        `Reading stopped after ${this.base + this.bytesRead} bytes: ${ioErrorText(error)}`,
      ),
    );
    return this.take();
  }

  private take(): SourceEvent[] {
    const events = this.events;
    this.events = [];
    return events;
  }

  private failOnBom(head: Buffer): boolean {
    const bom = detectBom(head);
    if (bom === null) return false;
    this.failFile(fileFailure('FILE_BOM', `The file starts with the ${bom} byte-order mark`));
    return true;
  }

  private failFile(failure: Failure, line?: number): void {
    this.events.push(
      line === undefined
        ? { type: 'file-failure', file: this.key, failure }
        : { type: 'file-failure', file: this.key, failure, line },
    );
    this.done = true;
  }

  /** R-CSV-2: checks `bytes` (the next bytes after fedEnd) and feeds them, or breaks the file at a bad byte. */
  private checkAndFeed(bytes: Buffer): void {
    const bad = this.utf8!.check(bytes);
    if (bad !== -1) {
      this.breakAt(bad, bytes, invalidUtf8);
      return;
    }
    this.fedEnd += bytes.length;
    this.feedBytes(bytes);
  }

  /** Range mode: a record starting at or after the limit is the next range's (it starts there, after blank lines). */
  onRecordStart(): boolean {
    const start = this.tok.recordStartByte;
    if (start < this.limit || this.done) return !this.done;
    this.stopRange(start, this.tok.recordLine - 1);
    return false;
  }

  /** A record ended (RecordSink): its event, with its lines (R-CSV-5) and its failure, if any (R-CSV-6). */
  onRecord(end: number, lastLine: number, terminator: number, unterminated: boolean): void {
    if (this.done) return;
    const tok = this.tok;
    const start = tok.recordStartByte;
    const line = tok.recordLine;
    const size = end - start - terminator;
    if (unterminated) {
      this.onUnterminated(line, lastLine, size);
      return;
    }
    // The hook was asked (and left the row): it is not asked again for the row's cells.
    let asked = false;
    if (tok.spanning) {
      const answer = this.spanRow(line, lastLine, start, end, size);
      if (answer === TAKEN) {
        // Range mode: a record ending on a newline at or past the limit is the range's last.
        if (end >= this.limit && terminator > 0) this.stopRange(end, lastLine);
        return;
      }
      asked = answer === LEFT;
      tok.materialise();
      if (asked) this.leftCells = tok.cells;
    }
    if (this.header === null) {
      this.onHeader(tok.cells, size > this.maxRowBytes ? size : -1, line);
      return;
    }
    this.rows++;
    const cells = tok.cells;
    if (size > this.maxRowBytes) {
      this.rowFailure(line, lastLine, rowTooLarge(size, this.maxRowBytes));
    } else if (tok.error !== NO_ERROR) {
      this.rowFailure(
        line,
        lastLine,
        rowFailure('CSV_INVALID_QUOTE', quoteFailureDetail(tok.error, tok.errorField)),
      );
    } else if (cells.length !== this.headerLength) {
      const failure = fieldCountFailure(cells.length, this.headerLength);
      this.events.push({ type: 'row-failure', file: this.key, line, lastLine, failure, cells });
    } else if (this.measureRows && this.decoder === null) {
      const extraBytes = tok.extraBytes(end - start);
      const hook = this.rowHook;
      const offset = this.base + start;
      const bytes = end - start;
      // As spanRow: the hook first, when no event waits in the batch (the rows stay in order), for a row of ASCII
      // text ([choice] span mode's cut into strings: a record over two texts, one the states failed; elsewhere the
      // hook measured no faster than the row event).
      if (hook !== null && !asked && tok.textAscii && this.events.length === 0) {
        if (hook.cells(cells, line, lastLine, offset, bytes, extraBytes)) {
          if (end >= this.limit && terminator > 0) this.stopRange(end, lastLine);
          return;
        }
        this.leftCells = cells;
      }
      this.events.push({ type: 'row', file: this.key, line, lastLine, cells, offset, bytes, extraBytes });
    } else {
      this.events.push(
        this.decoder === null
          ? {
              type: 'row',
              file: this.key,
              line,
              lastLine,
              cells,
              offset: this.base + start,
              bytes: end - start,
            }
          : { type: 'row', file: this.key, line, lastLine, cells },
      );
    }
    // Range mode: a record ending on a newline at or past the limit is the range's last.
    if (end >= this.limit && terminator > 0) this.stopRange(end, lastLine);
  }

  /**
   * A row of cell spans to the row hook, if it is one the hook may take (one that would be a row event, with no
   * event before it in the batch): TAKEN, LEFT by the hook, or NOT_ASKED.
   */
  private spanRow(line: number, lastLine: number, start: number, end: number, size: number): number {
    const { tok, rowHook: hook } = this;
    if (
      hook === null ||
      this.header === null ||
      this.events.length > 0 ||
      size > this.maxRowBytes ||
      tok.error !== NO_ERROR ||
      tok.spanCount !== this.headerLength
    )
      return NOT_ASKED;
    const extraBytes = tok.textAscii ? 0 : tok.extraBytes(end - start); // as the row event's
    if (!hook.spans(tok.spanRowText(), tok.spans, line, lastLine, this.base + start, end - start, extraBytes))
      return LEFT;
    this.rows++;
    return TAKEN;
  }

  private stopRange(at: number, lines: number): void {
    this.handoff = at;
    this.handoffLines = lines;
    this.done = true;
  }

  private rowFailure(line: number, lastLine: number, failure: Failure): void {
    this.events.push({ type: 'row-failure', file: this.key, line, lastLine, failure });
  }

  /** R-CSV-3: the first record names the columns. */
  private onHeader(cells: string[], tooLargeSize: number, line: number): void {
    const tok = this.tok;
    const tooLarge = tooLargeSize === -1 ? null : headerTooLarge(tooLargeSize, this.maxRowBytes);
    const quote = tok.error === NO_ERROR ? null : headerQuoteFailure(tok.error, tok.errorField, line);
    const verdict = headerVerdict(cells, tooLarge, quote, this.trim);
    if ('failure' in verdict) return this.failFile(verdict.failure);
    this.header = verdict.names;
    this.headerLength = verdict.names.length;
    this.events.push({ type: 'file-start', file: this.file, header: verdict.names });
  }
  private failHeaderQuote(line: number): void {
    this.failFile(headerQuoteFailure(this.tok.error, this.tok.errorField, line));
  }

  /** End of input inside a quoted field: the rest of the file is that one row (R-CSV-6, R-CSV-8). */
  private onUnterminated(line: number, lastLine: number, size: number): void {
    const tooLarge = size > this.maxRowBytes;
    if (this.header === null) {
      this.failFile(tooLarge ? headerTooLarge(size, this.maxRowBytes) : headerUnterminated(line));
      return;
    }
    this.rows++;
    const failure = tooLarge
      ? rowTooLarge(size, this.maxRowBytes)
      : unterminatedRow(this.lineBase + line, this.lineBase + lastLine);
    this.rowFailure(line, lastLine, failure);
  }

  /**
   * The file breaks at byte `at` (invalid UTF-8, read error): the records that end on a line before it are still
   * read and emitted, then the file fails (R-COUNT-2); the record in progress is dropped. `pending` holds the
   * bytes from `fedEnd` not yet fed, valid up to `at`. R-CSV-8: a header that went wrong before `at` fails first.
   */
  private breakAt(
    at: number,
    pending: Buffer | undefined,
    failure: (at: number, line: number) => Failure,
  ): void {
    if (pending !== undefined && at > this.fedEnd) {
      // Bytes before `at` are valid: read them, so that what begins before it (a range's end) is seen whatever the
      // split; no record ends among them after the last newline.
      const valid = pending.subarray(0, at - this.fedEnd);
      this.fedEnd += valid.length;
      this.feedBytes(valid);
    }
    if (this.done) return;
    const tok = this.tok;
    if (this.header === null && !tok.atRecordStart && tok.error !== NO_ERROR) {
      this.failHeaderQuote(tok.recordLine);
      return;
    }
    const line = tok.line;
    const text = failure(this.base + at, this.lineBase + line);
    if (this.header === null) this.failFile(text);
    else this.failFile(text, line);
  }
}
