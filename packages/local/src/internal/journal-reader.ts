/**
 * R-QLDB-2: the journal blocks of one ledger (a database) whose blockTimestamp is in [start, end), in commit order,
 * streamed a page of blocks at a time on a reader connection of its own (bounded memory; the writer is never
 * blocked, and the event loop gets a turn between pages). Blocks committed after the read began are not part of
 * it: the read stops at the strand's tip as it was then.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { openReader, type Sqlite } from './store-db.js';
import { parseRecordJson, type StoredRecord } from './record-json.js';
import type { BlockRow } from './store-statements.js';

/** Blocks read per page. */
const PAGE_BLOCKS = 32;

export interface JournalRevision {
  tableName: string;
  /** The record as stored (Version exact). */
  record: StoredRecord;
  version: bigint;
  /** Its stored JSON text, the bytes the entriesHash covers (journal-hash.ts). */
  recordJson: string;
}

export interface JournalTransactionInfo {
  operation: 'WriteRecords' | 'BatchLoad' | 'Import';
  tableName: string;
  /** The batch-load task of a BatchLoad block. */
  taskId?: string;
}

export interface JournalBlock {
  blockAddress: { strandId: string; sequenceNo: number };
  transactionId: string;
  /** Commit time (millisecond precision). */
  blockTimestamp: Date;
  blockHash: Buffer;
  entriesHash: Buffer;
  previousBlockHash: Buffer;
  transactionInfo: JournalTransactionInfo;
  /** The records the write stored, in the order it stored them (rejected records are not revisions). */
  revisions: JournalRevision[];
}

export interface JournalRange {
  /** Inclusive, by blockTimestamp. */
  start: Date;
  /** Exclusive. */
  end: Date;
}

interface RevisionRow {
  id: number;
  block: number;
  record: string;
}

export async function* readJournalBlocks(
  file: string,
  ledger: string,
  range: JournalRange,
  signal?: AbortSignal,
): AsyncGenerator<JournalBlock> {
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
    const revisions = db.prepare<[number, number], RevisionRow>(
      'SELECT id, block, record FROM revisions WHERE id BETWEEN ? AND ? ORDER BY id',
    );
    const names = tableNames(db);
    let after = 0;
    for (;;) {
      signal?.throwIfAborted();
      const blocks = page.all(ledger, after, tip, range.start.getTime(), range.end.getTime());
      if (blocks.length === 0) return;
      after = blocks[blocks.length - 1]!.seq;
      const byBlock = new Map<number, JournalRevision[]>(blocks.map((b) => [b.id, []]));
      const from = Math.min(...blocks.map((b) => b.first_rev));
      const to = Math.max(...blocks.map((b) => b.last_rev));
      for (const row of revisions.all(from, to)) {
        const list = byBlock.get(row.block);
        if (list === undefined) continue; // a revision of another block committed in the same id range
        const record = parseRecordJson(row.record);
        const tableName = names(blocks.find((b) => b.id === row.block)!.tbl);
        list.push({ tableName, record, version: record.Version, recordJson: row.record });
      }
      for (const b of blocks) yield blockOf(b, byBlock.get(b.id)!);
      await nextTurn();
    }
  } finally {
    db.close();
  }
}

function blockOf(b: BlockRow, revisions: JournalRevision[]): JournalBlock {
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
