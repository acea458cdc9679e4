/**
 * R-QLDB-2: the journal of a ledger (a database of the endpoint) as blocks, and the one place that says how a block
 * is sealed (its hashes). A store keeps the journal; the QLDB export reads it only through `JournalReader`, so the
 * store behind it can change without touching the export.
 *
 * [choice: the hash inputs] Every hash is SHA-256.
 * - revision hash = H(UTF-8 of `revisionHashInput(tableName, record)`: canonical JSON, members in a fixed order)
 * - entriesHash   = H(revision hash 1 ‖ revision hash 2 ‖ …), in block order (a flat list, not QLDB's Merkle tree)
 * - blockHash     = H(previousBlockHash ‖ entriesHash ‖ UTF-8 of `blockHeaderInput(block)`)
 * - previousBlockHash of the first block of a strand is 32 zero bytes.
 */
import { createHash } from 'node:crypto';
import type { TimestreamRecord } from '@tsbatch/core';

/** What committed a block (R-QLDB-2): a WriteRecords call, or a chunk of a batch-load task. */
export interface TransactionInfo {
  operation: 'WriteRecords' | 'BatchLoadTask';
  /** The batch-load task whose chunk this is. */
  taskId?: string;
}

/** A record the block stored, with the table it went to (its version is `record.Version`). */
export interface JournalRevision {
  tableName: string;
  record: TimestreamRecord;
  /** `revisionHash` of it, computed once when the block was sealed. */
  hash: Buffer;
}

/** One committed write (R-QLDB-2). */
export interface JournalBlock {
  blockAddress: { strandId: string; sequenceNo: number };
  transactionId: string;
  /** The commit time; never earlier than the block before it [choice]. */
  blockTimestamp: Date;
  /** 32 bytes each. */
  blockHash: Buffer;
  entriesHash: Buffer;
  previousBlockHash: Buffer;
  transactionInfo: TransactionInfo;
  /** The records stored by the write, in the order stored; rejected records are not revisions. */
  revisions: JournalRevision[];
}

/** A ledger as the export needs it. */
export interface LedgerInfo {
  /** The ledger's CreationTime (its database's): an earlier export start defaults to it (R-QLDB-3). */
  creationTime: Date;
  /** Its one strand [choice], named in the completed manifest even when no block is in range. */
  strandId: string;
}

/** How the QLDB export reads a ledger's journal: the whole contract between the export and a store. */
export interface JournalReader {
  /** The ledger, or undefined when there is no such ledger (database). */
  ledger(name: string): LedgerInfo | undefined;
  /**
   * The blocks of the ledger whose blockTimestamp is in [from, to), in commit order, streamed (bounded memory).
   * Every block committed before the call whose timestamp is in range is included.
   */
  blocks(ledger: string, from: Date, to: Date, signal?: AbortSignal): AsyncIterable<JournalBlock>;
}

export const HASH_BYTES = 32;
export const GENESIS_HASH: Buffer = Buffer.alloc(HASH_BYTES);

/**
 * The canonical JSON of a record: members in a fixed order (Dimensions{Name, Value, DimensionValueType}, MeasureName,
 * MeasureValueType, MeasureValue, MeasureValues{Name, Value, Type}, Time, TimeUnit, Version), whatever order the
 * store keeps them in. Built by hand: it is on the export's hot path (the JSON format writes it as the revision's
 * data).
 */
export function canonicalRecordJson(r: TimestreamRecord): string {
  let s = '{"Dimensions":[';
  for (let i = 0; i < r.Dimensions.length; i++) {
    const d = r.Dimensions[i]!;
    s += `${i === 0 ? '' : ','}{"Name":${JSON.stringify(d.Name)},"Value":${JSON.stringify(d.Value)},"DimensionValueType":${JSON.stringify(d.DimensionValueType)}}`;
  }
  s += `],"MeasureName":${JSON.stringify(r.MeasureName)},"MeasureValueType":${JSON.stringify(r.MeasureValueType)}`;
  if (r.MeasureValue !== undefined) s += `,"MeasureValue":${JSON.stringify(r.MeasureValue)}`;
  if (r.MeasureValues !== undefined) {
    s += ',"MeasureValues":[';
    for (let i = 0; i < r.MeasureValues.length; i++) {
      const v = r.MeasureValues[i]!;
      s += `${i === 0 ? '' : ','}{"Name":${JSON.stringify(v.Name)},"Value":${JSON.stringify(v.Value)},"Type":${JSON.stringify(v.Type)}}`;
    }
    s += ']';
  }
  return `${s},"Time":${JSON.stringify(r.Time)},"TimeUnit":${JSON.stringify(r.TimeUnit)},"Version":${JSON.stringify(r.Version)}}`;
}

/** The text a revision's hash is taken over: `{"tableName": ..., <the canonical record's members>}`. */
export function revisionHashInput(tableName: string, r: TimestreamRecord): string {
  return `{"tableName":${JSON.stringify(tableName)},${canonicalRecordJson(r).slice(1)}`;
}

export function revisionHash(revision: Omit<JournalRevision, 'hash'>): Buffer {
  return hashOfInput(revisionHashInput(revision.tableName, revision.record));
}

export function hashOfInput(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function entriesHashOf(revisionHashes: readonly Buffer[]): Buffer {
  const h = createHash('sha256');
  for (const r of revisionHashes) h.update(r);
  return h.digest();
}

/** The block members (other than hashes and revisions) that its hash covers, as canonical JSON. */
export function blockHeaderInput(
  block: Pick<JournalBlock, 'blockAddress' | 'transactionId' | 'blockTimestamp' | 'transactionInfo'>,
): string {
  const info: Record<string, string> = { operation: block.transactionInfo.operation };
  if (block.transactionInfo.taskId !== undefined) info['taskId'] = block.transactionInfo.taskId;
  return JSON.stringify([
    block.blockAddress.strandId,
    block.blockAddress.sequenceNo,
    block.transactionId,
    block.blockTimestamp.toISOString(),
    info,
  ]);
}

export function blockHashOf(previousBlockHash: Buffer, entriesHash: Buffer, headerInput: string): Buffer {
  return createHash('sha256').update(previousBlockHash).update(entriesHash).update(headerInput).digest();
}

/** A block before it is sealed: no hashes yet. */
export interface UnsealedBlock extends Omit<
  JournalBlock,
  'blockHash' | 'entriesHash' | 'previousBlockHash' | 'revisions'
> {
  revisions: readonly Omit<JournalRevision, 'hash'>[];
}

/** Seals a block at commit: hashes its revisions, then its entriesHash and blockHash over the previous block's hash. */
export function sealBlock(previousBlockHash: Buffer, unsealed: UnsealedBlock): JournalBlock {
  const revisions = unsealed.revisions.map((r) => ({
    tableName: r.tableName,
    record: r.record,
    hash: revisionHash(r),
  }));
  const entriesHash = entriesHashOf(revisions.map((r) => r.hash));
  const blockHash = blockHashOf(previousBlockHash, entriesHash, blockHeaderInput(unsealed));
  return { ...unsealed, revisions, previousBlockHash, entriesHash, blockHash };
}
