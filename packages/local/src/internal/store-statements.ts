/** The store's SQL, prepared once (STYLE rule 8: nothing compiled on the hot path). */
import type { Statement } from 'better-sqlite3';
import type { Sqlite } from './store-db.js';

export interface PointRow {
  version: bigint;
  rev: bigint;
}

export interface BlockRow {
  id: number;
  ledger: string;
  seq: number;
  tbl: number;
  ts: number;
  tx: string;
  first_rev: number;
  last_rev: number;
  revs: number;
  entries_hash: Buffer;
  previous_hash: Buffer;
  hash: Buffer;
  info: string;
}

export class Statements {
  readonly findPoint: Statement<[number, string], PointRow>;
  readonly updatePoint: Statement<[bigint, number | bigint, number, string]>;
  readonly killRevision: Statement<[number | bigint]>;
  readonly revisionRecord: Statement<[number | bigint], string>;
  readonly insertBlock: Statement<[BlockRow]>;
  readonly lastBlock: Statement<[string], { seq: number; hash: Buffer; ts: number }>;
  readonly maxBlockId: Statement<[], number | null>;
  readonly maxRevisionId: Statement<[], number | null>;
  readonly countTable: Statement<[{ added: number; time: bigint; last: bigint; n: number }]>;

  constructor(db: Sqlite) {
    this.findPoint = db
      .prepare<[number, string], PointRow>('SELECT version, rev FROM points WHERE tbl = ? AND key = ?')
      .safeIntegers(true);
    this.updatePoint = db.prepare('UPDATE points SET version = ?, rev = ? WHERE tbl = ? AND key = ?');
    this.killRevision = db.prepare('UPDATE revisions SET live = 0 WHERE id = ?');
    this.revisionRecord = db
      .prepare<[number | bigint], string>('SELECT record FROM revisions WHERE id = ?')
      .pluck();
    this.insertBlock = db.prepare(
      `INSERT INTO blocks (id, ledger, seq, tbl, ts, tx, first_rev, last_rev, revs, entries_hash, previous_hash,
        hash, info) VALUES (@id, @ledger, @seq, @tbl, @ts, @tx, @first_rev, @last_rev, @revs, @entries_hash,
        @previous_hash, @hash, @info)`,
    );
    this.lastBlock = db.prepare<[string], { seq: number; hash: Buffer; ts: number }>(
      'SELECT seq, hash, ts FROM blocks WHERE ledger = ? ORDER BY seq DESC LIMIT 1',
    );
    this.maxBlockId = db.prepare<[], number | null>('SELECT max(id) FROM blocks').pluck();
    this.maxRevisionId = db.prepare<[], number | null>('SELECT max(id) FROM revisions').pluck();
    // The count and the first time of a table, which start-up and export read, and its last time (writers).
    this.countTable = db.prepare(
      `UPDATE tables SET points = points + @added,
        first_time = CASE WHEN first_time IS NULL OR first_time > @time THEN @time ELSE first_time END,
        last_time = CASE WHEN last_time IS NULL OR last_time < @last THEN @last ELSE last_time END WHERE n = @n`,
    );
  }
}
