/**
 * R-DUP-1 comparisons of two records of the duplicate check, exact: on their strings where they are the same
 * strings, else on their key encodings (check-record-key.ts), values by type where the bytes differ ([choice]
 * DOUBLE and BIGINT numerically, BOOLEAN in any case, TIMESTAMP as an instant, VARCHAR exactly).
 */
import type { TimestreamRecord } from '../map/record.js';
import type { MeasureValueType } from '../task.js';
import { decodeValues, type DecodedValue } from './record-key-decode.js';
import type { ShapeInfo } from './record-key-shapes.js';

/** Same measure name, time text and unit, and dimensions (same names and values, same order): the same key. */
export function sameKeyText(a: TimestreamRecord, b: TimestreamRecord): boolean {
  if (a.MeasureName !== b.MeasureName || a.Time !== b.Time || a.TimeUnit !== b.TimeUnit) return false;
  const x = a.Dimensions;
  const y = b.Dimensions;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    if (x[i]!.Name !== y[i]!.Name || x[i]!.Value !== y[i]!.Value) return false;
  }
  return true;
}

/** Same value type and the same value strings in the same order: the same values. */
export function sameValuesText(a: TimestreamRecord, b: TimestreamRecord): boolean {
  if (a.MeasureValueType !== b.MeasureValueType) return false;
  const x = a.MeasureValues;
  const y = b.MeasureValues;
  if (x === undefined || y === undefined) return x === y && a.MeasureValue === b.MeasureValue;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    if (x[i]!.Name !== y[i]!.Name || x[i]!.Type !== y[i]!.Type || x[i]!.Value !== y[i]!.Value) return false;
  }
  return true;
}

/** Bytes [aFrom, aFrom + length) of `a` equal bytes [bFrom, bFrom + length) of `b`. */
export function sameBytes(
  a: Uint8Array,
  aFrom: number,
  b: Uint8Array,
  bFrom: number,
  length: number,
): boolean {
  let k = 0;
  while (k < length && a[aFrom + k] === b[bFrom + k]) k++;
  return k === length;
}

/**
 * The values parts of two encodings are equal: byte for byte, or value by value by type. `shapes` decodes both (they
 * come from encoders that share their shapes).
 */
export function sameEncodedValues(
  a: Uint8Array,
  aFrom: number,
  aLength: number,
  b: Uint8Array,
  bFrom: number,
  bLength: number,
  shapes: readonly ShapeInfo[],
): boolean {
  if (aLength === bLength && sameBytes(a, aFrom, b, bFrom, aLength)) return true;
  return sameDecoded(decodeValues(a, aFrom, shapes), decodeValues(b, bFrom, shapes));
}

function sameDecoded(a: DecodedValue[], b: DecodedValue[]): boolean {
  return a.length === b.length && a.every((x, i) => sameValue(x, b[i]!));
}

function sameValue(a: DecodedValue, b: DecodedValue): boolean {
  if (a.name !== b.name || a.type !== b.type) return false;
  return sameText(a.type, a.value, b.value);
}

function sameText(type: MeasureValueType | undefined, a: string, b: string): boolean {
  if (a === b) return true;
  switch (type) {
    case 'DOUBLE': {
      const x = Number(a);
      return !Number.isNaN(x) && x === Number(b);
    }
    case 'BIGINT':
      try {
        return BigInt(a) === BigInt(b);
      } catch {
        return false;
      }
    case 'BOOLEAN':
      return a.toLowerCase() === b.toLowerCase();
    default:
      return false; // VARCHAR exactly; TIMESTAMP values are encoded as instants already
  }
}
