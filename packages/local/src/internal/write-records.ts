/**
 * R-LOCAL-2: WriteRecords as the service applies it.
 * 1. The request against the API model (1-100 records, lengths, enums): one ValidationException listing all.
 * 2. CommonAttributes merged into each record, then the record rules (a dimension, a measure name, a valid time,
 *    MeasureValues only with MULTI, no TIMESTAMP scalar, Version >= 1 ...): a ValidationException for the call.
 * 3. Per record, in order: the limits (R-LIM-1), the value of each type, the table's time window (R-WIN-1), the
 *    version rules against what is stored (R-DUP-1 across writes). A record failing one is rejected; the others
 *    are stored, and the call answers RejectedRecordsException (419) listing the rejected ones.
 */
import {
  checkRecordLimits,
  createTimeWindow,
  isValidTimeDigits,
  lowerVersionReason,
  MEASURE_VALUE_TYPES,
  recordEventSize,
  TIME_UNITS,
  type MeasureValueType,
  type ScalarMeasureValueType,
  type TimestreamDimension,
  type TimestreamMeasureValue,
  type TimeUnit,
} from '@tsbatch/core';
import { ServiceError } from '../errors.js';
import { Constraints, type Json } from './constraints.js';
import type { Operation } from './operation.js';
import { instantNanos } from './point-key.js';
import { forCoreChecks, type StoredRecord } from './record-json.js';
import { checkNames, checkPartitionKeys, checkValue } from './record-rules.js';

/** A record as sent: every member optional until CommonAttributes are merged in. */
interface SentRecord {
  Dimensions?: TimestreamDimension[];
  MeasureName?: string;
  MeasureValue?: string;
  MeasureValueType?: MeasureValueType;
  Time?: string;
  TimeUnit?: TimeUnit;
  Version?: bigint;
  MeasureValues?: TimestreamMeasureValue[];
}

export interface RejectedRecord {
  RecordIndex: number;
  Reason: string;
  /** Exact: the answer is written with it as digits (http.ts). */
  ExistingVersion?: bigint;
}

/** Text of the 419 answer, as the service sends it. */
const REJECTED_MESSAGE = 'One or more records have been rejected. See RejectedRecords for details.';
const SAME_VERSION_REASON =
  'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value. Specifying record version is supported by the latest SDKs.';
const HOUR_NS = 3_600_000_000_000n;

/** A JSON object (what Constraints.object takes without a SerializationException). */
function isObject(item: unknown): item is Record<string, unknown> {
  return typeof item === 'object' && item !== null && !Array.isArray(item);
}

/**
 * A dimension that meets every constraint readRecord checks (the usual case): read without building the paths that
 * only a broken constraint's message needs (a few strings per member of every record).
 */
function isPlainDimension(item: unknown): item is { Name: string; Value: string } {
  if (!isObject(item)) return false;
  const { Name: name, Value: value, DimensionValueType: type } = item;
  return (
    typeof name === 'string' &&
    name.length >= 1 &&
    typeof value === 'string' &&
    (type === undefined || type === null || type === 'VARCHAR')
  );
}

/** A measure value that meets every constraint readRecord checks (see isPlainDimension). */
function isPlainMeasureValue(item: unknown): item is TimestreamMeasureValue {
  if (!isObject(item)) return false;
  const { Name: name, Value: value, Type: type } = item;
  return (
    typeof name === 'string' &&
    name.length >= 1 &&
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= 2048 &&
    typeof type === 'string' &&
    MEASURE_VALUE_TYPES.includes(type as MeasureValueType)
  );
}

function readRecord(c: Constraints, path: string, value: unknown): SentRecord {
  const r = c.object(path, value, true) ?? {};
  const out: SentRecord = {};
  const dims = c.list(`${path}.dimensions`, r['Dimensions'], { max: 128 });
  if (dims !== undefined) {
    out.Dimensions = dims.map((item, i) => {
      if (isPlainDimension(item))
        return { Name: item.Name, Value: item.Value, DimensionValueType: 'VARCHAR' };
      const at = `${path}.dimensions.${i + 1}.member`;
      const d = c.object(at, item, true) ?? {};
      c.string(`${at}.dimensionValueType`, d['DimensionValueType'], { enum: ['VARCHAR'] });
      return {
        Name: c.string(`${at}.name`, d['Name'], { min: 1 }, true) ?? '',
        Value: c.string(`${at}.value`, d['Value'], {}, true) ?? '',
        DimensionValueType: 'VARCHAR',
      };
    });
  }
  const name = c.string(`${path}.measureName`, r['MeasureName'], { min: 1 });
  if (name !== undefined) out.MeasureName = name;
  const measureValue = c.string(`${path}.measureValue`, r['MeasureValue'], { min: 1, max: 2048 });
  if (measureValue !== undefined) out.MeasureValue = measureValue;
  const type = c.string(`${path}.measureValueType`, r['MeasureValueType'], { enum: MEASURE_VALUE_TYPES });
  if (type !== undefined) out.MeasureValueType = type as MeasureValueType;
  const time = c.string(`${path}.time`, r['Time'], { min: 1, max: 256 });
  if (time !== undefined) out.Time = time;
  const unit = c.string(`${path}.timeUnit`, r['TimeUnit'], { enum: TIME_UNITS });
  if (unit !== undefined) out.TimeUnit = unit as TimeUnit;
  const version = c.long(`${path}.version`, r['Version']);
  if (version !== undefined) out.Version = version;
  const values = c.list(`${path}.measureValues`, r['MeasureValues']);
  if (values !== undefined) {
    out.MeasureValues = values.map((item, i) => {
      if (isPlainMeasureValue(item)) return { Name: item.Name, Value: item.Value, Type: item.Type };
      const at = `${path}.measureValues.${i + 1}.member`;
      const v = c.object(at, item, true) ?? {};
      return {
        Name: c.string(`${at}.name`, v['Name'], { min: 1 }, true) ?? '',
        Value: c.string(`${at}.value`, v['Value'], { min: 1, max: 2048 }, true) ?? '',
        Type: (c.string(`${at}.type`, v['Type'], { enum: MEASURE_VALUE_TYPES }, true) ??
          'DOUBLE') as ScalarMeasureValueType,
      };
    });
  }
  return out;
}

/** Lists this long are checked for a repeated name pair by pair (no Set per record); longer ones through a Set. */
const PAIRWISE_MAX = 16;

/** Whether the name of `items[i]` is the name of an item before it (pair by pair). */
function repeatsBefore(items: readonly { Name: string }[], i: number): boolean {
  const name = items[i]!.Name;
  for (let j = 0; j < i; j++) if (items[j]!.Name === name) return true;
  return false;
}

/** The first name that an item repeats (in list order), or undefined. */
function firstRepeated(items: readonly { Name: string }[]): string | undefined {
  if (items.length > PAIRWISE_MAX) {
    const seen = new Set<string>();
    for (const d of items) {
      if (seen.has(d.Name)) return d.Name;
      seen.add(d.Name);
    }
    return undefined;
  }
  for (let i = 1; i < items.length; i++) if (repeatsBefore(items, i)) return items[i]!.Name;
  return undefined;
}

function invalid(message: string): ServiceError {
  return new ServiceError('ValidationException', message);
}

/**
 * R-LOCAL-2: CommonAttributes merged into a record. Dimensions are the common ones then the record's (a name in
 * both is a ValidationException); every other member is the record's when it has one [choice: the record wins].
 */
function merge(common: SentRecord, record: SentRecord, index: number): StoredRecord {
  const commonDims = common.Dimensions ?? [];
  const ownDims = record.Dimensions ?? [];
  for (const d of ownDims) {
    if (commonDims.some((c) => c.Name === d.Name)) {
      throw invalid(
        `Dimension ${JSON.stringify(d.Name)} of record ${index} is also in CommonAttributes. A dimension name can appear only once in a record.`,
      );
    }
  }
  // No new list when the record alone has dimensions (readRecord made it for this record only).
  const dimensions = commonDims.length === 0 ? ownDims : [...commonDims, ...ownDims];
  const twice = firstRepeated(dimensions);
  if (twice !== undefined) {
    throw invalid(`Dimension ${JSON.stringify(twice)} appears more than once in record ${index}.`);
  }
  if (dimensions.length === 0) throw invalid('At least one dimension is required for a record.');
  for (const d of dimensions) {
    if (d.Value === '')
      throw invalid(`Dimension ${JSON.stringify(d.Name)} of record ${index} has an empty value.`);
  }

  const measureName = record.MeasureName ?? common.MeasureName;
  if (measureName === undefined) throw invalid(`Record ${index} has no MeasureName.`);
  const type = record.MeasureValueType ?? common.MeasureValueType ?? 'DOUBLE';
  const unit = record.TimeUnit ?? common.TimeUnit ?? 'MILLISECONDS';
  const time = record.Time ?? common.Time;
  if (time === undefined) throw invalid(`Record ${index} has no Time.`);
  // R-TIME-1: digits in the unit, within a signed 64-bit count of nanoseconds.
  if (!isValidTimeDigits(time, unit)) throw invalid('Invalid time for record.');
  const version = record.Version ?? common.Version ?? 1n;
  if (version < 1n) throw invalid(`Version of record ${index} is ${version}; it must be at least 1.`);

  const out: StoredRecord = {
    Dimensions: dimensions,
    MeasureName: measureName,
    MeasureValueType: type,
    Time: time,
    TimeUnit: unit,
    Version: version,
  };
  const values = record.MeasureValues ?? common.MeasureValues;
  const value = record.MeasureValue ?? common.MeasureValue;
  if (type === 'MULTI') {
    if (value !== undefined) throw invalid(`Record ${index} is MULTI: give MeasureValues, not MeasureValue.`);
    if (values === undefined || values.length === 0) {
      throw invalid(`Record ${index} is MULTI and needs at least one MeasureValue in MeasureValues.`);
    }
    const seen = values.length > PAIRWISE_MAX ? new Set<string>() : null;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if ((v.Type as MeasureValueType) === 'MULTI')
        throw invalid(`MULTI is an invalid measure value type for MeasureValue ${JSON.stringify(v.Name)}.`);
      if (seen === null ? repeatsBefore(values, i) : seen.has(v.Name)) {
        throw invalid(`MeasureValue ${JSON.stringify(v.Name)} appears more than once in record ${index}.`);
      }
      seen?.add(v.Name);
    }
    out.MeasureValues = values;
  } else {
    if (values !== undefined)
      throw invalid(`MeasureValues can be used only with MeasureValueType MULTI (record ${index}).`);
    // WriteRecords takes TIMESTAMP only inside MULTI (boto/boto3#3138).
    if (type === 'TIMESTAMP') throw invalid('TIMESTAMP is an invalid measure value type');
    if (value === undefined) throw invalid(`Record ${index} has no MeasureValue.`);
    out.MeasureValue = value;
  }
  checkNames(out, index);
  return out;
}

export const writeRecords: Operation = async (input, { store, clock }) => {
  const c = new Constraints();
  const database = c.string('databaseName', input['DatabaseName'], {}, true);
  const tableName = c.string('tableName', input['TableName'], {}, true);
  const common =
    input['CommonAttributes'] === undefined
      ? {}
      : readRecord(c, 'commonAttributes', input['CommonAttributes']);
  const sent = c.list('records', input['Records'], { min: 1, max: 100 }, true) ?? [];
  const records = sent.map((r, i) => readRecord(c, `records.${i + 1}.member`, r));
  c.done();

  const merged = records.map((r, i) => merge(common, r, i));
  const retention = store.retention(database!, tableName!);
  const partitionKeys = store.getTable(database!, tableName!).Schema.CompositePartitionKey;
  const writer = store.writer(database!, tableName!, { operation: 'WriteRecords' });
  const now = clock();
  const window = createTimeWindow(retention, now);
  const memoryFrom =
    BigInt(now.getTime()) * 1_000_000n - BigInt(retention.memoryStoreRetentionPeriodInHours) * HOUR_NS;
  const rangeText = `[${window.from.toISOString()}, ${window.to.toISOString()})`;
  const outsideReason = retention.enableMagneticStoreWrites
    ? `The record timestamp is outside the time range ${rangeText} of the data ingestion window.`
    : `The record timestamp is outside the time range ${rangeText} of the memory store.`;

  const rejected: RejectedRecord[] = [];
  let memory = 0;
  let magnetic = 0;
  merged.forEach((record, index) => {
    const reject = (reason: string, existingVersion?: bigint): void =>
      void rejected.push({
        RecordIndex: index,
        Reason: reason,
        ...(existingVersion !== undefined && { ExistingVersion: existingVersion }),
      });
    const core = forCoreChecks(record);
    const limit = checkRecordLimits(core, recordEventSize(core));
    if (limit !== null) return reject(limit.reason);
    const bad = checkValue(record) ?? checkPartitionKeys(record, partitionKeys);
    if (bad !== null) return reject(bad);
    if (window.check(core) !== null) return reject(outsideReason);
    const conflict = writer.check(record);
    if (conflict !== null) {
      return reject(
        conflict.lower ? lowerVersionReason(record.Version, conflict.existingVersion) : SAME_VERSION_REASON,
        conflict.existingVersion,
      );
    }
    writer.apply(record);
    if (instantNanos(record.Time, record.TimeUnit) < memoryFrom) magnetic++;
    else memory++;
  });
  // Acknowledged only once committed (R-LOCAL-3); the accepted records are stored even when others are rejected.
  // commit() inserts the call's rows first, before anything else can run.
  await writer.commit();
  if (rejected.length > 0) {
    throw new ServiceError('RejectedRecordsException', REJECTED_MESSAGE, { RejectedRecords: rejected });
  }
  return {
    RecordsIngested: { Total: memory + magnetic, MemoryStore: memory, MagneticStore: magnetic },
  } satisfies Json;
};
