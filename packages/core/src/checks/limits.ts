/**
 * R-LIM-1: the per-record limits of the service (ts-limits). Breaking one is an ingestion failure: batch load
 * accepts the row and the storage refuses the record.
 */
import type { Failure, IngestionFailureCode } from '../failure.js';
import type { TimestreamRecord } from '../map/record.js';
import { utf8ByteLength } from '../csv/utf8-byte-length.js';
import { measureValueBytes } from '../report/metering.js';

const MAX_DIMENSIONS_PER_RECORD = 128;
const MAX_MEASURE_VALUES_PER_RECORD = 256;
/** ts-limits: "Dimension name dimension value pair size per series", 2 KB, in UTF-8 bytes. */
const MAX_DIMENSION_PAIR_BYTES = 2048;
/** VARCHAR value limit (ts-limits, supported data types), in UTF-8 bytes. */
const MAX_VALUE_BYTES = 2048;
/** ts-limits: "Measure value size per multi-measure record", sized as metered (R-METER-1) [choice]. */
const MAX_MULTI_VALUES_BYTES = 2048;
const MAX_RECORD_BYTES = 2048;

const REASONS = {
  LIMIT_DIMENSION_COUNT: `The record has more than ${MAX_DIMENSIONS_PER_RECORD} dimensions.`,
  LIMIT_MEASURE_COUNT: `The record has more than ${MAX_MEASURE_VALUES_PER_RECORD} measure values.`,
  LIMIT_DIMENSION_PAIR_SIZE: `A dimension name and value are larger than ${MAX_DIMENSION_PAIR_BYTES} bytes together.`,
  LIMIT_VARCHAR_SIZE: `A VARCHAR measure value is larger than ${MAX_VALUE_BYTES} bytes.`,
  LIMIT_MEASURE_VALUES_SIZE: `The measure values of the record are larger than ${MAX_MULTI_VALUES_BYTES} bytes together.`,
  LIMIT_RECORD_SIZE: `The record is larger than ${MAX_RECORD_BYTES} bytes.`,
} as const satisfies Partial<Record<IngestionFailureCode, string>>;

function failure(code: keyof typeof REASONS, detail: string): Failure {
  return { kind: 'ingestion', code, reason: REASONS[code], detail };
}

/**
 * R-LIM-1; returns an ingestion failure or null. eventSize is recordEventSize(record) (computed once by the caller).
 * Checked in this order: dimension count, measure value count, dimension name + value size, VARCHAR size, the
 * multi-measure values' size together, record size.
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
  // The event size counts every dimension name and value and every measure value as these limits size them, so a
  // record within the size limit is within all of them.
  if (eventSize <= MAX_RECORD_BYTES) return null;
  return sizeFailure(record, eventSize);
}

/** The first size limit a record over MAX_RECORD_BYTES of event size breaks (always one: the record size). */
function sizeFailure(record: TimestreamRecord, eventSize: number): Failure {
  const dimensions = record.Dimensions;
  const values = record.MeasureValues;
  for (let i = 0; i < dimensions.length; i++) {
    const d = dimensions[i]!;
    const bytes = utf8ByteLength(d.Name) + utf8ByteLength(d.Value);
    if (bytes > MAX_DIMENSION_PAIR_BYTES) {
      return failure(
        'LIMIT_DIMENSION_PAIR_SIZE',
        `Dimension ${JSON.stringify(d.Name)} and its value are ${bytes} bytes together; at most ${MAX_DIMENSION_PAIR_BYTES} are allowed`,
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
    let total = 0;
    for (let i = 0; i < values.length; i++) total += measureValueBytes(values[i]!.Type, values[i]!.Value);
    if (total > MAX_MULTI_VALUES_BYTES) {
      return failure(
        'LIMIT_MEASURE_VALUES_SIZE',
        `The ${values.length} measure values are ${total} bytes together (R-METER-1 sizes); at most ${MAX_MULTI_VALUES_BYTES} are allowed`,
      );
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
