import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

/**
 * Buffered line output to a file with backpressure: `write` returns a promise only when the stream is full,
 * so a per-row caller pays for an await only when it has to wait (STYLE rule 7: nothing buffers without a bound).
 */
export interface LineWriter {
  write(line: string): Promise<void> | undefined;
  close(): Promise<void>;
}

const FLUSH_AT = 64 * 1024;

export function createLineWriter(file: string): LineWriter {
  const stream: WriteStream = createWriteStream(file);
  let failure: Error | null = null;
  stream.on('error', (error) => {
    failure = error;
  });
  let pending: string[] = [];
  let pendingLength = 0;

  function flush(): Promise<void> | undefined {
    if (failure !== null) throw failure;
    if (pending.length === 0) return undefined;
    const ok = stream.write(pending.join(''));
    pending = [];
    pendingLength = 0;
    return ok ? undefined : once(stream, 'drain').then(() => undefined);
  }

  return {
    write(line: string): Promise<void> | undefined {
      pending.push(line, '\n');
      pendingLength += line.length + 1;
      return pendingLength >= FLUSH_AT ? flush() : undefined;
    },
    async close(): Promise<void> {
      await flush();
      stream.end();
      await once(stream, 'close');
      if (failure !== null) throw failure;
    },
  };
}
