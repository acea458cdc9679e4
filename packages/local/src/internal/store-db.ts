/**
 * R-LOCAL-3: the embedded store, SQLite through better-sqlite3 (why SQLite: packages/local/README.md, "The store").
 * One file, `<data-dir>/store.db`, in WAL mode: points with their versions (the index of the R-DUP-1 check across
 * writes), the revisions every write stored, and the journal blocks chaining them (R-QLDB-2). Memory is SQLite's
 * page cache, bounded whatever the data; opening reads no data.
 *
 * Writes are decided synchronously inside one open transaction and committed together (group commit): every call
 * decided in the same turn of the event loop shares one COMMIT, whose WAL frames are fsynced before any of them is
 * answered. A failure rolls the whole group back and fails each of its calls, so nothing acknowledged is ever lost
 * and nothing unacknowledged half-stays. A crash loses only uncommitted work; a torn WAL tail is ignored by SQLite
 * at the next open (its frames carry checksums).
 *
 * The fsync runs off the event loop (wal-sync.ts): SQLite commits with synchronous=NORMAL (it writes the WAL frames
 * but does not fsync them) and the group's answers wait for an fdatasync of the WAL file on libuv's thread pool,
 * started after its COMMIT returned. The promise is the same as synchronous=FULL's (an acknowledged write is on
 * disk, a power loss included); what changes is that the next group is decided while the disk syncs (about 3 ms
 * a commit here, a fifth of the endpoint's time when it ran on the event loop).
 */
import Database from 'better-sqlite3';
import { WalSync } from './wal-sync.js';

export type Sqlite = Database.Database;

/** The store's file in a data folder. */
export const STORE_FILE = 'store.db';
/** Bumped when the schema changes in a way an older tsbatch cannot read. */
const FORMAT = '1';
/** SQLite's page cache of the writer, KiB (negative cache_size): the store's memory whatever the data. */
const WRITER_CACHE_KIB = 32 * 1024;
/**
 * Pages the WAL may hold before a COMMIT checkpoints it into the file (SQLite's default is 1000). A checkpoint runs
 * on the event loop and fsyncs twice; one every 40 MiB (4 KiB pages) instead of 4 MiB copies the pages rewritten
 * by every call (the tips of the indexes) far less often: about 6% less CPU a WriteRecords record here, at the cost
 * of a WAL of up to ~40 MiB on disk (read back in well under a second by the next open after a crash).
 */
const WAL_CHECKPOINT_PAGES = 10_000;
/** Readers (exports, the journal) stream through a small cache of their own. */
const READER_CACHE_KIB = 4 * 1024;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
-- A served table: 'id' is its catalog id, 'ledger' its database's (R-QLDB-2); names stay after a delete.
CREATE TABLE IF NOT EXISTS tables (
  n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, ledger TEXT NOT NULL, database TEXT NOT NULL,
  name TEXT NOT NULL, points INTEGER NOT NULL DEFAULT 0, first_time INTEGER, dropped INTEGER NOT NULL DEFAULT 0,
  last_time INTEGER);
-- R-DUP-1 across writes: a point's current version and the revision holding its record.
CREATE TABLE IF NOT EXISTS points (
  tbl INTEGER NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL, rev INTEGER NOT NULL,
  PRIMARY KEY (tbl, key)) WITHOUT ROWID;
-- Every record stored, in commit order; 'live' while it is its point's current record.
CREATE TABLE IF NOT EXISTS revisions (
  id INTEGER PRIMARY KEY, tbl INTEGER NOT NULL, block INTEGER NOT NULL, time_ns INTEGER NOT NULL,
  live INTEGER NOT NULL, record TEXT NOT NULL);
-- R-QLDB-2: one block per write; its revisions are those with revisions.block = id in [first_rev, last_rev].
CREATE TABLE IF NOT EXISTS blocks (
  id INTEGER PRIMARY KEY, ledger TEXT NOT NULL, seq INTEGER NOT NULL, tbl INTEGER NOT NULL, ts INTEGER NOT NULL,
  tx TEXT NOT NULL, first_rev INTEGER NOT NULL, last_rev INTEGER NOT NULL, revs INTEGER NOT NULL,
  entries_hash BLOB NOT NULL, previous_hash BLOB NOT NULL, hash BLOB NOT NULL, info TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS blocks_by_ledger ON blocks (ledger, seq);
`;

/** The largest time a point can have (nanoseconds): a table's last_time when it is not known. */
export const UNKNOWN_LAST_TIME = 2n ** 63n - 1n;

/**
 * tables.last_time, the latest time of any point of the table (NULL: no point), came after the first stores: a
 * store without it gets the column, and its tables that hold points the largest time (unknown: every write looks
 * its points up). Older tsbatch versions read such a store as before (they ignore the column).
 */
function migrateLatestTime(db: Sqlite): void {
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(tables)').all();
  if (columns.some((c) => c.name === 'last_time')) return;
  db.transaction(() => {
    db.exec('ALTER TABLE tables ADD COLUMN last_time INTEGER');
    db.prepare('UPDATE tables SET last_time = ? WHERE points > 0').run(UNKNOWN_LAST_TIME);
  })();
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class StoreDb {
  /** Run before each COMMIT, inside the transaction (the journal closes the blocks still open). */
  readonly beforeCommit = new Set<() => void>();
  /** Run after each successful COMMIT. */
  readonly afterCommit = new Set<() => void>();
  /** Run after a rollback (caches of what the transaction had written are dropped). */
  readonly afterRollback = new Set<() => void>();
  /** Why the last rollback happened. */
  lastFailure: unknown = null;
  private inTransaction = false;
  private scheduled = false;
  private waiters: Waiter[] = [];
  private closed = false;
  /** fsyncs the WAL after each COMMIT, off the event loop (null: `sync` off). */
  private readonly walSync: WalSync | null;

  private constructor(
    readonly db: Sqlite,
    readonly file: string,
    sync: boolean,
  ) {
    this.walSync = sync ? new WalSync(`${file}-wal`) : null;
  }

  /** Opens (or creates) the store file; `sync` fsyncs every commit. */
  static open(file: string, sync: boolean): StoreDb {
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      // NORMAL, not FULL: the WAL is fsynced by WalSync before any answer (see above); OFF for throwaway stores.
      db.pragma(`synchronous = ${sync ? 'NORMAL' : 'OFF'}`);
      db.pragma(`cache_size = -${WRITER_CACHE_KIB}`);
      db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
      migrateLatestTime(db);
      const format = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'format'").get();
      if (format === undefined) db.prepare("INSERT INTO meta VALUES ('format', ?)").run(FORMAT);
      else if (format.value !== FORMAT) {
        throw new Error(`${file} has store format ${format.value}; this tsbatch reads format ${FORMAT}`);
      }
    } catch (error) {
      db.close();
      throw error;
    }
    return new StoreDb(db, file, sync);
  }

  /**
   * Runs `fn` inside the open write transaction (beginning one if needed). A throw from `fn` is a storage failure:
   * the whole group is rolled back and every call waiting on it fails.
   */
  write<T>(fn: () => T): T {
    if (this.closed) throw new Error('the store is closed');
    if (!this.inTransaction) {
      this.db.exec('BEGIN IMMEDIATE');
      this.inTransaction = true;
    }
    try {
      return fn();
    } catch (error) {
      this.rollback(error);
      throw error;
    }
  }

  /** Resolves once everything written so far is committed (and on disk with `sync`). */
  commit(): Promise<void> {
    if (!this.inTransaction) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // Everything decided in this turn of the event loop shares the COMMIT (group commit), and so does
        // everything decided while the WAL sync of the previous group runs: its answers wait for the next sync
        // anyway, so the COMMIT waits with them (one COMMIT per sync, however many calls are in flight).
        setImmediate(() => {
          if (this.walSync === null) this.flush();
          else this.walSync.whenIdle(() => this.flush());
        });
      }
    });
  }

  /** Commits now, synchronously, and on disk when it returns (closing, importing, creating a table). */
  commitNow(): void {
    this.flush();
    this.walSync?.syncNow();
  }

  private flush(): void {
    this.scheduled = false;
    const waiters = this.waiters;
    this.waiters = [];
    try {
      if (this.inTransaction) {
        this.write(() => this.beforeCommit.forEach((close) => close()));
        this.db.exec('COMMIT');
        this.inTransaction = false;
        for (const done of this.afterCommit) done();
      }
    } catch (error) {
      if (this.inTransaction) this.rollback(error);
      for (const w of waiters) w.reject(error);
      return;
    }
    if (this.walSync === null || waiters.length === 0) {
      for (const w of waiters) w.resolve();
      return;
    }
    // Answered once the frames this COMMIT wrote are on disk (R-LOCAL-3).
    this.walSync.afterWrite(waiters);
  }

  private rollback(error: unknown): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.inTransaction = false;
    this.lastFailure = error;
    const waiters = this.waiters;
    this.waiters = [];
    for (const reset of this.afterRollback) reset();
    for (const w of waiters) w.reject(error);
  }

  /** Commits what is pending and closes the file (SQLite checkpoints the WAL into it). */
  close(): void {
    if (this.closed) return;
    try {
      this.flush();
    } finally {
      this.closed = true;
      // Calls still waiting for a WAL sync are answered first; closing then checkpoints the WAL into the file.
      this.walSync?.syncNow();
      this.walSync?.close();
      this.db.close();
    }
  }
}

/**
 * A connection that only reads, for one export or journal read: WAL readers never block the writer, and each sees
 * the store as of its own transaction. Opened on the file of a running server too (another process).
 */
export function openReader(file: string): Sqlite {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma(`cache_size = -${READER_CACHE_KIB}`);
  db.pragma('busy_timeout = 5000');
  return db;
}
