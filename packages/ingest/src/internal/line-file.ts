/**
 * Lines appended to a file with bounded memory: `write` returns a promise only when the stream's buffer is full
 * (backpressure), `sync` makes everything written so far durable (fsync) before a checkpoint names it.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';

export interface LineFile {
  write(line: string): void | Promise<void>;
  /** Flushes and fsyncs what was written so far. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export function createLineFile(file: string, flags: 'w' | 'a'): LineFile {
  const stream: WriteStream = createWriteStream(file, { flags });
  let failure: Error | null = null;
  let dirty = false;
  stream.on('error', (error) => {
    failure = error;
  });
  const ready = once(stream, 'open').then(() => undefined);
  ready.catch(() => undefined);
  return {
    write(line: string): void | Promise<void> {
      if (failure !== null) throw failure;
      dirty = true;
      if (stream.write(`${line}\n`)) return;
      return once(stream, 'drain').then(() => undefined);
    },
    async sync(): Promise<void> {
      if (failure !== null) throw failure;
      if (!dirty) return;
      dirty = false;
      await ready;
      // Everything queued before this point reaches the file before the fsync.
      if (stream.writableLength > 0) await new Promise<void>((resolve) => stream.write('', () => resolve()));
      // A write that failed meanwhile (a full disk) must not be fsynced over as if it were on disk; the cast: the
      // 'error' listener sets it, which TypeScript cannot see.
      const failed = failure as Error | null;
      if (failed !== null) throw failed;
      const handle = await open(file, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    async close(): Promise<void> {
      // A stream that failed (ENOSPC) has closed already: waiting for 'close' again would never end.
      if (!stream.closed) {
        stream.end();
        await once(stream, 'close').catch(() => undefined);
      }
      if (failure !== null) throw failure;
    },
  };
}
