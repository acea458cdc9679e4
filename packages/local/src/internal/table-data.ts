/**
 * The records of one table: the append-only log on disk and, in memory, an index from each point (R-DUP-1) to its
 * current version, values and log line. Decisions (`check`, `apply`) are synchronous, so a WriteRecords call or a
 * batch-load row is decided as a whole before any other request runs; `flush` makes the decided records durable.
 */
import { TIME_UNITS, type TimestreamRecord } from '@tsbatch/core';
import { instantNanos, pointKey, pointValues } from './point-key.js';
import { RecordLog, type ReplayResult } from './record-log.js';

interface PointEntry {
  version: number;
  values: string;
  /** Log line holding the current record of the point. */
  line: number;
}

/** Why the store refuses a record (R-LOCAL-2 version rules), with the version it holds. */
export interface VersionConflict {
  existingVersion: number;
  /** The record's version is lower than the stored one (else equal, with other values). */
  lower: boolean;
}

export type ApplyOutcome = 'inserted' | 'updated' | 'unchanged';

export interface RecordRange {
  /** Inclusive lower bound of the record time. */
  start?: Date;
  /** Exclusive upper bound of the record time. */
  end?: Date;
}

export class TableData {
  private readonly index = new Map<string, PointEntry>();
  private lines = 0;
  private pending: string[] = [];
  private flushing: Promise<void> = Promise.resolve();
  /** check() then apply() of one record computes its key and values once. */
  private last: { record: TimestreamRecord; key: string; values: string | null } | null = null;

  private constructor(private readonly log: RecordLog) {}

  /** Opens the log of a table and rebuilds its index (R-LOCAL-3). */
  static async open(file: string, sync: boolean): Promise<{ table: TableData; replay: ReplayResult }> {
    const table = new TableData(new RecordLog(file, sync));
    const replay = await table.log.replay((json, line) => {
      table.lines = line + 1;
      if (!isRecord(json)) return;
      // Every logged record was accepted when written: the later line of a point is its current one.
      table.index.set(pointKey(json), { version: json.Version, values: pointValues(json), line });
    });
    table.lines = replay.lines;
    return { table, replay };
  }

  /** Points stored. */
  get size(): number {
    return this.index.size;
  }

  /** R-LOCAL-2: null when the record may be stored (new point, higher version, or the same values). */
  check(record: TimestreamRecord): VersionConflict | null {
    const entry = this.index.get(this.keyOf(record));
    if (entry === undefined || record.Version > entry.version) return null;
    if (entry.values === this.valuesOf(record)) return null;
    return { existingVersion: entry.version, lower: record.Version < entry.version };
  }

  private keyOf(record: TimestreamRecord): string {
    if (this.last?.record !== record) this.last = { record, key: pointKey(record), values: null };
    return this.last.key;
  }

  private valuesOf(record: TimestreamRecord): string {
    const last = this.last?.record === record ? this.last : { record, key: pointKey(record), values: null };
    last.values ??= pointValues(record);
    this.last = last;
    return last.values;
  }

  /**
   * Stores a record that passed `check`: a new point or a higher version is logged (pending until `flush`);
   * the same values at the same or a lower version change nothing (an idempotent re-write, R-ING-3).
   */
  apply(record: TimestreamRecord): ApplyOutcome {
    const key = this.keyOf(record);
    const entry = this.index.get(key);
    if (entry !== undefined && record.Version <= entry.version) return 'unchanged';
    const line = this.lines++;
    this.index.set(key, { version: record.Version, values: this.valuesOf(record), line });
    this.pending.push(JSON.stringify(record));
    return entry === undefined ? 'inserted' : 'updated';
  }

  /** Writes the pending records to the log (and to disk). Records stay pending until a flush succeeds. */
  flush(): Promise<void> {
    const run = this.flushing.then(async () => {
      if (this.pending.length === 0) return;
      const batch = this.pending;
      this.pending = [];
      try {
        await this.log.append(batch);
      } catch (error) {
        this.pending = batch.concat(this.pending);
        throw error;
      }
    });
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /** The current record of every point whose time is in [start, end), in the order they were stored. */
  async *records(range: RecordRange = {}): AsyncGenerator<TimestreamRecord> {
    await this.flush();
    const start = range.start === undefined ? null : BigInt(range.start.getTime()) * 1_000_000n;
    const end = range.end === undefined ? null : BigInt(range.end.getTime()) * 1_000_000n;
    const last = this.lines;
    for await (const { json, line } of this.log.read()) {
      if (line >= last) break;
      if (!isRecord(json)) continue;
      if (this.index.get(pointKey(json))?.line !== line) continue; // superseded by a higher version
      const t = instantNanos(json.Time, json.TimeUnit);
      if ((start !== null && t < start) || (end !== null && t >= end)) continue;
      yield json;
    }
  }

  async close(): Promise<void> {
    await this.flush();
    await this.log.close();
  }
}

/** A logged line is a record the store wrote; anything else (a damaged disk) is passed over. */
function isRecord(json: unknown): json is TimestreamRecord {
  if (typeof json !== 'object' || json === null) return false;
  const r = json as Partial<TimestreamRecord>;
  return (
    Array.isArray(r.Dimensions) &&
    typeof r.MeasureName === 'string' &&
    typeof r.Time === 'string' &&
    /^\d+$/.test(r.Time) &&
    TIME_UNITS.includes(r.TimeUnit as (typeof TIME_UNITS)[number]) &&
    typeof r.Version === 'number' &&
    typeof r.MeasureValueType === 'string'
  );
}
