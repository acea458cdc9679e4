/**
 * R-LOCAL-3: the records of one table as an append-only log of JSON lines. Appends are serialised and flushed to
 * disk (fsync) before a write is acknowledged. A crash can only tear the last line: on open, a final line without
 * its newline is cut off, so the log always ends on a whole record; a whole line that is not JSON (only a damaged
 * disk makes one) is passed over.
 */
import { createReadStream } from 'node:fs';
import { open, stat, truncate, type FileHandle } from 'node:fs/promises';

export interface ReplayResult {
  /** Whole lines read. */
  lines: number;
  /** Bytes of a torn last line that were cut off (0 when the log ended cleanly). */
  tornBytes: number;
  /** Whole lines that were not JSON (skipped; only a damaged disk makes them). */
  badLines: number;
}

export class RecordLog {
  private handle: FileHandle | null = null;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    readonly file: string,
    private readonly sync: boolean,
  ) {}

  /**
   * Reads every whole line in order, cutting off a torn last line. `onLine` gets the parsed JSON and its
   * 0-based line number.
   */
  async replay(onLine: (json: unknown, line: number) => void): Promise<ReplayResult> {
    const size = await sizeOf(this.file);
    let goodBytes = 0;
    let lines = 0;
    let badLines = 0;
    for await (const { text, bytes } of wholeLines(this.file, size)) {
      goodBytes += bytes;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        badLines++;
        continue;
      }
      onLine(json, lines++);
    }
    const tornBytes = size - goodBytes;
    // A torn tail (no newline: the crash hit mid-append) is cut off so that the next append starts a clean line.
    if (tornBytes > 0) await truncate(this.file, goodBytes);
    return { lines, tornBytes, badLines };
  }

  /** Appends whole lines (each without its newline) and, with `sync`, flushes them to disk before resolving. */
  append(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return this.queue;
    const text = `${lines.join('\n')}\n`;
    const run = this.queue.then(async () => {
      if (this.closed) throw new Error(`record log ${this.file} is closed`);
      this.handle ??= await open(this.file, 'a');
      await this.handle.write(text);
      if (this.sync) await this.handle.datasync();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Every record line, in order, parsed; whole lines only (pending appends are waited for first). */
  async *read(): AsyncGenerator<{ json: unknown; line: number }> {
    await this.queue;
    let line = 0;
    for await (const { text } of wholeLines(this.file, await sizeOf(this.file))) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        continue; // counted as a bad line on replay; never a record
      }
      yield { json, line: line++ };
    }
  }

  async close(): Promise<void> {
    await this.queue;
    this.closed = true;
    await this.handle?.close();
    this.handle = null;
  }
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

/**
 * The newline-terminated lines of the first `size` bytes of a file, split on bytes (a newline byte never occurs
 * inside a UTF-8 sequence), each with its length in bytes including the newline. A last line without a newline is
 * not yielded.
 */
async function* wholeLines(file: string, size: number): AsyncGenerator<{ text: string; bytes: number }> {
  if (size === 0) return;
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { end: size - 1 })) {
    const buf = carry.length === 0 ? (chunk as Buffer) : Buffer.concat([carry, chunk as Buffer]);
    let from = 0;
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, from)) {
      yield { text: buf.toString('utf8', from, nl), bytes: nl + 1 - from };
      from = nl + 1;
    }
    carry = buf.subarray(from);
  }
}
