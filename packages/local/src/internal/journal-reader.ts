/**
 * R-QLDB-2: the journal blocks of one ledger (a database) whose blockTimestamp is in [start, end), in commit order,
 * streamed a page of blocks at a time on a reader connection of its own (bounded memory; the writer is never
 * blocked, and the event loop gets a turn between pages). Blocks committed after the read began are not part of
 * it: the read stops at the strand's tip as it was then. `readJournalPages` gives the stored texts as they are (the
 * QLDB export's worker encodes them); `readJournalBlocks` the blocks with their records parsed and hashes computed.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { revisionHashOf } from './journal-hash.js';
import { openReader, type Sqlite } from './store-db.js';
import { parseRecordChunk, type StoredRecord } from './record-json.js';
import type { BlockRow } from './store-statements.js';

/** Blocks read per query. */
const PAGE_BLOCKS = 64;
/** A page ends at the block that brings it to this many revisions (a block is never split). */
const PAGE_REVISIONS = 4_096;

export interface JournalRevision {
  tableName: string;
  /** The record as stored (Version exact). */
  record: StoredRecord;
  version: bigint;
  /** Its stored JSON text, the bytes its hash covers (journal-hash.ts). */
  recordJson: string;
  /** The revision's hash (journal-hash.ts), which the block's entriesHash covers. */
  hash: Buffer;
}

export interface JournalTransactionInfo {
  operation: 'WriteRecords' | 'BatchLoad' | 'Import';
  tableName: string;
  /** The batch-load task of a BatchLoad block. */
  taskId?: string;
}

/** A block as the journal holds it; `R` is what a revision is (its stored text, or it parsed). */
export interface JournalBlockOf<R> {
  blockAddress: { strandId: string; sequenceNo: number };
  transactionId: string;
  /** Commit time (millisecond precision). */
  blockTimestamp: Date;
  blockHash: Buffer;
  entriesHash: Buffer;
  previousBlockHash: Buffer;
  transactionInfo: JournalTransactionInfo;
  /** The records the write stored, in the order it stored them (rejected records are not revisions). */
  revisions: R[];
}

export type JournalBlock = JournalBlockOf<JournalRevision>;

/** A revision as stored: its table and its record's JSON text. */
export interface StoredRevision {
  tableName: string;
  recordJson: string;
}

export type StoredJournalBlock = JournalBlockOf<StoredRevision>;

export interface JournalRange {
  /** Inclusive, by blockTimestamp. */
  start: Date;
  /** Exclusive. */
  end: Date;
}

/** Pages of consecutive blocks, their revisions as stored texts, from a reader connection on the store's file. */
export async function* readJournalPages(
  file: string,
  ledger: string,
  range: JournalRange,
  signal?: AbortSignal,
): AsyncGenerator<StoredJournalBlock[]> {
  const db = openReader(file);
  try {
    const tip = db
      .prepare<[string], number | null>('SELECT max(seq) FROM blocks WHERE ledger = ?')
      .pluck()
      .get(ledger);
    if (tip === null || tip === undefined) return;
    const page = db.prepare<[string, number, number, number, number], BlockRow>(
      `SELECT * FROM blocks WHERE ledger = ? AND seq > ? AND seq <= ? AND ts >= ? AND ts < ?
        ORDER BY seq LIMIT ${PAGE_BLOCKS}`,
    );
    const revisions = db
      .prepare<[number, number, number], string>(
        'SELECT record FROM revisions WHERE id BETWEEN ? AND ? AND block = ? ORDER BY id',
      )
      .pluck();
    const names = tableNames(db);
    let after = 0;
    for (;;) {
      signal?.throwIfAborted();
      const rows = bounded(page.all(ledger, after, tip, range.start.getTime(), range.end.getTime()));
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.seq;
      const blocks = rows.map((b) => {
        const table = names(b.tbl);
        // A block's revisions are in [first_rev, last_rev], with those of writes committed beside it in between.
        const texts = revisions.all(b.first_rev, b.last_rev, b.id);
        return blockOf(
          b,
          texts.map((recordJson): StoredRevision => ({ tableName: table, recordJson })),
        );
      });
      yield blocks;
      await nextTurn();
    }
  } finally {
    db.close();
  }
}

/** The blocks of the range with their records parsed and their revisions' hashes. */
export async function* readJournalBlocks(
  file: string,
  ledger: string,
  range: JournalRange,
  signal?: AbortSignal,
): AsyncGenerator<JournalBlock> {
  for await (const page of readJournalPages(file, ledger, range, signal)) {
    for (const b of page) {
      const records = parseRecordChunk(b.revisions.map((r) => r.recordJson));
      const revisions = b.revisions.map((r, i): JournalRevision => {
        const record = records[i]!;
        const hash = revisionHashOf(r.tableName, r.recordJson);
        return { tableName: r.tableName, record, version: record.Version, recordJson: r.recordJson, hash };
      });
      yield { ...b, revisions };
    }
  }
}

/** The first blocks of a query's answer up to PAGE_REVISIONS revisions (at least one block). */
function bounded(rows: BlockRow[]): BlockRow[] {
  let revs = 0;
  for (let i = 0; i < rows.length; i++) {
    revs += rows[i]!.revs;
    if (revs >= PAGE_REVISIONS) return rows.slice(0, i + 1);
  }
  return rows;
}

function blockOf<R>(b: BlockRow, revisions: R[]): JournalBlockOf<R> {
  return {
    blockAddress: { strandId: b.ledger, sequenceNo: b.seq },
    transactionId: b.tx,
    blockTimestamp: new Date(b.ts),
    blockHash: b.hash,
    entriesHash: b.entries_hash,
    previousBlockHash: b.previous_hash,
    transactionInfo: JSON.parse(b.info) as JournalTransactionInfo,
    revisions,
  };
}

/** Table names by store number (kept after a table is deleted, so old blocks still name it). */
function tableNames(db: Sqlite): (n: number) => string {
  const lookup = db.prepare<[number], string>('SELECT name FROM tables WHERE n = ?').pluck();
  const cache = new Map<number, string>();
  return (n) => {
    let name = cache.get(n);
    if (name === undefined) {
      name = lookup.get(n) ?? '';
      cache.set(n, name);
    }
    return name;
  };
}
