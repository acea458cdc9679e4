/**
 * R-DUP-1: reads the values part of a record's key encoding back (check-record-key.ts has the layout), to compare
 * two encodings by type when their bytes differ ([choice] DOUBLE `1.0` equals `1`). Off the hot path.
 */
import type { MeasureValueType } from '../task.js';
import type { ShapeInfo } from './record-key-shapes.js';

const ESCAPE = 0xff;

const TYPE_OF_CODE: readonly (MeasureValueType | undefined)[] = [
  undefined,
  'DOUBLE',
  'BIGINT',
  'BOOLEAN',
  'VARCHAR',
  'TIMESTAMP',
  'MULTI',
];

export interface DecodedValue {
  name: string;
  type: MeasureValueType | undefined;
  value: string;
}

/** Decodes the values part of an encoding that starts at `from`; `shapes` are its encoder's interned shapes. */
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
  const id = varint();
  let names: readonly string[];
  let types: readonly (MeasureValueType | undefined)[];
  if (id === 0) {
    // A shape written out in full (not interned): its names and types in canonical order.
    const count = varint();
    const n: string[] = [];
    const t: (MeasureValueType | undefined)[] = [];
    for (let i = 0; i < count; i++) {
      n.push(string());
      t.push(TYPE_OF_CODE[varint()]);
    }
    names = n;
    types = t;
  } else {
    const shape = shapes[id - 1];
    if (shape === undefined || shape.types === null) return [];
    names = shape.names;
    types = shape.types;
  }
  return names.map((name, i) => {
    const t = types[i];
    return { name, type: t, value: t === 'TIMESTAMP' ? instant() : string() };
  });
}
