/**
 * A set of hash-lane pairs (string-hash.ts) in open addressing over one Int32Array: integer work only per lookup, no
 * allocation, growing by doubling. The exact series count of the report (content-stats.ts).
 */
const EMPTY = -1;

export class PairSet {
  private slots: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let n = 16;
    while (n * 3 < capacity * 4) n *= 2;
    this.slots = new Int32Array(n * 2).fill(EMPTY);
    this.mask = n - 1;
  }

  /** Adds the pair (lanes are 30-bit, never -1); answers whether it was new. */
  add(a: number, b: number): boolean {
    const slots = this.slots;
    let i = (a ^ Math.imul(b, 0x61c88647)) & this.mask;
    for (;;) {
      const at = i * 2;
      const sa = slots[at]!;
      if (sa === EMPTY) {
        slots[at] = a;
        slots[at + 1] = b;
        // [choice] Load factor up to 3/4: fewer cache lines per lookup than a sparser table, probes stay short.
        if (++this.size * 4 > (this.mask + 1) * 3) this.grow();
        return true;
      }
      if (sa === a && slots[at + 1] === b) return false;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2).fill(EMPTY);
    this.mask = this.mask * 2 + 1;
    this.size = 0;
    for (let at = 0; at < old.length; at += 2) if (old[at] !== EMPTY) this.add(old[at]!, old[at + 1]!);
  }

  /** Every pair, as [a0, b0, a1, b1, ...]. */
  pairs(): Int32Array {
    const out = new Int32Array(this.size * 2);
    let k = 0;
    const slots = this.slots;
    for (let at = 0; at < slots.length; at += 2) {
      if (slots[at] !== EMPTY) {
        out[k++] = slots[at]!;
        out[k++] = slots[at + 1]!;
      }
    }
    return out;
  }
}
