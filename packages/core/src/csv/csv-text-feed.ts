/**
 * The byte side of the CSV engine (csv-engine.ts): valid UTF-8 bytes decoded once per chunk (latin1 when the chunk
 * is ASCII, else UTF-8; a sequence cut by the chunk's end waits for the next) or text from an explicit encoding's
 * decoder, handed to the tokenizer (csv-tokenizer.ts) after what it left of the last chunk.
 */
import { isAscii } from 'node:buffer';

import iconv from 'iconv-lite';

import type { ResolvedCsvOptions } from '../task.js';
import { CsvTokenizer, type RecordSink } from './csv-tokenizer.js';
import { Utf8Checker, completeLength } from './csv-utf8.js';

/** The engine's text feeding; the engine (a RecordSink) reads the records. */
export abstract class CsvTextFeed implements RecordSink {
  /**
   * Every text read so far was ASCII (and none came through a decoder): each cell of every row so far has as many
   * UTF-8 bytes as chars, which metering uses (recordEventSizeAscii).
   */
  allAscii = true;

  protected readonly utf8: Utf8Checker | null;
  protected readonly decoder: { write(buf: Buffer): string; end(): string | undefined } | null;
  protected readonly tok: CsvTokenizer;

  /** Bytes not yet decoded because the BOM check needs the first 3 (R-CSV-2). */
  protected head: Buffer | null = Buffer.alloc(0);
  /** The bytes of a UTF-8 sequence cut by the end of the last chunk. */
  protected carry: Buffer | null = null;
  /** Bytes checked (after `head`): the offset of the next byte pushed, relative to the first. */
  protected fedEnd = 0;
  /** Bytes decoded to text: the byte offset where the next text starts. */
  protected textEnd = 0;
  /** Span mode: where the text left pending and the next chunk's bytes are joined (reused). */
  protected joinBytes = Buffer.alloc(0);
  /** Text the tokenizer left for the next chunk (a char that needs the one after it), and its byte offset. */
  protected pending = '';
  protected pendingByte = 0;
  protected pendingAscii = true;

  constructor(csv: ResolvedCsvOptions, encoding: string | undefined, maxRowBytes: number) {
    if (encoding === undefined) {
      this.utf8 = new Utf8Checker();
      this.decoder = null;
    } else {
      this.utf8 = null;
      this.head = null; // with an explicit encoding, iconv-lite owns the BOM [choice]
      this.decoder = iconv.getDecoder(encoding);
    }
    this.tok = new CsvTokenizer(csv, this, maxRowBytes, this.decoder === null);
  }

  abstract onRecordStart(): boolean;
  abstract onRecord(end: number, lastLine: number, terminator: number, unterminated: boolean): void;

  /** Decodes valid UTF-8 bytes (a sequence cut at their end waits in `carry`) and reads the text. */
  protected feedBytes(chunk: Buffer): void {
    let bytes = chunk;
    if (this.carry !== null) {
      bytes = Buffer.concat([this.carry, chunk]);
      this.carry = null;
    }
    const complete = completeLength(bytes);
    if (complete < bytes.length) this.carry = Buffer.from(bytes.subarray(complete));
    if (complete === 0) return;
    const whole = complete === bytes.length ? bytes : bytes.subarray(0, complete);
    // For ASCII bytes latin1 decoding is UTF-8 decoding, one char per byte, and the fastest Node has.
    const ascii = isAscii(whole);
    if (this.pending !== '' && this.tok.spanEnabled) {
      // Span mode leaves a cut record's text pending each time: one flat text with it, not a concatenation (a
      // ConsString, slower to read char by char). Its bytes again (valid UTF-8 decoded, cut between chars), then
      // the chunk's, decoded once.
      const pending = this.pending;
      const most = (this.pendingAscii ? pending.length : 3 * pending.length) + complete;
      if (this.joinBytes.length < most)
        this.joinBytes = Buffer.allocUnsafe(Math.max(most, 2 * this.joinBytes.length));
      const joined = this.joinBytes;
      const at = joined.write(pending, 0, this.pendingAscii ? 'latin1' : 'utf8');
      whole.copy(joined, at);
      this.pending = '';
      const textAscii = ascii && this.pendingAscii;
      if (!ascii) this.allAscii = false;
      // The text is a copy: the buffer is reused for the next chunk.
      const text = joined.toString(textAscii ? 'latin1' : 'utf8', 0, at + complete);
      this.feedTextFrom(text, this.pendingByte, textAscii, complete);
      return;
    }
    this.feedText(whole.toString(ascii ? 'latin1' : 'utf8'), ascii, complete);
  }

  /** Reads `text` (its UTF-8 length `textBytes`, or -1 when unknown), after what the tokenizer left last time. */
  protected feedText(chunkText: string, ascii: boolean, textBytes: number): void {
    let text = chunkText;
    let byteStart = this.textEnd;
    let isAsciiText = ascii;
    if (!ascii) this.allAscii = false;
    if (this.pending !== '') {
      text = this.pending + chunkText;
      byteStart = this.pendingByte;
      isAsciiText = ascii && this.pendingAscii;
    }
    this.feedTextFrom(text, byteStart, isAsciiText, textBytes);
  }

  /** Reads `text`, from byte `byteStart` (what the tokenizer left last time included), `textBytes` new bytes. */
  protected feedTextFrom(text: string, byteStart: number, isAsciiText: boolean, textBytes: number): void {
    const tok = this.tok;
    const i = tok.scan(text, byteStart, isAsciiText, false);
    this.textEnd = textBytes >= 0 ? this.textEnd + textBytes : tok.byteAt(text.length);
    this.pending = i < text.length ? text.slice(i) : '';
    this.pendingByte = tok.byteAt(i);
    this.pendingAscii = isAsciiText;
  }
}
