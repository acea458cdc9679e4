import type { PartialLoadResult } from './load-types.js';

/**
 * A run stopped by its AbortSignal (issue 18): rejects the run's promise, as an aborted call does in Node
 * (`name` 'AbortError'), with the signal's reason as `cause` and the rows counted so far in `partial`. No row is
 * processed, and no callback called, after the run sees the abort.
 */
export class LoadAbortedError extends Error {
  override readonly name = 'AbortError';
  readonly code = 'LOAD_ABORTED';
  readonly partial: PartialLoadResult;

  constructor(reason: unknown, partial: PartialLoadResult) {
    const why = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : '';
    super(`The run was aborted${why === '' ? '' : `: ${why}`}`, { cause: reason });
    this.partial = partial;
  }
}

/** Matched by code, not instanceof (STYLE rule 5): works across copies of the package. */
export function isLoadAborted(error: unknown): error is LoadAbortedError {
  return (error as { code?: unknown } | null)?.code === 'LOAD_ABORTED';
}
