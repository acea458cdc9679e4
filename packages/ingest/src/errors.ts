/**
 * The one error of @tsbatch/ingest (STYLE rule 5): match on `code`, never on the class. Errors cross the worker
 * boundary as plain `{code, message, details}` (structured clone drops the class and the code) and are rebuilt here.
 */

import { isDuplicateCheckError } from '@tsbatch/core';

export const INGEST_ERROR_CODES = [
  /** A WriteRecords call kept failing with throttling, 5xx, timeouts or lost connections (R-ING-2): resume later. */
  'INGEST_RETRIES_EXHAUSTED',
  /** The service refused the call for good (access denied, table missing, ...): fix the cause, then resume. */
  'INGEST_REQUEST_FAILED',
  /** The target table (or database) does not exist. */
  'INGEST_TABLE_NOT_FOUND',
  /** The load was stopped (a signal, Ctrl-C) before this record was acknowledged; resume sends it. */
  'INGEST_STOPPED',
  /** The record was in a call abandoned when the stop's grace period ran out; resume sends it. */
  'INGEST_ABANDONED',
  /** A worker thread failed (a bug or a crash of the thread itself). */
  'INGEST_WORKER_FAILED',
  /** An option is out of range; `details.option` names it. */
  'INGEST_INVALID_OPTION',
  /** The task cannot run: it finished, or belongs to another runner. */
  'INGEST_TASK_NOT_RUNNABLE',
  /** The task is running in another process that is still alive. */
  'INGEST_TASK_RUNNING',
  /** A source file changed since the task's checkpoint: resuming would skip or repeat rows. */
  'INGEST_SOURCE_CHANGED',
  /** The source location no longer resolves. */
  'INGEST_SOURCE_UNAVAILABLE',
  /** The task's checkpoint could not be saved (a full disk): the load stopped; resume once there is room. */
  'INGEST_CHECKPOINT_FAILED',
  /**
   * The within-load duplicate check (R-DUP-1) could not finish: its temporary folder is full or unwritable, or a
   * source file changed while it was read. The load stopped; resume once fixed.
   */
  'INGEST_DUPLICATES_FAILED',
] as const;
export type IngestErrorCode = (typeof INGEST_ERROR_CODES)[number];

/** An error as data: what crosses a worker boundary and what the task store keeps. */
export interface SerializedIngestError {
  code: IngestErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export class IngestError extends Error {
  override readonly name = 'IngestError';
  readonly details: Record<string, unknown>;

  constructor(
    readonly code: IngestErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.details = details;
  }

  toJSON(): SerializedIngestError {
    return { code: this.code, message: this.message, details: this.details };
  }

  static from(data: SerializedIngestError): IngestError {
    return new IngestError(data.code, data.message, data.details ?? {});
  }
}

/** True for an IngestError, also one rebuilt elsewhere (matched by its code). */
export function isIngestError(error: unknown, code?: IngestErrorCode): error is IngestError {
  if (typeof error !== 'object' || error === null) return false;
  const c = (error as { code?: unknown }).code;
  return (
    (error as { name?: unknown }).name === 'IngestError' &&
    typeof c === 'string' &&
    (INGEST_ERROR_CODES as readonly string[]).includes(c) &&
    (code === undefined || c === code)
  );
}

/**
 * Why a load stops, as an IngestError where it has a code of its own: R-DUP-1's check that cannot finish (a full
 * temporary folder, a source that changed) is INGEST_DUPLICATES_FAILED, resumable once its cause is fixed.
 */
export function stopCause(error: unknown): unknown {
  if (!isDuplicateCheckError(error)) return error;
  return new IngestError(
    'INGEST_DUPLICATES_FAILED',
    error.message,
    { reason: error.code, ...(error.path !== undefined && { path: error.path }) },
    { cause: error },
  );
}
