/** R-S3-1: the parallel dry run's staging GETs (s3-reader.ts `stage`): a block of shared memory being filled. */
/** One staging GET of bytes [start, end) into shared memory, shared by the stages of the ranges inside it. */
export interface StageBlock {
  readonly start: number;
  readonly end: number;
  /** Where its bytes are: byte 0 is the object's byte `start`. */
  readonly memory: SharedArrayBuffer;
  /** Bytes [start, written) are in memory. */
  written: number;
  /** Stages holding it whose read is not over (unstage). */
  users: number;
  /** Why the GET failed (the block is then dropped, so a later stage asks again). */
  error: { cause: unknown } | null;
  /** Stages waiting for more bytes of it. */
  readonly waiting: Set<() => void>;
  /** Aborted when the object's cache file is deleted (its runs ended). */
  readonly controller: AbortController;
}

/** Resolves once bytes up to `position` of the block are in the range cache; rejects with its GET's error. */
export function waitFor(block: StageBlock, position: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (block.written >= position) done(resolve);
      else if (block.error !== null) done(() => reject(asError(block.error!.cause)));
      else if (signal?.aborted === true) done(() => reject(asError(signal.reason)));
    };
    const done = (settle: () => void): void => {
      block.waiting.delete(check);
      signal?.removeEventListener('abort', check);
      settle();
    };
    block.waiting.add(check);
    signal?.addEventListener('abort', check);
    check();
  });
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
