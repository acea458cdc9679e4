/**
 * Span mode's readers (CsvEngine.setRowHook): the records of whole lines in one text read straight into cell
 * spans, before the tokenizer's states (csv-tokenizer.ts) see them, with the states' grammar (csv-parse's, R-CSV-1)
 * where they apply it: plain lines cut at each separator, and lines with quoted fields (escapes, doubled quotes and
 * line ends inside) whose cells keep their unescaped text as spans and cuts. Anything else is left to the states.
 */
import { CR, LF, REC_START, stop, TokenizerState } from './tokenizer-state.js';

/** The tokenizer's state with span mode's line readers. */
export abstract class SpanLines extends TokenizerState {
  /**
   * Span mode, at the record's end: the text its spans point into. With cuts, a text of the record's own (its
   * cells' text without the cut chars), and its spans are moved into it (once per record).
   */
  spanRowText(): string {
    if (this.cutCount === 0) return this.spanSource;
    // A shortened span's length is its cell's, its text not: only a record of ASCII text (extraBytes 0) may have
    // one, as the hook then reads those cells' bytes as their length (R-METER-1).
    const asciiRecord = this.ascii || this.lineStartByte - this.recordStartByte === this.recordChars;
    if (this.lengthCells !== null && asciiRecord && this.shortenLengthCells()) return this.spanSource;
    const { spans, cuts } = this;
    const n = 2 * this.spanCount;
    const from = spans[0]!;
    const row = this.cutText(from, spans[n - 1]!);
    let k = 0;
    for (let s = 0; s < n; s++) {
      const at = spans[s]!;
      while (k < this.cutCount && cuts[k]! < at) k++;
      spans[s] = at - from - k;
    }
    this.cutCount = 0;
    this.spanSource = row;
    return row;
  }

  /**
   * [choice] A record whose cut chars all lie in cells the hook reads for their length only (lengthCells), none of
   * the NullValue's length once cut (empty ones may be), keeps the current text: those cells' spans are shortened by
   * their cuts (their length is the cell's, their text is not). A text of the record's own (a concatenation that
   * the kernel's first read flattens) measured about a fifth of the escape shape's worker CPU. False: no change.
   */
  private shortenLengthCells(): boolean {
    const { spans, cuts, lengthCells } = this;
    const cells = this.spanCount;
    const cutCount = this.cutCount;
    if (this.shortened.length < 2 * cells) this.shortened = new Int32Array(2 * cells);
    const shortened = this.shortened;
    let pairs = 0;
    let k = 0;
    for (let c = 0; c < cutCount;) {
      const cut = cuts[c]!;
      while (k < cells && spans[2 * k + 1]! <= cut) k++;
      if (k >= cells || spans[2 * k]! > cut || k >= lengthCells!.length || lengthCells![k] === 0)
        return false;
      const to = spans[2 * k + 1]!;
      let n = 0;
      for (; c < cutCount && cuts[c]! < to; c++) n++;
      if (this.nullLength > 0 && to - spans[2 * k]! - n === this.nullLength) return false;
      shortened[pairs++] = k;
      shortened[pairs++] = n;
      k++;
    }
    for (let p = 0; p < pairs; p += 2) {
      const end = 2 * shortened[p]! + 1;
      spans[end] = spans[end]! - shortened[p + 1]!;
    }
    this.shortCount = pairs;
    return true;
  }

  /**
   * Span mode, between records at a line start: whole lines of this text with no quote, blank ones excepted, are
   * records whose cells are cut at each separator (what the states read them as: no quote, no trim, so every field
   * is unquoted and ends at a separator or the line end, CR LF or LF); a line with a quote is read by quotedLine
   * when it can. Returns where it stopped: at a line it leaves to the states (blank, quoted beyond quotedLine, not
   * ended in this text), or stop(i) when the sink said stop.
   */
  protected plainLines(text: string, from: number, end: number): number {
    const sepText = this.sepText;
    let i = from;
    while (i < end && this.lineStartChar === i) {
      const nl = text.indexOf('\n', i);
      if (nl < 0 || nl >= end) return i;
      if (this.quoteAt < nl) {
        if (this.quoteAt < i) {
          const q = text.indexOf(this.quoteText, i);
          this.quoteAt = q < 0 ? text.length : q;
        }
        if (this.quoteAt < nl) {
          // A line with a quote: read here when its record is one the states would read without a failure.
          this.recordLine = this.line;
          this.recordStartByte = this.lineStartByte;
          this.recordStartChar = i;
          if (!this.sink.onRecordStart()) return stop(i);
          const next = this.quotedLine(text, i, end, nl);
          if (next < 0) return i;
          i = next;
          continue;
        }
      }
      const crlf = nl > i && text.charCodeAt(nl - 1) === CR;
      const to = crlf ? nl - 1 : nl;
      if (to === i) return i; // a blank line (R-CSV-4)
      this.recordLine = this.line;
      this.recordStartByte = this.lineStartByte;
      this.recordStartChar = i;
      if (!this.sink.onRecordStart()) return stop(i);
      let cell = i;
      if (this.ascii) {
        // Cells cut at each separator, found by indexOf (native: about twice as fast as a loop over the chars).
        for (;;) {
          const j = text.indexOf(sepText, cell);
          if (j < 0 || j >= to) break;
          this.addSpan(cell, j);
          cell = j + 1;
        }
      } else {
        // Other text: the line's bytes (unitBytes) are counted in the separator pass, for byteAt of its end. [choice]
        // A char loop: indexOf and then byteAt's native measure (a substring per record), or indexOf and a count
        // loop, measured about 15% more thread CPU on the utf8 shape's first 200 MB.
        const sep = this.sep;
        let extra = 0;
        for (let j = i; j < to; j++) {
          const c = text.charCodeAt(j);
          if (c === sep) {
            this.addSpan(cell, j);
            cell = j + 1;
          } else if (c >= 0x80) extra += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2;
        }
        this.cursorChar = nl + 1;
        this.cursorByte = this.lineStartByte + nl + 1 - i + extra;
      }
      this.addSpan(cell, to);
      this.fields = this.spanCount;
      this.line++;
      this.endRecord(nl + 1, crlf ? 2 : 1, false);
      i = nl + 1;
    }
    return i;
  }

  /**
   * Span mode: the record at line start `from`, whose line has a quote (at quoteAt) before its LF at `lf`, read as
   * the states read it (no trim: each field unquoted without a quote, or quoted with escapes, doubled quotes and line
   * ends inside and closed before a separator or a line end), its cells as spans and cuts; answers where the next
   * record starts. -1 (nothing kept) when the record ends past `end` or the states would read something else in it
   * (a failure, a NUL after a closing quote): they read it.
   */
  private quotedLine(text: string, from: number, end: number, lf: number): number {
    const { sep, quote, escape, sepText } = this;
    // The next LF and the next quote at or after i.
    let nl = lf;
    let q = this.quoteAt;
    let lines = 0;
    let i = from;
    for (;;) {
      // Unquoted fields up to the next quote or the line end: cut at each separator.
      const stopAt = q < nl ? q : nl;
      let cell = i;
      for (;;) {
        const j = text.indexOf(sepText, cell);
        if (j < 0 || j >= stopAt) break;
        this.addSpan(cell, j);
        cell = j + 1;
      }
      if (stopAt === nl) {
        // The last field, unquoted: the record ends with this LF (CR LF: the CR is not the cell's).
        const crlf = nl > cell && text.charCodeAt(nl - 1) === CR;
        this.addSpan(cell, crlf ? nl - 1 : nl);
        return this.quotedLineEnd(nl + 1, crlf ? 2 : 1, lines, q);
      }
      if (cell !== q) break; // a quote inside an unquoted field: a failure
      // A quoted field, up to its closing quote.
      const linesBefore = lines;
      let j = q + 1;
      for (; j < end; j++) {
        const c = text.charCodeAt(j);
        if (c === escape && j + 1 < end) {
          if (escape !== quote) {
            this.addCut(j);
            if (text.charCodeAt(j + 1) === LF) lines++;
            j++;
            continue;
          }
          if (text.charCodeAt(j + 1) === quote) {
            this.addCut(j + 1);
            j++;
            continue;
          }
        }
        if (c === quote) break;
        if (c === LF) lines++;
      }
      if (j + 1 >= end) break;
      this.addSpan(q + 1, j);
      const c = text.charCodeAt(j + 1);
      if (c === LF) return this.quotedLineEnd(j + 2, 1, lines, q);
      if (c === CR && text.charCodeAt(j + 2) === LF) return this.quotedLineEnd(j + 3, 2, lines, q);
      if (c !== sep) break; // text after the closing quote: the states' to read
      i = j + 2;
      if (lines > linesBefore) {
        nl = text.indexOf('\n', i);
        if (nl < 0 || nl >= end) break;
      }
      q = text.indexOf(this.quoteText, i);
      if (q < 0) q = text.length;
    }
    this.spanCount = 0;
    this.cutCount = 0;
    return -1;
  }

  /** quotedLine's record ends at `next`, after `terminator` chars of line end and `lines` line ends inside quotes. */
  private quotedLineEnd(next: number, terminator: number, lines: number, quoteAt: number): number {
    this.fields = this.spanCount;
    this.line += lines + 1;
    this.quoteAt = quoteAt;
    this.endRecord(next, terminator, false);
    return next;
  }

  /**
   * Span mode: forgets the record in progress (begun in this text, on the line it is still on, with no failure), so
   * that the scan stops at its start: the caller gives the text from there again, with the next one.
   */
  protected rewind(): number {
    const at = this.recordStartChar;
    this.state = REC_START;
    this.cells = [];
    this.spanCount = 0;
    this.cutCount = 0;
    this.shortCount = 0;
    this.fields = 0;
    this.prefix = '';
    this.fieldFrom = 0;
    this.lineStartByte = this.recordStartByte;
    this.lineStartChar = at;
    return at;
  }
}
