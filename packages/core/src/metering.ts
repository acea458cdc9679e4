/**
 * R-METER-1: the metering event size of a record and the `BytesMetered` estimate of a load. Event size =
 * 8 (time) + UTF-8 bytes of every dimension name and value + UTF-8 bytes of the measure name + per value: its
 * name's bytes (multi-measure) + 8 for BIGINT/DOUBLE/TIMESTAMP, 1 for BOOLEAN, UTF-8 bytes for VARCHAR.
 */
import type { TimestreamRecord } from './record.js';
import type { MeasureValueType } from './task.js';
import { utf8ByteLength } from './internal/check-utf8.js';

/** Bytes of the timestamp in every event (DG metering-and-pricing.writes). */
const TIME_BYTES = 8;
/** Records per metered batch: a WriteRecords call holds at most 100 records (R-ING-1). */
const BATCH_RECORDS = 100;
/** Writes are counted in units of 1 KiB. */
const WRITE_UNIT = 1024;

function valueBytes(type: MeasureValueType, value: string): number {
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

/** R-METER-1: the metering event size of one record, in bytes. */
export function recordEventSize(record: TimestreamRecord): number {
  let size = TIME_BYTES + utf8ByteLength(record.MeasureName);
  const dimensions = record.Dimensions;
  for (let i = 0; i < dimensions.length; i++) {
    const d = dimensions[i]!;
    size += utf8ByteLength(d.Name) + utf8ByteLength(d.Value);
  }
  const values = record.MeasureValues;
  if (values !== undefined) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      size += utf8ByteLength(v.Name) + valueBytes(v.Type, v.Value);
    }
  } else if (record.MeasureValue !== undefined) {
    size += valueBytes(record.MeasureValueType, record.MeasureValue);
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
