/**
 * One write into a served table (a WriteRecords call, or a batch-load task): `check` and `apply` decide each record
 * synchronously against the store (R-LOCAL-2: R-DUP-1 across writes, versions compared exactly as 64-bit integers),
 * so a call is decided as a whole before any other request runs; `commit` closes the write's journal block and
 * resolves once it is durable (R-LOCAL-3). Nothing of a point is held in memory between calls.
 */
import { instantDigits, pointKeyAt, pointValues } from './point-key.js';
import { parseRecordJson, recordJson, type StoredRecord } from './record-json.js';
import type { BlockInfo, JournalWriter, OpenBlock, TableRef } from './journal-writer.js';
import type { StoreDb } from './store-db.js';
import { PendingRows, type MultiRowInserts } from './pending-rows.js';
import type { PointRow, Statements } from './store-statements.js';

/** Why the store refuses a record (R-LOCAL-2 version rules), with the version it holds. */
export interface VersionConflict {
  existingVersion: bigint;
  /** The record's version is lower than the stored one (else equal, with other values). */
  lower: boolean;
}

export type ApplyOutcome = 'inserted' | 'updated' | 'unchanged';

/** What the store parts a writer needs. */
export interface StoreParts {
  db: StoreDb;
  sql: Statements;
  journal: JournalWriter;
  inserts: MultiRowInserts;
  /**
   * Per table (its number), the latest time of any point it holds or a writer applied: a record later than that is
   * a new point, not looked up (a backfill in time order looks nothing up). Never below the truth: a rollback leaves
   * it higher, which only costs lookups.
   */
  latest: Map<number, LatestTime>;
}

/** A table's latest point time, nanoseconds (UNKNOWN_LAST_TIME when not known; -1 when it has no point). */
export interface LatestTime {
  time: bigint;
}

/** Raised by `commit` when the write was rolled back by a storage failure (nothing of it is stored). */
export class StorageFailure extends Error {
  override readonly name = 'StorageFailure';
}

export class TableWriter {
  private block: OpenBlock | null = null;
  /** Blocks of this writer since its last commit(): lost if a rollback took one. */
  private blocks: OpenBlock[] = [];
  private readonly pending: PendingRows;
  /** check() then apply() of one record looks its point up once. */
  private last: { record: StoredRecord; key: string; time: bigint; point: Point | undefined } | null = null;
  private readonly latest: LatestTime;

  constructor(
    private readonly parts: StoreParts,
    readonly table: TableRef,
    private readonly info: BlockInfo,
  ) {
    this.pending = new PendingRows(parts.inserts);
    let latest = parts.latest.get(table.n);
    if (latest === undefined) parts.latest.set(table.n, (latest = { time: -1n }));
    this.latest = latest;
  }

  /** R-LOCAL-2: null when the record may be stored (new point, higher version, or the same values). */
  check(record: StoredRecord): VersionConflict | null {
    const point = this.lookup(record).point;
    if (point === undefined || record.Version > point.row.version) return null;
    const json = point.json ?? this.parts.sql.revisionRecord.get(point.row.rev)!;
    if (pointValues(parseRecordJson(json)) === pointValues(record)) return null;
    return { existingVersion: point.row.version, lower: record.Version < point.row.version };
  }

  /**
   * Stores a record that passed `check`: a new point or a higher version becomes a revision of this write's block;
   * the same values at the same or a lower version change nothing (an idempotent re-write, R-ING-3). The rows are
   * inserted at the next `flush` (the caller's, before it yields) or `commit`.
   */
  apply(record: StoredRecord): ApplyOutcome {
    const { key, time, point } = this.lookup(record);
    this.last = null;
    if (point !== undefined && record.Version <= point.row.version) return 'unchanged';
    const { db, sql, journal } = this.parts;
    return db.write(() => {
      const block = this.openBlock();
      const json = recordJson(record);
      const rev = journal.nextRevisionId();
      const n = this.table.n;
      journal.add(block, rev, json);
      if (point === undefined) {
        this.pending.point(n, key, record.Version, rev, block.id, time, json);
        block.inserted++;
        if (block.minTime === null || time < block.minTime) block.minTime = time;
        if (block.maxTime === null || time > block.maxTime) block.maxTime = time;
        if (time > this.latest.time) this.latest.time = time;
        return 'inserted';
      }
      const mine = this.pending.find(key);
      if (mine !== undefined) {
        this.pending.supersede(mine, record.Version, rev, block.id, time, json);
      } else {
        this.pending.revision(rev, n, block.id, time, json);
        sql.updatePoint.run(record.Version, rev, n, key);
        sql.killRevision.run(point.row.rev);
      }
      return 'updated';
    });
  }

  /** Inserts what `apply` decided; a writer calls it before it yields to the event loop (pending-rows.ts). */
  flush(): void {
    if (this.block?.rolledBack === true) this.pending.clear(); // a rollback took them with their block
    if (!this.pending.empty) this.parts.db.write(() => this.pending.flush());
  }

  /**
   * Closes this write's block and resolves once it is committed. Rejects with StorageFailure when a rollback took
   * what this writer applied (its caller must not count it as stored). The writer may go on writing afterwards.
   */
  async commit(): Promise<void> {
    const { db, journal } = this.parts;
    this.flush();
    const block = this.block;
    const blocks = this.blocks;
    this.block = null;
    this.blocks = [];
    if (blocks.some((b) => b.rolledBack)) {
      throw new StorageFailure(`the store rolled this write back: ${describe(db.lastFailure)}`);
    }
    if (block !== null && !block.closed) db.write(() => journal.close(block));
    try {
      await db.commit();
    } catch (error) {
      throw new StorageFailure(`the store could not commit: ${describe(error)}`, { cause: error });
    }
  }

  private openBlock(): OpenBlock {
    if (this.block?.rolledBack === true) this.pending.clear();
    if (this.block === null || this.block.closed) {
      this.block = this.parts.journal.begin(this.table, this.info);
      this.block.flush = () => this.pending.flush();
      this.blocks.push(this.block);
    }
    return this.block;
  }

  private lookup(record: StoredRecord): { key: string; time: bigint; point: Point | undefined } {
    if (this.last?.record !== record) {
      const digits = instantDigits(record.Time, record.TimeUnit);
      const key = pointKeyAt(record, digits);
      const time = BigInt(digits);
      let point: Point | undefined;
      // Later than every point of the table (those this writer holds included): a new point.
      if (time <= this.latest.time) {
        const mine = this.pending.find(key);
        const row = mine === undefined ? this.parts.sql.findPoint.get(this.table.n, key) : undefined;
        point = mine ?? (row === undefined ? undefined : { row, json: null });
      }
      this.last = { record, key, time, point };
    }
    return this.last;
  }
}

/** A stored point: its row, and its record's text when this writer still holds it. */
interface Point {
  row: PointRow;
  json: string | null;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
