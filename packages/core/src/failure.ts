/**
 * Failures as data (STYLE rule 5/6). A failure is what happened to one row or one file; the engine counts it
 * (R-COUNT-1/2), groups it in the error report by `reason` (R-REP-2) and lists it in rejects.jsonl (R-REP-3).
 */

/** Whole-file failures (R-COUNT-2). */
export const FILE_FAILURE_CODES = [
  'FILE_UNREADABLE',
  'FILE_TOO_LARGE',
  'FILE_BOM',
  'FILE_INVALID_UTF8',
  'FILE_EMPTY',
  'FILE_HEADER_EMPTY_NAME',
  'FILE_HEADER_DUPLICATE_NAME',
  'FILE_HEADER_UNREADABLE',
  'FILE_MISSING_COLUMN',
] as const;

/** Rows the CSV reader could not turn into cells (R-CSV-6). */
export const CSV_PARSE_FAILURE_CODES = [
  'CSV_FIELD_COUNT',
  'CSV_INVALID_QUOTE',
  'CSV_UNTERMINATED_QUOTE',
  'CSV_ROW_TOO_LARGE',
] as const;

/** Rows whose cells do not map to records (section 4 of SPEC.md). */
export const MAP_PARSE_FAILURE_CODES = [
  'TIME_NULL',
  'TIME_INVALID',
  'TIME_OUT_OF_RANGE',
  'DIMENSIONS_ALL_NULL',
  'VALUE_INVALID',
  'MEASURES_ALL_NULL',
  'MEASURE_NAME_NULL',
  'MEASURE_NAME_UNMAPPED',
] as const;

/** Records the service would accept from the file but refuse to store (R-LIM-1, R-WIN-1, R-DUP-1). */
export const INGESTION_FAILURE_CODES = [
  'LIMIT_DIMENSION_PAIR_SIZE',
  'LIMIT_VARCHAR_SIZE',
  'LIMIT_MEASURE_VALUES_SIZE',
  'LIMIT_RECORD_SIZE',
  'LIMIT_DIMENSION_COUNT',
  'LIMIT_MEASURE_COUNT',
  'TIME_OUTSIDE_WINDOW',
  'RECORD_VERSION_CONFLICT',
  /** A real load (R-ING-2): WriteRecords refused the record for a reason the engine does not check itself. */
  'RECORD_REJECTED',
] as const;

export type FileFailureCode = (typeof FILE_FAILURE_CODES)[number];
export type ParseFailureCode =
  (typeof CSV_PARSE_FAILURE_CODES)[number] | (typeof MAP_PARSE_FAILURE_CODES)[number];
export type IngestionFailureCode = (typeof INGESTION_FAILURE_CODES)[number];
export type FailureCode = FileFailureCode | ParseFailureCode | IngestionFailureCode;

export type FailureKind = 'file' | 'parse' | 'ingestion';

export interface Failure {
  kind: FailureKind;
  code: FailureCode;
  /**
   * The service-style reason, the same text for every row that fails the same way (no cell values in it), so
   * that consecutive rows merge into one line range in the error report (R-REP-2).
   */
  reason: string;
  /** The specific explanation for this row: names the value, the column, the byte offset. Goes to rejects.jsonl. */
  detail: string;
  /** The CSV column the failure is about, when there is one. */
  column?: string;
}

/**
 * R-DUP-1's reason, shared by the within-load check, the local endpoint's batch load and the real load's mapping
 * of the service's rejections, so the error report merges every version conflict into one reason.
 */
export const VERSION_CONFLICT_REASON =
  'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value.';

/**
 * R-DUP-1's reason for a record whose version is lower than the one stored for its point (and whose values differ),
 * as the service words it. Versions may be exact 64-bit integers (the local store's bigints, R-LOCAL-2).
 */
export function lowerVersionReason(version: number | bigint, existing: number | bigint): string {
  return `The record version ${version} is lower than the existing version ${existing}. A higher version is required to update the measure value.`;
}

/** R-WIN-1's reason, the one text the AWS error-report example shows; shared like VERSION_CONFLICT_REASON. */
export const OUTSIDE_WINDOW_REASON =
  'The record timestamp is outside the time range of the data ingestion window.';
