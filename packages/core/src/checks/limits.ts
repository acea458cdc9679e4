/**
 * R-LIM-1: the per-record limits of the service (ts-limits). Breaking one is an ingestion failure: batch load
 * accepts the row and the storage refuses the record.
 */
import type { Failure, IngestionFailureCode } from '../failure.js';
import type { TimestreamRecord } from '../map/record.js';
import { utf8ByteLength } from '../csv/utf8-byte-length.js';

const MAX_DIMENSIONS_PER_RECORD = 128;
const MAX_MEASURE_VALUES_PER_RECORD = 256;
/** Dimension value, VARCHAR value and record size limit, in UTF-8 bytes. */
const MAX_VALUE_BYTES = 2048;
const MAX_RECORD_BYTES = 2048;

const REASONS = {
  LIMIT_DIMENSION_COUNT: `The record has more than ${MAX_DIMENSIONS_PER_RECORD} dimensions.`,
  LIMIT_MEASURE_COUNT: `The record has more than ${MAX_MEASURE_VALUES_PER_RECORD} measure values.`,
  LIMIT_DIMENSION_VALUE_SIZE: `A dimension value is larger than ${MAX_VALUE_BYTES} bytes.`,
  LIMIT_VARCHAR_SIZE: `A VARCHAR measure value is larger than ${MAX_VALUE_BYTES} bytes.`,
  LIMIT_RECORD_SIZE: `The record is larger than ${MAX_RECORD_BYTES} bytes.`,
} as const satisfies Partial<Record<IngestionFailureCode, string>>;

function failure(code: keyof typeof REASONS, detail: string): Failure {
  return { kind: 'ingestion', code, reason: REASONS[code], detail };
}

/**
 * R-LIM-1; returns an ingestion failure or null. eventSize is recordEventSize(record) (computed once by the caller).
 * Checked in this order: dimension count, measure value count, dimension value size, VARCHAR size, record size.
 */
export function checkRecordLimits(record: TimestreamRecord, eventSize: number): Failure | null {
  const dimensions = record.Dimensions;
  if (dimensions.length > MAX_DIMENSIONS_PER_RECORD) {
    return failure(
      'LIMIT_DIMENSION_COUNT',
      `${dimensions.length} dimensions; at most ${MAX_DIMENSIONS_PER_RECORD} are allowed`,
    );
  }
  const values = record.MeasureValues;
  if (values !== undefined && values.length > MAX_MEASURE_VALUES_PER_RECORD) {
    return failure(
      'LIMIT_MEASURE_COUNT',
      `${values.length} measure values; at most ${MAX_MEASURE_VALUES_PER_RECORD} are allowed`,
    );
  }
  // The event size counts every dimension and VARCHAR value, so a record within the size limit holds none too large.
  if (eventSize <= MAX_RECORD_BYTES) return null;

  for (let i = 0; i < dimensions.length; i++) {
    const d = dimensions[i]!;
    const bytes = utf8ByteLength(d.Value);
    if (bytes > MAX_VALUE_BYTES) {
      return failure(
        'LIMIT_DIMENSION_VALUE_SIZE',
        `Dimension ${JSON.stringify(d.Name)} has a value of ${bytes} bytes; at most ${MAX_VALUE_BYTES} are allowed`,
      );
    }
  }
  if (values !== undefined) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v.Type !== 'VARCHAR') continue;
      const bytes = utf8ByteLength(v.Value);
      if (bytes > MAX_VALUE_BYTES) {
        return failure(
          'LIMIT_VARCHAR_SIZE',
          `Measure value ${JSON.stringify(v.Name)} has ${bytes} bytes; at most ${MAX_VALUE_BYTES} are allowed`,
        );
      }
    }
  } else if (record.MeasureValueType === 'VARCHAR' && record.MeasureValue !== undefined) {
    const bytes = utf8ByteLength(record.MeasureValue);
    if (bytes > MAX_VALUE_BYTES) {
      return failure(
        'LIMIT_VARCHAR_SIZE',
        `Measure ${JSON.stringify(record.MeasureName)} has a value of ${bytes} bytes; at most ${MAX_VALUE_BYTES} are allowed`,
      );
    }
  }
  return failure(
    'LIMIT_RECORD_SIZE',
    `The record's event size is ${eventSize} bytes (R-METER-1); at most ${MAX_RECORD_BYTES} are allowed`,
  );
}
