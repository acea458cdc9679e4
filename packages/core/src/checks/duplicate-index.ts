/**
 * R-DUP-1: duplicates within a load (and, for the local endpoint, across writes). Two records are the same
 * point when they have the same measure name, the same dimensions as a set (order-insensitive) and the same time
 * instant: [choice] times are compared as instants, so `0012` and `12` agree, and so do 12 SECONDS and
 * 12000 MILLISECONDS. A later record of the same point is refused when its values differ and its version is not
 * higher; identical values are accepted (idempotent); a higher version updates the point.
 *
 * [choice] Values are compared as a set of name/type/value, each by its type: DOUBLE numerically (`1.0` equals
 * `1`), BIGINT numerically (`+007` equals `7`), BOOLEAN in any case, TIMESTAMP as an instant, VARCHAR exactly.
 *
 * Memory is bounded: at most `maxEntries` points in an open-addressing table of 64-bit key hashes, made straight
 * from the record's strings. A hash only finds candidates; a match is always confirmed exactly, never decided by
 * a hash. A point whose record came from a row of a file (stamped by mapRows, internal/record-source.ts) is kept
 * as its hash and the row's location only (24 bytes a slot): a candidate is confirmed by reading that row again
 * and comparing the records (internal/reread-row.ts). Any other point is stored as its exact byte encoding
 * (internal/check-record-key.ts) in an arena and confirmed on those bytes. A row that cannot be read again as it
 * was (the file changed) confirms nothing and makes the check partial. Past the bound (or past the arena's byte
 * cap) new points are not tracked and `partial` turns true. Nothing is allocated per record on the common path.
 */
import { PointTable, type DuplicateIndex } from './point-table.js';

export type { DuplicateIndex };

export interface DuplicateIndexOptions {
  /** @default 1_000_000 */
  maxEntries?: number;
}

const DEFAULT_MAX_ENTRIES = 1_000_000;

export function createDuplicateIndex(options?: DuplicateIndexOptions): DuplicateIndex {
  const maxEntries = options?.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (!Number.isInteger(maxEntries) || maxEntries < 0) {
    throw new RangeError(
      `createDuplicateIndex: maxEntries must be a non-negative integer, got ${maxEntries}`,
    );
  }
  return new PointTable(maxEntries);
}
