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

/** Hashes `text` into `out` (no allocation). */
export function hashInto<T extends HashLanes>(text: string, out: T): T {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  out.a = h1 & MASK;
  out.b = h2 & MASK;
  return out;
}

/** Mixes `value` with a small `tag` (a dimension's position) into a running 30-bit lane. */
export function mixLane(into: number, tag: number, value: number, k: number): number {
  let h = Math.imul(into ^ value ^ Math.imul(tag + 1, 0x9e3779b1), k);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h & MASK;
}

export const LANE_A = 2654435761;
export const LANE_B = 1597334677;
