/**
 * The distinct combinations of dimension values of the rows (tsbatch's report, content-stats.ts): one open-addressing
 * table keyed by the combination's 60-bit hash lanes (string-hash.ts), with per combination its row count, a bitmask
 * of the measure names its records had, and its values (kept once, when the combination first appears). One lookup
 * per row instead of one per dimension and one per series: the table is what a row costs, and the top values of each
 * dimension and the series count are read from it at the end, exactly.
 */
const EMPTY = -1;
/** Int32 slots: lane a, lane b, rows, measure-name bits. */
const WIDTH = 4;

export interface ComboTableData {
  /** Per combination: a, b, rows, bits. */
  slots: Int32Array;
  values: (string | null)[][];
}

export class ComboTable {
  private slots: Int32Array;
  private values: ((string | null)[] | undefined)[];
  private mask: number;
  size = 0;

  constructor() {
    this.slots = new Int32Array(64 * WIDTH).fill(EMPTY);
    this.values = new Array<(string | null)[] | undefined>(64);
    this.mask = 63;
  }

  /**
   * Adds `rows` to the combination with these lanes, OR-ing `bits` into its measure names; `values()` gives its values
   * when it is new. Answers whether it was new. Counts are int32: a table is made per byte range or capped in size.
   */
  add(a: number, b: number, rows: number, bits: number, values: () => (string | null)[]): boolean {
    const slots = this.slots;
    let i = (a ^ Math.imul(b, 0x61c88647)) & this.mask;
    for (;;) {
      const at = i * WIDTH;
      const sa = slots[at]!;
      if (sa === EMPTY) break;
      if (sa === a && slots[at + 1] === b) {
        slots[at + 2]! += rows;
        slots[at + 3]! |= bits;
        return false;
      }
      i = (i + 1) & this.mask;
    }
    const at = i * WIDTH;
    slots[at] = a;
    slots[at + 1] = b;
    slots[at + 2] = rows;
    slots[at + 3] = bits;
    this.values[i] = values();
    // [choice] Load factor up to 3/4: probes stay short and the table small (16 bytes a combination).
    if (++this.size * 4 > (this.mask + 1) * 3) this.grow();
    return true;
  }

  private grow(): void {
    const old = this.slots;
    const values = this.values;
    const n = (this.mask + 1) * 2;
    this.slots = new Int32Array(n * WIDTH).fill(EMPTY);
    this.values = new Array<(string | null)[] | undefined>(n);
    this.mask = n - 1;
    this.size = 0;
    for (let i = 0; i < values.length; i++) {
      const at = i * WIDTH;
      if (old[at] === EMPTY) continue;
      const v = values[i]!;
      this.add(old[at]!, old[at + 1]!, old[at + 2]!, old[at + 3]!, () => v);
    }
  }

  /** Every combination: its lanes, rows, bits and values. */
  *entries(): IterableIterator<{
    a: number;
    b: number;
    rows: number;
    bits: number;
    values: (string | null)[];
  }> {
    for (let i = 0; i < this.values.length; i++) {
      const at = i * WIDTH;
      if (this.slots[at] === EMPTY) continue;
      yield {
        a: this.slots[at]!,
        b: this.slots[at + 1]!,
        rows: this.slots[at + 2]!,
        bits: this.slots[at + 3]!,
        values: this.values[i]!,
      };
    }
  }

  data(): ComboTableData {
    const slots = new Int32Array(this.size * WIDTH);
    const values: (string | null)[][] = [];
    let k = 0;
    for (const e of this.entries()) {
      slots[k++] = e.a;
      slots[k++] = e.b;
      slots[k++] = e.rows;
      slots[k++] = e.bits;
      values.push(e.values);
    }
    return { slots, values };
  }
}
