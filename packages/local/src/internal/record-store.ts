/**
 * R-LOCAL-3: the records of every served table and the journal of the writes that stored them, in the SQLite store
 * (store-db.ts). The catalog (catalog-file.ts) names tables by id; this maps each to its number in the store, hands
 * out writers, and streams records and journal blocks to readers. A deleted table's points are purged in the
 * background, a few thousand per turn of the event loop, so a delete never stalls the endpoint [choice: its
 * revisions stay in the journal, which is history].
 */
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { BlockInfo, TableRef } from './journal-writer.js';
import { JournalWriter } from './journal-writer.js';
import { MultiRowInserts } from './pending-rows.js';
import { STORE_FILE, StoreDb } from './store-db.js';
import { Statements } from './store-statements.js';
import { TableWriter, type LatestTime, type StoreParts } from './table-writer.js';

/** A catalog table as the record store needs it. */
export interface TableIdentity {
  /** The catalog id of the table. */
  id: string;
  /** The catalog id of its database (the ledger). */
  ledger: string;
  database: string;
  name: string;
}

const PURGE_CHUNK = 5000;

export class RecordStore {
  private readonly numbers = new Map<string, number>();
  private purging: Promise<void> | null = null;
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly parts: StoreParts,
  ) {}

  /** Opens `<dataDir>/store.db` (reads no data: start-up time does not grow with it). */
  static open(dataDir: string, sync: boolean, clock: () => Date): RecordStore {
    const file = path.join(dataDir, STORE_FILE);
    const db = StoreDb.open(file, sync);
    const sql = new Statements(db.db);
    const latest = new Map<number, LatestTime>();
    const store = new RecordStore(file, {
      db,
      sql,
      journal: new JournalWriter(db, sql, clock),
      inserts: new MultiRowInserts(db.db),
      latest,
    });
    const tables = db.db
      .prepare<[], { n: number; id: string; last_time: bigint | null }>('SELECT n, id, last_time FROM tables')
      .safeIntegers(true)
      .all();
    for (const row of tables) {
      const n = Number(row.n);
      store.numbers.set(row.id, n);
      latest.set(n, { time: row.last_time ?? -1n });
    }
    return store;
  }

  get db(): StoreDb {
    return this.parts.db;
  }

  /** Points stored in live tables, and the number of those tables (for the start-up line). */
  stats(): { points: number; tables: number } {
    const row = this.parts.db.db
      .prepare<[], { points: number | null; tables: number }>(
        'SELECT sum(points) AS points, count(*) AS tables FROM tables WHERE dropped = 0',
      )
      .get()!;
    return { points: row.points ?? 0, tables: row.tables };
  }

  /** A value of the store's own bookkeeping (an import's progress), or undefined. */
  meta(key: string): string | undefined {
    return this.parts.db.db
      .prepare<[string], string>('SELECT value FROM meta WHERE key = ?')
      .pluck()
      .get(key);
  }

  /** Sets a bookkeeping value in the open transaction (committed with the writes around it). */
  setMeta(key: string, value: string): void {
    const db = this.parts.db;
    db.write(() => db.db.prepare('INSERT OR REPLACE INTO meta VALUES (?, ?)').run(key, value));
  }

  /** The store's number of a table, made on first use. */
  ensureTable(t: TableIdentity): number {
    const known = this.numbers.get(t.id);
    if (known !== undefined) return known;
    const db = this.parts.db;
    const n = db.write(
      () =>
        db.db
          .prepare('INSERT INTO tables (id, ledger, database, name) VALUES (?, ?, ?, ?)')
          .run(t.id, t.ledger, t.database, t.name).lastInsertRowid,
    );
    db.commitNow();
    this.numbers.set(t.id, Number(n));
    return Number(n);
  }

  /** The store's number of a table, or undefined when it never stored anything. */
  numberOf(id: string): number | undefined {
    return this.numbers.get(id);
  }

  writer(t: TableIdentity, info: BlockInfo): TableWriter {
    const ref: TableRef = { n: this.ensureTable(t), ledger: t.ledger, database: t.database, name: t.name };
    return new TableWriter(this.parts, ref, info);
  }

  /** Marks tables the catalog no longer has as dropped, and purges their points in the background. */
  drop(ids: readonly string[]): void {
    const db = this.parts.db;
    const mark = db.db.prepare('UPDATE tables SET dropped = 1, points = 0, first_time = NULL WHERE id = ?');
    db.write(() => ids.forEach((id) => mark.run(id)));
    db.commitNow();
    for (const id of ids) this.numbers.delete(id);
    this.purge();
  }

  /** Tables the store has and the catalog does not (left by a crash during DeleteTable). */
  orphans(catalogIds: ReadonlySet<string>): string[] {
    return [...this.numbers.keys()].filter((id) => !catalogIds.has(id));
  }

  /** Purges the points of dropped tables, a chunk per turn of the event loop, until none is left. */
  purge(): void {
    // A failure (the store closing, a full disk) leaves the rest for the next start.
    this.purging ??= this.purgeLoop()
      .catch(() => undefined)
      .finally(() => (this.purging = null));
  }

  private async purgeLoop(): Promise<void> {
    const db = this.parts.db;
    const next = db.db.prepare<[], number>('SELECT n FROM tables WHERE dropped = 1 LIMIT 1').pluck();
    const chunk = db.db.prepare<[{ n: number; limit: number }]>(
      'DELETE FROM points WHERE tbl = @n AND key IN (SELECT key FROM points WHERE tbl = @n LIMIT @limit)',
    );
    const done = db.db.prepare('UPDATE tables SET dropped = 2 WHERE n = ?');
    while (!this.closed) {
      const n = next.get();
      if (n === undefined) return;
      const removed = db.write(() => chunk.run({ n, limit: PURGE_CHUNK }).changes);
      if (removed < PURGE_CHUNK) db.write(() => done.run(n));
      await db.commit();
      await nextTurn();
    }
  }

  /** Waits for a purge under way (tests, close). */
  async purged(): Promise<void> {
    await this.purging;
  }

  close(): void {
    this.closed = true;
    this.parts.db.close();
  }
}
