/**
 * R-S3-1: an object's bytes in ranged GETs of the listed version (If-Match on its ETag), the part being read and,
 * once half of it is consumed, the next one; a body cut off midway is asked for again from where it broke (the S3
 * reader's reads and staging GETs, s3-reader.ts).
 */
import { Readable } from 'node:stream';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { ReadChunksOptions, SourceFile } from '@tsbatch/core';

import { AwsError } from './errors.js';
import { objectChanged, s3Error } from './s3-errors.js';
import { parseS3Path } from './s3-uri.js';
import type { RangeCache } from './range-cache.js';

/** What the ranged GETs of one reader share. */
export interface RangedGets {
  readonly client: S3Client;
  /** Bytes per ranged GET. */
  readonly partBytes: number;
  /** Body failures resumed per part before the read fails. */
  readonly bodyRetries: number;
  /** R-DUP-1: where the bytes read are written for rows read again (null: nowhere). */
  readonly cache: RangeCache | null;
}

/** The bytes from options.start in ranged GETs of the listed version (the staging GETs: stage-block.ts). */
export async function* fetchRanges(
  gets: RangedGets,
  file: SourceFile,
  options: ReadChunksOptions,
): AsyncGenerator<Buffer, void, undefined> {
  const { bucket, key } = parseS3Path(file.path);
  const size = file.size;
  let position = options.start ?? 0;
  if (position >= size) return;
  // The first part stops at the caller's hint (a range, a header): the rest is asked for only when read on.
  const hinted = options.end !== undefined && options.end > position;
  let partEnd = Math.min(size, hinted ? options.end! : position + gets.partBytes);
  // R-DUP-1: a part this reader's cache holds already (another read of the object wrote it: the one-thread dry run
  // reads a load too big for the duplicate table twice at once, spill-ahead.ts) comes from there, not from S3 again.
  const cache = gets.cache;
  const cached = new WeakSet<Readable>();
  const get = (from: number, to: number): Promise<Readable> => {
    if (cache?.wrote(file, from, to) !== true)
      return rangedGet(gets.client, file, bucket, key, from, to, options.signal);
    const part = Readable.from(cachedPart(cache, file, from, to, options.highWaterMark));
    cached.add(part);
    return Promise.resolve(part);
  };
  /** Whether the part being read comes from the cache (then it is not written there again). */
  let fromCache = false;
  let current: Promise<Readable> | null = get(position, partEnd);
  let next: { from: number; to: number; body: Promise<Readable> } | null = null;
  // R-DUP-1: every chunk goes to the range cache before it is parsed, so a row is there before anyone asks for it.
  let cacheFd: number | null = null;
  // Socket-sized pieces (16 KiB) are handed on in chunks of about highWaterMark, never across a part's end (a range
  // that ends in its first part must not wait for the next): fewer, larger parser pushes and cache writes.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = (): Buffer => {
    if (cache !== null) cacheFd ??= cache.openForWrite(file);
    const out = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    if (cacheFd !== null && !fromCache) cache!.write(cacheFd, out, position - pendingBytes);
    pending = [];
    pendingBytes = 0;
    return out;
  };
  try {
    while (current !== null) {
      let body = await current;
      fromCache = cached.has(body);
      current = null;
      let failures = 0;
      const half = position + Math.floor((partEnd - position) / 2);
      for (;;) {
        try {
          for await (const chunk of body as AsyncIterable<Buffer>) {
            pending.push(chunk);
            pendingBytes += chunk.length;
            position += chunk.length;
            if (next === null && partEnd < size && position >= half && (!hinted || position > options.end!)) {
              const to = Math.min(size, partEnd + gets.partBytes);
              next = {
                from: partEnd,
                to,
                body: get(partEnd, to),
              };
              next.body.catch(() => undefined); // awaited below, or dropped with the read
            }
            if (pendingBytes >= options.highWaterMark) yield flush();
          }
          break;
        } catch (error) {
          body.destroy();
          options.signal?.throwIfAborted();
          // A body cut off midway: ask for the rest of the part again (the If-Match keeps it one version).
          if (++failures > gets.bodyRetries || position >= partEnd)
            throw s3Error(error, { bucket, key, operation: 'GetObject' });
          body = await get(position, partEnd);
          fromCache = cached.has(body);
        }
      }
      if (pendingBytes > 0) yield flush();
      if (position < partEnd) {
        throw new AwsError(
          'S3_REQUEST_FAILED',
          `GetObject s3://${bucket}/${key}: the body ended at byte ${position}, before ${partEnd}`,
        );
      }
      if (partEnd >= size) return;
      const to = next?.to ?? Math.min(size, partEnd + gets.partBytes);
      current = next?.body ?? get(partEnd, to);
      next = null;
      partEnd = to;
    }
  } finally {
    if (cacheFd !== null) cache!.closeWrite(cacheFd);
    // Leaving early (a range read far enough, a failure) drops the part asked for ahead.
    if (next !== null)
      void next.body.then(
        (b) => b.destroy(),
        () => undefined,
      );
  }
}

/** Bytes [from, to) of the object as the range cache holds them, in chunks of up to `chunkBytes`. */
function* cachedPart(
  cache: RangeCache,
  file: SourceFile,
  from: number,
  to: number,
  chunkBytes: number,
): Generator<Buffer, void, undefined> {
  for (let at = from; at < to;) {
    const chunk = cache.read(file, at, Math.min(chunkBytes, to - at));
    // Its file was let go meanwhile (the run's end): the read's retry asks S3.
    if (chunk === null)
      throw new AwsError('S3_REQUEST_FAILED', `${file.path}: the range cache lost bytes at ${at}`);
    at += chunk.length;
    yield chunk;
  }
}

/** One ranged GET of bytes [from, to) of the listed version (If-Match), its body as a stream. */
export async function rangedGet(
  client: S3Client,
  file: SourceFile,
  bucket: string,
  key: string,
  from: number,
  to: number,
  signal: AbortSignal | undefined,
): Promise<Readable> {
  let output: GetObjectCommandOutput;
  try {
    output = await client.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        Range: `bytes=${from}-${to - 1}`,
        ...(file.etag !== undefined && { IfMatch: file.etag }),
      }),
      signal === undefined ? {} : { abortSignal: signal },
    );
  } catch (error) {
    throw s3Error(error, { bucket, key, operation: 'GetObject' });
  }
  const body = output.Body as Readable | undefined;
  if (body === undefined) throw new AwsError('S3_REQUEST_FAILED', `GetObject s3://${bucket}/${key}: no body`);
  // A server that ignores If-Match still names the version it sent.
  if (file.etag !== undefined && output.ETag !== undefined && output.ETag !== file.etag) {
    body.destroy();
    throw objectChanged(bucket, key, `: listed ${file.etag}, now ${output.ETag}`);
  }
  return body;
}
