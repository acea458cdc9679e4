/**
 * R-EXP-1 Ion output of a record: a struct with the members of the WriteRecords Record, typed [choice]: `Time` and
 * TIMESTAMP values are Ion timestamps with the digits of the record's TimeUnit (nanoseconds kept), BIGINT an int
 * (any size), BOOLEAN a bool, VARCHAR a string, DOUBLE a decimal built from the stored text, so that every digit
 * written survives (`0.1` stays exactly 0.1, `1.50` keeps its zero, `2E3` is `2d3`) and Ion carries exactly what
 * JSON does (a float would round the text to a double, which a reader can still do itself); Version an int. Names
 * and enums stay strings.
 */
import type { MeasureValueType, TimeUnit } from '@tsbatch/core';
import { IonBinaryWriter } from './ion-binary-writer.js';
import { IonTextWriter, timestampOfDigits, type IonDecimalValue, type IonWriter } from './ion-writer.js';
import type { StoredRecord } from './record-json.js';

/** Every field name a record struct uses (the binary stream's symbol table). */
export const RECORD_ION_FIELDS = [
  'Dimensions',
  'Name',
  'Value',
  'DimensionValueType',
  'MeasureName',
  'MeasureValueType',
  'MeasureValue',
  'MeasureValues',
  'Type',
  'Time',
  'TimeUnit',
  'Version',
] as const;

/** Fraction digits of each unit in an Ion timestamp. */
export const FRACTION_DIGITS: Readonly<Record<TimeUnit, number>> = {
  SECONDS: 0,
  MILLISECONDS: 3,
  MICROSECONDS: 6,
  NANOSECONDS: 9,
};
const SHORT_INT = /^-?\d{1,15}$/;
const DOUBLE_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** A writer of records as Ion text (one per line) or Ion binary. */
export function createRecordIonWriter(binary: boolean): IonWriter {
  return binary ? new IonBinaryWriter(RECORD_ION_FIELDS) : new IonTextWriter(RECORD_ION_FIELDS);
}

/** Writes one record as an Ion struct: a top-level value, or (`topLevel` false) inside one (a journal block's). */
export function writeRecordIon(w: IonWriter, record: StoredRecord, topLevel = true): void {
  const unit = record.TimeUnit;
  w.stepInStruct();
  w.field('Dimensions');
  w.stepInList();
  for (const d of record.Dimensions) {
    w.stepInStruct();
    w.field('Name');
    w.string(d.Name);
    w.field('Value');
    w.string(d.Value);
    w.field('DimensionValueType');
    w.string(d.DimensionValueType);
    w.stepOut();
  }
  w.stepOut();
  w.field('MeasureName');
  w.string(record.MeasureName);
  w.field('MeasureValueType');
  w.string(record.MeasureValueType);
  if (record.MeasureValue !== undefined) {
    w.field('MeasureValue');
    writeValue(w, record.MeasureValueType, record.MeasureValue, unit);
  }
  if (record.MeasureValues !== undefined) {
    w.field('MeasureValues');
    w.stepInList();
    for (const v of record.MeasureValues) {
      w.stepInStruct();
      w.field('Name');
      w.string(v.Name);
      w.field('Value');
      writeValue(w, v.Type, v.Value, unit);
      w.field('Type');
      w.string(v.Type);
      w.stepOut();
    }
    w.stepOut();
  }
  w.field('Time');
  w.timestamp(timestampOfDigits(record.Time, FRACTION_DIGITS[unit]));
  w.field('TimeUnit');
  w.string(unit);
  w.field('Version');
  w.int(record.Version);
  w.stepOut();
  if (topLevel) w.endValue();
}

/** A measure value typed by its MeasureValueType (or a MULTI member's Type). */
export function writeValue(w: IonWriter, type: MeasureValueType, value: string, unit: TimeUnit): void {
  switch (type) {
    case 'DOUBLE':
      w.decimal(decimalOfText(value));
      return;
    case 'BIGINT':
      // Up to 15 digits a double holds exactly, and the writers take a safe number as they take its bigint.
      w.int(SHORT_INT.test(value) ? Number(value) : BigInt(value));
      return;
    case 'BOOLEAN':
      w.bool(value.toLowerCase() === 'true');
      return;
    case 'TIMESTAMP':
      w.timestamp(timestampOfDigits(value, FRACTION_DIGITS[unit]));
      return;
    default:
      w.string(value);
  }
}

/** The exact decimal of a DOUBLE's text (R-MEAS-1 grammar: `[+-]digits[.digits][e[+-]digits]`). */
export function decimalOfText(text: string): IonDecimalValue {
  // The common shape, `[-]digits[.digits]`, read without a regular expression (it is on every DOUBLE exported).
  let i = 0;
  const negative = text.charCodeAt(0) === 45;
  if (negative || text.charCodeAt(0) === 43) i = 1;
  const intStart = i;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  const intEnd = i;
  let fracStart = i;
  if (text.charCodeAt(i) === 46) {
    fracStart = ++i;
    while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  }
  if (i === text.length && (intEnd > intStart || i > fracStart)) {
    const fraction = fracStart === intEnd ? '' : text.slice(fracStart, i);
    const all = `${text.slice(intStart, intEnd)}${fraction}`;
    const digits = (all.charCodeAt(0) === 48 ? all.replace(/^0+(?=\d)/, '') : all) || '0';
    return { negative, digits, exponent: -fraction.length };
  }
  return decimalWithExponent(text);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function decimalWithExponent(text: string): IonDecimalValue {
  const m = DOUBLE_TEXT.exec(text);
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) {
    throw new Error(`a DOUBLE value must be a decimal number, got ${JSON.stringify(text)}`);
  }
  const fraction = m[3] ?? '';
  const digits = `${m[2]}${fraction}`.replace(/^0+(?=\d)/, '') || '0';
  return { negative: m[1] === '-', digits, exponent: Number(m[4] ?? '0') - fraction.length };
}
