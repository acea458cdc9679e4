/**
 * R-METER-1: the metering event size of a record and the `BytesMetered` estimate of a load. Event size =
 * 8 (time) + UTF-8 bytes of every dimension name and value + UTF-8 bytes of the measure name + per value: its
 * name's bytes (multi-measure) + 8 for BIGINT/DOUBLE/TIMESTAMP, 1 for BOOLEAN, UTF-8 bytes for VARCHAR.
 */
import type { TimestreamRecord } from '../map/record.js';
import type { MeasureValueType } from '../task.js';
import { utf8ByteLength } from '../csv/utf8-byte-length.js';

/** Bytes of the timestamp in every event (DG metering-and-pricing.writes). */
const TIME_BYTES = 8;
/** Records per metered batch: a WriteRecords call holds at most 100 records (R-ING-1). */
const BATCH_RECORDS = 100;
/** Writes are counted in units of 1 KiB. */
const WRITE_UNIT = 1024;

/** The metered size of one measure value (R-METER-1); R-LIM-1 sizes a multi-measure record's values with it. */
export function measureValueBytes(type: MeasureValueType, value: string): number {
  switch (type) {
    case 'VARCHAR':
      return utf8ByteLength(value);
    case 'BOOLEAN':
      return 1;
    case 'MULTI':
      return 0;
    default:
      return 8; // DOUBLE, BIGINT, TIMESTAMP
  }
}

/**
 * The names of the last record measured and their UTF-8 bytes: the records of a load repeat the same name strings
 * (the row mapper's), so names are usually measured by comparing pointers.
 */
const lastNames: string[] = [];
let lastNamesBytes = 0;

/** UTF-8 bytes of the record's measure name, dimension names and measure value names. */
function namesBytes(record: TimestreamRecord): number {
  const dimensions = record.Dimensions;
  const values = record.MeasureValues;
  const count = 1 + dimensions.length + (values === undefined ? 0 : values.length);
  if (count === lastNames.length && record.MeasureName === lastNames[0]) {
    let i = 0;
    while (i < dimensions.length && dimensions[i]!.Name === lastNames[1 + i]) i++;
    if (i === dimensions.length) {
      const at = 1 + dimensions.length;
      let j = 0;
      const n = values === undefined ? 0 : values.length;
      while (j < n && values![j]!.Name === lastNames[at + j]) j++;
      if (j === n) return lastNamesBytes;
    }
  }
  lastNames.length = 0;
  lastNames.push(record.MeasureName);
  let bytes = utf8ByteLength(record.MeasureName);
  for (let i = 0; i < dimensions.length; i++) {
    const name = dimensions[i]!.Name;
    lastNames.push(name);
    bytes += utf8ByteLength(name);
  }
  if (values !== undefined) {
    for (let i = 0; i < values.length; i++) {
      const name = values[i]!.Name;
      lastNames.push(name);
      bytes += utf8ByteLength(name);
    }
  }
  lastNamesBytes = bytes;
  return bytes;
}

/** R-METER-1: the metering event size of one record, in bytes. */
export function recordEventSize(record: TimestreamRecord): number {
  let size = TIME_BYTES + namesBytes(record);
  const dimensions = record.Dimensions;
  for (let i = 0; i < dimensions.length; i++) size += utf8ByteLength(dimensions[i]!.Value);
  const values = record.MeasureValues;
  if (values !== undefined) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      size += measureValueBytes(v.Type, v.Value);
    }
  } else if (record.MeasureValue !== undefined) {
    size += measureValueBytes(record.MeasureValueType, record.MeasureValue);
  }
  return size;
}

/**
 * recordEventSize of a record whose values (dimension values, measure values) are ASCII, as every cell of an ASCII
 * text is (CsvEngine.allAscii): a value's UTF-8 bytes are its length, with no scan of its chars. Names are measured
 * as by recordEventSize (they come from the task, and may be any text).
 */
export function recordEventSizeAscii(record: TimestreamRecord): number {
  let size = TIME_BYTES + namesBytes(record);
  const dimensions = record.Dimensions;
  for (let i = 0; i < dimensions.length; i++) size += dimensions[i]!.Value.length;
  const values = record.MeasureValues;
  if (values !== undefined) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      const type = v.Type;
      size += type === 'VARCHAR' ? v.Value.length : type === 'BOOLEAN' ? 1 : 8;
    }
  } else if (record.MeasureValue !== undefined) {
    const type = record.MeasureValueType;
    size +=
      type === 'VARCHAR' ? record.MeasureValue.length : type === 'BOOLEAN' ? 1 : type === 'MULTI' ? 0 : 8;
  }
  return size;
}

export interface Meter {
  /** A record that is (or would be) stored, in file order. */
  ingested(eventSize: number): void;
  /** A record that failed ingestion: metered unrounded. */
  failed(eventSize: number): void;
  /** Closes the open batch: a batch never spans two files [choice]. */
  endFile(): void;
  /** Bytes metered so far; the open batch counts as if it were closed now. */
  readonly bytesMetered: number;
}

/**
 * R-METER-1: per batch of up to 100 ingested records in file order, ceil(sum/1024)*1024; failed records unrounded.
 * [choice] a batch never spans two files (endFile() closes the open batch).
 */
export function createMeter(): Meter {
  let closed = 0;
  let batchBytes = 0;
  let batchRecords = 0;
  const roundUp = (bytes: number): number => Math.ceil(bytes / WRITE_UNIT) * WRITE_UNIT;
  const close = (): void => {
    closed += roundUp(batchBytes);
    batchBytes = 0;
    batchRecords = 0;
  };
  return {
    ingested(eventSize: number): void {
      batchBytes += eventSize;
      if (++batchRecords === BATCH_RECORDS) close();
    },
    failed(eventSize: number): void {
      closed += eventSize;
    },
    endFile(): void {
      if (batchRecords > 0) close();
    },
    get bytesMetered(): number {
      return closed + roundUp(batchBytes);
    },
  };
}
