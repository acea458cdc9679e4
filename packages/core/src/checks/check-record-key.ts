/**
 * R-DUP-1: the exact, compact byte encoding of a record for the duplicate index, written into one reusable
 * buffer (no allocation per record on the common path).
 *
 * Names are not stored per record: the list of dimension names (and of attribute names and types) is interned
 * once as a "shape" with a canonical id, the same for every order of the same names, plus the permutation that
 * puts the record's items in canonical (sorted) order. Recent shapes are recognised by comparing names with
 * `===`, which is a pointer check for the name strings the row mapper reuses.
 *
 * Measure names are interned too (bounded; past the bound a name is written out after a 0).
 *
 * Layout: key = dimension shape id, measure name id + 1 (or 0 and the name), dimension values in canonical order,
 * time instant; values =
 * type code, then the scalar value, or the attribute shape id and the values in canonical order. Strings are
 * length-prefixed (varint of the UTF-16 length) and written one byte per code unit below 0xFF, else 0xFF + two
 * bytes. Instants (time, TIMESTAMP values) are written as their nanosecond digits without leading and trailing
 * zeros, then the count of trailing zeros, so `0012` SECONDS and `12000` MILLISECONDS encode alike. The encoding
 * is injective: equal bytes mean equal keys and values.
 */
import type { TimestreamDimension, TimestreamMeasureValue, TimestreamRecord } from '../map/record.js';
import type { MeasureValueType, ScalarMeasureValueType } from '../task.js';
import { NANO_SUFFIX } from '../map/map-time.js';

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
  /** FNV-1a of the canonical names: what keyHash starts from, the same in every encoder (and thread). */
  nameHash: number;
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
    let nameHash = 0x811c9dc5;
    for (const i of positions) nameHash = hashString(nameHash, names[i]!);
    const shape: Shape = { id, names, types, order: Int32Array.from(positions), nameHash };
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

/**
 * Interns measure names (bounded): the id of a name, or -1 once `limit` names exist and a new one appears. The
 * last few names are recognised with `===` (a pointer check for a fixed name, a short compare for a cell).
 */
class NameTable {
  private readonly recent: string[] = [];
  private readonly recentIds: number[] = [];
  private readonly ids = new Map<string, number>();

  constructor(private readonly limit: number) {}

  id(name: string): number {
    const recent = this.recent;
    for (let r = 0; r < recent.length; r++) if (recent[r] === name) return this.recentIds[r]!;
    let id = this.ids.get(name);
    if (id === undefined) {
      if (this.ids.size >= this.limit) return -1;
      id = this.ids.size;
      this.ids.set(name, id);
    }
    if (recent.length === RECENT_SHAPES) {
      recent.pop();
      this.recentIds.pop();
    }
    recent.unshift(name);
    this.recentIds.unshift(id);
    return id;
  }
}

/** FNV-1a over the string's code units, then 0x10000 (not a code unit) to end it. */
function hashString(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return Math.imul(h ^ 0x10000, 0x01000193);
}

/** MurmurHash3's finalizer: every input bit affects every output bit. */
function fmix32(x: number): number {
  let h = x ^ (x >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

function typeCode(type: MeasureValueType): number {
  switch (type) {
    case 'DOUBLE':
      return 1;
    case 'BIGINT':
      return 2;
    case 'BOOLEAN':
      return 3;
    case 'VARCHAR':
      return 4;
    case 'TIMESTAMP':
      return 5;
    default:
      return TYPE_CODES[type];
  }
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
  /** `keyHash`'s 32-bit hash of the key, made from the record's strings. */
  keyHashValue = 0;
  private readonly shapes: ShapeTable;
  private readonly names: NameTable;
  private unit = '';
  private unitZeros = 0;
  /** The last measure name hashed, and its hash. */
  private lastName = '';
  private lastNameHash = hashString(0, '');

  /**
   * `shapeLimit` bounds the distinct name lists interned, and the distinct measure names. An encoder made with
   * `sharing` uses its name lists and names, so that the two encode the same record to the same bytes.
   */
  constructor(shapeLimit = 1_000_000, sharing?: RecordKeyEncoder) {
    this.shapes = sharing?.shapes ?? new ShapeTable(shapeLimit);
    this.names = sharing?.names ?? new NameTable(shapeLimit);
  }

  get shapeInfo(): readonly ShapeInfo[] {
    return this.shapes.info;
  }

  /**
   * A 32-bit hash (`keyHashValue`) of the record's key, straight from its strings (nothing is encoded): equal keys
   * (R-DUP-1: dimensions as a set, measure name, time instant) hash alike. False when a new name list can no
   * longer be interned, as for `encode`.
   */
  keyHash(record: TimestreamRecord): boolean {
    const dims = record.Dimensions;
    const dimShape = this.shapes.dimensions(dims);
    if (dimShape === undefined) return false;
    if (record.TimeUnit !== this.unit) {
      this.unit = record.TimeUnit;
      this.unitZeros = NANO_SUFFIX[record.TimeUnit].length;
    }
    // FNV-1a over the code units, with 0x10000 (not a code unit) after each string. Made from the strings only (no
    // interned id), so that every encoder, in any thread, gives a key the same hash (parallel reading).
    let h = dimShape.nameHash;
    const name = record.MeasureName;
    if (name !== this.lastName) {
      this.lastName = name;
      this.lastNameHash = hashString(0, name);
    }
    h = Math.imul(h ^ this.lastNameHash, 0x01000193);
    const order = dimShape.order;
    for (let k = 0; k < order.length; k++) {
      const value = dims[order[k]!]!.Value;
      for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
      h = Math.imul(h ^ 0x10000, 0x01000193);
    }
    // The instant as putInstant writes it: digits without leading and trailing zeros, then the zeros in ns.
    const time = record.Time;
    let from = 0;
    let to = time.length;
    while (from < to && time.charCodeAt(from) === ZERO) from++;
    while (to > from && time.charCodeAt(to - 1) === ZERO) to--;
    for (let i = from; i < to; i++) h = Math.imul(h ^ time.charCodeAt(i), 0x01000193);
    const zeros = from === to ? 0 : time.length - to + this.unitZeros;
    this.keyHashValue = fmix32(Math.imul(h ^ (0x10000 + zeros), 0x01000193));
    return true;
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
    if (record.TimeUnit !== this.unit) {
      this.unit = record.TimeUnit;
      this.unitZeros = NANO_SUFFIX[record.TimeUnit].length;
    }
    const unitZeros = this.unitZeros;

    this.length = 0;
    this.putVarint(dimShape.id);
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
    this.hash = this.hashKey();

    if (multi === undefined || valueShape === undefined) {
      const type = record.MeasureValueType;
      this.putVarint(typeCode(type));
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
    if (n + 3 > this.buf.length) this.grow(n + 3);
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
