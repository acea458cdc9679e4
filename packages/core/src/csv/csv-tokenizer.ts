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
import {
  AFTER_QUOTE,
  CR,
  FIELD_START,
  isTrimSpace,
  LF,
  NO_ERROR,
  QUOTED,
  REC_START,
  REREAD_CHARS,
  stop,
  UNQUOTED,
} from './tokenizer-state.js';
import { SpanLines } from './span-lines.js';

export { isTrimSpace, NO_ERROR, type RecordSink, type TokenError } from './tokenizer-state.js';

export class CsvTokenizer extends SpanLines {
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
    this.quoteAt = -1;
    // Where the current line and record began in this text, if they did (else -1: recordChars is unknown).
    const atLineStart = this.state === REC_START && this.lineStartByte === byteStart;
    this.lineStartChar = atLineStart ? 0 : -1;
    if (this.state !== REC_START) this.recordStartChar = -1;
    else this.resetSpans();
    const n = text.length;
    let end = n;
    if (!final && n > 0) {
      const last = text.charCodeAt(n - 1);
      if (last === CR || last === this.quote || last === this.escape) end = n - 1;
    }
    if (n > 0) this.endsWithLf = text.charCodeAt(n - 1) === LF;
    const i = this.run(text, 0, end, final);
    if (this.state !== REC_START) {
      // Span mode: a short record cut by the text's end on its first line is read again whole from the next text.
      if (!final && this.spanning && this.recordStartChar >= 0 && this.line === this.recordLine) {
        if (this.error === NO_ERROR && i - this.recordStartChar <= REREAD_CHARS) return this.rewind();
      }
      // Else it keeps its cells as strings (spans point into this text).
      this.materialise();
    }
    // A record goes on in the next text: bound what it holds (R-CSV-6).
    if (!final && this.state !== REC_START && !this.tooLarge) {
      if (this.byteAt(i) - this.recordStartByte > this.maxRowBytes) this.dropContent();
    }
    return i;
  }

  /** Ends the input: a record in progress ends here. */
  finish(): void {
    if (this.state === REC_START) return;
    this.recordStartChar = -1;
    this.run('', 0, 0, true);
  }

  /** The state machine over text[from, end); returns where it stopped (end, or earlier when the sink said stop). */
  private run(text: string, from: number, end: number, final: boolean): number {
    let i = from;
    for (;;) {
      let next: number;
      switch (this.state) {
        case REC_START:
          if (this.spanning) {
            const at = this.plainLines(text, i, end);
            if (at < 0) return -1 - at;
            i = at;
          }
          next = this.recordStart(text, i, end, final);
          break;
        case FIELD_START:
          next = this.fieldStart(text, i, end, final);
          break;
        case UNQUOTED:
          next = this.unquoted(text, i, end, final);
          break;
        case QUOTED:
          next = this.quoted(text, i, end, final);
          break;
        case AFTER_QUOTE:
          next = this.afterQuote(text, i, end, final);
          break;
        default:
          next = this.skipLine(text, i, end, final);
      }
      if (next < 0) return -1 - next;
      i = next;
    }
  }

  /** Between records: blank lines (and, with trim, lines of white space) are skipped and not counted (R-CSV-4). */
  private recordStart(text: string, from: number, end: number, final: boolean): number {
    const { sep, trim } = this;
    const n = text.length;
    let i = from;
    for (;;) {
      if (i >= end) return stop(i);
      const c = text.charCodeAt(i);
      if (c === LF) {
        this.line++;
        i++;
        this.lineStartByte = this.byteAt(i);
        this.lineStartChar = i;
      } else if (c === CR && text.charCodeAt(i + 1) === LF) {
        this.line++;
        i += 2;
        this.lineStartByte = this.byteAt(i);
        this.lineStartChar = i;
      } else if (trim && c !== sep && isTrimSpace(c) && !(c === CR && i + 1 >= n && !final)) {
        i++;
      } else break;
    }
    this.recordLine = this.line;
    this.recordStartByte = this.lineStartByte;
    this.recordStartChar = this.lineStartChar;
    if (!this.sink.onRecordStart()) return stop(i);
    this.state = FIELD_START;
    return i;
  }

  /** A field begins: its first char decides its kind; a plain or simply quoted field is read right here. */
  private fieldStart(text: string, i: number, end: number, final: boolean): number {
    if (i >= end) {
      if (!final) return stop(i);
      this.cell(text, i, i, false);
      this.endRecord(i, 0, false);
      return stop(i);
    }
    const c = text.charCodeAt(i);
    if (c === this.quote) return this.quotedFast(text, i, end);
    if (c === this.sep) {
      this.cell(text, i, i, false);
      return i + 1;
    }
    if (c === LF) {
      this.cell(text, i, i, false);
      this.line++;
      this.endRecord(i + 1, 1, false);
      return i + 1;
    }
    if (c === CR && text.charCodeAt(i + 1) === LF) {
      this.cell(text, i, i, false);
      this.line++;
      this.endRecord(i + 2, 2, false);
      return i + 2;
    }
    if (this.trim && isTrimSpace(c)) return i + 1; // R-CSV-7: white space before a field is trimmed
    return this.unquotedFast(text, i, end);
  }

  /** An unquoted field, the bulk of most files: read here when it ends in this text, without a change of state. */
  private unquotedFast(text: string, i: number, end: number): number {
    const { sep, quote } = this;
    let j = i + 1;
    let d = 0;
    while (j < end) {
      d = text.charCodeAt(j);
      if (d === sep || d === LF || d === quote) break;
      j++;
    }
    if (j < end && d === sep) {
      this.cell(text, i, j, this.trim);
      return j + 1;
    }
    if (j < end && d === LF) {
      const crlf = text.charCodeAt(j - 1) === CR;
      this.cell(text, i, crlf ? j - 1 : j, this.trim);
      this.line++;
      this.endRecord(j + 1, crlf ? 2 : 1, false);
      return j + 1;
    }
    // A quote in it, or the end of the text: the general way, from where the scan stopped.
    this.state = UNQUOTED;
    this.fieldFrom = i;
    return j;
  }

  /** A quoted field on one line, without escapes, closed by a separator or LF: read here; else the general way. */
  private quotedFast(text: string, i: number, end: number): number {
    const { sep, quote, escape } = this;
    let j = i + 1;
    let d = 0;
    while (j < end) {
      d = text.charCodeAt(j);
      if (d === quote || d === LF || d === escape) break;
      j++;
    }
    if (j < end && d === quote && j + 1 < text.length) {
      const next = text.charCodeAt(j + 1);
      if (next === sep) {
        this.cell(text, i + 1, j, false);
        return j + 2;
      }
      if (next === LF) {
        this.cell(text, i + 1, j, false);
        this.line++;
        this.endRecord(j + 2, 1, false);
        return j + 2;
      }
    }
    this.state = QUOTED;
    this.fieldFrom = i + 1;
    return i + 1;
  }

  /** An unquoted field: it ends at the separator or the line end; a quote in it fails the row (R-CSV-6). */
  private unquoted(text: string, from: number, end: number, final: boolean): number {
    const { sep, quote, trim } = this;
    const fieldStart = this.fieldFrom;
    let i = from;
    let c = 0;
    while (i < end) {
      c = text.charCodeAt(i);
      if (c === sep || c === LF || c === quote) break;
      i++;
    }
    if (i >= end) {
      if (!final) {
        this.keep(text, fieldStart, i);
        this.fieldFrom = 0;
        return stop(i);
      }
      this.cell(text, fieldStart, i, trim);
      this.endRecord(i, 0, false);
      return stop(i);
    }
    if (c === sep) {
      this.cell(text, fieldStart, i, trim);
      this.state = FIELD_START;
      return i + 1;
    }
    if (c === LF) {
      const crlf = i > fieldStart ? text.charCodeAt(i - 1) === CR : this.prefix.endsWith('\r');
      if (crlf && i === fieldStart) this.prefix = this.prefix.slice(0, -1);
      this.cell(text, fieldStart, crlf && i > fieldStart ? i - 1 : i, trim);
      this.line++;
      this.endRecord(i + 1, crlf ? 2 : 1, false);
      return i + 1;
    }
    // R-CSV-6: a quote inside an unquoted value.
    this.fail('INVALID_OPENING_QUOTE');
    return i + 1;
  }

  /** A quoted field: escapes and doubled quotes inside; a quote closes it when what follows allows (R-CSV-1). */
  private quoted(text: string, from: number, end: number, final: boolean): number {
    const { quote, escape } = this;
    const n = text.length;
    let fieldStart = this.fieldFrom;
    let i = from;
    for (;;) {
      if (i >= end) {
        this.keep(text, fieldStart, i);
        this.fieldFrom = 0;
        // R-CSV-6/8: at the end of the input the quote never closed: the rest of the input is this one row.
        if (final) this.endRecord(i, 0, true);
        return stop(i);
      }
      const c = text.charCodeAt(i);
      if (c === escape && i + 1 < n) {
        if (escape !== quote) {
          // R-CSV-8: the escape takes the next char literally (inside quotes only); the escape itself goes.
          fieldStart = this.leaveOut(text, fieldStart, i);
          if (text.charCodeAt(i + 1) === LF) this.line++;
          i += 2;
          continue;
        }
        if (text.charCodeAt(i + 1) === quote) {
          // A doubled quote is one literal quote.
          fieldStart = this.leaveOut(text, fieldStart, i + 1);
          i += 2;
          continue;
        }
      }
      if (c === quote) break;
      if (c === LF) this.line++;
      i++;
    }
    return this.closingQuote(text, fieldStart, i, final);
  }

  /** The quote at `i` closes the field when a separator, a line end, white space (trim), NUL or the end follows. */
  private closingQuote(text: string, fieldStart: number, i: number, final: boolean): number {
    const n = text.length;
    const next = text.charCodeAt(i + 1);
    if (next === CR && i + 2 >= n && !final) {
      this.keep(text, fieldStart, i);
      this.fieldFrom = 0;
      return stop(i); // CR LF or not: read on
    }
    if (
      i + 1 >= n ||
      next === this.sep ||
      next === LF ||
      next === 0 ||
      (next === CR && text.charCodeAt(i + 2) === LF) ||
      (this.trim && isTrimSpace(next))
    ) {
      if (this.spanning) {
        this.quotedFrom = fieldStart;
        this.quotedTo = i;
      } else this.keep(text, fieldStart, i);
      this.state = AFTER_QUOTE;
      return i + 1;
    }
    // R-CSV-6/8: text after a closing quote; the row ends with this line.
    this.prefix = '';
    this.fail('CSV_INVALID_CLOSING_QUOTE');
    return i + 1;
  }

  /** After a closing quote: the field ends at a separator or line end; white space is trimmed (R-CSV-7). */
  private afterQuote(text: string, i: number, end: number, final: boolean): number {
    if (i >= end) {
      if (!final) return stop(i);
      this.quotedCell();
      this.endRecord(i, 0, false);
      return stop(i);
    }
    const c = text.charCodeAt(i);
    if (c === this.sep) {
      this.quotedCell();
      this.state = FIELD_START;
      return i + 1;
    }
    if (c === LF) {
      this.quotedCell();
      this.line++;
      this.endRecord(i + 1, 1, false);
      return i + 1;
    }
    if (c === CR && text.charCodeAt(i + 1) === LF) {
      this.quotedCell();
      this.line++;
      this.endRecord(i + 2, 2, false);
      return i + 2;
    }
    if (this.trim && isTrimSpace(c)) return i + 1; // R-CSV-7: white space after a closing quote is trimmed
    if (c === 0 && !this.trim) {
      // csv-parse reads a NUL after a closing quote as the start of more (unquoted) text of the field.
      if (this.spanning) this.prefix = this.cutText(this.quotedFrom, this.quotedTo);
      this.state = UNQUOTED;
      this.fieldFrom = i;
      return i;
    }
    this.prefix = '';
    this.fail('CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE');
    return i;
  }

  /** The quoted field just closed is the next cell (span mode: its span; else its text, kept as the prefix). */
  private quotedCell(): void {
    if (this.spanning) this.cell(this.text, this.quotedFrom, this.quotedTo, false);
    else this.cell('', 0, 0, false);
  }

  /** R-CSV-8: the rest of the physical line belongs to the failed row. */
  private skipLine(text: string, i: number, end: number, final: boolean): number {
    const n = text.length;
    const nl = text.indexOf('\n', i);
    if (nl === -1 || nl >= end) {
      if (!final || end < n) return stop(end);
      this.endRecord(n, 0, false);
      return stop(n);
    }
    const crlf = nl > 0 && text.charCodeAt(nl - 1) === CR;
    this.line++;
    this.endRecord(nl + 1, crlf ? 2 : 1, false);
    return nl + 1;
  }
}
