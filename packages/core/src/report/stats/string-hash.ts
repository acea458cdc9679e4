/**
 * Two independent 30-bit string hashes (multiply-xorshift lanes over UTF-16 code units, cyrb53's construction), kept
 * as small integers so the report's sketches (TopValues) do integer work only and allocate nothing. A pair
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
