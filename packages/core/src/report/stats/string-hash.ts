/**
 * Two independent 30-bit string hashes (multiply-xorshift lanes over UTF-16 code units, cyrb53's construction), kept
 * as small integers so the per-row paths of the report's sketches do integer work only and allocate nothing. A pair
 * is 60 bits: a set of 100k pairs has about one chance in 10^8 of a collision (what "exact" means for the series
 * count).
 */

/** A pair of 30-bit hash lanes. */
export interface HashLanes {
  a: number;
  b: number;
}

const MASK = 0x3fffffff;
// The multipliers as int32 (written `| 0`): Math.imul with a constant above 2^31 was 4x slower in V8 here.
const M1 = 2654435761 | 0;
const M2 = 1597334677 | 0;
const M3 = 2246822507 | 0;
const M4 = 3266489909 | 0;

/** Hashes `text` into `out` (no allocation). */
export function hashInto<T extends HashLanes>(text: string, out: T): T {
  let h1 = 0xdeadbeef | 0;
  let h2 = 0x41c6ce57;
  // Two code units per step (each < 2^16): half the dependent multiplies of one per step.
  const n = text.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const c = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    h1 = Math.imul(h1 ^ c, M1);
    h2 = Math.imul(h2 ^ c, M2);
  }
  // The last odd unit, and the length (so "a" + "" and "a\0" differ).
  const last = (i < n ? text.charCodeAt(i) : 0x10000) ^ (n << 17);
  h1 = Math.imul(h1 ^ last, M1);
  h2 = Math.imul(h2 ^ last, M2);
  h1 = Math.imul(h1 ^ (h1 >>> 16), M3) ^ Math.imul(h2 ^ (h2 >>> 13), M4);
  h2 = Math.imul(h2 ^ (h2 >>> 16), M3) ^ Math.imul(h1 ^ (h1 >>> 13), M4);
  out.a = h1 & MASK;
  out.b = h2 & MASK;
  return out;
}

/** Mixes `value` with a small `tag` (a dimension's position) into a running 30-bit lane. */
export function mixLane(into: number, tag: number, value: number, k: number): number {
  let h = Math.imul(into ^ value ^ Math.imul(tag + 1, GOLDEN), k);
  h ^= h >>> 15;
  h = Math.imul(h, M5);
  h ^= h >>> 13;
  return h & MASK;
}

const GOLDEN = 0x9e3779b1 | 0;
const M5 = 0x85ebca6b | 0;
export const LANE_A = M1;
export const LANE_B = M2;

/**
 * A running pair of hash states over several strings (a row's dimension values), finished once by `finishInto`: one
 * multiply per lane and pair of code units, one finalisation per row (not one per value, and no mixLane per value).
 * Each value is preceded by a tag word of its position and length, so the word sequence is injective for values
 * shorter than 2^24 units and positions under 128 (R-DIM-1 allows 128 dimensions): ("ab", "c") and ("a", "bc")
 * differ, and so do rows that leave different dimensions out.
 */
export class ComboHasher {
  h1 = 0;
  h2 = 0;
  a = 0;
  b = 0;

  start(): void {
    this.h1 = 0xdeadbeef | 0;
    this.h2 = 0x41c6ce57;
  }

  /** Adds the value of the dimension at `position`. */
  add(position: number, text: string): void {
    const n = text.length;
    const tag = (position << 24) ^ n;
    let h1 = Math.imul(this.h1 ^ tag, M1);
    let h2 = Math.imul(this.h2 ^ tag, M2);
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const c = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
      h1 = Math.imul(h1 ^ c, M1);
      h2 = Math.imul(h2 ^ c, M2);
    }
    if (i < n) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, M1);
      h2 = Math.imul(h2 ^ c, M2);
    }
    this.h1 = h1;
    this.h2 = h2;
  }

  /** Finishes the combination: its two 30-bit lanes in `a`, `b`. */
  finish(): void {
    let h1 = this.h1;
    let h2 = this.h2;
    h1 = Math.imul(h1 ^ (h1 >>> 16), M3) ^ Math.imul(h2 ^ (h2 >>> 13), M4);
    h2 = Math.imul(h2 ^ (h2 >>> 16), M3) ^ Math.imul(h1 ^ (h1 >>> 13), M4);
    this.a = h1 & MASK;
    this.b = h2 & MASK;
  }
}
