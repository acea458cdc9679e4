/**
 * The open-addressing slots of the duplicate table (point-table.ts says what a slot holds): four int32 per slot in
 * `slots`, the key hash's high half in `highs`, linear probing on the low half. The table doubles when half full.
 * A bit per slot in `used` says which slots are taken (as a non-zero tag does): a probe of a new key (most keys)
 * ends on an empty slot, and the bitmap (1/128 of `slots`, small enough to stay in cache) tells it so without the
 * cache miss of reading the slot itself in a table of tens of megabytes.
 */

/** Tag of a slot whose point is an arena entry. */
export const ARENA = -1;
/** Row points: at most this many files, records per row, and offsets below 2^42. */
export const MAX_SOURCES = 1 << 8;
export const MAX_ROW_INDEX = 1 << 12;
const MAX_OFFSET_HIGH = 1 << 10;
export const TWO_32 = 2 ** 32;

/** Slots at first (a power of two). */
const INITIAL_SLOTS = 1 << 12;
/** [choice] Below this many slots the table quadruples (few early copies); above, it doubles (less slack). */
const QUADRUPLE_BELOW = 1 << 20;

/** A row a slot can point at. */
export function fitsRowSlot(offset: number, bytes: number, index: number): boolean {
  return index < MAX_ROW_INDEX && bytes <= 0x7fffffff && offset < MAX_OFFSET_HIGH * TWO_32;
}

export class PointSlots {
  size = 0;
  private slots = new Int32Array(INITIAL_SLOTS * 4);
  private highs = new Int32Array(INITIAL_SLOTS);
  private used = new Int32Array(INITIAL_SLOTS >>> 5);
  private capacity = INITIAL_SLOTS;
  /** The empty slot where the last `probe` ended (-1: none), for the hash it probed. */
  private probeHash = 0;
  private probeSlot = -1;
  private probeCapacity = 0;

  start(hash: number): number {
    return hash & (this.capacity - 1);
  }

  next(i: number): number {
    return (i + 1) & (this.capacity - 1);
  }

  word(i: number, w: number): number {
    return this.slots[(i << 2) + w]!;
  }

  /** Whether slot `i` holds a point (its tag is non-zero), from the bitmap. */
  taken(i: number): boolean {
    return (this.used[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  high(i: number): number {
    return this.highs[i]!;
  }

  /** Whether a slot has this hash (a candidate); else remembers the empty slot where the probe ended. */
  probe(hash: number, high: number): boolean {
    const slots = this.slots;
    const used = this.used;
    const mask = this.capacity - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const k = i << 2;
      if ((used[i >>> 5]! & (1 << (i & 31))) === 0) {
        this.probeHash = hash;
        this.probeSlot = i;
        this.probeCapacity = this.capacity;
        return false;
      }
      if (slots[k] === hash && this.highs[i] === high) {
        this.probeSlot = -1;
        return true;
      }
    }
  }

  /**
   * The empty slot where `probe` of this hash ended, if it is still empty and the table did not grow since
   * (insertions only fill empty slots, so no slot before it has the hash); else -1. Forgets it.
   */
  probeEnd(hash: number): number {
    const slot = this.probeSlot;
    this.probeSlot = -1;
    if (hash !== this.probeHash || slot < 0 || this.probeCapacity !== this.capacity) return -1;
    return (this.used[slot >>> 5]! & (1 << (slot & 31))) === 0 ? slot : -1;
  }

  /** Counts a new point to go in the empty slot `slot` for `hash`; the slot to write (it moves when the table grows). */
  reserve(slot: number, hash: number, maxEntries: number): number {
    let at = slot;
    if ((this.size + 1) * 2 > this.capacity) {
      this.grow(maxEntries);
      at = this.emptySlot(hash);
    }
    this.size++;
    return at;
  }

  setRow(
    slot: number,
    hash: number,
    high: number,
    source: number,
    offset: number,
    bytes: number,
    index: number,
  ): void {
    const k = slot << 2;
    const top = Math.floor(offset / TWO_32);
    this.slots[k] = hash;
    this.slots[k + 1] = 1 + (source | (index << 8) | (top << 20));
    this.slots[k + 2] = bytes;
    this.slots[k + 3] = offset - top * TWO_32;
    this.highs[slot] = high;
    this.used[slot >>> 5]! |= 1 << (slot & 31);
  }

  setArena(slot: number, hash: number, high: number, address: number): void {
    const k = slot << 2;
    this.slots[k] = hash;
    this.slots[k + 1] = ARENA;
    this.slots[k + 2] = 0;
    this.slots[k + 3] = address;
    this.highs[slot] = high;
    this.used[slot >>> 5]! |= 1 << (slot & 31);
  }

  /** Every occupied slot: its index, hash halves and three words (tag, bytes, offset or address). */
  forEach(
    visit: (slot: number, low: number, high: number, tag: number, bytes: number, low32: number) => void,
  ): void {
    const slots = this.slots;
    for (let i = 0; i < this.capacity; i++) {
      const k = i << 2;
      if (slots[k + 1] === 0) continue;
      visit(i, slots[k]!, this.highs[i]!, slots[k + 1]!, slots[k + 2]!, slots[k + 3]!);
    }
  }

  /**
   * Room for `entries` points in all without growing (a load that expects them skips the copies of growing by
   * steps: each moves every point to a random slot of the new arrays). Forgets the last probe's end, as growing does.
   */
  reserveFor(entries: number): void {
    let capacity = this.capacity;
    while (capacity < entries * 2) capacity *= 2;
    if (capacity > this.capacity) this.rehash(capacity);
  }

  private grow(maxEntries: number): void {
    const quadruple = this.capacity < QUADRUPLE_BELOW && this.capacity * 8 <= maxEntries;
    this.rehash(this.capacity * (quadruple ? 4 : 2));
  }

  private rehash(capacity: number): void {
    const old = this.slots;
    const oldHighs = this.highs;
    this.capacity = capacity;
    this.slots = new Int32Array(this.capacity * 4);
    this.highs = new Int32Array(this.capacity);
    this.used = new Int32Array(this.capacity >>> 5);
    for (let i = 0; i < oldHighs.length; i++) {
      const k = i << 2;
      if (old[k + 1] === 0) continue;
      const j = this.emptySlot(old[k]!) << 2;
      this.slots[j] = old[k]!;
      this.slots[j + 1] = old[k + 1]!;
      this.slots[j + 2] = old[k + 2]!;
      this.slots[j + 3] = old[k + 3]!;
      this.highs[j >>> 2] = oldHighs[i]!;
      this.used[j >>> 7]! |= 1 << ((j >>> 2) & 31);
    }
  }

  private emptySlot(hash: number): number {
    const mask = this.capacity - 1;
    let i = hash & mask;
    const used = this.used;
    while ((used[i >>> 5]! & (1 << (i & 31))) !== 0) i = (i + 1) & mask;
    return i;
  }
}
