/**
 * R-CSV-2: the service reads UTF-8 without a byte-order mark. The bulk of every chunk is checked by Node's native
 * `isUtf8` (simdutf); a small JS scanner handles the few bytes of a sequence split across chunks and, only when a
 * chunk is invalid, finds the offset of the first bad byte.
 */
import { isUtf8 } from 'node:buffer';

export type Bom = 'UTF-8' | 'UTF-16 LE' | 'UTF-16 BE';

/** The BOM `head` starts with; `head` must hold the first 3 bytes of the file, or all of it when shorter. */
export function detectBom(head: Uint8Array): Bom | null {
  const [a, b, c] = head;
  if (a === 0xef && b === 0xbb && c === 0xbf) return 'UTF-8';
  if (a === 0xff && b === 0xfe) return 'UTF-16 LE';
  if (a === 0xfe && b === 0xff) return 'UTF-16 BE';
  return null;
}

/** Length of the sequence a lead byte starts; 0 for a byte that cannot start one (continuation, C0, C1, F5-FF). */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead < 0xc2) return 0;
  if (lead < 0xe0) return 2;
  if (lead < 0xf0) return 3;
  if (lead < 0xf5) return 4;
  return 0;
}

/**
 * Scans `bytes[from, to)`. `bad`: index of the first byte of the first ill-formed sequence, or -1. `incomplete`:
 * index where a well-formed-so-far sequence is cut off by `to`, or -1.
 */
export function scanUtf8(bytes: Uint8Array, from: number, to: number): { bad: number; incomplete: number } {
  let i = from;
  while (i < to) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const length = sequenceLength(lead);
    if (length === 0) return { bad: i, incomplete: -1 };
    // The second byte's range is narrower after E0, ED, F0, F4 (no overlongs, surrogates, or > U+10FFFF).
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k < length; k++) {
      if (i + k >= to) return { bad: -1, incomplete: i };
      const byte = bytes[i + k]!;
      if (k === 1 ? byte < low || byte > high : byte < 0x80 || byte > 0xbf) return { bad: i, incomplete: -1 };
    }
    i += length;
  }
  return { bad: -1, incomplete: -1 };
}

/** Checks a byte stream chunk by chunk; offsets are absolute from the first byte given. */
export class Utf8Checker {
  /** A sequence cut off at the end of the previous chunk (1-3 bytes), and its offset. */
  private carry: Uint8Array | null = null;
  private carryOffset = 0;
  private offset = 0;

  /** Checks the next chunk: -1 when every complete sequence so far is valid, else the offset of the bad byte. */
  check(chunk: Uint8Array): number {
    const chunkOffset = this.offset;
    this.offset += chunk.length;
    let head = 0;
    if (this.carry !== null) {
      const carry = this.carry;
      const need = sequenceLength(carry[0]!) - carry.length;
      const take = Math.min(need, chunk.length);
      const joined = new Uint8Array(carry.length + take);
      joined.set(carry);
      joined.set(chunk.subarray(0, take), carry.length);
      const { bad, incomplete } = scanUtf8(joined, 0, joined.length);
      if (bad !== -1) return this.carryOffset + bad;
      if (incomplete !== -1) {
        this.carry = joined;
        return -1;
      }
      this.carry = null;
      head = take;
    }
    const cut = incompleteTail(chunk, head);
    if (isUtf8(chunk.subarray(head, cut))) {
      if (cut < chunk.length) {
        this.carry = Uint8Array.prototype.slice.call(chunk, cut); // a copy: the chunk's memory may be reused
        this.carryOffset = chunkOffset + cut;
      }
      return -1;
    }
    const { bad, incomplete } = scanUtf8(chunk, head, chunk.length);
    return chunkOffset + (bad !== -1 ? bad : incomplete);
  }

  /** At the end of the stream: -1, or the offset of a sequence the stream cut off. */
  end(): number {
    return this.carry === null ? -1 : this.carryOffset;
  }
}

/** Where a sequence cut off by the end of `chunk` starts, or `chunk.length` when the last sequence is whole. */
function incompleteTail(chunk: Uint8Array, from: number): number {
  const length = chunk.length;
  for (let k = length - 1; k >= from && k >= length - 3; k--) {
    const byte = chunk[k]!;
    if ((byte & 0xc0) !== 0x80) {
      return sequenceLength(byte) > length - k ? k : length;
    }
  }
  return length;
}

/** Length of the prefix of valid UTF-8 `bytes` made of whole sequences (a sequence cut at the end is left out). */
export function completeLength(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let k = n - 1; k >= 0 && k >= n - 3; k--) {
    const b = bytes[k]!;
    if ((b & 0xc0) === 0x80) continue;
    const length = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
    return length > n - k ? k : n;
  }
  return n;
}
