/**
 * R-QLDB-2: the journal of committed writes, written with them. A ledger is a database; its one strand is named by
 * the database's id. Each write (a WriteRecords call, a chunk of a batch-load task) opens a block, stores its
 * revisions under it, and closes it: the block then takes the strand's next sequenceNo, its commit time and its
 * hashes (journal-hash.ts), in the same transaction as the revisions, so the journal holds exactly what was
 * committed, in commit order. A block still open when the group commits is closed first: a task's chunk ends there.
 */
import { base62Id, blockHashOf, EntriesHasher, FIRST_SEQUENCE_NO, GENESIS_HASH } from './journal-hash.js';
import type { StoreDb } from './store-db.js';
import type { Statements } from './store-statements.js';

/** What a block's transactionInfo says about the write (R-QLDB-2). */
export interface BlockInfo {
  operation: 'WriteRecords' | 'BatchLoad' | 'Import';
  /** The batch-load task whose chunk this is. */
  taskId?: string;
}

/** The served table a block writes to. */
export interface TableRef {
  /** The table's number in the store. */
  n: number;
  /** Its database's id: the ledger, and the name of its strand. */
  ledger: string;
  database: string;
  name: string;
}

export interface OpenBlock {
  readonly id: number;
  readonly table: TableRef;
  readonly info: BlockInfo;
  firstRev: number;
  lastRev: number;
  revs: number;
  /** Points it created (not updated), and the earliest and latest time among them. */
  inserted: number;
  minTime: bigint | null;
  maxTime: bigint | null;
  readonly hasher: EntriesHasher;
  closed: boolean;
  /** A rollback took it (and its revisions) before it was committed. */
  rolledBack: boolean;
  /** Writes what its writer still holds (pending-rows.ts), before the block is closed. */
  flush: (() => void) | null;
}

export class JournalWriter {
  private nextId: number | null = null;
  private nextRev: number | null = null;
  private readonly tips = new Map<string, { seq: number; hash: Buffer; ts: number }>();
  private readonly open = new Set<OpenBlock>();
  /** Closed since the last COMMIT: a rollback takes these too. */
  private readonly uncommitted = new Set<OpenBlock>();

  constructor(
    private readonly db: StoreDb,
    private readonly sql: Statements,
    private readonly clock: () => Date,
  ) {
    db.beforeCommit.add(() => {
      for (const block of [...this.open]) this.close(block);
    });
    db.afterCommit.add(() => this.uncommitted.clear());
    db.afterRollback.add(() => {
      this.nextId = null;
      this.nextRev = null;
      this.tips.clear();
      for (const block of [...this.open, ...this.uncommitted]) {
        block.closed = true;
        block.rolledBack = true;
      }
      this.open.clear();
      this.uncommitted.clear();
    });
  }

  /** Opens a block (inside the write transaction). */
  begin(table: TableRef, info: BlockInfo): OpenBlock {
    this.nextId ??= (this.sql.maxBlockId.get() ?? 0) + 1;
    const block: OpenBlock = {
      id: this.nextId++,
      table,
      info,
      firstRev: 0,
      lastRev: 0,
      revs: 0,
      inserted: 0,
      minTime: null,
      maxTime: null,
      hasher: new EntriesHasher(),
      closed: false,
      rolledBack: false,
      flush: null,
    };
    this.open.add(block);
    return block;
  }

  /** The id of the next revision (ids are given here, so that a write can insert its rows together). */
  nextRevisionId(): number {
    this.nextRev ??= (this.sql.maxRevisionId.get() ?? 0) + 1;
    return this.nextRev++;
  }

  /** Records that revision `rev` (the record's text `json`) was stored under the block. */
  add(block: OpenBlock, rev: number, json: string): void {
    if (block.revs === 0) block.firstRev = rev;
    block.lastRev = rev;
    block.revs++;
    block.hasher.add(block.table.name, json);
  }

  /** Closes a block: its sequenceNo, commit time and hashes, written beside its revisions. Empty: no block. */
  close(block: OpenBlock): void {
    if (block.closed) return;
    block.flush?.();
    block.closed = true;
    this.open.delete(block);
    if (block.revs === 0) return;
    this.uncommitted.add(block);
    const { ledger } = block.table;
    let tip = this.tips.get(ledger);
    if (tip === undefined) {
      const last = this.sql.lastBlock.get(ledger);
      tip = last ?? { seq: FIRST_SEQUENCE_NO - 1, hash: GENESIS_HASH, ts: 0 };
    }
    const seq = tip.seq + 1;
    // [choice] A clock that steps back does not make a block older than the one before it: a strand's blocks are
    // in time order too, so a time range selects consecutive blocks (R-QLDB-3, R-QLDB-4).
    const ts = Math.max(this.clock().getTime(), tip.ts);
    const tx = base62Id();
    const entriesHash = block.hasher.digest();
    const hash = blockHashOf({
      previousBlockHash: tip.hash,
      entriesHash,
      strandId: ledger,
      sequenceNo: seq,
      transactionId: tx,
      blockTimestamp: ts,
    });
    const info: Record<string, string> = { operation: block.info.operation, tableName: block.table.name };
    if (block.info.taskId !== undefined) info['taskId'] = block.info.taskId;
    this.sql.insertBlock.run({
      id: block.id,
      ledger,
      seq,
      tbl: block.table.n,
      ts,
      tx,
      first_rev: block.firstRev,
      last_rev: block.lastRev,
      revs: block.revs,
      entries_hash: entriesHash,
      previous_hash: tip.hash,
      hash,
      info: JSON.stringify(info),
    });
    if (block.inserted > 0) {
      this.sql.countTable.run({
        added: block.inserted,
        time: block.minTime!,
        last: block.maxTime!,
        n: block.table.n,
      });
    }
    this.tips.set(ledger, { seq, hash, ts });
  }
}
