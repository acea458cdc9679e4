/**
 * R-QLDB-2 over today's store: the journal of one ledger (database) as an append-only log of JSON lines, one sealed
 * block per line, appended in the write path beside the table's record log. Only this file and journal-logs.ts know
 * the layout; the export reads it through `JournalReader` (qldb/store-journal.ts), so a new store replaces both.
 *
 * A block is decided synchronously with the write that makes it (its sequence number, timestamp and hash chain) and
 * made durable by `flush`, before the write is acknowledged. A crash can tear only the last line; on open it is cut
 * off and the chain goes on from the block before it.
 */
import { createReadStream } from 'node:fs';
import { open, stat, truncate, type FileHandle } from 'node:fs/promises';
import type { TimestreamRecord } from '@tsbatch/core';
import { randomId } from '../qldb/base62-id.js';
import {
  GENESIS_HASH,
  sealBlock,
  type JournalBlock,
  type JournalRevision,
  type TransactionInfo,
} from '../qldb/journal-block.js';

/** A block as a log line (short member names; `t` first so a reader can skip a block without parsing it). */
interface BlockLine {
  t: string;
  s: number;
  x: string;
  o: TransactionInfo['operation'];
  k?: string;
  p: string;
  e: string;
  h: string;
  /** Revisions grouped by table, in order: [[table, [record, …], base64 of their 32-byte hashes], …]. */
  r: [string, TimestreamRecord[], string][];
}

const TAIL_CHUNK = 64 * 1024;

export class JournalLog {
  private handle: FileHandle | null = null;
  private pending: string[] = [];
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly file: string,
    readonly strandId: string,
    private readonly sync: boolean,
    private last: { sequenceNo: number; hash: Buffer; time: number },
  ) {}

  /** Opens (or creates) the log, reading only its last whole line; a torn tail is cut off. */
  static async open(
    file: string,
    strandId: string,
    sync: boolean,
  ): Promise<{ log: JournalLog; tornBytes: number }> {
    const { line, tornBytes } = await lastLine(file);
    let last = { sequenceNo: 0, hash: GENESIS_HASH, time: 0 };
    if (line !== null) {
      const b = JSON.parse(line) as BlockLine;
      last = { sequenceNo: b.s, hash: Buffer.from(b.h, 'hex'), time: Date.parse(b.t) };
    }
    return { log: new JournalLog(file, strandId, sync, last), tornBytes };
  }

  /**
   * Seals the next block of the strand over the last one and keeps it pending until `flush`. Synchronous, so blocks
   * are numbered and chained in the order their writes were decided.
   */
  append(
    info: TransactionInfo,
    revisions: readonly Omit<JournalRevision, 'hash'>[],
    now: Date,
  ): JournalBlock {
    // [choice] A clock that steps back does not make a block older than the one before it.
    const time = Math.max(now.getTime(), this.last.time);
    const block = sealBlock(this.last.hash, {
      blockAddress: { strandId: this.strandId, sequenceNo: this.last.sequenceNo + 1 },
      transactionId: randomId(),
      blockTimestamp: new Date(time),
      transactionInfo: info,
      revisions: [...revisions],
    });
    this.last = { sequenceNo: block.blockAddress.sequenceNo, hash: block.blockHash, time };
    this.pending.push(JSON.stringify(lineOf(block)));
    return block;
  }

  /** Writes the pending blocks (and, with `sync`, to disk). They stay pending until a flush succeeds. */
  flush(): Promise<void> {
    const run = this.queue.then(async () => {
      if (this.pending.length === 0) return;
      if (this.closed) throw new Error(`journal ${this.file} is closed`);
      const batch = this.pending;
      this.pending = [];
      try {
        this.handle ??= await open(this.file, 'a');
        await this.handle.write(`${batch.join('\n')}\n`);
        if (this.sync) await this.handle.datasync();
      } catch (error) {
        this.pending = batch.concat(this.pending);
        throw error;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The blocks whose timestamp is in [from, to), in order: blocks appended before the call are included. */
  async *read(from: Date, to: Date, signal?: AbortSignal): AsyncGenerator<JournalBlock> {
    await this.flush();
    const start = from.getTime();
    const end = to.getTime();
    const size = await sizeOf(this.file);
    for await (const text of wholeLines(this.file, size)) {
      signal?.throwIfAborted();
      // `{"t":"<ISO>"`: the time is read without parsing the block, so blocks before the range cost little.
      const time = Date.parse(text.slice(6, text.indexOf('"', 6)));
      if (time < start) continue;
      if (time >= end) return; // timestamps never go down
      yield blockOf(JSON.parse(text) as BlockLine, this.strandId);
    }
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    this.closed = true;
    await this.handle?.close();
    this.handle = null;
  }
}

function lineOf(b: JournalBlock): BlockLine {
  const groups: [string, TimestreamRecord[], Buffer[]][] = [];
  for (const r of b.revisions) {
    const g = groups[groups.length - 1];
    if (g !== undefined && g[0] === r.tableName) {
      g[1].push(r.record);
      g[2].push(r.hash);
    } else groups.push([r.tableName, [r.record], [r.hash]]);
  }
  return {
    t: b.blockTimestamp.toISOString(),
    s: b.blockAddress.sequenceNo,
    x: b.transactionId,
    o: b.transactionInfo.operation,
    ...(b.transactionInfo.taskId !== undefined && { k: b.transactionInfo.taskId }),
    p: b.previousBlockHash.toString('hex'),
    e: b.entriesHash.toString('hex'),
    h: b.blockHash.toString('hex'),
    r: groups.map(([table, records, hashes]) => [table, records, Buffer.concat(hashes).toString('base64')]),
  };
}

function blockOf(l: BlockLine, strandId: string): JournalBlock {
  const revisions: JournalRevision[] = [];
  for (const [tableName, records, hashes] of l.r) {
    const all = Buffer.from(hashes, 'base64');
    records.forEach((record, i) =>
      revisions.push({ tableName, record, hash: all.subarray(i * 32, i * 32 + 32) }),
    );
  }
  return {
    blockAddress: { strandId, sequenceNo: l.s },
    transactionId: l.x,
    blockTimestamp: new Date(l.t),
    blockHash: Buffer.from(l.h, 'hex'),
    entriesHash: Buffer.from(l.e, 'hex'),
    previousBlockHash: Buffer.from(l.p, 'hex'),
    transactionInfo: { operation: l.o, ...(l.k !== undefined && { taskId: l.k }) },
    revisions,
  };
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

/** The last newline-terminated line of a file, read from the end; a torn tail (no newline) is cut off first. */
async function lastLine(file: string): Promise<{ line: string | null; tornBytes: number }> {
  const size = await sizeOf(file);
  if (size === 0) return { line: null, tornBytes: 0 };
  const handle = await open(file, 'r');
  try {
    const newlines: number[] = [];
    let tail: Buffer = Buffer.alloc(0);
    // Walk back until two newlines are seen (the end of the last whole line and the one before it) or the start.
    for (let end = size; end > 0 && newlines.length < 2;) {
      const from = Math.max(0, end - TAIL_CHUNK);
      const chunk = Buffer.alloc(end - from);
      await handle.read(chunk, 0, chunk.length, from);
      tail = Buffer.concat([chunk, tail]);
      newlines.length = 0;
      for (let i = tail.length - 1; i >= 0 && newlines.length < 2; i--) if (tail[i] === 10) newlines.push(i);
      end = from;
      if (from === 0) break;
    }
    const offset = size - tail.length;
    const lastNl = newlines[0];
    if (lastNl === undefined) {
      await truncate(file, 0); // no whole line at all
      return { line: null, tornBytes: size };
    }
    const tornBytes = tail.length - 1 - lastNl;
    if (tornBytes > 0) await truncate(file, offset + lastNl + 1);
    const startOfLine = newlines[1] === undefined ? 0 : newlines[1] + 1;
    return { line: tail.toString('utf8', startOfLine, lastNl), tornBytes };
  } finally {
    await handle.close();
  }
}

/** The newline-terminated lines of the first `size` bytes of a file (split on bytes: UTF-8 safe). */
async function* wholeLines(file: string, size: number): AsyncGenerator<string> {
  if (size === 0) return;
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { end: size - 1, highWaterMark: 1 << 20 })) {
    const buf = carry.length === 0 ? (chunk as Buffer) : Buffer.concat([carry, chunk as Buffer]);
    let from = 0;
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, from)) {
      yield buf.toString('utf8', from, nl);
      from = nl + 1;
    }
    carry = buf.subarray(from);
  }
}
