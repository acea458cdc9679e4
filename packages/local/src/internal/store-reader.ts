/**
 * Reading the store without holding it (R-EXP-1 exports, R-QLDB-2 journal reads): each read has a connection of its
 * own, a WAL reader that never blocks the writer, and streams in chunks, giving the event loop a turn after each
 * one so WriteRecords keeps being served. It works on the file of a server running in another process too.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { openReader, type Sqlite } from './store-db.js';

/** Records handed over per chunk (about a millisecond of SQLite's time). */
const CHUNK_RECORDS = 1000;
const MIN_TIME = -(2n ** 63n);
const MAX_TIME = 2n ** 63n - 1n;

export interface TimeRange {
  /** Inclusive lower bound, nanoseconds since the epoch; null: unbounded. */
  start: bigint | null;
  /** Exclusive upper bound; null: unbounded. */
  end: bigint | null;
}

export interface TableScan {
  /** The earliest time of any point of the table, in the range or not (R-EXP-1 clamping); null: none. */
  firstTime: bigint | null;
  /** The current record of every point in the range, as stored JSON text, in stored order, in chunks. */
  chunks: AsyncGenerator<string[]>;
  /** Ends the scan whether or not it was read (its connection is closed). Safe to call twice. */
  close(): void;
}

/**
 * The current records of table `tableId` (its catalog id) whose time is in the range, as of the moment the scan
 * opens: one read transaction spans the scan, so points stored or superseded meanwhile do not change it.
 */
export function scanTable(file: string, tableId: string, range: TimeRange): TableScan {
  const db = openReader(file);
  try {
    db.exec('BEGIN');
    const row = db
      .prepare<[string], { n: number; first_time: bigint | null }>(
        'SELECT n, first_time FROM tables WHERE id = ? AND dropped = 0',
      )
      .safeIntegers(true)
      .get(tableId);
    if (row === undefined) {
      end(db);
      return { firstTime: null, chunks: noChunks(), close: () => undefined };
    }
    const chunks = chunksOf(db, Number(row.n), range);
    return {
      firstTime: row.first_time,
      chunks,
      close(): void {
        chunks.return(undefined).catch(() => undefined);
        end(db);
      },
    };
  } catch (error) {
    end(db);
    throw error;
  }
}

async function* chunksOf(db: Sqlite, n: number, range: TimeRange): AsyncGenerator<string[]> {
  const rows = db
    .prepare<[number, bigint, bigint], string>(
      'SELECT record FROM revisions WHERE tbl = ? AND live = 1 AND time_ns >= ? AND time_ns < ? ORDER BY id',
    )
    .pluck()
    .iterate(n, range.start ?? MIN_TIME, range.end ?? MAX_TIME);
  try {
    let chunk: string[] = [];
    for (const text of rows) {
      chunk.push(text);
      if (chunk.length === CHUNK_RECORDS) {
        yield chunk;
        chunk = [];
        await nextTurn();
      }
    }
    if (chunk.length > 0) yield chunk;
  } finally {
    rows.return?.();
    end(db);
  }
}

/** The chunks of a table that has no records. */
export async function* noChunks(): AsyncGenerator<string[]> {
  await Promise.resolve();
  yield* [];
}

function end(db: Sqlite): void {
  if (!db.open) return;
  try {
    if (db.inTransaction) db.exec('COMMIT');
  } finally {
    db.close();
  }
}
