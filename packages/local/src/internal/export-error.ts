/** Errors of `openExport` (R-EXP-1), matched by `code`; re-exported by export.ts. */

export const EXPORT_ERROR_CODES = [
  /** `start` or `end` is not an ISO 8601 date-time with a zone. */
  'EXPORT_INVALID_TIME',
  /** `start` is not before `end`. */
  'EXPORT_START_NOT_BEFORE_END',
  /** `end` is after the current time (of the store's clock). */
  'EXPORT_END_IN_FUTURE',
  /** Two exports of the table are running already. */
  'EXPORT_LIMIT_EXCEEDED',
  /** The database or the table does not exist. */
  'EXPORT_NOT_FOUND',
  /** The data folder is not a tsbatch store (no or a broken catalog.json). */
  'EXPORT_NOT_A_STORE',
  /** A line of a dry run's records file is not `{"source": ..., "record": <Record>}`. */
  'EXPORT_RECORDS_FILE_INVALID',
  /** The export request to the route is malformed (not JSON, a member missing or of the wrong type). */
  'EXPORT_INVALID_REQUEST',
  /** The endpoint cannot be reached, does not serve exports, or broke off before the end. */
  'EXPORT_ENDPOINT_FAILED',
] as const;
export type ExportErrorCode = (typeof EXPORT_ERROR_CODES)[number];

export class ExportError extends Error {
  override readonly name = 'ExportError';
  constructor(
    readonly code: ExportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The HTTP status of each code on the export route. */
export const EXPORT_ERROR_STATUS: Readonly<Record<ExportErrorCode, number>> = {
  EXPORT_INVALID_TIME: 400,
  EXPORT_START_NOT_BEFORE_END: 400,
  EXPORT_END_IN_FUTURE: 400,
  EXPORT_INVALID_REQUEST: 400,
  EXPORT_NOT_FOUND: 404,
  EXPORT_LIMIT_EXCEEDED: 429,
  EXPORT_NOT_A_STORE: 500,
  EXPORT_RECORDS_FILE_INVALID: 500,
  EXPORT_ENDPOINT_FAILED: 502,
};

export function isExportErrorCode(code: unknown): code is ExportErrorCode {
  return typeof code === 'string' && (EXPORT_ERROR_CODES as readonly string[]).includes(code);
}
