/**
 * R-S3-1: the parallel dry run's staged bytes in memory shared by the process's threads, in blocks reused from a
 * small pool. [choice] Not the range cache's file, and not fresh memory per block: on the VM measured, memory the
 * kernel hands out fresh (a new file's page-cache pages, new anonymous pages) costs about 2.2 to 2.6 s of system time
 * per GB on first touch (free pages go back to the host: `dd` of 1 GB into a new file, 2.2 s; again at once, 0.2 s;
 * again 6 s later, 2.6 s), all of it on the main thread that receives the bodies. A pool of a few blocks is touched
 * once and then reused for the whole object.
 */

/** Bytes [start, end) of an object, held at byte 0 of `bytes` (StagedBytes.held is a list of these, in byte order). */
export interface SharedBytes {
  readonly start: number;
  readonly end: number;
  readonly bytes: SharedArrayBuffer;
}

/** The shared blocks a StagedBytes holds (none when it holds none). */
export function heldBlocks(held: unknown): readonly SharedBytes[] {
  return Array.isArray(held) ? (held as SharedBytes[]) : [];
}

/** The block holding byte `at`, if any. */
function blockAt(blocks: readonly SharedBytes[], at: number): SharedBytes | undefined {
  for (const block of blocks) if (block.start <= at && at < block.end) return block;
  return undefined;
}

/** Bytes [offset, offset + length) copied out of `blocks`, or null when they do not hold them all. */
export function copyHeld(blocks: readonly SharedBytes[], offset: number, length: number): Buffer | null {
  const out = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const at = offset + done;
    const block = blockAt(blocks, at);
    if (block === undefined) return null;
    const n = Math.min(length - done, block.end - at);
    out.set(new Uint8Array(block.bytes, at - block.start, n), done);
    done += n;
  }
  return out;
}

/**
 * The bytes from `start` to `end` that `blocks` hold, in chunks of up to `chunkBytes`, each a copy (the blocks are
 * reused once the range's job ends: nothing may keep a view of them); it stops at the first byte none holds.
 */
export function* heldChunks(
  blocks: readonly SharedBytes[],
  start: number,
  end: number,
  chunkBytes: number,
): Generator<Buffer, void, undefined> {
  let position = start;
  while (position < end) {
    const block = blockAt(blocks, position);
    if (block === undefined) return;
    const n = Math.min(chunkBytes, block.end - position, end - position);
    const chunk = Buffer.allocUnsafe(n);
    chunk.set(new Uint8Array(block.bytes, position - block.start, n));
    position += n;
    yield chunk;
  }
}

/**
 * [choice] Blocks a pool keeps for reuse: the parallel dry run has two ranges a worker in flight and stages half a
 * block ahead, so with 32 MiB blocks and 4 MiB ranges about three blocks are in use at once. A block past these is
 * still allocated when needed (never a wait), and let go when released.
 */
export const POOL_BLOCKS = 6;

/** Shared memory of `blockBytes` a block, the released ones reused. */
export class SharedBlockPool {
  private readonly free: SharedArrayBuffer[] = [];

  constructor(
    readonly blockBytes: number,
    private readonly keep = POOL_BLOCKS,
  ) {}

  /** Memory for at least `bytes` bytes (a block of blockBytes when it fits, from the pool when one is free). */
  take(bytes: number): SharedArrayBuffer {
    if (bytes > this.blockBytes) return new SharedArrayBuffer(bytes);
    return this.free.pop() ?? new SharedArrayBuffer(this.blockBytes);
  }

  /** The memory is no longer read by anyone: kept for a later take (up to `keep` blocks). */
  give(memory: SharedArrayBuffer): void {
    if (memory.byteLength === this.blockBytes && this.free.length < this.keep) this.free.push(memory);
  }
}
