/**
 * Why the duplicate check (R-DUP-1) could not finish. It is exact at any size or it stops: it never guesses and
 * never goes on with a partial check. Codes are API (listed in the package README); match on `code`.
 */

export const DUPLICATE_CHECK_ERROR_CODES = [
  /** The temporary folder ran out of space (or quota) for the keys that do not fit in memory. */
  'DUPLICATES_TEMP_FULL',
  /** The temporary folder cannot be created or written (missing, not a folder, no permission). */
  'DUPLICATES_TEMP_UNWRITABLE',
  /** A source file changed (size, time or bytes) while the run read it: its rows cannot be compared again. */
  'DUPLICATES_SOURCE_CHANGED',
] as const;

export type DuplicateCheckErrorCode = (typeof DUPLICATE_CHECK_ERROR_CODES)[number];

export class DuplicateCheckError extends Error {
  override readonly name = 'DuplicateCheckError';

  constructor(
    readonly code: DuplicateCheckErrorCode,
    message: string,
    /** The temporary folder, or the source file. */
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for a DuplicateCheckError, also one rebuilt after crossing a thread (matched by its code). */
export function isDuplicateCheckError(error: unknown): error is DuplicateCheckError {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (DUPLICATE_CHECK_ERROR_CODES as readonly string[]).includes(code);
}

/** The error for a file whose row could not be read again as it was. */
export function sourceChanged(path: string): DuplicateCheckError {
  return new DuplicateCheckError(
    'DUPLICATES_SOURCE_CHANGED',
    `${path} changed while it was read (its size, modification time or bytes are not what they were), so rows cannot be compared for duplicates (R-DUP-1): run again on files that do not change during the run.`,
    path,
  );
}
