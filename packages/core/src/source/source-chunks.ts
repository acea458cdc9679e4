/** Reads a file as a sequence of chunks, closing it however the reader stops (STYLE rule 7). */
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/**
 * The file's bytes from offset `start` in chunks of `highWaterMark` (the last may be shorter); each chunk is a fresh buffer. The next
 * chunk is read while the consumer works on the current one, so disk and parsing overlap.
 */
export async function* readFileChunks(
  path: string,
  highWaterMark: number,
  signal?: AbortSignal,
  start = 0,
): AsyncGenerator<Buffer, void, undefined> {
  signal?.throwIfAborted();
  const handle = await open(path, 'r');
  let pending: Promise<ReadResult> | undefined;
  let position = start;
  try {
    pending = readChunk(handle, highWaterMark, position);
    for (;;) {
      const result = await pending;
      pending = undefined;
      if ('error' in result) throw result.error;
      if (result.chunk === null) return;
      signal?.throwIfAborted();
      position += result.chunk.length;
      pending = readChunk(handle, highWaterMark, position);
      yield result.chunk;
    }
  } finally {
    // A read still in flight must settle before the handle closes; its result no longer matters.
    if (pending !== undefined) await pending;
    await handle.close();
  }
}

/** A read's outcome as a value, so that a read ahead failing while nobody awaits it is not an unhandled rejection. */
type ReadResult = { chunk: Buffer | null } | { error: unknown };

async function readChunk(handle: FileHandle, size: number, position: number): Promise<ReadResult> {
  try {
    const buffer = Buffer.allocUnsafe(size);
    const { bytesRead } = await handle.read(buffer, 0, size, position);
    if (bytesRead === 0) return { chunk: null };
    return { chunk: bytesRead === size ? buffer : buffer.subarray(0, bytesRead) };
  } catch (error) {
    return { error };
  }
}

/**
 * The file's bytes from offset `start`, read synchronously into one buffer of `size` bytes reused for every chunk: a
 * chunk is valid only until the next is asked for. For worker threads, which have nothing else to do while they
 * wait: a read from the page cache then costs a copy, not a trip through the thread pool, and no chunk is garbage.
 */
export function* readFileChunksSync(
  path: string,
  size: number,
  start = 0,
): Generator<Buffer, void, undefined> {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(size);
    let position = start;
    for (;;) {
      const bytesRead = readSync(fd, buffer, 0, size, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield bytesRead === size ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    closeSync(fd);
  }
}
