/**
 * The CSV tokenizer (R-CSV-1, R-CSV-4..8): decoded text in, records out, one call per record. It scans the text with
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

const LF = 10;
const CR = 13;

/** Where the tokenizer stands between two calls. */
const REC_START = 0;
const FIELD_START = 1;
const UNQUOTED = 2;
const QUOTED = 3;
const AFTER_QUOTE = 4;
const SKIP_LINE = 5;

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

export class CsvTokenizer {
  // ---- the record in progress, read by the sink ----
  cells: string[] = [];
  /** Line (1-based, in the texts given) where the record begins, and the byte offset of that line's start. */
  recordLine = 0;
  recordStartByte = 0;
  error: TokenError = NO_ERROR;
  /** Index of the field where `error` happened. */
  errorField = 0;
  /** The record grew past `maxRowBytes`: its cells are dropped (memory stays bounded), its end is still looked for. */
  tooLarge = false;

  /** Line of the next char (1-based). */
  line = 1;

  private state = REC_START;
  /** The last text given ended with LF (an unterminated record then ends on the line before). */
  private endsWithLf = false;
  /** Text of the field in progress from earlier texts (or earlier pieces of a quoted field). */
  private prefix = '';
  /** Byte offset of the line start after the last line end. */
  private lineStartByte = 0;

  // ---- the current text and its byte offsets ----
  private text = '';
  private byteStart = 0;
  private ascii = true;
  /** Lazy byte measure of non-ASCII text: byte offset of char `cursorChar`. */
  private cursorChar = 0;
  private cursorByte = 0;

  private readonly sep: number;
  private readonly quote: number;
  /** The escape char inside quotes; the quote itself when EscapeChar is not set (a doubled quote). */
  private readonly escape: number;
  private readonly trim: boolean;

  constructor(
    csv: ResolvedCsvOptions,
    private readonly sink: RecordSink,
    private readonly maxRowBytes: number,
  ) {
    this.sep = csv.columnSeparator.charCodeAt(0);
    this.quote = csv.quoteChar.charCodeAt(0);
    this.escape = (csv.escapeChar ?? csv.quoteChar).charCodeAt(0);
    this.trim = csv.trimWhiteSpace;
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
    for (let k = this.cursorChar; k < i; k++) {
      const c = text.charCodeAt(k);
      // UTF-8 bytes per UTF-16 unit: a surrogate is half of a 4-byte sequence.
      b += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdfff ? 2 : 3;
    }
    this.cursorChar = i;
    this.cursorByte = b;
    return b;
  }

  /**
   * Scans `text`, whose first char is at byte `byteStart` (`ascii`: one byte per char). Unless `final`, stops before
   * a last char that needs the next one to be read (CR, a quote, the escape); returns the index of the first char not
   * read, which the caller gives again at the start of the next text. With `final`, the input ends after `text`.
   */
  scan(text: string, byteStart: number, ascii: boolean, final: boolean): number {
    this.text = text;
    this.byteStart = byteStart;
    this.ascii = ascii;
    this.cursorChar = 0;
    this.cursorByte = byteStart;
    const n = text.length;
    let end = n;
    if (!final && n > 0) {
      const last = text.charCodeAt(n - 1);
      if (last === CR || last === this.quote || last === this.escape) end = n - 1;
    }
    if (n > 0) this.endsWithLf = text.charCodeAt(n - 1) === LF;
    const i = this.run(text, 0, end, final);
    // A record goes on in the next text: bound what it holds (R-CSV-6).
    if (!final && this.state !== REC_START && !this.tooLarge) {
      if (this.byteAt(i) - this.recordStartByte > this.maxRowBytes) this.dropContent();
    }
    return i;
  }

  /** Ends the input: a record in progress ends here. */
  finish(): void {
    if (this.state === REC_START) return;
    this.run('', 0, 0, true);
  }

  private dropContent(): void {
    this.tooLarge = true;
    this.cells = [];
    this.prefix = '';
  }

  /** Takes the field text [from, to) of the current text (with any prefix) as the next cell. */
  private cell(text: string, from: number, to: number, rtrim: boolean): void {
    if (this.tooLarge) {
      this.prefix = ''; // the row fails as too large: its cells do not matter, and are not kept
      return;
    }
    let value = text.substring(from, to);
    if (this.prefix !== '') {
      value = this.prefix + value;
      this.prefix = '';
    }
    this.cells.push(rtrim ? value.trimEnd() : value);
  }

  /** Saves the field text [from, to) of the current text as a prefix: the field goes on in the next text. */
  private keep(text: string, from: number, to: number): void {
    if (!this.tooLarge && to > from) this.prefix += text.substring(from, to);
  }

  private fail(error: TokenError): void {
    if (this.error === NO_ERROR) {
      this.error = error;
      this.errorField = this.cells.length;
    }
    this.state = SKIP_LINE;
  }

  /** The record ends at char `i` of the text: `terminator` chars of line end precede `i`. */
  private endRecord(i: number, terminator: number, unterminated: boolean): void {
    const endByte = this.byteAt(i);
    const lastLine = terminator > 0 || (unterminated && this.endsWithLf) ? this.line - 1 : this.line;
    this.state = REC_START;
    this.prefix = '';
    this.lineStartByte = endByte;
    this.sink.onRecord(endByte, lastLine, terminator, unterminated);
    this.cells = [];
    this.error = NO_ERROR;
    this.tooLarge = false;
  }

  /** The state machine over text[from, end); returns where it stopped (end, or earlier when the sink said stop). */
  private run(text: string, from: number, end: number, final: boolean): number {
    const { sep, quote, escape, trim } = this;
    const n = text.length;
    let i = from;
    let fieldStart = 0;
    for (;;) {
      switch (this.state) {
        case REC_START: {
          // Blank lines (and, with trim, lines of white space) are skipped and not counted (R-CSV-4).
          for (;;) {
            if (i >= end) return i;
            const c = text.charCodeAt(i);
            if (c === LF) {
              this.line++;
              i++;
              this.lineStartByte = this.byteAt(i);
            } else if (c === CR && text.charCodeAt(i + 1) === LF) {
              this.line++;
              i += 2;
              this.lineStartByte = this.byteAt(i);
            } else if (trim && c !== sep && isTrimSpace(c) && !(c === CR && i + 1 >= n && !final)) {
              i++;
            } else break;
          }
          this.recordLine = this.line;
          this.recordStartByte = this.lineStartByte;
          if (!this.sink.onRecordStart()) return i;
          this.state = FIELD_START;
          break;
        }
        case FIELD_START: {
          if (i >= end) {
            if (!final) return i;
            this.cell(text, i, i, false);
            this.endRecord(i, 0, false);
            return i;
          }
          const c = text.charCodeAt(i);
          if (c === quote) {
            // A quoted field on one line, without escapes, closed by a separator or LF: read here.
            let j = i + 1;
            let d = 0;
            while (j < end) {
              d = text.charCodeAt(j);
              if (d === quote || d === LF || d === escape) break;
              j++;
            }
            if (j < end && d === quote && j + 1 < n) {
              const next = text.charCodeAt(j + 1);
              if (next === sep) {
                this.cell(text, i + 1, j, false);
                i = j + 2;
                break;
              }
              if (next === LF) {
                this.cell(text, i + 1, j, false);
                this.line++;
                this.endRecord(j + 2, 1, false);
                i = j + 2;
                break;
              }
            }
            this.state = QUOTED;
            i++;
            fieldStart = i;
            break;
          }
          if (c === sep) {
            this.cell(text, i, i, false);
            i++;
            break;
          }
          if (c === LF) {
            this.cell(text, i, i, false);
            this.line++;
            this.endRecord(i + 1, 1, false);
            i++;
            break;
          }
          if (c === CR && text.charCodeAt(i + 1) === LF) {
            this.cell(text, i, i, false);
            this.line++;
            this.endRecord(i + 2, 2, false);
            i += 2;
            break;
          }
          if (trim && isTrimSpace(c)) {
            i++; // R-CSV-7: white space before a field is trimmed
            break;
          }
          // An unquoted field, the bulk of most files: read here when it ends in this text, state unchanged.
          let j = i + 1;
          let d = 0;
          while (j < end) {
            d = text.charCodeAt(j);
            if (d === sep || d === LF || d === quote) break;
            j++;
          }
          if (j < end && d === sep) {
            this.cell(text, i, j, trim);
            i = j + 1;
            break;
          }
          if (j < end && d === LF) {
            const crlf = text.charCodeAt(j - 1) === CR;
            this.cell(text, i, crlf ? j - 1 : j, trim);
            this.line++;
            this.endRecord(j + 1, crlf ? 2 : 1, false);
            i = j + 1;
            break;
          }
          // A quote in it, or the end of the text: the general way, from where the scan stopped.
          this.state = UNQUOTED;
          fieldStart = i;
          i = j;
          break;
        }
        case UNQUOTED: {
          // The hot loop of plain files: a cell ends at the separator or the line end.
          let c = 0;
          while (i < end) {
            c = text.charCodeAt(i);
            if (c === sep || c === LF || c === quote) break;
            i++;
          }
          if (i >= end) {
            if (!final) {
              this.keep(text, fieldStart, i);
              return i;
            }
            this.cell(text, fieldStart, i, trim);
            this.endRecord(i, 0, false);
            return i;
          }
          if (c === sep) {
            this.cell(text, fieldStart, i, trim);
            this.state = FIELD_START;
            i++;
          } else if (c === LF) {
            const crlf = i > fieldStart ? text.charCodeAt(i - 1) === CR : this.prefix.endsWith('\r');
            if (crlf && i === fieldStart) this.prefix = this.prefix.slice(0, -1);
            this.cell(text, fieldStart, crlf && i > fieldStart ? i - 1 : i, trim);
            this.line++;
            this.endRecord(i + 1, crlf ? 2 : 1, false);
            i++;
          } else {
            // R-CSV-6: a quote inside an unquoted value.
            this.fail('INVALID_OPENING_QUOTE');
            i++;
          }
          break;
        }
        case QUOTED: {
          for (;;) {
            if (i >= end) {
              if (!final) {
                this.keep(text, fieldStart, i);
                return i;
              }
              // R-CSV-6/8: the quote never closes: the rest of the input is this one row.
              this.keep(text, fieldStart, i);
              this.endRecord(i, 0, true);
              return i;
            }
            const c = text.charCodeAt(i);
            if (c === escape && i + 1 < n) {
              if (escape !== quote) {
                // R-CSV-8: the escape takes the next char literally (inside quotes only); the escape itself goes.
                this.keep(text, fieldStart, i);
                fieldStart = i + 1;
                if (text.charCodeAt(i + 1) === LF) this.line++;
                i += 2;
                continue;
              }
              if (text.charCodeAt(i + 1) === quote) {
                // A doubled quote is one literal quote.
                this.keep(text, fieldStart, i + 1);
                i += 2;
                fieldStart = i;
                continue;
              }
            }
            if (c === quote) break;
            if (c === LF) this.line++;
            i++;
          }
          // A quote: it closes the field when a separator, a line end, white space (trim), NUL or the end follows.
          const next = text.charCodeAt(i + 1);
          if (next === CR && i + 2 >= n && !final) {
            this.keep(text, fieldStart, i);
            return i; // CR LF or not: read on
          }
          if (
            i + 1 >= n ||
            next === sep ||
            next === LF ||
            next === 0 ||
            (next === CR && text.charCodeAt(i + 2) === LF) ||
            (trim && isTrimSpace(next))
          ) {
            this.keep(text, fieldStart, i);
            this.state = AFTER_QUOTE;
            i++;
          } else {
            // R-CSV-6/8: text after a closing quote; the row ends with this line.
            this.prefix = '';
            this.fail('CSV_INVALID_CLOSING_QUOTE');
            i++;
          }
          break;
        }
        case AFTER_QUOTE: {
          if (i >= end) {
            if (!final) return i;
            this.cell('', 0, 0, false);
            this.endRecord(i, 0, false);
            return i;
          }
          const c = text.charCodeAt(i);
          if (c === sep) {
            this.cell('', 0, 0, false);
            this.state = FIELD_START;
            i++;
          } else if (c === LF) {
            this.cell('', 0, 0, false);
            this.line++;
            this.endRecord(i + 1, 1, false);
            i++;
          } else if (c === CR && text.charCodeAt(i + 1) === LF) {
            this.cell('', 0, 0, false);
            this.line++;
            this.endRecord(i + 2, 2, false);
            i += 2;
          } else if (trim && isTrimSpace(c)) {
            i++; // R-CSV-7: white space after a closing quote is trimmed
          } else if (c === 0 && !trim) {
            // csv-parse reads a NUL after a closing quote as the start of more (unquoted) text of the field.
            this.state = UNQUOTED;
            fieldStart = i;
          } else {
            this.prefix = '';
            this.fail('CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE');
          }
          break;
        }
        case SKIP_LINE: {
          // R-CSV-8: the rest of the physical line belongs to the failed row.
          const nl = text.indexOf('\n', i);
          if (nl === -1 || nl >= end) {
            if (!final || end < n) return end;
            this.endRecord(n, 0, false);
            return n;
          }
          const crlf = nl > 0 && text.charCodeAt(nl - 1) === CR;
          this.line++;
          this.endRecord(nl + 1, crlf ? 2 : 1, false);
          i = nl + 1;
          break;
        }
      }
    }
  }
}
