/**
 * R-ING-1: the body of one WriteRecords call. Fields every record of the batch shares move into CommonAttributes:
 * the measure name, value type, time unit, version and time when they are equal everywhere, and the dimensions
 * that open every record's dimension list alike.
 *
 * [choice] Only a common *leading run* of dimensions moves: the service puts CommonAttributes' dimensions before the
 * record's own when it merges them, so the merged record is the very record the dry run predicted, dimension order
 * included. A batch of one record is sent as it is.
 */
import type { TimestreamDimension, TimestreamRecord } from '@tsbatch/core';

/** A record as sent: every member may be left to CommonAttributes. */
export type SentRecord = Partial<TimestreamRecord>;

export interface WriteRecordsBody {
  CommonAttributes?: SentRecord;
  Records: SentRecord[];
}

const SCALAR_FIELDS = ['MeasureName', 'MeasureValueType', 'TimeUnit', 'Version', 'Time'] as const;

function sameDimension(a: TimestreamDimension, b: TimestreamDimension): boolean {
  return a.Name === b.Name && a.Value === b.Value && a.DimensionValueType === b.DimensionValueType;
}

/** The Records and CommonAttributes of one WriteRecords call carrying `records` (1 to 100 of them). */
export function writeRecordsBody(records: readonly TimestreamRecord[]): WriteRecordsBody {
  const first = records[0];
  if (first === undefined || records.length === 1) return { Records: records.map((r) => ({ ...r })) };

  const common: SentRecord = {};
  const moved = new Set<(typeof SCALAR_FIELDS)[number]>();
  for (const field of SCALAR_FIELDS) {
    const value = first[field];
    if (records.every((r) => r[field] === value)) {
      moved.add(field);
      (common as Record<string, unknown>)[field] = value;
    }
  }

  let prefix = first.Dimensions.length;
  for (let i = 1; i < records.length && prefix > 0; i++) {
    const dims = records[i]!.Dimensions;
    let n = 0;
    while (n < prefix && n < dims.length && sameDimension(dims[n]!, first.Dimensions[n]!)) n++;
    prefix = n;
  }
  if (prefix > 0) common.Dimensions = first.Dimensions.slice(0, prefix).map((d) => ({ ...d }));
  if (moved.size === 0 && prefix === 0) return { Records: records.map((r) => ({ ...r })) };

  const out: SentRecord[] = records.map((record) => {
    const sent: SentRecord = {};
    for (const [key, value] of Object.entries(record) as [keyof TimestreamRecord, unknown][]) {
      if (key === 'Dimensions') {
        if (record.Dimensions.length > prefix) sent.Dimensions = record.Dimensions.slice(prefix);
      } else if (!moved.has(key as (typeof SCALAR_FIELDS)[number])) {
        (sent as Record<string, unknown>)[key] = value;
      }
    }
    return sent;
  });
  return { CommonAttributes: common, Records: out };
}
