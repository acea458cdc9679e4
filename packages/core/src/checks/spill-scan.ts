/**
 * R-DUP-1: the two reads of a spilled partition (duplicate-spill.ts) that find its repeated keys in bounded memory
 * (duplicate-resolve.ts): a bitmap of key hashes marks the bits met twice, then the entries on those bits are
 * collected and only those whose whole 64-bit hash repeats are kept. Loops over blocks of entries, no call per
 * entry: this runs over every record of the load.
 */
import { ENTRY_BYTES } from './duplicate-spill.js';
import type { Candidates } from './resolve-groups.js';
import { SpillReader } from './spill-files.js';

const READ_BLOCK = ENTRY_BYTES * 32 * 1024;
const WORDS = ENTRY_BYTES / 4;

/**
 * The buffers of the scans, made once for every partition of a resolution: fresh ones per partition left
 * megabytes of dead buffers per partition to the allocator, and the 10 GB bench's peak RSS near its bound.
 */
export class ScanBuffers {
  readonly block = new Uint8Array(READ_BLOCK);
  readonly i32 = new Int32Array(this.block.buffer);
  private seen = new Int32Array(0);
  private again = new Int32Array(0);

  /** Two zeroed bitmaps of `bits` bits. */
  bitmaps(bits: number): { seen: Int32Array; again: Int32Array } {
    const words = bits >>> 5;
    if (this.seen.length < words) {
      this.seen = new Int32Array(words);
      this.again = new Int32Array(words);
      return { seen: this.seen, again: this.again };
    }
    const seen = this.seen.subarray(0, words);
    const again = this.again.subarray(0, words);
    seen.fill(0);
    again.fill(0);
    return { seen, again };
  }
}

/** Reads a partition file in blocks of whole entries: `visit(i32, words)` for the words of each block. */
function blocks(file: string, buffers: ScanBuffers, visit: (i32: Int32Array, words: number) => void): void {
  const reader = new SpillReader(file);
  const { block, i32 } = buffers;
  try {
    let carry = 0;
    for (;;) {
      const n = reader.read(block, carry);
      const total = carry + n;
      const whole = total - (total % ENTRY_BYTES);
      visit(i32, whole >>> 2);
      carry = total - whole;
      if (n === 0) break;
      if (carry > 0) block.copyWithin(0, whole, total);
    }
  } finally {
    reader.close();
  }
}

/** First read: a bit per hash (32 bits an entry); `repeats` counts entries whose bit was set already. */
export function markRepeats(
  file: string,
  entries: number,
  buffers: ScanBuffers,
): { bitmap: Int32Array; repeats: number; bits: number } {
  let bits = 1 << 16;
  while (bits < entries * 32 && bits < 1 << 28) bits *= 2;
  const { seen, again } = buffers.bitmaps(bits);
  const mask = bits - 1;
  let repeats = 0;
  blocks(file, buffers, (i32, words) => {
    for (let w = 0; w < words; w += WORDS) {
      const b = i32[w]! & mask;
      const word = b >>> 5;
      const bit = 1 << (b & 31);
      if ((seen[word]! & bit) !== 0) {
        again[word]! |= bit;
        repeats++;
      } else seen[word]! |= bit;
    }
  });
  return { bitmap: again, repeats, bits };
}

/**
 * Second read: the entries of slice `slice` (of `slices`) whose bit repeats, then only those whose 64-bit hash
 * another entry has, in file (load) order.
 */
export function collectRepeats(
  file: string,
  buffers: ScanBuffers,
  bitmap: Int32Array,
  bits: number,
  slices: number,
  slice: number,
): Candidates {
  const mask = bits - 1;
  let data = new Int32Array(1024 * WORDS);
  let count = 0;
  blocks(file, buffers, (i32, words) => {
    for (let w = 0; w < words; w += WORDS) {
      const low = i32[w]!;
      const b = low & mask;
      if ((bitmap[b >>> 5]! & (1 << (b & 31))) === 0) continue;
      if (slices > 1 && (low >>> 16) % slices !== slice) continue;
      if ((count + 1) * WORDS > data.length) {
        const next = new Int32Array(data.length * 2);
        next.set(data);
        data = next;
      }
      const to = count * WORDS;
      for (let k = 0; k < WORDS; k++) data[to + k] = i32[w + k]!;
      count++;
    }
  });
  return repeatedOnly(data, count);
}

/** The candidates whose 64-bit hash repeats (a bit shared by chance is not a repeat), in their order. */
function repeatedOnly(data: Int32Array, count: number): Candidates {
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  order.sort((a, b) => data[a * WORDS + 1]! - data[b * WORDS + 1]! || data[a * WORDS]! - data[b * WORDS]!);
  const keep = new Uint8Array(count);
  for (let g = 0; g < count;) {
    const a = order[g]!;
    let end = g + 1;
    while (
      end < count &&
      data[order[end]! * WORDS]! === data[a * WORDS]! &&
      data[order[end]! * WORDS + 1]! === data[a * WORDS + 1]!
    )
      end++;
    if (end - g >= 2) for (let k = g; k < end; k++) keep[order[k]!] = 1;
    g = end;
  }
  let kept = 0;
  for (let i = 0; i < count; i++) {
    if (keep[i] === 0) continue;
    if (kept !== i) data.copyWithin(kept * WORDS, i * WORDS, (i + 1) * WORDS);
    kept++;
  }
  return {
    data,
    count: kept,
    f64: new Float64Array(data.buffer),
    version: new Float64Array(0),
    keyStart: new Int32Array(0),
    keyLength: new Int32Array(0),
    length: new Int32Array(0),
    bytes: new Uint8Array(0),
  };
}
