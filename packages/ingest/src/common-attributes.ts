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
type ScalarField = (typeof SCALAR_FIELDS)[number];

/** What moves into CommonAttributes: the scalar fields equal in every record, and the shared leading dimensions. */
interface CommonSplit {
  moved: ReadonlySet<ScalarField>;
  /** Leading dimensions of every record that are equal in all of them. */
  prefix: number;
}

function sameDimension(a: TimestreamDimension, b: TimestreamDimension): boolean {
  return a.Name === b.Name && a.Value === b.Value && a.DimensionValueType === b.DimensionValueType;
}

/** The common part of a batch, or null when nothing is shared (or the batch holds one record). */
function splitCommon(records: readonly TimestreamRecord[]): CommonSplit | null {
  const first = records[0];
  if (first === undefined || records.length === 1) return null;
  const moved = new Set<ScalarField>();
  for (const field of SCALAR_FIELDS) {
    const value = first[field];
    let same = true;
    for (let i = 1; i < records.length && same; i++) same = records[i]![field] === value;
    if (same) moved.add(field);
  }
  let prefix = first.Dimensions.length;
  for (let i = 1; i < records.length && prefix > 0; i++) {
    const dims = records[i]!.Dimensions;
    let n = 0;
    while (n < prefix && n < dims.length && sameDimension(dims[n]!, first.Dimensions[n]!)) n++;
    prefix = n;
  }
  return moved.size === 0 && prefix === 0 ? null : { moved, prefix };
}

/** The Records and CommonAttributes of one WriteRecords call carrying `records` (1 to 100 of them). */
export function writeRecordsBody(records: readonly TimestreamRecord[]): WriteRecordsBody {
  const split = splitCommon(records);
  if (split === null) return { Records: records.map((r) => ({ ...r })) };
  const { moved, prefix } = split;
  const first = records[0]!;
  const common: SentRecord = {};
  for (const field of moved) (common as Record<string, unknown>)[field] = first[field];
  if (prefix > 0) common.Dimensions = first.Dimensions.slice(0, prefix).map((d) => ({ ...d }));

  const out: SentRecord[] = records.map((record) => {
    const sent: SentRecord = {};
    for (const [key, value] of Object.entries(record) as [keyof TimestreamRecord, unknown][]) {
      if (key === 'Dimensions') {
        if (record.Dimensions.length > prefix) sent.Dimensions = record.Dimensions.slice(prefix);
      } else if (!moved.has(key as ScalarField)) {
        (sent as Record<string, unknown>)[key] = value;
      }
    }
    return sent;
  });
  return { CommonAttributes: common, Records: out };
}

/** One batch as the JSON texts of its WriteRecords body: what crosses to a worker thread. */
export interface EncodedWriteRecords {
  /** JSON of CommonAttributes, or null when nothing is shared. */
  common: string | null;
  /** The JSON of each record as sent, in order, joined by commas: the inside of the `Records` array. */
  records: string;
  /**
   * Where each record's JSON ends in `records`. Any run of records stays valid with `common`: what every record
   * shares, a part shares too (R-ING-2 splits a refused call in halves).
   */
  ends: number[];
}

const quote = JSON.stringify as (text: string) => string;

const quotedNames = new Map<string, string>();
/** JSON of a name or an enum value: the same few repeat in every record, so their JSON is made once (bounded). */
function quoteName(name: string): string {
  let text = quotedNames.get(name);
  if (text === undefined) {
    text = quote(name);
    if (quotedNames.size < 4096) quotedNames.set(name, text);
  }
  return text;
}

function dimensionsText(dims: readonly TimestreamDimension[], from: number): string {
  let text = '[';
  for (let i = from; i < dims.length; i++) {
    const d = dims[i]!;
    text += `${i === from ? '' : ','}{"Name":${quoteName(d.Name)},"Value":${quote(d.Value)}`;
    // VARCHAR is the API's default and only value: leaving it out saves 30 bytes per dimension sent.
    text +=
      d.DimensionValueType === 'VARCHAR' ? '}' : `,"DimensionValueType":${quoteName(d.DimensionValueType)}}`;
  }
  return `${text}]`;
}

/** The members left to CommonAttributes, as flags (looked at for every record). */
interface Moved {
  name: boolean;
  type: boolean;
  time: boolean;
  unit: boolean;
  version: boolean;
}

const NOTHING_MOVED: Moved = { name: false, type: false, time: false, unit: false, version: false };

/** JSON of one record without the `moved` members and its first `prefix` dimensions. */
function recordText(record: TimestreamRecord, prefix: number, moved: Moved): string {
  let text = '';
  if (record.Dimensions.length > prefix) text += `,"Dimensions":${dimensionsText(record.Dimensions, prefix)}`;
  if (!moved.name) text += `,"MeasureName":${quoteName(record.MeasureName)}`;
  if (record.MeasureValue !== undefined) text += `,"MeasureValue":${quote(record.MeasureValue)}`;
  if (!moved.type) text += `,"MeasureValueType":${quoteName(record.MeasureValueType)}`;
  if (!moved.time) text += `,"Time":${quote(record.Time)}`;
  if (!moved.unit) text += `,"TimeUnit":${quoteName(record.TimeUnit)}`;
  if (!moved.version) text += `,"Version":${JSON.stringify(record.Version)}`;
  const values = record.MeasureValues;
  if (values !== undefined) {
    text += ',"MeasureValues":[';
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      text += `${i === 0 ? '' : ','}{"Name":${quoteName(v.Name)},"Value":${quote(v.Value)},"Type":${quoteName(v.Type)}}`;
    }
    text += ']';
  }
  return `{${text.slice(1)}}`;
}

/**
 * R-ING-1: the body of `writeRecordsBody`, as JSON texts built directly (no intermediate objects, no generic
 * serialiser): this runs on the main thread for every record of the load.
 */
export function encodeWriteRecords(records: readonly TimestreamRecord[]): EncodedWriteRecords {
  const split = splitCommon(records);
  const prefix = split?.prefix ?? 0;
  const moved: Moved =
    split === null
      ? NOTHING_MOVED
      : {
          name: split.moved.has('MeasureName'),
          type: split.moved.has('MeasureValueType'),
          time: split.moved.has('Time'),
          unit: split.moved.has('TimeUnit'),
          version: split.moved.has('Version'),
        };
  const ends = new Array<number>(records.length);
  let text = '';
  for (let i = 0; i < records.length; i++) {
    text += (i === 0 ? '' : ',') + recordText(records[i]!, prefix, moved);
    ends[i] = text.length;
  }
  if (split === null) return { common: null, records: text, ends };
  const first = records[0]!;
  let common = '';
  if (prefix > 0) common += `,"Dimensions":${dimensionsText(first.Dimensions.slice(0, prefix), 0)}`;
  if (moved.name) common += `,"MeasureName":${quote(first.MeasureName)}`;
  if (moved.type) common += `,"MeasureValueType":${quote(first.MeasureValueType)}`;
  if (moved.time) common += `,"Time":${quote(first.Time)}`;
  if (moved.unit) common += `,"TimeUnit":${quote(first.TimeUnit)}`;
  if (moved.version) common += `,"Version":${JSON.stringify(first.Version)}`;
  return { common: `{${common.slice(1)}}`, records: text, ends };
}

/** The records `from` to `to` (exclusive) of an encoded batch, as the inside of a `Records` array. */
export function encodedRecords(batch: EncodedWriteRecords, from: number, to: number): string {
  if (from === 0 && to === batch.ends.length) return batch.records;
  return batch.records.slice(from === 0 ? 0 : batch.ends[from - 1]! + 1, batch.ends[to - 1]);
}

/** The whole WriteRecords request body: `records` is the inside of the `Records` array (`encodedRecords`). */
export function writeRecordsRequestText(
  database: string,
  table: string,
  common: string | null,
  records: string,
): string {
  const head = `{"DatabaseName":${quote(database)},"TableName":${quote(table)}`;
  return `${head}${common === null ? '' : `,"CommonAttributes":${common}`},"Records":[${records}]}`;
}
