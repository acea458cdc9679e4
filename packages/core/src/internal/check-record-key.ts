/**
 * R-DUP-1: the exact, compact byte encoding of a record for the duplicate index, written into one reusable
 * buffer (no allocation per record on the common path).
 *
 * Names are not stored per record: the list of dimension names (and of attribute names and types) is interned
 * once as a "shape" with a canonical id, the same for every order of the same names, plus the permutation that
 * puts the record's items in canonical (sorted) order. Recent shapes are recognised by comparing names with
 * `===`, which is a pointer check for the name strings the row mapper reuses.
 *
 * Layout: key = dimension shape id, measure name, dimension values in canonical order, time instant; values =
 * type code, then the scalar value, or the attribute shape id and the values in canonical order. Strings are
 * length-prefixed (varint of the UTF-16 length) and written one byte per code unit below 0xFF, else 0xFF + two
 * bytes. Instants (time, TIMESTAMP values) are written as their nanosecond digits without leading and trailing
 * zeros, then the count of trailing zeros, so `0012` SECONDS and `12000` MILLISECONDS encode alike. The encoding
 * is injective: equal bytes mean equal keys and values.
 */
import type { TimestreamDimension, TimestreamMeasureValue, TimestreamRecord } from '../record.js';
import type { MeasureValueType, ScalarMeasureValueType } from '../task.js';
import { NANO_SUFFIX } from './map-time.js';

const TYPE_CODES: Readonly<Record<MeasureValueType, number>> = {
  DOUBLE: 1,
  BIGINT: 2,
  BOOLEAN: 3,
  VARCHAR: 4,
  TIMESTAMP: 5,
  MULTI: 6,
};
const TYPE_OF_CODE: readonly (MeasureValueType | undefined)[] = [
  undefined,
  'DOUBLE',
  'BIGINT',
  'BOOLEAN',
  'VARCHAR',
  'TIMESTAMP',
  'MULTI',
];

const ESCAPE = 0xff;
const ZERO = 48;
/** Recent shapes recognised without building a string. */
const RECENT_SHAPES = 8;

interface Shape {
  /** Canonical id. */
  id: number;
  /** Names (and types) in the record's order: what a record is matched against. */
  names: readonly string[];
  types: readonly ScalarMeasureValueType[] | null;
  /** Record positions in canonical order. */
  order: Int32Array;
}

/** Canonical names and types of one shape id, for decoding. */
export interface ShapeInfo {
  names: readonly string[];
  types: readonly ScalarMeasureValueType[] | null;
}

/** Interns name lists (bounded): `undefined` once `limit` canonical shapes exist and a new one appears. */
class ShapeTable {
  private readonly recent: Shape[] = [];
  /** Every name list met, in record order (bounded with the canonical ones). */
  private readonly byRecordOrder = new Map<string, Shape>();
  private readonly byCanonical = new Map<string, number>();
  readonly info: ShapeInfo[] = [];

  constructor(private readonly limit: number) {}

  dimensions(dims: readonly TimestreamDimension[]): Shape | undefined {
    const n = dims.length;
    const recent = this.recent;
    for (let r = 0; r < recent.length; r++) {
      const shape = recent[r]!;
      const names = shape.names;
      if (names.length !== n || shape.types !== null) continue;
      let i = 0;
      while (i < n && names[i] === dims[i]!.Name) i++;
      if (i === n) return shape;
    }
    return this.add(
      dims.map((d) => d.Name),
      null,
    );
  }

  values(values: readonly TimestreamMeasureValue[]): Shape | undefined {
    const n = values.length;
    const recent = this.recent;
    for (let r = 0; r < recent.length; r++) {
      const shape = recent[r]!;
      const { names, types } = shape;
      if (names.length !== n || types === null) continue;
      let i = 0;
      while (i < n && names[i] === values[i]!.Name && types[i] === values[i]!.Type) i++;
      if (i === n) return shape;
    }
    return this.add(
      values.map((v) => v.Name),
      values.map((v) => v.Type),
    );
  }

  /** Off the hot path: a name list not among the recent ones. */
  private add(names: string[], types: ScalarMeasureValueType[] | null): Shape | undefined {
    const recordOrder = shapeKey(names, types);
    const known = this.byRecordOrder.get(recordOrder);
    if (known !== undefined) return this.remember(known);
    const positions = names.map((_, i) => i);
    positions.sort((a, b) => {
      if (names[a] !== names[b]) return names[a]! < names[b]! ? -1 : 1;
      if (types !== null && types[a] !== types[b]) return types[a]! < types[b]! ? -1 : 1;
      return a - b; // [choice] duplicated names (an invalid record) keep their record order
    });
    const canonical = shapeKey(
      positions.map((i) => names[i]!),
      types === null ? null : positions.map((i) => types[i]!),
    );
    let id = this.byCanonical.get(canonical);
    if (id === undefined) {
      if (this.byCanonical.size >= this.limit) return undefined;
      id = this.info.length;
      this.byCanonical.set(canonical, id);
      this.info.push({
        names: positions.map((i) => names[i]!),
        types: types === null ? null : positions.map((i) => types[i]!),
      });
    }
    const shape: Shape = { id, names, types, order: Int32Array.from(positions) };
    if (this.byRecordOrder.size < this.limit) this.byRecordOrder.set(recordOrder, shape);
    return this.remember(shape);
  }

  private remember(shape: Shape): Shape {
    if (this.recent.length === RECENT_SHAPES) this.recent.pop();
    this.recent.unshift(shape);
    return shape;
  }
}

/** An unambiguous text for a list of names (and types). */
function shapeKey(names: readonly string[], types: readonly ScalarMeasureValueType[] | null): string {
  let key = types === null ? 'D' : 'V';
  for (let i = 0; i < names.length; i++) {
    key += `${names[i]!.length}:${names[i]!}${types === null ? '' : `${types[i]!};`}`;
  }
  return key;
}

export class RecordKeyEncoder {
  /** The last encoding: bytes [0, keyLength) are the key, [keyLength, length) the values. */
  buf = new Uint8Array(1024);
  /** `buf` as 32-bit words, for copying an encoding four bytes at a time. */
  words = new Uint32Array(this.buf.buffer);
  length = 0;
  keyLength = 0;
  /** 32-bit hash of the key bytes: finds candidates only, never decides a match. */
  hash = 0;
  private readonly shapes: ShapeTable;

  /** `shapeLimit` bounds the distinct name lists interned. */
  constructor(shapeLimit = 1_000_000) {
    this.shapes = new ShapeTable(shapeLimit);
  }

  get shapeInfo(): readonly ShapeInfo[] {
    return this.shapes.info;
  }

  /** false when a new name list can no longer be interned (the caller's index is then partial). */
  encode(record: TimestreamRecord): boolean {
    const dims = record.Dimensions;
    const dimShape = this.shapes.dimensions(dims);
    if (dimShape === undefined) return false;
    const multi = record.MeasureValues;
    let valueShape: Shape | undefined;
    if (multi !== undefined) {
      valueShape = this.shapes.values(multi);
      if (valueShape === undefined) return false;
    }

    // One reservation for the whole record: every code unit takes at most 3 bytes, every length at most 8.
    const time = record.Time;
    let bound = 36 + record.MeasureName.length * 3 + time.length * 3;
    for (let i = 0; i < dims.length; i++) bound += 8 + dims[i]!.Value.length * 3;
    if (multi !== undefined) for (let i = 0; i < multi.length; i++) bound += 16 + multi[i]!.Value.length * 3;
    else bound += 16 + (record.MeasureValue?.length ?? 0) * 3;
    this.length = 0;
    if (bound > this.buf.length) this.grow(bound);

    this.putVarint(dimShape.id);
    this.putRange(record.MeasureName, 0, record.MeasureName.length);
    const order = dimShape.order;
    for (let i = 0; i < order.length; i++) {
      const value = dims[order[i]!]!.Value;
      this.putRange(value, 0, value.length);
    }
    const unitZeros = NANO_SUFFIX[record.TimeUnit].length;
    this.putInstant(time, unitZeros);
    this.keyLength = this.length;
    this.hash = this.hashKey();

    if (multi === undefined || valueShape === undefined) {
      const type = record.MeasureValueType;
      this.putVarint(TYPE_CODES[type]);
      const value = record.MeasureValue ?? '';
      if (type === 'TIMESTAMP') this.putInstant(value, unitZeros);
      else this.putRange(value, 0, value.length);
      return true;
    }
    this.putVarint(TYPE_CODES.MULTI);
    this.putVarint(valueShape.id);
    const vorder = valueShape.order;
    for (let i = 0; i < vorder.length; i++) {
      const v = multi[vorder[i]!]!;
      if (v.Type === 'TIMESTAMP') this.putInstant(v.Value, unitZeros);
      else this.putRange(v.Value, 0, v.Value.length);
    }
    return true;
  }

  /** FNV-1a over the key as 32-bit words (the buffer starts word-aligned), the tail word zero-padded. */
  private hashKey(): number {
    const n = this.keyLength;
    const buf = this.buf;
    buf[n] = 0; // the 3 bytes after the key are written again by the values
    buf[n + 1] = 0;
    buf[n + 2] = 0;
    const words = this.words;
    const count = (n + 3) >>> 2;
    let h = 0x811c9dc5;
    for (let i = 0; i < count; i++) h = Math.imul(h ^ words[i]!, 0x01000193);
    return h >>> 0;
  }

  private grow(bytes: number): void {
    const next = new Uint8Array(Math.max(bytes + 3, this.buf.length * 2) & ~3); // whole words: see `words`
    this.buf = next;
    this.words = new Uint32Array(next.buffer);
  }

  // put*: capacity was reserved by encode().

  private putVarint(value: number): void {
    const buf = this.buf;
    let v = value;
    while (v >= 0x80) {
      buf[this.length++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 0x80);
    }
    buf[this.length++] = v;
  }

  private putRange(text: string, from: number, to: number): void {
    const buf = this.buf;
    let p = this.length;
    const n = to - from;
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

export interface DecodedValue {
  name: string;
  type: MeasureValueType | undefined;
  value: string;
}

/** Decodes the values part of an encoding (off the hot path: only when two encodings differ). */
export function decodeValues(buf: Uint8Array, from: number, shapes: readonly ShapeInfo[]): DecodedValue[] {
  let p = from;
  const varint = (): number => {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = buf[p++]!;
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
    }
  };
  const string = (): string => {
    const n = varint();
    let s = '';
    for (let i = 0; i < n; i++) {
      const b = buf[p++]!;
      s += String.fromCharCode(b === ESCAPE ? (buf[p++]! << 8) | buf[p++]! : b);
    }
    return s;
  };
  const instant = (): string => {
    const digits = string();
    const zeros = varint();
    return digits === '' ? '0' : digits + '0'.repeat(zeros);
  };
  const type = TYPE_OF_CODE[varint()];
  if (type !== 'MULTI') return [{ name: '', type, value: type === 'TIMESTAMP' ? instant() : string() }];
  const shape = shapes[varint()];
  if (shape === undefined || shape.types === null) return [];
  return shape.names.map((name, i) => {
    const t = shape.types![i]!;
    return { name, type: t, value: t === 'TIMESTAMP' ? instant() : string() };
  });
}
