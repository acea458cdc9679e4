/**
 * The parallel dry run's staged bytes in shared blocks (staged-memory.ts) and the range cache's record of what it
 * wrote (range-cache.ts addRange/covers), against plain models: the object's bytes as one buffer, and a set of the
 * byte positions written. R-S3-1, R-DUP-1: a re-read is exact or asks S3, never made up.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { addRange, covers } from '../src/range-cache.js';
import { copyHeld, heldChunks, SharedBlockPool, type SharedBytes } from '../src/staged-memory.js';

/** The object cut into consecutive blocks at `cuts`, the blocks listed in `held` kept (copies in shared memory). */
function blocksOf(object: Buffer, cuts: number[], held: boolean[]): SharedBytes[] {
  const edges = [...new Set([0, ...cuts.map((c) => c % (object.length + 1)), object.length])].sort(
    (a, b) => a - b,
  );
  const blocks: SharedBytes[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    if (held[i % held.length] === false) continue;
    const [start, end] = [edges[i]!, edges[i + 1]!];
    const bytes = new SharedArrayBuffer(end - start);
    Buffer.from(bytes).set(object.subarray(start, end));
    blocks.push({ start, end, bytes });
  }
  return blocks;
}

const holds = (blocks: readonly SharedBytes[], from: number, to: number): boolean => {
  for (let at = from; at < to; at++) if (!blocks.some((b) => b.start <= at && at < b.end)) return false;
  return true;
};

describe('staged bytes in shared blocks (R-S3-1)', () => {
  it('copies out exactly the object bytes the blocks hold, or null where one is missing (R-DUP-1)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.nat(),
        (raw, cuts, held, a, b) => {
          const object = Buffer.from(raw);
          const blocks = blocksOf(object, cuts, held);
          const offset = a % object.length;
          const length = b % (object.length - offset + 1);
          const got = copyHeld(blocks, offset, length);
          if (holds(blocks, offset, offset + length))
            expect(got?.equals(object.subarray(offset, offset + length))).toBe(true);
          else expect(got).toBeNull();
        },
      ),
    );
  });

  it('reads chunks of at most chunkBytes, each a copy, stopping at the first byte no block holds', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.integer({ min: 1, max: 64 }),
        (raw, cuts, held, a, chunkBytes) => {
          const object = Buffer.from(raw);
          const blocks = blocksOf(object, cuts, held);
          const start = a % object.length;
          const chunks = [...heldChunks(blocks, start, object.length, chunkBytes)];
          const got = Buffer.concat(chunks);
          let stop = start;
          while (stop < object.length && holds(blocks, stop, stop + 1)) stop++;
          expect(got.equals(object.subarray(start, stop))).toBe(true);
          expect(chunks.every((c) => c.length <= chunkBytes && c.length > 0)).toBe(true);
          // Copies: the blocks may be reused once the range's job ends.
          expect(chunks.every((c) => !(c.buffer instanceof SharedArrayBuffer))).toBe(true);
        },
      ),
    );
  });

  it('reuses a released block of its size, up to the blocks it keeps', () => {
    const pool = new SharedBlockPool(1024, 2);
    const [a, b, c] = [pool.take(1000), pool.take(1024), pool.take(1024)];
    expect(new Set([a, b, c]).size).toBe(3);
    expect(pool.take(4096).byteLength).toBe(4096);
    pool.give(a);
    pool.give(b);
    pool.give(c); // past what it keeps: let go
    expect(new Set([pool.take(1024), pool.take(1024)])).toEqual(new Set([a, b]));
    expect([a, b, c].includes(pool.take(1024))).toBe(false);
  });
});

describe('the range cache records what it wrote (R-DUP-1)', () => {
  it('merges written ranges so that a read is answered exactly when every byte of it was written', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(200), fc.nat(40)), { maxLength: 20 }),
        fc.nat(200),
        fc.nat(40),
        (writes, from, length) => {
          const list: [number, number][] = [];
          const written = new Set<number>();
          for (const [start, n] of writes) {
            addRange(list, start, start + n);
            for (let i = start; i < start + n; i++) written.add(i);
          }
          // Sorted, merged: none touching or overlapping.
          for (let i = 0; i + 1 < list.length; i++) expect(list[i]![1]).toBeLessThan(list[i + 1]![0]);
          expect(list.reduce((s, [x, y]) => s + (y - x), 0)).toBe(written.size);
          let all = true;
          for (let i = from; i < from + length; i++) all &&= written.has(i);
          expect(covers(list, from, from + length)).toBe(all);
        },
      ),
    );
  });
});
