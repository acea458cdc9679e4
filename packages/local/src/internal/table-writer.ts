/**
 * One write into a served table (a WriteRecords call, or a batch-load task): `check` and `apply` decide each record
 * synchronously against the store (R-LOCAL-2: R-DUP-1 across writes, versions compared exactly as 64-bit integers),
 * so a call is decided as a whole before any other request runs; `commit` closes the write's journal block and
 * resolves once it is durable (R-LOCAL-3). Nothing of a point is held in memory between calls.
 */
import { instantNanos, pointKey, pointValues } from './point-key.js';
import { parseRecordJson, recordJson, type StoredRecord } from './record-json.js';
import type { BlockInfo, JournalWriter, OpenBlock, TableRef } from './journal-writer.js';
import type { StoreDb } from './store-db.js';
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
}

/** Raised by `commit` when the write was rolled back by a storage failure (nothing of it is stored). */
export class StorageFailure extends Error {
  override readonly name = 'StorageFailure';
}

export class TableWriter {
  private block: OpenBlock | null = null;
  /** Blocks of this writer since its last commit(): lost if a rollback took one. */
  private blocks: OpenBlock[] = [];
  /** check() then apply() of one record looks its point up once. */
  private last: { record: StoredRecord; key: string; row: PointRow | undefined } | null = null;

  constructor(
    private readonly parts: StoreParts,
    readonly table: TableRef,
    private readonly info: BlockInfo,
  ) {}

  /** R-LOCAL-2: null when the record may be stored (new point, higher version, or the same values). */
  check(record: StoredRecord): VersionConflict | null {
    const row = this.lookup(record).row;
    if (row === undefined || record.Version > row.version) return null;
    const stored = parseRecordJson(this.parts.sql.revisionRecord.get(row.rev)!);
    if (pointValues(stored) === pointValues(record)) return null;
    return { existingVersion: row.version, lower: record.Version < row.version };
  }

  /**
   * Stores a record that passed `check`: a new point or a higher version becomes a revision of this write's block;
   * the same values at the same or a lower version change nothing (an idempotent re-write, R-ING-3).
   */
  apply(record: StoredRecord): ApplyOutcome {
    const { key, row } = this.lookup(record);
    this.last = null;
    if (row !== undefined && record.Version <= row.version) return 'unchanged';
    const { db, sql, journal } = this.parts;
    return db.write(() => {
      if (this.block === null || this.block.closed) {
        this.block = journal.begin(this.table, this.info);
        this.blocks.push(this.block);
      }
      const block = this.block;
      const json = recordJson(record);
      const time = instantNanos(record.Time, record.TimeUnit);
      const rev = Number(sql.insertRevision.run(this.table.n, block.id, time, json).lastInsertRowid);
      journal.add(block, rev, json);
      if (row === undefined) {
        sql.insertPoint.run(this.table.n, key, record.Version, rev);
        block.inserted++;
        if (block.minTime === null || time < block.minTime) block.minTime = time;
        return 'inserted';
      }
      sql.updatePoint.run(record.Version, rev, this.table.n, key);
      sql.killRevision.run(row.rev);
      return 'updated';
    });
  }

  /**
   * Closes this write's block and resolves once it is committed. Rejects with StorageFailure when a rollback took
   * what this writer applied (its caller must not count it as stored). The writer may go on writing afterwards.
   */
  async commit(): Promise<void> {
    const { db, journal } = this.parts;
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

  private lookup(record: StoredRecord): { key: string; row: PointRow | undefined } {
    if (this.last?.record !== record) {
      const key = pointKey(record);
      this.last = { record, key, row: this.parts.sql.findPoint.get(this.table.n, key) };
    }
    return this.last;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
