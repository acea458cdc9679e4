/**
 * Rules of one merged WriteRecords record beyond the API model. Names follow the service's naming rules
 * (ts-limits; the same as R-VAL-6 for batch load): a broken one fails the whole call (ValidationException).
 * A value that is not of its type rejects that record only [choice].
 */
import { isValidTimeDigits, type MeasureValueType, type TimeUnit } from '@tsbatch/core';
import { ServiceError } from '../errors.js';
import type { PartitionKey } from './catalog-file.js';
import type { PointRecord } from './point-key.js';

const MAX_DIMENSION_NAME_BYTES = 60;
const MAX_MEASURE_NAME_BYTES = 256;
const RESERVED = new Set(['time', 'measure_name', 'measure_value', 'ts_non_existent_col']);
const DOUBLE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BIGINT = /^[+-]?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function nameProblem(name: string, maxBytes: number): string | null {
  if (Buffer.byteLength(name, 'utf8') > maxBytes) return `is longer than ${maxBytes} bytes`;
  if (RESERVED.has(name)) return 'is a reserved name';
  if (name.startsWith('ts_') || name.startsWith('measure_value')) return 'starts with a reserved prefix';
  if (name.includes(':')) return "contains ':'";
  return null;
}

/** Throws the ValidationException of the first name the service refuses. */
export function checkNames(record: PointRecord, index: number): void {
  const fail = (what: string, name: string, problem: string): never => {
    throw new ServiceError(
      'ValidationException',
      `${what} ${JSON.stringify(name)} of record ${index} ${problem}.`,
    );
  };
  for (const d of record.Dimensions) {
    const problem = nameProblem(d.Name, MAX_DIMENSION_NAME_BYTES);
    if (problem !== null) fail('Dimension name', d.Name, problem);
  }
  const problem = nameProblem(record.MeasureName, MAX_MEASURE_NAME_BYTES);
  if (problem !== null) fail('Measure name', record.MeasureName, problem);
  for (const v of record.MeasureValues ?? []) {
    const p = nameProblem(v.Name, MAX_MEASURE_NAME_BYTES);
    if (p !== null) fail('Measure value name', v.Name, p);
  }
}

function isValue(type: MeasureValueType, value: string, unit: TimeUnit): boolean {
  switch (type) {
    case 'DOUBLE':
      return DOUBLE.test(value) && Number.isFinite(Number(value));
    case 'BIGINT': {
      if (!BIGINT.test(value)) return false;
      const n = BigInt(value);
      return n >= INT64_MIN && n <= INT64_MAX;
    }
    case 'BOOLEAN':
      return value.toLowerCase() === 'true' || value.toLowerCase() === 'false';
    case 'TIMESTAMP':
      return isValidTimeDigits(value, unit);
    default:
      return true;
  }
}

/** The rejection reason of a record holding a value that is not of its type, or null. */
export function checkValue(record: PointRecord): string | null {
  const values = record.MeasureValues;
  if (values === undefined) {
    const v = record.MeasureValue ?? '';
    return isValue(record.MeasureValueType, v, record.TimeUnit)
      ? null
      : `Measure value ${JSON.stringify(v)} is not a valid ${record.MeasureValueType}.`;
  }
  for (const m of values) {
    if (!isValue(m.Type, m.Value, record.TimeUnit)) {
      return `Measure value ${JSON.stringify(m.Value)} of ${JSON.stringify(m.Name)} is not a valid ${m.Type}.`;
    }
  }
  return null;
}

/**
 * R-LOCAL-2: a table's `Schema.CompositePartitionKey` with a DIMENSION key whose EnforcementInRecord is REQUIRED
 * rejects a record that lacks that dimension (API_PartitionKey). [choice] The reason's text, which AWS does not
 * publish.
 */
export function checkPartitionKeys(record: PointRecord, keys: readonly PartitionKey[]): string | null {
  for (const key of keys) {
    if (key.Type !== 'DIMENSION' || key.EnforcementInRecord !== 'REQUIRED' || key.Name === undefined)
      continue;
    const name = key.Name;
    if (!record.Dimensions.some((d) => d.Name === name)) {
      return `The record is missing the dimension ${JSON.stringify(name)}, which is the table's partition key and is REQUIRED in every record (EnforcementInRecord).`;
    }
  }
  return null;
}
