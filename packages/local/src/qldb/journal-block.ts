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

/** The canonical text a revision's hash is taken over (documented in the README). */
export function revisionHashInput(tableName: string, r: TimestreamRecord): string {
  const canonical: Record<string, unknown> = {
    tableName,
    Dimensions: r.Dimensions.map((d) => ({
      Name: d.Name,
      Value: d.Value,
      DimensionValueType: d.DimensionValueType,
    })),
    MeasureName: r.MeasureName,
    MeasureValueType: r.MeasureValueType,
  };
  if (r.MeasureValue !== undefined) canonical['MeasureValue'] = r.MeasureValue;
  if (r.MeasureValues !== undefined) {
    canonical['MeasureValues'] = r.MeasureValues.map((v) => ({ Name: v.Name, Value: v.Value, Type: v.Type }));
  }
  canonical['Time'] = r.Time;
  canonical['TimeUnit'] = r.TimeUnit;
  canonical['Version'] = r.Version;
  return JSON.stringify(canonical);
}

export function revisionHash(revision: JournalRevision): Buffer {
  return createHash('sha256').update(revisionHashInput(revision.tableName, revision.record)).digest();
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

/** Seals a block at commit: computes its entriesHash and blockHash over the previous block's hash. */
export function sealBlock(
  previousBlockHash: Buffer,
  unsealed: Omit<JournalBlock, 'blockHash' | 'entriesHash' | 'previousBlockHash'>,
): JournalBlock {
  const entriesHash = entriesHashOf(unsealed.revisions.map(revisionHash));
  const blockHash = blockHashOf(previousBlockHash, entriesHash, blockHeaderInput(unsealed));
  return { ...unsealed, previousBlockHash, entriesHash, blockHash };
}
