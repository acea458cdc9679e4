/**
 * The state of the CSV tokenizer (csv-tokenizer.ts) and the steps every state shares: cells, the record's end,
 * failures, byte offsets. The tokenizer (R-CSV-1, R-CSV-4..8): decoded text in, records out, one call per record. It scans the text with
 * tight loops over char codes (no callback per byte or field), cuts cells as substrings of the text, and keeps its
 * state between texts, so a field or a record may span any number of them. Byte offsets come from the char offsets
 * (one char is one byte in ASCII text; other text is measured lazily, only up to where a record begins or ends).
 *
 * The grammar is csv-parse's (its `trim`, `escape`, `skip_empty_lines`, LF and CRLF record delimiters: the reference
 * semantics, property-tested against it), with the recovery SPEC chooses where csv-parse has none:
 * - R-CSV-8: a row that goes wrong (a stray quote, text after a closing quote) ends at the end of the physical line
 *   where it went wrong; reading resumes on the next line. An unterminated quote makes the rest of the file one row.
 * - R-CSV-8: EscapeChar acts only inside quoted fields.
 * - R-CSV-7: TrimWhiteSpace trims outside quotes only (csv-parse's white space set); white space after a closing
 *   quote is skipped whatever its encoding (csv-parse 7.0.3 trips on a multi-byte one), and any other text after it
 *   is a failure (csv-parse reopens a quote after `""` and spaces).
 */
import type { ResolvedCsvOptions } from '../task.js';
import { unitBytes, wellFormedSpanBytes } from './utf8-byte-length.js';

/**
 * [choice] Spans of non-ASCII text longer than this are measured natively (Buffer.byteLength: a few times faster
 * than a loop over the chars on the utf8 shape's rows); shorter ones char by char (no substring, no call).
 */
const NATIVE_SPAN = 24;

export const LF = 10;
export const CR = 13;

/** [choice] Span mode: a record cut by the text's end is read again from its start when it is this short. */
export const REREAD_CHARS = 4096;

/** A state step's answer: the index to go on from, or stop(i): stop the scan at i. */
export const stop = (i: number): number => -1 - i;

/** Where the tokenizer stands between two calls. */
export const REC_START = 0;
export const FIELD_START = 1;
export const UNQUOTED = 2;
export const QUOTED = 3;
export const AFTER_QUOTE = 4;
export const SKIP_LINE = 5;

/** What went wrong in a row (csv-parse's codes, which the failure details name). */
export const NO_ERROR = '';
export type TokenError =
  | typeof NO_ERROR
  | 'INVALID_OPENING_QUOTE'
  | 'CSV_INVALID_CLOSING_QUOTE'
  | 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE';

/** Called at the end of every record, blank lines excepted; it reads the record from the tokenizer's fields. */
export interface RecordSink {
  /**
   * A record ended at byte `endByte` (after its line end, if any), on line `lastLine`; `terminator` is the bytes of
   * its line end (0 at the end of the input, 1 for LF, 2 for CRLF); `unterminated`: the input ended inside quotes.
   */
  onRecord(endByte: number, lastLine: number, terminator: number, unterminated: boolean): void;
  /** A record begins (at the line start `tok.recordStartByte`); false stops the scan (range mode). */
  onRecordStart(): boolean;
}

/** ECMAScript white space and line terminators: what csv-parse's `trim` and String.prototype.trim take away. */
export function isTrimSpace(c: number): boolean {
  if (c < 0x80) return c === 0x20 || (c >= 9 && c <= 13);
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** What the tokenizer keeps between texts; its states read and change it (csv-tokenizer.ts). */
export class TokenizerState {
  // ---- the record in progress, read by the sink ----
  cells: string[] = [];
  /** Line (1-based, in the texts given) where the record begins, and the byte offset of that line's start. */
  recordLine = 0;
  recordStartByte = 0;
  /**
   * At the record's end (RecordSink.onRecord): its length in chars of text, line end included, when it began and
   * ended in the same text; else -1. Its bytes minus this are the bytes its non-ASCII text adds (metering).
   */
  recordChars = -1;
  error: TokenError = NO_ERROR;
  /** Index of the field where `error` happened. */
  errorField = 0;
  /** Fields of the record in progress so far, counted also once its cells are dropped (tooLarge). */
  protected fields = 0;
  /** The record grew past `maxRowBytes`: its cells are dropped (memory stays bounded), its end is still looked for. */
  tooLarge = false;

  /** Line of the next char (1-based). */
  line = 1;

  // ---- span mode (CsvEngine.rowHook): a record's cells as offsets into the text, no strings ----
  /**
   * Set by the engine (text decoded from valid UTF-8 only, R-CSV-2): records read whole in one text (trim off) keep
   * their cells in `spans`.
   */
  spanEnabled = false;
  /**
   * The record in progress holds its cells as spans: cell k is `spanText[spans[2k], spans[2k + 1])`, `spanCount`
   * of them (`cells` is empty until `materialise`). Only while the record began in the current text and every cell
   * so far was read whole in it (no prefix, no trim): else its cells are strings, as without span mode.
   */
  spanning = false;
  spans = new Int32Array(64);
  spanCount = 0;
  /**
   * Span mode: chars of the current text that the record's cells leave out, ascending (`cutCount` of them): an
   * escape char, a doubled quote's second quote. A record with cuts gets a text of its own (spanRowText).
   */
  protected cuts = new Int32Array(16);
  protected cutCount = 0;
  /**
   * Span mode: by column, the cells the row hook reads only for their length and whether they are the NullValue
   * (RowHook.lengthCells), or null: spanRowText may shorten their spans instead of cutting a text (see there).
   */
  lengthCells: Uint8Array | null = null;
  /** spanRowText's shortened cells, for materialise: per cell its index and the cut chars its span left out. */
  protected shortened = new Int32Array(16);
  protected shortCount = 0;
  /** Span mode: the text the spans point into (the current text, or the record's own: spanRowText). */
  protected spanSource = '';
  /** Span mode: a closed quoted field's text `[quotedFrom, quotedTo)`, its cell once a separator or line end follows. */
  protected quotedFrom = 0;
  protected quotedTo = 0;
  /** Span mode: where the next quote char of the current text is, at or after where it was last looked for (-1: not looked for; the text's length: none). */
  protected quoteAt = -1;

  protected state = REC_START;
  /** The last text given ended with LF (an unterminated record then ends on the line before). */
  protected endsWithLf = false;
  /** Text of the field in progress from earlier texts (or earlier pieces of a quoted field). */
  protected prefix = '';
  /** Where the field in progress starts in the current text (0 when it began in an earlier one). */
  protected fieldFrom = 0;
  /** Byte offset of the line start after the last line end, and its char in the current text (-1: an earlier text). */
  protected lineStartByte = 0;
  protected lineStartChar = -1;
  /** Char of the current text where the record in progress began (-1: in an earlier text). */
  protected recordStartChar = -1;

  // ---- the current text and its byte offsets ----
  protected text = '';
  protected byteStart = 0;
  protected ascii = true;
  /** Lazy byte measure of non-ASCII text: byte offset of char `cursorChar`. */
  protected cursorChar = 0;
  protected cursorByte = 0;

  protected readonly sep: number;
  /** The separator and the quote as strings (span mode's indexOf). */
  protected readonly sepText: string;
  protected readonly quoteText: string;
  protected readonly quote: number;
  /** The escape char inside quotes; the quote itself when EscapeChar is not set (a doubled quote). */
  protected readonly escape: number;
  protected readonly trim: boolean;
  /** The NullValue's length (0: none or empty); span mode's (no trim). */
  protected readonly nullLength: number;

  /**
   * `wellFormed`: the texts are decoded from valid UTF-8 (R-CSV-2), so they hold no lone surrogate and byteAt may
   * measure them natively; false for text from a decoder (ReadOptions.encoding).
   */
  constructor(
    csv: ResolvedCsvOptions,
    protected readonly sink: RecordSink,
    protected readonly maxRowBytes: number,
    protected readonly wellFormed = false,
  ) {
    this.sep = csv.columnSeparator.charCodeAt(0);
    this.sepText = csv.columnSeparator.charAt(0);
    this.quoteText = csv.quoteChar.charAt(0);
    this.quote = csv.quoteChar.charCodeAt(0);
    this.escape = (csv.escapeChar ?? csv.quoteChar).charCodeAt(0);
    this.trim = csv.trimWhiteSpace;
    this.nullLength = csv.nullValue?.length ?? 0;
  }

  /** At the record's end, of its `bytes`: the bytes its non-ASCII text adds (bytes less chars), or -1 if unknown. */
  extraBytes(bytes: number): number {
    return this.recordChars < 0 ? -1 : bytes - this.recordChars;
  }

  /** True between records: nothing of a record is pending. */
  get atRecordStart(): boolean {
    return this.state === REC_START;
  }

  /** True when the input ended (or would end) inside a quoted field. */
  get inQuotes(): boolean {
    return this.state === QUOTED;
  }

  /** Byte offset of char `i` of the current text. */
  byteAt(i: number): number {
    if (this.ascii) return this.byteStart + i;
    if (i < this.cursorChar) {
      this.cursorChar = 0;
      this.cursorByte = this.byteStart;
    }
    const text = this.text;
    let b = this.cursorByte;
    const from = this.cursorChar;
    if (this.wellFormed && i - from > NATIVE_SPAN) b += wellFormedSpanBytes(text, from, i);
    else for (let k = from; k < i; k++) b += unitBytes(text.charCodeAt(k));
    this.cursorChar = i;
    this.cursorByte = b;
    return b;
  }

  /** The current text is ASCII (one byte per char). */
  get textAscii(): boolean {
    return this.ascii;
  }

  /** Span mode: the char at `i` of the current text is left out of its cell. */
  protected addCut(i: number): void {
    if (this.cutCount === this.cuts.length) {
      const grown = new Int32Array(this.cuts.length * 2);
      grown.set(this.cuts);
      this.cuts = grown;
    }
    this.cuts[this.cutCount++] = i;
  }

  /** The current text `[from, to)` without its cut chars (span mode). */
  protected cutText(from: number, to: number): string {
    const { text, cuts } = this;
    let value = '';
    let at = from;
    for (let k = 0; k < this.cutCount; k++) {
      const c = cuts[k]!;
      if (c >= to) break;
      if (c < from) continue;
      value += text.substring(at, c);
      at = c + 1;
    }
    return at === from ? text.substring(from, to) : value + text.substring(at, to);
  }

  /** Span mode: the next cell is `text[from, to)`. */
  protected addSpan(from: number, to: number): void {
    const n = 2 * this.spanCount++;
    if (n + 2 > this.spans.length) {
      const grown = new Int32Array(this.spans.length * 2);
      grown.set(this.spans);
      this.spans = grown;
    }
    this.spans[n] = from;
    this.spans[n + 1] = to;
  }

  /** Span mode: the record in progress holds its cells as strings from here on (`cells`, as without span mode). */
  materialise(): void {
    if (!this.spanning) return;
    this.spanning = false;
    const { spans, cells, shortened } = this;
    // Shortened spans (spanRowText) get their cut chars back: the cells' text is cut from them here.
    for (let p = 0; p < this.shortCount; p += 2) {
      const end = 2 * shortened[p]! + 1;
      spans[end] = spans[end]! + shortened[p + 1]!;
    }
    this.shortCount = 0;
    const text = this.spanSource;
    const cut = this.cutCount > 0;
    for (let k = 0; k < this.spanCount; k++) {
      const from = spans[2 * k]!;
      const to = spans[2 * k + 1]!;
      cells.push(cut ? this.cutText(from, to) : text.substring(from, to));
    }
    // A closed quoted field not yet a cell (its separator is in the next text) becomes the field's prefix.
    if (this.state === AFTER_QUOTE) this.prefix = this.cutText(this.quotedFrom, this.quotedTo);
    this.spanCount = 0;
    this.cutCount = 0;
  }

  /** Span mode applies to the record that begins next (in the current text). */
  protected resetSpans(): void {
    this.spanCount = 0;
    this.cutCount = 0;
    this.shortCount = 0;
    this.spanSource = this.text;
    // Any text the engine enables span mode for is valid UTF-8 (ASCII or not): the record's cells are offsets into it.
    this.spanning = this.spanEnabled && !this.trim;
  }

  protected dropContent(): void {
    this.tooLarge = true;
    this.cells = [];
    this.prefix = '';
    this.spanning = false;
    this.spanCount = 0;
    this.cutCount = 0;
    this.shortCount = 0;
  }

  /** Takes the field text [from, to) of the current text (with any prefix) as the next cell. */
  protected cell(text: string, from: number, to: number, rtrim: boolean): void {
    this.fields++;
    // Span mode (never with tooLarge: dropContent ends it): a cell read whole in this text is its span.
    if (this.spanning && this.prefix === '' && !rtrim) {
      this.addSpan(from, to);
      return;
    }
    if (this.tooLarge) {
      this.prefix = ''; // the row fails as too large: its cells do not matter, and are not kept
      return;
    }
    if (this.spanning) this.materialise();
    let value = text.substring(from, to);
    if (this.prefix !== '') {
      value = this.prefix + value;
      this.prefix = '';
    }
    this.cells.push(rtrim ? value.trimEnd() : value);
  }

  /** Saves the field text [from, to) of the current text as a prefix: the field goes on in the next text. */
  protected keep(text: string, from: number, to: number): void {
    if (this.tooLarge || to <= from) return;
    this.prefix += this.cutCount > 0 ? this.cutText(from, to) : text.substring(from, to);
  }

  /**
   * A quoted field's char at `at` is left out (an escape, a doubled quote's second): in span mode a cut (the field
   * stays one span), else the field's text before it is kept. Returns where the field's text now goes on from.
   */
  protected leaveOut(text: string, fieldStart: number, at: number): number {
    if (this.spanning) {
      this.addCut(at);
      return fieldStart;
    }
    this.keep(text, fieldStart, at);
    return at + 1;
  }

  protected fail(error: TokenError): void {
    if (this.error === NO_ERROR) {
      this.error = error;
      // Not cells.length: a record past maxRowBytes has dropped its cells, and its failure still names its field.
      this.errorField = this.fields;
    }
    this.state = SKIP_LINE;
  }

  /** The record ends at char `i` of the text: `terminator` chars of line end precede `i`. */
  protected endRecord(i: number, terminator: number, unterminated: boolean): void {
    const endByte = this.byteAt(i);
    const lastLine = terminator > 0 || (unterminated && this.endsWithLf) ? this.line - 1 : this.line;
    this.state = REC_START;
    this.prefix = '';
    this.lineStartByte = endByte;
    this.lineStartChar = i;
    this.recordChars = this.recordStartChar < 0 ? -1 : i - this.recordStartChar;
    this.sink.onRecord(endByte, lastLine, terminator, unterminated);
    this.cells = [];
    this.resetSpans();
    this.fields = 0;
    this.error = NO_ERROR;
    this.tooLarge = false;
  }
}
