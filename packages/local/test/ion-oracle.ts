/**
 * The oracle of record-ion.ts (STYLE rule 13): a record written with ion-js's own Writer, as `tsbatch export` wrote
 * it before the direct writers. Same typing [choice]: Time and TIMESTAMP as Ion timestamps with the unit's digits,
 * BIGINT int, BOOLEAN bool, VARCHAR string, DOUBLE an exact decimal of its text, Version int.
 */
import { Decimal, IonTypes, Timestamp, type Writer } from 'ion-js';
import { NANOS_PER_UNIT, type MeasureValueType, type TimeUnit } from '@tsbatch/core';
import type { StoredRecord } from '../src/index.js';

/** Fraction digits of each unit in an Ion timestamp. */
const FRACTION_DIGITS: Readonly<Record<TimeUnit, number>> = {
  SECONDS: 0,
  MILLISECONDS: 3,
  MICROSECONDS: 6,
  NANOSECONDS: 9,
};
const NANOS_PER_SECOND = 1_000_000_000n;
const DOUBLE_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Writes one record as an Ion struct (the caller owns the writer and its chunking). */
export function writeIonRecord(w: Writer, record: StoredRecord): void {
  w.stepIn(IonTypes.STRUCT);
  w.writeFieldName('Dimensions');
  w.stepIn(IonTypes.LIST);
  for (const d of record.Dimensions) {
    w.stepIn(IonTypes.STRUCT);
    w.writeFieldName('Name');
    w.writeString(d.Name);
    w.writeFieldName('Value');
    w.writeString(d.Value);
    w.writeFieldName('DimensionValueType');
    w.writeString(d.DimensionValueType);
    w.stepOut();
  }
  w.stepOut();
  w.writeFieldName('MeasureName');
  w.writeString(record.MeasureName);
  w.writeFieldName('MeasureValueType');
  w.writeString(record.MeasureValueType);
  if (record.MeasureValue !== undefined) {
    w.writeFieldName('MeasureValue');
    writeValue(w, record.MeasureValueType, record.MeasureValue, record.TimeUnit);
  }
  if (record.MeasureValues !== undefined) {
    w.writeFieldName('MeasureValues');
    w.stepIn(IonTypes.LIST);
    for (const v of record.MeasureValues) {
      w.stepIn(IonTypes.STRUCT);
      w.writeFieldName('Name');
      w.writeString(v.Name);
      w.writeFieldName('Value');
      writeValue(w, v.Type, v.Value, record.TimeUnit);
      w.writeFieldName('Type');
      w.writeString(v.Type);
      w.stepOut();
    }
    w.stepOut();
  }
  w.writeFieldName('Time');
  w.writeTimestamp(ionTimestamp(record.Time, record.TimeUnit));
  w.writeFieldName('TimeUnit');
  w.writeString(record.TimeUnit);
  w.writeFieldName('Version');
  w.writeInt(record.Version);
  w.stepOut();
}

function writeValue(w: Writer, type: MeasureValueType, value: string, unit: TimeUnit): void {
  switch (type) {
    case 'DOUBLE':
      w.writeDecimal(ionDecimal(value));
      return;
    case 'BIGINT':
      w.writeInt(BigInt(value));
      return;
    case 'BOOLEAN':
      w.writeBoolean(value.toLowerCase() === 'true');
      return;
    case 'TIMESTAMP':
      w.writeTimestamp(ionTimestamp(value, unit));
      return;
    default:
      w.writeString(value);
  }
}

/** The exact decimal of a DOUBLE's text (R-MEAS-1 grammar: `[+-]digits[.digits][e[+-]digits]`). */
export function ionDecimal(text: string): Decimal {
  const m = DOUBLE_TEXT.exec(text);
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) {
    throw new Error(`a DOUBLE value must be a decimal number, got ${JSON.stringify(text)}`);
  }
  const fraction = m[3] ?? '';
  const coefficient = BigInt(`${m[2]}${fraction}` || '0');
  return new Decimal(coefficient, Number(m[4] ?? '0') - fraction.length, m[1] === '-');
}

/** An Ion timestamp (UTC) of time digits in a unit, with that unit's fraction digits. */
export function ionTimestamp(digits: string, unit: TimeUnit): Timestamp {
  const nanos = BigInt(digits) * NANOS_PER_UNIT[unit];
  const seconds = nanos / NANOS_PER_SECOND;
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  const places = FRACTION_DIGITS[unit];
  const fraction =
    places === 0
      ? ''
      : `.${String(nanos % NANOS_PER_SECOND)
          .padStart(9, '0')
          .slice(0, places)}`;
  const ts = Timestamp.parse(`${base}${fraction}Z`);
  if (ts === null) throw new Error(`time ${digits} ${unit} is out of the range of an Ion timestamp`);
  return ts;
}
