/** R-S3-1: the parallel dry run's staging GETs (s3-reader.ts `stage`): a block of shared memory being filled. */
import { finished } from 'node:stream';
import type { SourceFile } from '@tsbatch/core';

import { AwsError } from './errors.js';
import { rangedGet, type RangedGets } from './ranged-get.js';
import { s3Error } from './s3-errors.js';
import { parseS3Path } from './s3-uri.js';

/**
 * [choice] A block's stages are told of its bytes every this many bytes (and at its end): a range's parse starts
 * soon after its own bytes are in, at one wake-up per MiB.
 */
const STAGE_NOTIFY_BYTES = 1024 * 1024;

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

/**
 * Fills the block: one ranged GET of its bytes (If-Match, ranged-get.ts), copied into its shared memory as the socket
 * hands them over ('data' events on the main thread: no async iteration and no buffer of their own), `written` moved on
 * and `wake` called every STAGE_NOTIFY_BYTES and at the end. A body cut off midway is asked for again from the byte
 * where it broke, up to `gets.bodyRetries` times; then it rejects (as does a body longer than asked for).
 */
export async function fillBlock(
  gets: RangedGets,
  file: SourceFile,
  block: StageBlock,
  wake: () => void,
): Promise<void> {
  const { bucket, key } = parseS3Path(file.path);
  const target = Buffer.from(block.memory);
  const signal = block.controller.signal;
  let failures = 0;
  while (block.written < block.end) {
    const body = await rangedGet(gets.client, file, bucket, key, block.written, block.end, signal);
    try {
      await new Promise<void>((resolve, reject) => {
        let told = block.written;
        body.on('data', (chunk: Buffer) => {
          const at = block.written;
          if (chunk.length > block.end - at) {
            body.destroy(
              new AwsError(
                'S3_REQUEST_FAILED',
                `GetObject s3://${bucket}/${key}: the body ran past byte ${block.end}, the end asked for`,
              ),
            );
            return;
          }
          chunk.copy(target, at - block.start);
          block.written = at + chunk.length;
          if (block.written - told >= STAGE_NOTIFY_BYTES) {
            told = block.written;
            wake();
          }
        });
        finished(body, (error) => {
          wake();
          if (error !== undefined && error !== null) reject(error);
          else resolve();
        });
      });
    } catch (error) {
      body.destroy();
      signal.throwIfAborted();
      if (error instanceof AwsError || ++failures > gets.bodyRetries)
        throw error instanceof AwsError ? error : s3Error(error, { bucket, key, operation: 'GetObject' });
      continue;
    }
    if (block.written < block.end) {
      throw new AwsError(
        'S3_REQUEST_FAILED',
        `GetObject s3://${bucket}/${key}: the body ended at byte ${block.written}, before ${block.end}`,
      );
    }
  }
}
