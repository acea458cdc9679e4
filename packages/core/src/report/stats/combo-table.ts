/**
 * The distinct combinations of dimension values of the rows (tsbatch's report, content-stats.ts): one open-addressing
 * table keyed by the combination's 60-bit hash lanes (string-hash.ts), with per combination its row count, a bitmask
 * of the measure names its records had, and its values (kept once, when the combination first appears). One lookup
 * per row instead of one per dimension and one per series: the table is what a row costs, and the top values of each
 * dimension and the series count are read from it at the end, exactly. Values live in one flat array (`width` per
 * slot), so a new combination allocates nothing but its strings' references.
 */
const EMPTY = -1;
/** Int32 slots: lane a, lane b, rows, measure-name bits. */
const WIDTH = 4;

export interface ComboTableData {
  /** Per combination: a, b, rows, bits. */
  slots: Int32Array;
  /** Per combination, its `width` values (null: the dimension was null), flat: fewer objects to clone. */
  values: (string | null)[];
  width: number;
}

export class ComboTable {
  private slots: Int32Array;
  private values: (string | null)[];
  private mask: number;
  size = 0;

  constructor(readonly width: number) {
    this.slots = new Int32Array(64 * WIDTH).fill(EMPTY);
    this.values = new Array<string | null>(64 * width).fill(null);
    this.mask = 63;
  }

  /** Empties the table, keeping its memory (a worker reuses one table for its byte ranges). */
  clear(): void {
    this.slots.fill(EMPTY);
    this.values.fill(null);
    this.size = 0;
  }

  /** The slot of the combination with these lanes, or of the empty slot where it would go. */
  private find(a: number, b: number): number {
    const slots = this.slots;
    let i = (a ^ Math.imul(b, 0x61c88647)) & this.mask;
    for (;;) {
      const at = i * WIDTH;
      const sa = slots[at]!;
      if (sa === EMPTY || (sa === a && slots[at + 1] === b)) return i;
      i = (i + 1) & this.mask;
    }
  }

  /**
   * A row of a combination already held: adds one row and ORs `bits` in. Answers false (and changes nothing) for a
   * combination not held yet: the caller gathers its values and calls `add`. The row path touches no values array.
   */
  hit(a: number, b: number, bits: number): boolean {
    const slots = this.slots;
    let i = (a ^ Math.imul(b, 0x61c88647)) & this.mask;
    for (;;) {
      const at = i * WIDTH;
      const sa = slots[at]!;
      if (sa === EMPTY) return false;
      if (sa === a && slots[at + 1] === b) {
        slots[at + 2]! += 1;
        slots[at + 3]! |= bits;
        return true;
      }
      i = (i + 1) & this.mask;
    }
  }

  /**
   * Adds `rows` to the combination with these lanes, OR-ing `bits` into its measure names. A new one takes its values
   * from `source[from .. from + width)`; answers whether it was new. Counts are int32: a table is per byte range or
   * capped in size.
   */
  add(
    a: number,
    b: number,
    rows: number,
    bits: number,
    source: readonly (string | null)[],
    from: number,
  ): boolean {
    const i = this.find(a, b);
    const at = i * WIDTH;
    const slots = this.slots;
    if (slots[at] !== EMPTY) {
      slots[at + 2]! += rows;
      slots[at + 3]! |= bits;
      return false;
    }
    slots[at] = a;
    slots[at + 1] = b;
    slots[at + 2] = rows;
    slots[at + 3] = bits;
    const base = i * this.width;
    for (let k = 0; k < this.width; k++) this.values[base + k] = source[from + k] ?? null;
    // [choice] Load factor up to 3/4: probes stay short and the table small (16 bytes a combination).
    if (++this.size * 4 > (this.mask + 1) * 3) this.grow();
    return true;
  }

  private grow(): void {
    const old = this.slots;
    const values = this.values;
    const n = (this.mask + 1) * 2;
    this.slots = new Int32Array(n * WIDTH).fill(EMPTY);
    this.values = new Array<string | null>(n * this.width).fill(null);
    this.mask = n - 1;
    this.size = 0;
    for (let i = 0; i * WIDTH < old.length; i++) {
      const at = i * WIDTH;
      if (old[at] !== EMPTY)
        this.add(old[at]!, old[at + 1]!, old[at + 2]!, old[at + 3]!, values, i * this.width);
    }
  }

  /** Every combination: its lanes, rows, bits and values (a fresh array each). */
  *entries(): IterableIterator<{
    a: number;
    b: number;
    rows: number;
    bits: number;
    values: (string | null)[];
  }> {
    for (let i = 0; i * WIDTH < this.slots.length; i++) {
      const at = i * WIDTH;
      if (this.slots[at] === EMPTY) continue;
      yield {
        a: this.slots[at]!,
        b: this.slots[at + 1]!,
        rows: this.slots[at + 2]!,
        bits: this.slots[at + 3]!,
        values: this.values.slice(i * this.width, (i + 1) * this.width),
      };
    }
  }

  data(): ComboTableData {
    const slots = new Int32Array(this.size * WIDTH);
    const values: (string | null)[] = new Array<string | null>(this.size * this.width);
    let k = 0;
    let v = 0;
    for (let i = 0; i * WIDTH < this.slots.length; i++) {
      const at = i * WIDTH;
      if (this.slots[at] === EMPTY) continue;
      slots[k++] = this.slots[at]!;
      slots[k++] = this.slots[at + 1]!;
      slots[k++] = this.slots[at + 2]!;
      slots[k++] = this.slots[at + 3]!;
      for (let j = 0; j < this.width; j++) values[v++] = this.values[i * this.width + j]!;
    }
    return { slots, values, width: this.width };
  }
}
