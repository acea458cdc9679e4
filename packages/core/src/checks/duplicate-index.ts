/**
 * R-DUP-1: duplicates within a load (and, for the local endpoint, across writes). Two records are the same
 * point when they have the same measure name, the same dimensions as a set (order-insensitive) and the same time
 * instant: [choice] times are compared as instants, so `0012` and `12` agree, and so do 12 SECONDS and
 * 12000 MILLISECONDS. A later record of the same point is refused when its values differ and its version is not
 * higher; identical values are accepted (idempotent); a higher version updates the point (version-verdict.ts).
 *
 * [choice] Values are compared as a set of name/type/value, each by its type: DOUBLE numerically (`1.0` equals
 * `1`), BIGINT numerically (`+007` equals `7`), BOOLEAN in any case, TIMESTAMP as an instant, VARCHAR exactly.
 *
 * A hash only finds candidates; a match is always confirmed exactly, never decided by a hash. A point whose record
 * came from a row of a file (stamped by mapRows, map/record-source.ts) is kept as its hash and the row's location
 * (20 bytes a slot) and confirmed by reading that row again (reread-row.ts); any other point is kept as its exact
 * byte encoding (check-record-key.ts). A row that cannot be read again as it was stops the check with
 * DUPLICATES_SOURCE_CHANGED: it never guesses.
 *
 * createDuplicateIndex is the check of records handed to it, all in memory. The load engine (dryRun, runLoad,
 * runDeferredLoad, dryRunInRanges) bounds its memory instead and puts the keys that do not fit on disk
 * (load-duplicates.ts): there is no partial mode.
 */
import { PointTable, type DuplicateIndex } from './point-table.js';

export type { DuplicateIndex };

/** An exact duplicate check held in memory (it grows with the points; the load engine bounds it). */
export function createDuplicateIndex(): DuplicateIndex {
  return new PointTable();
}
