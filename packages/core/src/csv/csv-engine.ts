/**
 * The CSV engine behind readRows, readCsvBytes and readHeader: bytes in, SourceEvents out, one push per chunk.
 *
 * csv-parse 7.0.3 (R-CSV-1) does the tokenising. We drive its `transform` API (the object behind the stream
 * `Parser`, `parser.api`) directly, without a Node stream, and take over some of its internal hooks, because its
 * public options cannot give what R-CSV-5/6 need, and for speed. The version is pinned exactly in package.json;
 * the constructor checks that the hooks exist, and the property tests (every chunking; an independent reference
 * reader) pin what they do, so an upgrade that moves them fails loudly:
 * - `__onRecord` is replaced: it is called at the end of every record, including the ones csv-parse drops under
 *   `skip_records_with_error` (their end is not reported otherwise), so every record becomes exactly one event.
 *   `info.bytes` (the end offset of the record) and `info.empty_lines` give line numbers without `info: true`,
 *   which costs 25-40% of throughput.
 * - `on_skip` closes the quoted section at an invalid closing quote, so that a stray quote spoils its own row
 *   only, instead of the rest of the file.
 * - `__isCharTrimable` is wrapped (only with trim) to learn where csv-parse stops on
 *   CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: under `skip_records_with_error` it returns from `parse()` without
 *   keeping the rest of the buffer, and we resume it from that byte.
 * - `__onField` is replaced by the same steps (text, rtrim, push, reset) with a faster way to the text of an
 *   unquoted field in an ASCII chunk: its bytes are the `field.length` bytes before `info.bytes`, so it is a
 *   substring of the chunk decoded once, instead of one UTF-8 decode (a call into C++) per field. Quoted fields,
 *   fields of a row with an error, fields across chunks and non-ASCII chunks take csv-parse's own path.
 * - the byte tests csv-parse runs on every byte are specialised for our options (specializeByteTests).
 * All hooks are shared functions that find their engine on the API object (see onRecordHook).
 *
 * Lines (R-CSV-5) are counted from the bytes: `\n` ends a physical line (a lone CR is data, R-CSV-4). A record
 * that ends at byte E starts on the line after the previous record plus the blank lines csv-parse skipped, and
 * ends on the line of byte E-1.
 */
import { isAscii } from 'node:buffer';
import { Parser } from 'csv-parse';
import iconv from 'iconv-lite';

import type { Failure } from '../failure.js';
import type { SourceEvent, SourceFile } from '../source/source.js';
import type { ResolvedCsvOptions } from '../task.js';
import { fileFailure, ioErrorText, quoteFailureDetail, rowFailure } from './csv-failures.js';
import { Utf8Checker, detectBom } from './csv-utf8.js';

/** The parts of csv-parse's `transform` API object we use (lib/api/index.js). */
interface CsvParseApi {
  parse(
    buf: Buffer | undefined,
    end: boolean,
    push: (record: unknown) => void,
    close: () => void,
  ): Error | undefined;
  __onRecord(this: CsvParseApi, push: (record: unknown) => void): unknown;
  __onField(this: CsvParseApi): unknown;
  /** The engine whose hooks these are, and the values of its byte tests. */
  engine?: CsvEngine;
  bytes?: ByteTests;
  __resetRecord(): void;
  __isCharTrimable: (this: CsvParseApi, buf: Buffer, pos: number) => number;
  /** csv-parse's own `__isCharTrimable`, which isCharTrimableHook calls. */
  isCharTrimable?: (this: CsvParseApi, buf: Buffer, pos: number) => number;
  __needMoreData(this: CsvParseApi, i: number, bufLen: number, end: boolean): boolean;
  __isDelimiter(this: CsvParseApi, buf: Buffer, pos: number, chr: number): number;
  __isQuote(this: CsvParseApi, buf: Buffer, pos: number): boolean;
  __isEscape(this: CsvParseApi, buf: Buffer, pos: number, chr: number): boolean;
  __isRecordDelimiter(this: CsvParseApi, chr: number, buf: Buffer, pos: number): number;
  info: { bytes: number; empty_lines: number; lines: number };
  options: {
    cast?: unknown;
    max_record_size: number;
    from_line: number;
    encoding: string;
    raw: boolean;
    delimiter: Buffer[];
    quote: Buffer | null;
    escape: Buffer | null;
    record_delimiter: Buffer[];
    ignore_last_delimiters: unknown;
  };
  state: {
    record: string[];
    field: { length: number; toString(encoding: string): string };
    quoting: boolean;
    wasQuoting: boolean;
    escaping: boolean;
    commenting: boolean;
    enabled: boolean;
    recordHasError: boolean;
    previousBuf: Buffer | undefined;
    bufBytesStart: number;
    needMoreDataSize: number;
    recordDelimiterMaxLength: number;
  };
}

interface CsvParseError extends Error {
  code?: string;
  column?: number;
}

export interface EngineOptions {
  encoding: string | undefined;
  maxRowBytes: number;
  /** Whether plain lines skip csv-parse (see `fastLines`); false only to test that both ways agree. @default true */
  fastLines?: boolean;
}

const NL = 10;
const CR = 13;
/**
 * Fields shorter than this are cut from the chunk's text: V8 copies a substring this short, while a longer one
 * would be a slice keeping the whole chunk's text alive for as long as the value lives (V8's SlicedString
 * minimum length is 13).
 */
const MAX_SUBSTRING = 12;
/** `nextNl` when no newline is known past `scanPos` in the bytes fed so far. */
const NONE = Number.MAX_SAFE_INTEGER;
const noop = (): void => {};

export class CsvEngine {
  /** True once the file failed as a whole: no more events for it. */
  done = false;
  /** Data rows seen (rows and row failures). */
  rows = 0;
  /** Raw bytes given to `push`. */
  bytesRead = 0;
  /** Records read by the fast path for plain lines (fastLines), of those counted in `rows` and the header. */
  plainRecords = 0;
  /**
   * Range mode (startRange): once the range's last record is read, the offset (relative to the range's first byte)
   * where the next range must start, and the newlines before it; -1 while unknown or when the range ends the file.
   */
  handoff = -1;
  handoffLines = 0;
  /** Range mode: records that start at or after this offset (relative) belong to the next range. */
  private limit = NONE;
  /** Range mode: the file offset of the first byte pushed, added to the offsets of row events. */
  private base = 0;
  /** Range mode: lines before the range, when known, for the line numbers inside failure texts. */
  private lineBase = 0;

  private readonly api: CsvParseApi;
  private readonly key: string;
  private readonly maxRowBytes: number;
  private readonly trim: boolean;
  private readonly utf8: Utf8Checker | null;
  private readonly decoder: { write(buf: Buffer): string; end(): string | undefined } | null;
  private events: SourceEvent[] = [];
  private header: string[] | null = null;
  private headerLength = 0;

  /** Bytes not yet given to csv-parse because the BOM check needs the first 3 (R-CSV-2). */
  private head: Buffer | null = Buffer.alloc(0);
  /** Chunks fed to csv-parse that still hold bytes at or after `scanPos - 2`. */
  private chunks: Buffer[] = [];
  private chunkStarts: number[] = [];
  /** Bytes fed to csv-parse (after decoding, with `encoding`). */
  private fedEnd = 0;

  // ---- line counting (R-CSV-5) ----
  /** Newlines in [0, scanPos). */
  private nlCount = 0;
  private scanPos = 0;
  /** Offset of the first newline at or after scanPos, -1 when not looked up, NONE when there is none yet. */
  private nextNl = -1;
  private lastNlPos = -1;
  /** Offset where the line after the last blank line or record starts: the start of the next record. */
  private lineStart = 0;
  /** lastLine of the previous record (0 before the header) and csv-parse's blank line count at its end. */
  private prevLast = 0;
  private emptyAtPrev = 0;

  // ---- the record in progress ----
  private recordError: CsvParseError | undefined;
  private tooLarge = false;
  private unterminated = false;
  /** Records ending after this offset are dropped: the file broke there (invalid UTF-8, read error). */
  private cutoff = NONE;
  /** The last byte csv-parse tested for trimming (isCharTrimableHook). */
  trimBuf: Buffer | undefined;
  trimPos = 0;
  private stalled = false;

  // ---- field text: the fed chunk that holds the last field, decoded once when it is ASCII ----
  private textStart = 0;
  private textEnd = 0;
  private textChunk: Buffer | null = null;
  /** The chunk as a string; null when it is not ASCII (byte and character offsets differ). */
  private text: string | null = null;

  /** The bytes of a plain line (see fastLines), or null when the options leave no fast path. */
  private readonly plain: PlainBytes | null;

  constructor(
    private readonly file: SourceFile,
    csv: ResolvedCsvOptions,
    options: EngineOptions,
  ) {
    this.key = file.key;
    this.maxRowBytes = options.maxRowBytes;
    this.trim = csv.trimWhiteSpace;
    if (options.encoding === undefined) {
      this.utf8 = new Utf8Checker();
      this.decoder = null;
    } else {
      this.utf8 = null;
      this.head = null; // with an explicit encoding, iconv-lite owns the BOM [choice]
      this.decoder = iconv.getDecoder(options.encoding);
    }
    const parser = new Parser({
      delimiter: csv.columnSeparator,
      quote: csv.quoteChar,
      escape: csv.escapeChar ?? csv.quoteChar,
      trim: csv.trimWhiteSpace,
      record_delimiter: ['\n', '\r\n'],
      skip_empty_lines: true,
      skip_records_with_error: true,
      relax_column_count: true,
      bom: false,
      on_skip: (error) => {
        this.onSkip(error as CsvParseError);
        return undefined;
      },
    });
    const api = (parser as unknown as { api: CsvParseApi }).api;
    if (
      typeof api?.parse !== 'function' ||
      typeof api.__onRecord !== 'function' ||
      typeof api.__resetRecord !== 'function' ||
      typeof api.__isCharTrimable !== 'function' ||
      typeof api.__onField !== 'function' ||
      typeof api.__needMoreData !== 'function' ||
      typeof api.__isDelimiter !== 'function' ||
      typeof api.__isQuote !== 'function' ||
      typeof api.__isEscape !== 'function' ||
      typeof api.__isRecordDelimiter !== 'function' ||
      typeof api.state?.bufBytesStart !== 'number' ||
      typeof api.state.needMoreDataSize !== 'number' ||
      typeof api.state.recordDelimiterMaxLength !== 'number' ||
      typeof api.state.field?.length !== 'number' ||
      // What the replaced __onField leaves out: casting, a record size limit, from_line, raw, other encodings.
      api.options.cast === true ||
      api.options.max_record_size !== 0 ||
      api.options.from_line !== 1 ||
      api.options.raw !== false ||
      api.options.encoding !== 'utf8'
    ) {
      throw new Error('csv-parse internals changed: the CSV engine needs csv-parse 7.0.3');
    }
    this.api = api;
    api.engine = this;
    api.__onRecord = onRecordHook;
    api.__onField = onFieldHook;
    specializeByteTests(api);
    this.plain = options.fastLines === false ? null : plainBytes(api, csv.trimWhiteSpace);
    if (this.trim) {
      api.isCharTrimable = api.__isCharTrimable;
      api.__isCharTrimable = isCharTrimableHook;
    }
  }

  /**
   * Takes a header of `columns` columns without reading one: the bytes pushed next are data rows. For reading one
   * row of a file again (R-DUP-1); line numbers then start at 1.
   */
  primeHeader(columns: number): void {
    const names = Array.from({ length: columns }, (_, i) => String(i));
    this.header = names;
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

  /** Feeds the next chunk of the file; returns the events it completed. */
  push(chunk: Buffer): SourceEvent[] {
    if (this.done) return this.take();
    this.bytesRead += chunk.length;
    if (this.decoder !== null) {
      const text = this.decoder.write(chunk);
      if (text.length > 0) this.feed(Buffer.from(text, 'utf8'));
      return this.take();
    }
    let bytes = chunk;
    if (this.head !== null) {
      // R-CSV-2: the first 3 bytes decide about a BOM before anything is parsed.
      bytes = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
      if (bytes.length < 3) {
        this.head = bytes;
        return this.take();
      }
      this.head = null;
      if (this.failOnBom(bytes)) return this.take();
    }
    const bad = this.utf8!.check(bytes);
    if (bad !== -1) {
      this.breakAt(bad, bytes, invalidUtf8);
      return this.take();
    }
    this.feed(bytes);
    return this.take();
  }

  /** Ends the file: flushes the last record and emits `file-end` (or the file failure). */
  end(): SourceEvent[] {
    if (this.done) return this.take();
    if (this.decoder !== null) {
      const text = this.decoder.end();
      if (text !== undefined && text.length > 0) this.feed(Buffer.from(text, 'utf8'));
    } else {
      if (this.head !== null) {
        const head = this.head;
        this.head = null;
        if (this.failOnBom(head)) return this.take();
        const bad = this.utf8!.check(head);
        if (bad !== -1) {
          this.breakAt(bad, head, invalidUtf8);
          return this.take();
        }
        this.feed(head);
      }
      const bad = this.utf8!.end();
      if (bad !== -1) {
        this.breakAt(bad, undefined, invalidUtf8);
        return this.take();
      }
    }
    this.parse(undefined, true);
    if (this.done) return this.take();
    if (this.unterminated) this.onUnterminated();
    if (this.done) return this.take();
    if (this.header === null) {
      this.failFile(
        fileFailure(
          'FILE_EMPTY',
          this.fedEnd === 0 ? 'The file is empty' : 'The file holds only blank lines',
        ),
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

  private feed(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.chunkStarts.push(this.fedEnd);
    this.fedEnd += bytes.length;
    if (this.nextNl === NONE) this.nextNl = -1;
    if (this.plain === null || this.decoder !== null || this.cutoff !== NONE) this.parse(bytes, false);
    else this.feedLines(bytes);
  }

  /**
   * The fast path for plain lines, the bulk of real files. From a record start (atRecordStart), each complete line
   * of ASCII bytes without a quote, escape, CR (or, with trim, white space) is a record whose cells are the text
   * between separators: exactly what csv-parse makes of it (a property test compares the two on hostile input).
   * A bare `\n` is a blank line, skipped as csv-parse skips it. These records go through finishRecord as csv-parse's
   * do, and csv-parse is told that the bytes were read (bufBytesStart, lines, empty_lines as it keeps them). Any
   * other line, the header, and the incomplete last line go to csv-parse, one line (and the bytes it looks ahead)
   * at a time, so the fast path resumes as soon as csv-parse stands at a record start again. About five times fewer
   * operations per byte than csv-parse's loop, which tests every byte for each option.
   */
  private feedLines(bytes: Buffer): void {
    const api = this.api;
    const state = api.state;
    const lookAhead = api.bytes!.moreNotQuoting;
    const chunkStart = this.fedEnd - bytes.length;
    const last = bytes.lastIndexOf(NL);
    let text: string | null = null;
    let at = 0; // bytes before `at` were given to csv-parse or read here
    while (at < bytes.length && !this.done) {
      if (this.header !== null && at <= last && this.atRecordStart()) {
        // csv-parse holds back the last bytes it was given (its look-ahead): they are the k bytes before `at`.
        const pending = state.previousBuf;
        const k = pending === undefined ? 0 : pending.length;
        if (at >= k && (k === 0 || pending!.equals(bytes.subarray(at - k, at)))) {
          text ??= bytes.toString('latin1');
          const pos = this.plainLines(bytes, text, at - k, last, chunkStart);
          if (pos !== at - k) {
            at = pos; // csv-parse now stands at `pos`, with nothing held back
            continue;
          }
        }
      }
      const nl = at <= last ? bytes.indexOf(NL, at) : -1;
      const cut = nl === -1 ? bytes.length : Math.min(bytes.length, nl + 1 + lookAhead);
      this.parse(bytes.subarray(at, cut), false);
      at = cut;
    }
    this.afterParse();
  }

  /**
   * Reads the plain lines of `bytes` (decoded as `text`, one character per byte) from `from`, a record start, up
   * to the first line that is not plain or the last newline (`last`); returns where it stopped.
   */
  private plainLines(bytes: Buffer, text: string, from: number, last: number, chunkStart: number): number {
    const api = this.api;
    const { separator, quote, escape } = this.plain!;
    const trim = this.trim;
    let pos = from;
    let lines = 0;
    while (pos <= last && !this.done) {
      let c = text.charCodeAt(pos);
      if (c === NL) {
        api.info.empty_lines++;
        pos++;
        lines++;
        continue;
      }
      const cells: string[] = [];
      let start = pos;
      let i = pos;
      // The line ends at a newline at or before `last`.
      for (;;) {
        if (c === NL) break;
        if (c === separator) {
          cells.push(asciiCell(text, bytes, start, i));
          start = i + 1;
        } else if (c >= 0x80 || c === quote || c === escape || c === CR || (trim && isAsciiSpace(c))) break;
        c = text.charCodeAt(++i);
      }
      if (c !== NL) break; // not plain: csv-parse reads this line
      cells.push(asciiCell(text, bytes, start, i));
      pos = i + 1;
      lines++;
      this.plainRecords++;
      this.finishRecord(cells, chunkStart + pos, api.info.empty_lines, undefined, false);
    }
    if (pos !== from) {
      api.state.previousBuf = undefined;
      api.state.bufBytesStart = chunkStart + pos;
      api.info.lines += lines;
    }
    return pos;
  }

  /** csv-parse stands between two records, with nothing of a record, a quote or an error pending. */
  private atRecordStart(): boolean {
    const state = this.api.state;
    return (
      !this.done &&
      state.record.length === 0 &&
      state.field.length === 0 &&
      !state.quoting &&
      !state.wasQuoting &&
      !state.escaping &&
      !state.commenting &&
      state.enabled &&
      !state.recordHasError &&
      this.recordError === undefined &&
      !this.tooLarge &&
      !this.unterminated
    );
  }

  private parse(bytes: Buffer | undefined, end: boolean): void {
    const api = this.api;
    let error = api.parse(bytes, end, noop, noop);
    while (this.stalled) {
      // csv-parse returned in the middle of its buffer (CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE): resume at the
      // byte it stopped on, as part of the field, so the row fails alone and no byte is lost.
      this.stalled = false;
      const state = api.state;
      state.previousBuf = this.trimBuf!.subarray(this.trimPos);
      state.bufBytesStart += this.trimPos;
      state.wasQuoting = false;
      error = api.parse(undefined, end, noop, noop);
    }
    if (error !== undefined) throw error; // cannot happen with skip_records_with_error; never hide it
    if (end) return;
    this.afterParse();
  }

  /** After csv-parse read what it was given. */
  private afterParse(): void {
    if (this.done || this.cutoff !== NONE) return;
    const api = this.api;
    // Count lines up to where csv-parse stopped, then guard the record in progress (R-CSV-6).
    const processed = api.state.bufBytesStart;
    this.advance(processed, this.prevLast + (api.info.empty_lines - this.emptyAtPrev));
    this.dropChunks();
    const state = api.state;
    if (
      processed - this.lineStart > this.maxRowBytes &&
      (state.record.length > 0 || state.field.length > 0 || state.quoting || state.wasQuoting)
    ) {
      // The record is already over the limit, whatever follows: keep parsing it to find its end, but drop its
      // content so memory stays bounded. One byte and one cell stay, so csv-parse's checks read the same.
      this.tooLarge = true;
      if (state.field.length > 1) state.field.length = 1;
      if (state.record.length > 0) state.record = [''];
    }
  }

  private onSkip(error: CsvParseError): void {
    this.recordError ??= error;
    if (error.code === 'CSV_INVALID_CLOSING_QUOTE') {
      // R-CSV-6: close the quoted section here, so the row ends at its own line end.
      this.api.state.quoting = false;
    } else if (error.code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE') {
      this.stalled = true;
    } else if (error.code === 'CSV_QUOTE_NOT_CLOSED') {
      this.unterminated = true;
    }
  }

  /**
   * Replaces csv-parse's `__onField` (7.0.3: toString, rtrim when unquoted, push, __resetField): runs at the end
   * of every field, with `info.bytes` at its end.
   */
  onField(): void {
    const state = this.api.state;
    const field = state.field;
    const wasQuoting = state.wasQuoting;
    let text: string | undefined;
    if (!wasQuoting && this.recordError === undefined)
      text = this.fieldText(this.api.info.bytes, field.length);
    text ??= field.toString('utf8');
    state.record.push(this.trim && !wasQuoting ? text.trimEnd() : text);
    field.length = 0;
    state.wasQuoting = false;
  }

  /**
   * The text of the unquoted field made of the `length` bytes before `end`, when they lie in one ASCII chunk;
   * undefined otherwise.
   */
  private fieldText(end: number, length: number): string | undefined {
    if (length === 0) return '';
    const start = end - length;
    if (start < this.textStart || end > this.textEnd) {
      if (!this.loadText(start) || end > this.textEnd) return undefined;
    }
    const text = this.text;
    if (text === null) return undefined;
    const from = start - this.textStart;
    return asciiCell(text, this.textChunk!, from, from + length);
  }

  /** Makes the fed chunk holding byte `start` the current text chunk; false when no chunk kept holds it. */
  private loadText(start: number): boolean {
    for (let k = this.chunks.length - 1; k >= 0; k--) {
      const chunkStart = this.chunkStarts[k]!;
      if (start < chunkStart) continue;
      const chunk = this.chunks[k]!;
      if (start >= chunkStart + chunk.length) return false;
      this.textStart = chunkStart;
      this.textEnd = chunkStart + chunk.length;
      this.textChunk = chunk;
      // For ASCII bytes, latin1 decoding is UTF-8 decoding, and one character is one byte.
      this.text = isAscii(chunk) ? chunk.toString('latin1') : null;
      return true;
    }
    return false;
  }

  /** Replaces csv-parse's `__onRecord`: runs at the end of every record, with `info.bytes` at its end. */
  onRecordEnd(): void {
    const api = this.api;
    const cells = api.state.record;
    const end = api.info.bytes;
    const empty = api.info.empty_lines;
    const error = this.recordError;
    const tooLarge = this.tooLarge;
    api.__resetRecord();
    api.state.recordHasError = false;
    this.recordError = undefined;
    this.tooLarge = false;
    this.finishRecord(cells, end, empty, error, tooLarge);
  }

  /**
   * A record that ends at byte `end` (after its newline, if any), with csv-parse's blank line count then: its
   * event, with its lines (R-CSV-5) and its failure, if any (R-CSV-6).
   */
  private finishRecord(
    cells: string[],
    end: number,
    empty: number,
    error: CsvParseError | undefined,
    tooLarge: boolean,
  ): void {
    if (this.done || end > this.cutoff) return;

    const line = this.prevLast + 1 + (empty - this.emptyAtPrev);
    this.advance(end, line - 1);
    const terminated = this.lastNlPos === end - 1;
    const lastLine = terminated ? this.nlCount : this.nlCount + 1;
    this.prevLast = lastLine;
    this.emptyAtPrev = empty;

    let size = -1;
    if (tooLarge || end - this.lineStart - (terminated ? 1 : 0) > this.maxRowBytes) {
      size = end - this.lineStart - (terminated ? (this.byteAt(end - 2) === CR ? 2 : 1) : 0);
    }
    const start = this.lineStart;
    if (start >= this.limit) {
      // Range mode: this record is the next range's, which starts where it does (after any blank lines).
      this.stopRange(start, line - 1);
      return;
    }
    this.lineStart = end;
    if (this.header === null) {
      this.onHeader(cells, error, tooLarge || size > this.maxRowBytes ? size : -1, line);
      return;
    }
    this.rows++;
    if (tooLarge || size > this.maxRowBytes) {
      this.rowFailure(
        line,
        lastLine,
        rowFailure('CSV_ROW_TOO_LARGE', tooLargeDetail(size, this.maxRowBytes)),
      );
    } else if (error !== undefined) {
      this.rowFailure(
        line,
        lastLine,
        rowFailure('CSV_INVALID_QUOTE', quoteFailureDetail(error.code ?? '', error.column)),
      );
    } else if (cells.length !== this.headerLength) {
      this.events.push({
        type: 'row-failure',
        file: this.key,
        line,
        lastLine,
        failure: rowFailure(
          'CSV_FIELD_COUNT',
          `The row has ${cells.length} field${cells.length === 1 ? '' : 's'}; the header has ${this.headerLength}`,
        ),
        cells,
      });
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
    if (end >= this.limit && terminated) this.stopRange(end, lastLine);
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
  private onHeader(
    cells: string[],
    error: CsvParseError | undefined,
    tooLargeSize: number,
    line: number,
  ): void {
    if (tooLargeSize !== -1) {
      this.failFile(
        fileFailure(
          'FILE_HEADER_UNREADABLE',
          `The header row is too large: ${tooLargeDetail(tooLargeSize, this.maxRowBytes)}`,
        ),
      );
      return;
    }
    if (error !== undefined) {
      this.failFile(
        fileFailure(
          'FILE_HEADER_UNREADABLE',
          `${quoteFailureDetail(error.code ?? '', error.column)} (line ${line})`,
        ),
      );
      return;
    }
    const names = this.trim ? cells.map((name) => name.trim()) : cells;
    const seen = new Map<string, number>();
    for (let i = 0; i < names.length; i++) {
      if (names[i] === '') {
        this.failFile(fileFailure('FILE_HEADER_EMPTY_NAME', `Column ${i + 1} of the header has no name`));
        return;
      }
    }
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const first = seen.get(name);
      if (first !== undefined) {
        this.failFile(
          fileFailure(
            'FILE_HEADER_DUPLICATE_NAME',
            `Column name ${JSON.stringify(name)} appears at positions ${first + 1} and ${i + 1}`,
          ),
        );
        return;
      }
      seen.set(name, i);
    }
    this.header = names;
    this.headerLength = names.length;
    this.events.push({ type: 'file-start', file: this.file, header: names });
  }

  /** End of input inside a quoted field: the rest of the file is that one row (R-CSV-6). */
  private onUnterminated(): void {
    const api = this.api;
    const line = this.prevLast + 1 + (api.info.empty_lines - this.emptyAtPrev);
    this.advance(this.fedEnd, line - 1);
    const lastLine = this.lastNlPos === this.fedEnd - 1 ? this.nlCount : this.nlCount + 1;
    const size = this.fedEnd - this.lineStart;
    const tooLarge = this.tooLarge || size > this.maxRowBytes;
    if (this.header === null) {
      this.failFile(
        fileFailure(
          'FILE_HEADER_UNREADABLE',
          tooLarge
            ? `The header row is too large: ${tooLargeDetail(size, this.maxRowBytes)}`
            : `The quote opened in the header on line ${line} is never closed`,
        ),
      );
      return;
    }
    this.rows++;
    this.rowFailure(
      line,
      lastLine,
      tooLarge
        ? rowFailure('CSV_ROW_TOO_LARGE', tooLargeDetail(size, this.maxRowBytes))
        : rowFailure(
            'CSV_UNTERMINATED_QUOTE',
            `The quote opened on line ${this.lineBase + line} is never closed; lines ${this.lineBase + line}-${this.lineBase + lastLine} are read as one row`,
          ),
    );
  }

  /**
   * The file breaks at byte `at` (invalid UTF-8, read error): the records that end on a line before it are still
   * read and emitted, then the file fails (R-COUNT-2). `pending` holds the bytes from `fedEnd` not yet fed.
   */
  private breakAt(
    at: number,
    pending: Buffer | undefined,
    failure: (at: number, line: number) => Failure,
  ): void {
    const cut = this.lastNewlineBefore(at, pending) + 1;
    if (pending !== undefined && cut > this.fedEnd) this.feed(pending.subarray(0, cut - this.fedEnd));
    this.cutoff = cut;
    this.parse(undefined, true);
    if (this.done) return;
    this.advance(cut, this.prevLast + (this.api.info.empty_lines - this.emptyAtPrev));
    const line = this.nlCount + 1;
    const text = failure(this.base + at, this.lineBase + line);
    if (this.header === null) this.failFile(text);
    else this.failFile(text, line);
  }

  /** Offset of the last `\n` before `at`, looking in `pending` (starting at fedEnd) and the bytes fed. */
  private lastNewlineBefore(at: number, pending: Buffer | undefined): number {
    if (pending !== undefined && at > this.fedEnd) {
      const i = pending.subarray(0, at - this.fedEnd).lastIndexOf(NL);
      if (i !== -1) return this.fedEnd + i;
    }
    for (let k = this.chunks.length - 1; k >= 0; k--) {
      const start = this.chunkStarts[k]!;
      const chunk = this.chunks[k]!;
      const from = Math.max(0, this.scanPos - start);
      const to = Math.min(chunk.length, at - start);
      if (to <= from) continue;
      const i = chunk.subarray(from, to).lastIndexOf(NL);
      if (i !== -1) return start + from + i;
    }
    return this.lastNlPos;
  }

  /**
   * Counts the newlines in [scanPos, to). Newlines whose ordinal is at most `threshold` end a blank line or a
   * previous record, so the line after them is where the next record starts.
   */
  private advance(to: number, threshold: number): void {
    for (;;) {
      let nl = this.nextNl;
      if (nl === -1) nl = this.nextNl = this.findNl(this.scanPos);
      if (nl >= to) break;
      this.nlCount++;
      if (this.nlCount <= threshold) this.lineStart = nl + 1;
      this.lastNlPos = nl;
      this.scanPos = nl + 1;
      this.nextNl = -1;
    }
    if (to > this.scanPos) this.scanPos = to;
  }

  private findNl(from: number): number {
    const chunks = this.chunks;
    for (let k = 0; k < chunks.length; k++) {
      const start = this.chunkStarts[k]!;
      const chunk = chunks[k]!;
      if (from >= start + chunk.length) continue;
      const i = chunk.indexOf(NL, from > start ? from - start : 0);
      if (i !== -1) return start + i;
    }
    return NONE;
  }

  private byteAt(offset: number): number {
    for (let k = this.chunks.length - 1; k >= 0; k--) {
      const start = this.chunkStarts[k]!;
      if (offset >= start) return this.chunks[k]![offset - start] ?? -1;
    }
    return -1;
  }

  /** Forgets chunks wholly before scanPos - 2 (byteAt may look 2 bytes back). */
  private dropChunks(): void {
    let n = 0;
    while (n < this.chunks.length - 1 && this.chunkStarts[n]! + this.chunks[n]!.length < this.scanPos - 2)
      n++;
    if (n > 0) {
      this.chunks.splice(0, n);
      this.chunkStarts.splice(0, n);
    }
  }
}

/**
 * The hooks are the same function objects for every engine, which they find on the API object (`this`): with a
 * function per engine (bound, or a closure), csv-parse's call sites see several targets as soon as a second engine
 * runs (the validator reads the header first; a source has several files), and V8 stops inlining them: about 15%
 * more instructions per row (measured with valgrind).
 */
function onRecordHook(this: CsvParseApi): void {
  this.engine!.onRecordEnd();
}

function onFieldHook(this: CsvParseApi): void {
  this.engine!.onField();
}

function isCharTrimableHook(this: CsvParseApi, buf: Buffer, pos: number): number {
  const engine = this.engine!;
  engine.trimBuf = buf;
  engine.trimPos = pos;
  return this.isCharTrimable!(buf, pos);
}

/** The values the specialised byte tests compare with, per parser. */
interface ByteTests {
  moreNotQuoting: number;
  moreQuoting: number;
  delimiter: number;
  quote: number;
  escape: number;
}

/**
 * csv-parse calls `__needMoreData`, `__isQuote`, `__isRecordDelimiter` and `__isDelimiter` for every byte, and
 * each reads its options again: most of its time per byte. For the single-byte separator, quote and escape of a
 * CSV task (and our fixed record delimiters) they are replaced by functions that return what the originals return
 * for these options (7.0.3, lib/api/index.js), from values computed once; any other option keeps csv-parse's own.
 */
function specializeByteTests(api: CsvParseApi): void {
  const { delimiter, quote, escape, record_delimiter: recordDelimiter } = api.options;
  const state = api.state;
  const rdMax = state.recordDelimiterMaxLength;
  const bytes: ByteTests = { moreNotQuoting: 0, moreQuoting: 0, delimiter: -1, quote: -1, escape: -1 };
  api.bytes = bytes;
  if (rdMax > 0) {
    const q = quote?.length ?? 0;
    bytes.moreNotQuoting = Math.max(state.needMoreDataSize, rdMax);
    bytes.moreQuoting = Math.max(bytes.moreNotQuoting, (escape?.length ?? 0) + q, q + rdMax);
    api.__needMoreData = needMoreData;
  }
  if (delimiter.length === 1 && delimiter[0]!.length === 1 && api.options.ignore_last_delimiters === false) {
    bytes.delimiter = delimiter[0]![0]!;
    api.__isDelimiter = isDelimiter;
  }
  if (quote !== null && quote.length === 1) {
    bytes.quote = quote[0]!;
    api.__isQuote = isQuote;
  }
  if (escape !== null && escape.length === 1) {
    bytes.escape = escape[0]!;
    api.__isEscape = isEscape;
  }
  if (
    recordDelimiter.length === 2 &&
    recordDelimiter[0]!.equals(Buffer.from([NL])) &&
    recordDelimiter[1]!.equals(Buffer.from([CR, NL]))
  ) {
    api.__isRecordDelimiter = isRecordDelimiter;
  }
}

function needMoreData(this: CsvParseApi, i: number, bufLen: number, end: boolean): boolean {
  const bytes = this.bytes!;
  return !end && bufLen - i - 1 < (this.state.quoting ? bytes.moreQuoting : bytes.moreNotQuoting);
}

function isDelimiter(this: CsvParseApi, _buf: Buffer, _pos: number, chr: number): number {
  return chr === this.bytes!.delimiter ? 1 : 0;
}

function isQuote(this: CsvParseApi, buf: Buffer, pos: number): boolean {
  return buf[pos] === this.bytes!.quote;
}

/** Called with chr = buf[pos]. */
function isEscape(this: CsvParseApi, _buf: Buffer, _pos: number, chr: number): boolean {
  return chr === this.bytes!.escape;
}

/** `\n` or `\r\n`; called with chr = buf[pos]. */
function isRecordDelimiter(chr: number, buf: Buffer, pos: number): number {
  return chr === NL ? 1 : chr === CR && buf[pos + 1] === NL ? 2 : 0;
}

/** Bytes [from, to) of an ASCII chunk, given also as `text`: cut from the text when short, else decoded alone. */
function asciiCell(text: string, chunk: Buffer, from: number, to: number): string {
  return to - from <= MAX_SUBSTRING ? text.substring(from, to) : chunk.toString('latin1', from, to);
}

/** The bytes that make a line not plain (CsvEngine.fastLines); -1 for an option that is not set. */
interface PlainBytes {
  separator: number;
  quote: number;
  escape: number;
}

/** The fast path's bytes, when csv-parse's options are the single-byte ASCII ones of a CSV task; else null. */
function plainBytes(api: CsvParseApi, trim: boolean): PlainBytes | null {
  const bytes = api.bytes!;
  const ascii = (b: number): boolean =>
    b >= 0 && b < 0x80 && b !== NL && b !== CR && !(trim && isAsciiSpace(b));
  if (api.__needMoreData !== needMoreData || api.__isRecordDelimiter !== isRecordDelimiter) return null;
  if (api.__isDelimiter !== isDelimiter || !ascii(bytes.delimiter)) return null;
  if (api.options.quote !== null && (api.__isQuote !== isQuote || !ascii(bytes.quote))) return null;
  if (api.options.escape !== null && (api.__isEscape !== isEscape || !ascii(bytes.escape))) return null;
  return { separator: bytes.delimiter, quote: bytes.quote, escape: bytes.escape };
}

/** The ASCII bytes csv-parse trims with `trim` (its timchars below 0x80, other than the newline). */
function isAsciiSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c || c === CR;
}

function invalidUtf8(at: number, line: number): Failure {
  return fileFailure('FILE_INVALID_UTF8', `Invalid UTF-8 byte sequence at byte offset ${at} (line ${line})`);
}

function tooLargeDetail(size: number, max: number): string {
  return `The row is ${size} bytes; the limit is ${max}`;
}
