/**
 * R-QLDB-2 [choice: the hash inputs], all in this one place. SHA-256 throughout:
 * - an entry is one revision, as the UTF-8 bytes of `<table name> LF <record JSON> LF` (the record's stored text,
 *   Version exact, as `recordJson` writes it);
 * - entriesHash = SHA-256 of the block's entries, concatenated in revision order;
 * - blockHash = SHA-256 of previousBlockHash (32 bytes) || entriesHash (32 bytes) || the UTF-8 bytes of
 *   `<strandId>|<sequenceNo>|<transactionId>|<blockTimestamp as ISO 8601, milliseconds, Z>`;
 * - the first block of a strand has sequenceNo 1 and a previousBlockHash of 32 zero bytes.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';

/** previousBlockHash of a strand's first block. */
export const GENESIS_HASH: Buffer = Buffer.alloc(32);
/** sequenceNo of a strand's first block. */
export const FIRST_SEQUENCE_NO = 1;

/** Hashes a block's entries as they are stored, one revision at a time. */
export class EntriesHasher {
  private readonly hash: Hash = createHash('sha256');
  add(tableName: string, recordJson: string): void {
    this.hash.update(`${tableName}\n${recordJson}\n`);
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
    for (const byte of randomBytes(32)) {
      // 248 = 4 x 62: bytes above it are dropped so that every character is equally likely.
      if (byte < 248 && out.length < 22) out += BASE62[byte % 62];
    }
  }
  return out;
}
