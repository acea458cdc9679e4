/**
 * A record as the store keeps it: the WriteRecords Record with its `Version` as a 64-bit integer (R-LOCAL-2:
 * versions are 1..2^63-1, compared exactly, so never a JS number), and its JSON text, the form the store writes and
 * JSON Lines export copies out unchanged. `Version` is written last, as digits, so the text stays exact and a reader
 * can take it back without rounding.
 */
import type { TimestreamRecord } from '@tsbatch/core';

/** A stored record: a WriteRecords Record whose Version is exact. */
export interface StoredRecord extends Omit<TimestreamRecord, 'Version'> {
  Version: bigint;
}

/** Largest version the service takes (a signed 64-bit long). */
export const MAX_VERSION = 2n ** 63n - 1n;

const VERSION_MEMBER = '"Version":';

/** The JSON text of a record: its members in the store's order, Version last and exact. */
export function recordJson(record: StoredRecord): string {
  // The members written one by one (no object built per record: this runs on every write), in the store's order;
  // each value through JSON.stringify, so the text is what stringifying the record would give.
  let text = `{"Dimensions":${JSON.stringify(record.Dimensions)},"MeasureName":${JSON.stringify(record.MeasureName)}`;
  text += `,"MeasureValueType":${JSON.stringify(record.MeasureValueType)}`;
  if (record.MeasureValue !== undefined) text += `,"MeasureValue":${JSON.stringify(record.MeasureValue)}`;
  if (record.MeasureValues !== undefined) text += `,"MeasureValues":${JSON.stringify(record.MeasureValues)}`;
  text += `,"Time":${JSON.stringify(record.Time)},"TimeUnit":${JSON.stringify(record.TimeUnit)}`;
  return `${text},${VERSION_MEMBER}${record.Version}}`;
}

/**
 * A record back from its JSON text (as `recordJson` writes it, or any JSON of a Record), its Version read from the
 * digits rather than through a double.
 */
export function parseRecordJson(text: string): StoredRecord {
  const json = JSON.parse(text) as Omit<StoredRecord, 'Version'> & { Version: number | bigint };
  json.Version = versionOf(text) ?? BigInt(json.Version); // a Version not in plain digits (1e3): as JSON read it
  return json as StoredRecord;
}

/** Records back from a chunk of their JSON texts: one JSON.parse for the chunk (fewer calls into the parser). */
export function parseRecordChunk(texts: readonly string[]): StoredRecord[] {
  const parsed = JSON.parse(`[${texts.join(',')}]`) as (Omit<StoredRecord, 'Version'> & {
    Version: number | bigint;
  })[];
  for (let i = 0; i < parsed.length; i++) {
    const r = parsed[i]!;
    r.Version = versionOf(texts[i]!) ?? BigInt(r.Version);
  }
  return parsed as StoredRecord[];
}

/**
 * The exact Version of a record's JSON text, or null when it is not written as plain digits. `"Version":` with both
 * quotes bare can only be a member name (inside a string the quotes would be escaped), and a Record has no other
 * member of that name at any depth.
 */
export function versionOf(text: string): bigint | null {
  const at = text.lastIndexOf(VERSION_MEMBER);
  if (at < 0) return null;
  let from = at + VERSION_MEMBER.length;
  while (text.charCodeAt(from) === 32) from++;
  let end = from;
  for (let c = text.charCodeAt(end); c >= 48 && c <= 57; c = text.charCodeAt(++end));
  const next = text[end];
  return end > from && (next === '}' || next === ',' || next === ' ') ? BigInt(text.slice(from, end)) : null;
}

/** A core record (a batch-load row: its Version comes from the task's RecordVersion) as a stored one. */
export function storedRecordOf(record: TimestreamRecord): StoredRecord {
  return { ...record, Version: BigInt(record.Version) };
}

/**
 * A stored record for core's per-record checks (limits, metering, the time window), which read every member but
 * Version: the record is passed as it is, and its bigint Version is never looked at there.
 */
export function forCoreChecks(record: StoredRecord): TimestreamRecord {
  return record as unknown as TimestreamRecord;
}
