/**
 * R-DUP-1 across writes: what makes two records the same point, and when their values are the same. This follows
 * core's duplicate-index.ts exactly (the rule of the within-load check): same measure name, same dimensions as a
 * set, same instant (`0012` SECONDS = `12000` MILLISECONDS); values compared per type (DOUBLE and BIGINT
 * numerically, BOOLEAN in any case, TIMESTAMP as an instant, VARCHAR exactly), multi-measure values as a set.
 * Here the key is an exact string (the store is not bounded like the dry run's index): every text in it is a JSON
 * string literal, which is self-delimiting, so two different points never share a key.
 */
import type { MeasureValueType, TimestreamRecord, TimeUnit } from '@tsbatch/core';

/** What a point's identity and values are made of: every member but the version. */
export type PointRecord = Omit<TimestreamRecord, 'Version'>;

/** Zeros that turn a count of the unit into nanoseconds. */
const NANO_ZEROS: Readonly<Record<TimeUnit, string>> = {
  SECONDS: '000000000',
  MILLISECONDS: '000000',
  MICROSECONDS: '000',
  NANOSECONDS: '',
};

/** The instant of valid time digits as nanosecond digits, without leading zeros (no BigInt: it is on every write). */
export function instantDigits(time: string, unit: TimeUnit): string {
  let from = 0;
  while (from < time.length - 1 && time.charCodeAt(from) === 48) from++;
  const digits = from === 0 ? time : time.slice(from);
  return digits === '0' ? '0' : digits + NANO_ZEROS[unit];
}

/** The instant of a valid time in nanoseconds since the epoch. */
export function instantNanos(time: string, unit: TimeUnit): bigint {
  return BigInt(instantDigits(time, unit));
}

/** The identity of a point: measure name, dimensions (as a set), instant. */
export function pointKey(record: PointRecord): string {
  return pointKeyAt(record, instantDigits(record.Time, record.TimeUnit));
}

/** `pointKey` of a record whose instant digits (`instantDigits`) the caller has already. */
export function pointKeyAt(record: PointRecord, digits: string): string {
  const dims = record.Dimensions;
  let key = `${JSON.stringify(record.MeasureName)}${digits}`;
  if (dims.length === 1) return key + JSON.stringify(dims[0]!.Name) + JSON.stringify(dims[0]!.Value);
  const parts = dims.map((d) => JSON.stringify(d.Name) + JSON.stringify(d.Value)).sort();
  for (const p of parts) key += p;
  return key;
}

/** The values of a point, normalised so that equal values by R-DUP-1 give equal strings. */
export function pointValues(record: PointRecord): string {
  const unit = record.TimeUnit;
  const values = record.MeasureValues;
  if (values === undefined) {
    return record.MeasureValueType + normal(record.MeasureValueType, record.MeasureValue ?? '', unit);
  }
  const parts = values.map((v) => JSON.stringify(v.Name) + v.Type + normal(v.Type, v.Value, unit)).sort();
  return `MULTI${parts.join('')}`;
}

function normal(type: MeasureValueType, value: string, unit: TimeUnit): string {
  switch (type) {
    case 'DOUBLE': {
      const x = Number(value);
      // `1.0` equals `1`; text that is no finite number only equals itself.
      return Number.isFinite(x) && value.trim() !== '' ? `n${x}` : `t${JSON.stringify(value)}`;
    }
    case 'BIGINT':
      try {
        return `n${BigInt(value)}`;
      } catch {
        return `t${JSON.stringify(value)}`;
      }
    case 'BOOLEAN':
      return JSON.stringify(value.toLowerCase());
    case 'TIMESTAMP':
      return /^\d+$/.test(value) ? `n${instantDigits(value, unit)}` : `t${JSON.stringify(value)}`;
    default:
      return JSON.stringify(value);
  }
}
