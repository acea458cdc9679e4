/**
 * R-DUP-1: the exact, compact byte encoding of a record for the duplicate check, written into one reusable buffer
 * (no allocation per record on the common path), and a 64-bit hash of its key made straight from its strings.
 *
 * Names are not stored per record: name lists are interned as shapes (record-key-shapes.ts); measure names are
 * interned too (bounded; past the bound a name is written out after a 0).
 *
 * Layout: key = dimension shape (id + 1, or 0 and the names), measure name id + 1 (or 0 and the name), dimension
 * values in canonical order, time instant; values = type code, then the scalar value, or the attribute shape and
 * the values in canonical order. Strings are length-prefixed (varint of the UTF-16 length) and written one byte
 * per code unit below 0xFF, else 0xFF + two bytes. Instants (time, TIMESTAMP values) are written as their
 * nanosecond digits without leading and trailing zeros, then the count of trailing zeros, so `0012` SECONDS and
 * `12000` MILLISECONDS encode alike. The encoding is injective: equal bytes mean equal keys and values.
 */
import type { TimestreamRecord } from '../map/record.js';
import type { MeasureValueType } from '../task.js';
import { NANO_SUFFIX } from '../map/map-time.js';
import {
  FNV_PRIME,
  fmix32,
  hashString,
  HIGH_PRIME,
  NameTable,
  ShapeTable,
  type Shape,
  type ShapeInfo,
} from './record-key-shapes.js';

export type { ShapeInfo } from './record-key-shapes.js';
export { decodeValues, type DecodedValue } from './record-key-decode.js';

export const TYPE_CODES: Readonly<Record<MeasureValueType, number>> = {
  DOUBLE: 1,
  BIGINT: 2,
  BOOLEAN: 3,
  VARCHAR: 4,
  TIMESTAMP: 5,
  MULTI: 6,
};

export const ESCAPE = 0xff;
const ZERO = 48;

/** The high half's step: a multiply and a rotation, so that it mixes unlike the low half's FNV-1a. */
function high(g: number, c: number): number {
  g = Math.imul(g ^ c, HIGH_PRIME);
  return (g << 13) | (g >>> 19);
}

/** mixText's result: the running key hash's two halves. */
let mixLow = 0;
let mixHigh = 0;

/** Text [from, to) into the running hash (h, g): its length, then its code units two at a time (16 bits each). */
function mixText(h: number, g: number, text: string, from: number, to: number): void {
  const n = to - from;
  h = Math.imul(h ^ (0x10000 + n), FNV_PRIME);
  g = high(g, 0x10000 + n);
  let i = from;
  for (; i + 1 < to; i += 2) {
    const w = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    h = Math.imul(h ^ w, FNV_PRIME);
    g = high(g, w);
  }
  if (i < to) {
    const w = text.charCodeAt(i);
    h = Math.imul(h ^ w, FNV_PRIME);
    g = high(g, w);
  }
  mixLow = h;
  mixHigh = g;
}

export class RecordKeyEncoder {
  /** The last encoding: bytes [0, keyLength) are the key, [keyLength, length) the values. */
  buf = new Uint8Array(1024);
  /** `buf` as 32-bit words, for copying an encoding four bytes at a time. */
  words = new Uint32Array(this.buf.buffer);
  length = 0;
  keyLength = 0;
  /** `keyHash`'s 64-bit hash of the key, as two 32-bit halves, made from the record's strings. */
  keyHashValue = 0;
  keyHashHigh = 0;
  /**
   * Set by `keyHash` on its way: the running state (two 32-bit halves, not finalised) after the dimension names, the
   * measure name and the dimension values, before the time. Equal series (R-DUP-1's key less its time: dimensions as
   * a set, measure name) give equal states in every encoder and thread; the HTML report's statistics count series by
   * it (report/stats/content-stats.ts) instead of hashing the row's values again.
   */
  seriesHash = 0;
  seriesHashHigh = 0;
  private readonly shapes: ShapeTable;
  private readonly names: NameTable;
  private unit = '';
  private unitZeros = 0;
  /** The last measure name hashed, and its hashes. */
  private lastName = '';
  private lastNameHash = hashString(0, '', FNV_PRIME);
  private lastNameHashHigh = hashString(0, '', HIGH_PRIME);

  /** An encoder made with `sharing` uses its name lists and names, so that the two encode a record alike. */
  constructor(sharing?: RecordKeyEncoder) {
    this.shapes = sharing?.shapes ?? new ShapeTable();
    this.names = sharing?.names ?? new NameTable();
  }

  get shapeInfo(): readonly ShapeInfo[] {
    return this.shapes.info;
  }

  /**
   * A 64-bit hash (`keyHashValue`, `keyHashHigh`) of the record's key, straight from its strings (nothing is
   * encoded, no interned id is used): equal keys (R-DUP-1: dimensions as a set, measure name, time instant) hash
   * alike in every encoder and every thread (parallel reading).
   */
  keyHash(record: TimestreamRecord): void {
    const dims = record.Dimensions;
    const dimShape = this.shapes.dimensions(dims);
    if (record.TimeUnit !== this.unit) {
      this.unit = record.TimeUnit;
      this.unitZeros = NANO_SUFFIX[record.TimeUnit].length;
    }
    let h = dimShape.nameHash;
    let g = dimShape.nameHashHigh;
    const name = record.MeasureName;
    if (name !== this.lastName) {
      this.lastName = name;
      this.lastNameHash = hashString(0, name, FNV_PRIME);
      this.lastNameHashHigh = hashString(0, name, HIGH_PRIME);
    }
    h = Math.imul(h ^ this.lastNameHash, FNV_PRIME);
    g = high(g, this.lastNameHashHigh);
    const order = dimShape.order;
    for (let k = 0; k < order.length; k++) {
      const value = dims[order[k]!]!.Value;
      mixText(h, g, value, 0, value.length);
      h = mixLow;
      g = mixHigh;
    }
    this.finishKey(h, g, record.Time, this.unitZeros);
  }

  /**
   * keyHash of the record a row's cells make, straight from the cells (the range job's row kernel,
   * load/row-kernel.ts): the dimension names' hashes (canonicalShape), the measure name's (hashString with each
   * prime), the cell of each dimension in canonical order, the time cell and its unit's zeros (NANO_SUFFIX). Every
   * dimension is present (none null). Bit-identical to keyHash: the same steps (mixText, finishKey).
   */
  keyHashCells(
    dimNameHash: number,
    dimNameHashHigh: number,
    nameHash: number,
    nameHashHigh: number,
    cells: readonly string[],
    dimCells: Int32Array,
    time: string,
    unitZeros: number,
  ): void {
    let h = Math.imul(dimNameHash ^ nameHash, FNV_PRIME);
    let g = high(dimNameHashHigh, nameHashHigh);
    for (let k = 0; k < dimCells.length; k++) {
      const value = cells[dimCells[k]!]!;
      mixText(h, g, value, 0, value.length);
      h = mixLow;
      g = mixHigh;
    }
    this.finishKey(h, g, time, unitZeros);
  }

  /**
   * keyHashCells of a row whose cells are spans of `text` (span mode, CsvEngine.setRowHook): cell c is
   * `text[spans[2c], spans[2c + 1])`, the time cell is cell `timeCell`. The same steps on the same code units.
   */
  keyHashSpans(
    dimNameHash: number,
    dimNameHashHigh: number,
    nameHash: number,
    nameHashHigh: number,
    text: string,
    spans: Int32Array,
    dimCells: Int32Array,
    timeCell: number,
    unitZeros: number,
  ): void {
    let h = Math.imul(dimNameHash ^ nameHash, FNV_PRIME);
    let g = high(dimNameHashHigh, nameHashHigh);
    for (let k = 0; k < dimCells.length; k++) {
      const c = 2 * dimCells[k]!;
      mixText(h, g, text, spans[c]!, spans[c + 1]!);
      h = mixLow;
      g = mixHigh;
    }
    this.finishKeyIn(h, g, text, spans[2 * timeCell]!, spans[2 * timeCell + 1]!, unitZeros);
  }

  private finishKey(h: number, g: number, time: string, unitZeros: number): void {
    this.finishKeyIn(h, g, time, 0, time.length, unitZeros);
  }

  /**
   * The series state (seriesHash), then the instant (the time digits `text[start, end)`) as putInstant writes it,
   * and the final mix of both halves.
   */
  private finishKeyIn(
    h: number,
    g: number,
    text: string,
    start: number,
    end: number,
    unitZeros: number,
  ): void {
    this.seriesHash = h;
    this.seriesHashHigh = g;
    // Digits without leading and trailing zeros, then the zeros in ns.
    let from = start;
    let to = end;
    while (from < to && text.charCodeAt(from) === ZERO) from++;
    while (to > from && text.charCodeAt(to - 1) === ZERO) to--;
    mixText(h, g, text, from, to);
    const zeros = from === to ? 0 : end - to + unitZeros;
    this.keyHashValue = fmix32(Math.imul(mixLow ^ zeros, FNV_PRIME));
    this.keyHashHigh = fmix32(high(mixHigh, zeros) ^ 0x9e3779b9);
  }

  /** Encodes the record into `buf`: key bytes, then value bytes (see the file's comment). */
  encode(record: TimestreamRecord): void {
    const dims = record.Dimensions;
    const dimShape = this.shapes.dimensions(dims);
    const multi = record.MeasureValues;
    if (record.TimeUnit !== this.unit) {
      this.unit = record.TimeUnit;
      this.unitZeros = NANO_SUFFIX[record.TimeUnit].length;
    }
    const unitZeros = this.unitZeros;

    this.length = 0;
    this.putShape(dimShape);
    // The measure name as its interned id + 1, or 0 and the name once the table is full.
    const name = record.MeasureName;
    const nameId = this.names.id(name);
    if (nameId >= 0) this.putVarint(nameId + 1);
    else {
      this.putVarint(0);
      this.putRange(name, 0, name.length);
    }
    const order = dimShape.order;
    for (let i = 0; i < order.length; i++) {
      const value = dims[order[i]!]!.Value;
      this.putRange(value, 0, value.length);
    }
    this.putInstant(record.Time, unitZeros);
    this.keyLength = this.length;

    if (multi === undefined) {
      const type = record.MeasureValueType;
      this.putVarint(TYPE_CODES[type]);
      const value = record.MeasureValue ?? '';
      if (type === 'TIMESTAMP') this.putInstant(value, unitZeros);
      else this.putRange(value, 0, value.length);
      return;
    }
    const valueShape = this.shapes.values(multi);
    this.putVarint(TYPE_CODES.MULTI);
    this.putShape(valueShape);
    const vorder = valueShape.order;
    for (let i = 0; i < vorder.length; i++) {
      const v = multi[vorder[i]!]!;
      if (v.Type === 'TIMESTAMP') this.putInstant(v.Value, unitZeros);
      else this.putRange(v.Value, 0, v.Value.length);
    }
  }

  /** Copies `length` bytes of an encoding into this encoder's buffer (an encoding read back from disk). */
  load(bytes: Uint8Array, from: number, length: number, keyLength: number): void {
    if (length + 8 > this.buf.length) this.grow(length + 8);
    this.buf.set(bytes.subarray(from, from + length));
    this.length = length;
    this.keyLength = keyLength;
  }

  /** A shape as its id + 1, or 0 then its names (and types) in canonical order when it was not interned. */
  private putShape(shape: Shape): void {
    if (shape.id >= 0) {
      this.putVarint(shape.id + 1);
      return;
    }
    this.putVarint(0);
    const { order, names, types } = shape;
    this.putVarint(order.length);
    for (let i = 0; i < order.length; i++) {
      const name = names[order[i]!]!;
      this.putRange(name, 0, name.length);
      if (types !== null) this.putVarint(TYPE_CODES[types[order[i]!]!]);
    }
  }

  private grow(bytes: number): void {
    const next = new Uint8Array(Math.max(bytes + 3, this.buf.length * 2) & ~3); // whole words: see `words`
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.words = new Uint32Array(next.buffer);
  }

  private putVarint(value: number): void {
    if (this.length + 8 > this.buf.length) this.grow(this.length + 8);
    const buf = this.buf;
    let v = value;
    while (v >= 0x80) {
      buf[this.length++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 0x80);
    }
    buf[this.length++] = v;
  }

  private putRange(text: string, from: number, to: number): void {
    const n = to - from;
    // Every code unit takes at most 3 bytes, the length at most 8.
    if (this.length + n * 3 + 8 > this.buf.length) this.grow(this.length + n * 3 + 8);
    const buf = this.buf;
    let p = this.length;
    if (n < 0x80) buf[p++] = n;
    else {
      this.putVarint(n);
      p = this.length;
    }
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c < ESCAPE) {
        buf[p++] = c;
      } else {
        buf[p++] = ESCAPE;
        buf[p++] = c >>> 8;
        buf[p++] = c & 0xff;
      }
    }
    this.length = p;
  }

  /** An instant: its digits without leading and trailing zeros, then the count of trailing zeros (in ns). */
  private putInstant(digits: string, unitZeros: number): void {
    let from = 0;
    let to = digits.length;
    while (from < to && digits.charCodeAt(from) === ZERO) from++;
    if (from === to) {
      this.putRange(digits, 0, 0); // zero
      this.putVarint(0);
      return;
    }
    while (digits.charCodeAt(to - 1) === ZERO) to--;
    this.putRange(digits, from, to);
    this.putVarint(digits.length - to + unitZeros);
  }
}
