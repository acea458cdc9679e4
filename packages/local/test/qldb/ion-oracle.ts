/**
 * The test oracle of the Ion encoders (STYLE rule 13): the same journal block written with ion-js's own writers,
 * value by value, typed as R-QLDB-4 says. The export's hand encoders must read back (through ion-js) equal to this.
 */

import { Decimal, IonTypes, makeBinaryWriter, makeTextWriter, Timestamp, type Writer } from 'ion-js';
import type { JournalBlock } from '../../src/index.js';
import { NANOS_PER_UNIT, type MeasureValueType, type TimestreamRecord, type TimeUnit } from '@tsbatch/core';

const FRACTION_DIGITS: Readonly<Record<TimeUnit, number>> = {
  SECONDS: 0,
  MILLISECONDS: 3,
  MICROSECONDS: 6,
  NANOSECONDS: 9,
};
const NANOS_PER_SECOND = 1_000_000_000n;
const DOUBLE_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

export function writeIonRecord(w: Writer, record: TimestreamRecord): void {
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
  w.writeTimestamp(unitTimestamp(record.Time, record.TimeUnit));
  w.writeFieldName('TimeUnit');
  w.writeString(record.TimeUnit);
  w.writeFieldName('Version');
  w.writeInt(record.Version);
  w.stepOut();
}

function writeValue(w: Writer, type: MeasureValueType, value: string, unit: TimeUnit): void {
  switch (type) {
    case 'DOUBLE':
      w.writeDecimal(exactDecimal(value));
      return;
    case 'BIGINT':
      w.writeInt(BigInt(value));
      return;
    case 'BOOLEAN':
      w.writeBoolean(value.toLowerCase() === 'true');
      return;
    case 'TIMESTAMP':
      w.writeTimestamp(unitTimestamp(value, unit));
      return;
    default:
      w.writeString(value);
  }
}

/** The exact decimal of a DOUBLE's text (`[+-]digits[.digits][e[+-]digits]`). */
export function exactDecimal(text: string): Decimal {
  const m = DOUBLE_TEXT.exec(text);
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) {
    throw new Error(`a DOUBLE value must be a decimal number, got ${JSON.stringify(text)}`);
  }
  const fraction = m[3] ?? '';
  const coefficient = BigInt(`${m[2]}${fraction}` || '0');
  return new Decimal(coefficient, Number(m[4] ?? '0') - fraction.length, m[1] === '-');
}

/** An Ion timestamp (UTC) of time digits in a unit, with that unit's fraction digits. */
export function unitTimestamp(digits: string, unit: TimeUnit): Timestamp {
  const nanos = BigInt(digits) * NANOS_PER_UNIT[unit];
  let seconds = nanos / NANOS_PER_SECOND;
  let fraction = nanos % NANOS_PER_SECOND;
  if (fraction < 0n) {
    fraction += NANOS_PER_SECOND;
    seconds -= 1n;
  }
  const places = FRACTION_DIGITS[unit];
  const scaled = fraction / 10n ** BigInt(9 - places);
  return fieldsTimestamp(new Date(Number(seconds) * 1000), scaled, places);
}

/** An Ion timestamp of a millisecond instant (a block's time), with 3 fraction digits as QLDB writes them. */
export function millisTimestamp(date: Date): Timestamp {
  return fieldsTimestamp(date, BigInt(date.getUTCMilliseconds()), 3);
}

function fieldsTimestamp(whole: Date, fraction: bigint, places: number): Timestamp {
  const second = whole.getUTCSeconds();
  const seconds =
    places === 0 ? second : new Decimal(BigInt(second) * 10n ** BigInt(places) + fraction, -places);
  return new Timestamp(
    0,
    whole.getUTCFullYear(),
    whole.getUTCMonth() + 1,
    whole.getUTCDate(),
    whole.getUTCHours(),
    whole.getUTCMinutes(),
    seconds,
  );
}

export function writeIonBlock(w: Writer, b: JournalBlock): void {
  const time = millisTimestamp(b.blockTimestamp);
  w.stepIn(IonTypes.STRUCT);
  w.writeFieldName('blockAddress');
  w.stepIn(IonTypes.STRUCT);
  w.writeFieldName('strandId');
  w.writeString(b.blockAddress.strandId);
  w.writeFieldName('sequenceNo');
  w.writeInt(b.blockAddress.sequenceNo);
  w.stepOut();
  w.writeFieldName('transactionId');
  w.writeString(b.transactionId);
  w.writeFieldName('blockTimestamp');
  w.writeTimestamp(time);
  w.writeFieldName('blockHash');
  w.writeBlob(b.blockHash);
  w.writeFieldName('entriesHash');
  w.writeBlob(b.entriesHash);
  w.writeFieldName('previousBlockHash');
  w.writeBlob(b.previousBlockHash);
  w.writeFieldName('transactionInfo');
  w.stepIn(IonTypes.STRUCT);
  w.writeFieldName('operation');
  w.writeString(b.transactionInfo.operation);
  if (b.transactionInfo.taskId !== undefined) {
    w.writeFieldName('taskId');
    w.writeString(b.transactionInfo.taskId);
  }
  w.stepOut();
  w.writeFieldName('revisions');
  w.stepIn(IonTypes.LIST);
  for (const r of b.revisions) {
    w.stepIn(IonTypes.STRUCT);
    w.writeFieldName('hash');
    w.writeBlob(r.hash);
    w.writeFieldName('data');
    writeIonRecord(w, r.record);
    w.writeFieldName('metadata');
    w.stepIn(IonTypes.STRUCT);
    w.writeFieldName('tableName');
    w.writeString(r.tableName);
    w.writeFieldName('version');
    w.writeInt(r.record.Version);
    w.writeFieldName('txTime');
    w.writeTimestamp(time);
    w.writeFieldName('txId');
    w.writeString(b.transactionId);
    w.stepOut();
    w.stepOut();
  }
  w.stepOut();
  w.stepOut();
}

/** Blocks through ion-js's writer, as one chunk. */
export function oracleBlocks(format: 'ION_TEXT' | 'ION_BINARY', blocks: readonly JournalBlock[]): Uint8Array {
  const w = format === 'ION_TEXT' ? makeTextWriter() : makeBinaryWriter();
  for (const b of blocks) writeIonBlock(w, b);
  w.close();
  return w.getBytes();
}
