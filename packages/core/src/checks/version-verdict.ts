/**
 * R-DUP-1, the one place where a record meets the point already stored for it: a record of a known point is
 * refused when its values differ and its version is not higher; identical values are accepted (idempotent); a
 * higher version updates the point. A lower version gets the service's "lower than the existing version" reason,
 * an equal one the "already exists" reason. The in-memory table (point-table.ts) and the resolution of keys spilled
 * to disk (duplicate-resolve.ts) both decide here.
 */
import { lowerVersionReason, VERSION_CONFLICT_REASON, type Failure } from '../failure.js';
import type { TimestreamRecord } from '../map/record.js';

/** The verdict for `record` against a stored point of version `existing`; `sameValues` compares their values. */
export function versionVerdict(
  record: TimestreamRecord,
  existing: number,
  sameValues: () => boolean,
): Failure | null {
  if (record.Version > existing || !refuses(record.Version, existing, sameValues())) return null;
  const dims = record.Dimensions.map((d) => `${d.Name}=${JSON.stringify(d.Value)}`).join(', ');
  return versionConflict(
    record.Version,
    existing,
    `Measure ${JSON.stringify(record.MeasureName)} at time ${record.Time} ${record.TimeUnit} with dimensions {${dims}} already has version ${existing} with other values; this record has version ${record.Version}`,
  );
}

/** The failure of a record of version `version` refused against a point of version `existing`. */
export function versionConflict(version: number, existing: number, detail: string): Failure {
  return {
    kind: 'ingestion',
    code: 'RECORD_VERSION_CONFLICT',
    reason: version < existing ? lowerVersionReason(version, existing) : VERSION_CONFLICT_REASON,
    detail,
  };
}

/** A record of version `version` meeting a point of version `existing` is refused (`sameValues`: theirs agree). */
export function refuses(version: number, existing: number, sameValues: boolean): boolean {
  return version <= existing && !sameValues;
}

/** Storing a record that was not refused changes the point only when its version is higher. */
export function updates(version: number, existing: number): boolean {
  return version > existing;
}
