/**
 * A 53-bit string hash (two 32-bit multiply-xorshift lanes over UTF-16 code units, cyrb53's construction) for the
 * report's sketches: cheap enough for every dimension value of every row, wide enough that a set of 100k hashes
 * has about one chance in a million of a collision (what "exact" means for the series count).
 */

/** The hash of `text`, an integer in [0, 2^53). */
export function hashString(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  return finish(h1, h2);
}

/** Mixes a 53-bit hash `value` (and a small tag, e.g. a dimension's position) into the running hash `into`. */
export function combineHash(into: number, tag: number, value: number): number {
  const lo = value % 4294967296;
  const hi = Math.floor(value / 4294967296);
  let h1 = Math.imul((into % 4294967296) ^ lo ^ tag, 2654435761);
  let h2 = Math.imul(Math.floor(into / 4294967296) ^ hi ^ Math.imul(tag, 0x9e3779b1), 1597334677);
  h1 ^= h2 >>> 15;
  h2 ^= h1 >>> 13;
  return finish(h1, h2);
}

function finish(a: number, b: number): number {
  let h1 = Math.imul(a ^ (a >>> 16), 2246822507);
  h1 ^= Math.imul(b ^ (b >>> 13), 3266489909);
  let h2 = Math.imul(b ^ (b >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
