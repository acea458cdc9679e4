/**
 * R-QLDB-2 [choice: the hash inputs], all in this one place, for the store's journal and the QLDB export alike (an
 * exported block carries these very hashes). SHA-256 throughout:
 * - a revision's hash = SHA-256 of the UTF-8 bytes of `<table name> LF <record JSON> LF` (the record's stored text,
 *   Version exact, as `recordJson` writes it; the JSON export's `data` is that text);
 * - entriesHash = SHA-256 of the block's revision hashes (32 bytes each), concatenated in revision order: QLDB's
 *   revisions each carry a hash that its block's entriesHash covers, so one revision is checked against its block
 *   with the hashes of the others alone (a flat list where QLDB builds a Merkle tree);
 * - blockHash = SHA-256 of previousBlockHash (32 bytes) || entriesHash (32 bytes) || the UTF-8 bytes of
 *   `<strandId>|<sequenceNo>|<transactionId>|<blockTimestamp as ISO 8601, milliseconds, Z>`;
 * - the first block of a strand has sequenceNo 1 and a previousBlockHash of 32 zero bytes.
 */
import { createHash, hash as oneShotHash, randomBytes, type Hash } from 'node:crypto';

/** previousBlockHash of a strand's first block. */
export const GENESIS_HASH: Buffer = Buffer.alloc(32);
/** sequenceNo of a strand's first block. */
export const FIRST_SEQUENCE_NO = 1;

/** The hash of one revision: a record stored into a table. */
export function revisionHashOf(tableName: string, recordJson: string): Buffer {
  // crypto.hash: the same SHA-256 in one call, without a Hash object per revision (it runs on every write).
  return oneShotHash('sha256', `${tableName}\n${recordJson}\n`, 'buffer');
}

/** The same hash as base64 (the JSON and Ion text exports' form), made natively without a Buffer between. */
export function revisionHashBase64Of(tableName: string, recordJson: string): string {
  return oneShotHash('sha256', `${tableName}\n${recordJson}\n`, 'base64');
}

/** Hashes a block's entries as they are stored, one revision at a time. */
export class EntriesHasher {
  private readonly hash: Hash = createHash('sha256');
  add(tableName: string, recordJson: string): void {
    this.hash.update(revisionHashOf(tableName, recordJson));
  }
  /** A revision by its hash (a reader that has the hashes, not the records). */
  addHash(revisionHash: Uint8Array): void {
    this.hash.update(revisionHash);
  }
  digest(): Buffer {
    return this.hash.digest();
  }
}

/** entriesHash of a block's revisions (for a reader verifying what it read). */
export function entriesHashOf(entries: Iterable<{ tableName: string; recordJson: string }>): Buffer {
  const hasher = new EntriesHasher();
  for (const e of entries) hasher.add(e.tableName, e.recordJson);
  return hasher.digest();
}

/** entriesHash from the revisions' hashes alone (what an exported block carries). */
export function entriesHashOfRevisions(revisionHashes: Iterable<Uint8Array>): Buffer {
  const hasher = new EntriesHasher();
  for (const h of revisionHashes) hasher.addHash(h);
  return hasher.digest();
}

export interface BlockHashInput {
  previousBlockHash: Buffer;
  entriesHash: Buffer;
  strandId: string;
  sequenceNo: number;
  transactionId: string;
  /** Commit time, milliseconds since the epoch. */
  blockTimestamp: number;
}

export function blockHashOf(b: BlockHashInput): Buffer {
  return createHash('sha256')
    .update(b.previousBlockHash)
    .update(b.entriesHash)
    .update(`${b.strandId}|${b.sequenceNo}|${b.transactionId}|${new Date(b.blockTimestamp).toISOString()}`)
    .digest();
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A QLDB-style id: 22 Base62 characters (about 131 random bits), as strandId and transactionId are. */
export function base62Id(): string {
  let out = '';
  while (out.length < 22) {
    const byte = randomByte();
    // 248 = 4 x 62: bytes above it are dropped so that every character is equally likely.
    if (byte < 248) out += BASE62[byte % 62];
  }
  return out;
}

/** Random bytes drawn a pool at a time (an id per journal block: one randomBytes call per block cost ~1 µs). */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolAt = 0;

function randomByte(): number {
  if (poolAt === pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  return pool[poolAt++]!;
}
