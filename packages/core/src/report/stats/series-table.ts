/**
 * The distinct series of the rows (tsbatch's report, content-stats.ts): one open-addressing table keyed by the
 * series' 60-bit hash lanes (content-stats.ts, from the duplicate check's key hash), with per series the rows whose
 * first record it is, and the row's dimension values (copied once, when the series first appears). One probe per
 * record: the table is what a row costs, and the series count and each dimension's top values (the sum of a value's
 * rows over the series that hold it: every row is counted once, by its first record) are read from it at the end,
 * exactly.
 *
 * The values are kept as UTF-16 code units in one growing Uint16Array, not as strings: a string kept for the range
 * is one the scavenger copies and promotes (the rows' cells are young), and a range's series cross to the main
 * thread and back from the spill log as two typed arrays instead of thousands of strings to clone. Strings are
 * made again only at the end (`entries`, `valuesOf`), and for each series the first time only.
 */
const EMPTY = -1;
/** Int32 slots: lane a, lane b, rows, where the values start in `chars`. */
const WIDTH = 4;
/** A value in `chars`: its length + 1 (0: null) as two 16-bit halves, then its code units. */
const HEADER = 2;
/** Code units per String.fromCharCode call (its arguments live on the stack). */
const DECODE_STEP = 4096;

export interface SeriesTableData {
  /** Per series: a, b, rows, start of its values in `chars`. */
  slots: Int32Array;
  /** The series' values, `width` per series (see HEADER). */
  chars: Uint16Array;
  width: number;
}

/** The string of code units chars[from, to). */
function decode(chars: Uint16Array, from: number, to: number): string {
  if (to - from <= DECODE_STEP) return String.fromCharCode(...chars.subarray(from, to));
  let text = '';
  for (let i = from; i < to; i += DECODE_STEP)
    text += String.fromCharCode(...chars.subarray(i, Math.min(i + DECODE_STEP, to)));
  return text;
}

/** The end (in `chars`) of the `width` values starting at `at`. */
function valuesEnd(chars: Uint16Array, at: number, width: number): number {
  for (let k = 0; k < width; k++) {
    const n = chars[at]! | (chars[at + 1]! << 16);
    at += HEADER + (n === 0 ? 0 : n - 1);
  }
  return at;
}

/** The `width` values starting at `at` (null: the dimension was null). */
export function decodeValues(chars: Uint16Array, at: number, width: number): (string | null)[] {
  const values: (string | null)[] = [];
  for (let k = 0; k < width; k++) {
    const n = chars[at]! | (chars[at + 1]! << 16);
    at += HEADER;
    if (n === 0) values.push(null);
    else {
      values.push(decode(chars, at, at + n - 1));
      at += n - 1;
    }
  }
  return values;
}

export class SeriesTable {
  private slots: Int32Array;
  private chars = new Uint16Array(4096);
  private used = 0;
  private mask: number;
  size = 0;

  constructor(readonly width: number) {
    this.slots = new Int32Array(64 * WIDTH).fill(EMPTY);
    this.mask = 63;
  }

  /** Empties the table, keeping its memory (a worker reuses one table for its byte ranges). */
  clear(): void {
    this.slots.fill(EMPTY);
    this.used = 0;
    this.size = 0;
  }

  /**
   * A record of a series already held: adds `rows` (1 for a row's first record, else 0). Answers false (and changes
   * nothing) for a series not held yet: the caller gathers its values and calls `add`.
   */
  hit(a: number, b: number, rows: number): boolean {
    const slots = this.slots;
    let i = (a ^ Math.imul(b, 0x61c88647)) & this.mask;
    for (;;) {
      const at = i * WIDTH;
      const sa = slots[at]!;
      if (sa === EMPTY) return false;
      if (sa === a && slots[at + 1] === b) {
        slots[at + 2]! += rows;
        return true;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** The slot of the series with these lanes, or of the empty slot where it would go. */
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

  /** Room for `n` more code units. */
  private reserve(n: number): void {
    if (this.used + n <= this.chars.length) return;
    let size = this.chars.length * 2;
    while (size < this.used + n) size *= 2;
    const next = new Uint16Array(size);
    next.set(this.chars.subarray(0, this.used));
    this.chars = next;
  }

  /** Claims slot `i` for a new series; answers false when it was held already (its rows added). */
  private claim(i: number, a: number, b: number, rows: number): boolean {
    const at = i * WIDTH;
    const slots = this.slots;
    if (slots[at] !== EMPTY) {
      slots[at + 2]! += rows;
      return false;
    }
    slots[at] = a;
    slots[at + 1] = b;
    slots[at + 2] = rows;
    slots[at + 3] = this.used;
    return true;
  }

  /** After a series was claimed: grows the table past its load factor. */
  private added(): void {
    // [choice] Load factor up to 3/4: probes stay short and the table small (16 bytes a series).
    if (++this.size * 4 > (this.mask + 1) * 3) this.grow();
  }

  /**
   * Adds `rows` to the series with these lanes; a new one copies `values` (one per dimension, null: left out).
   * Answers whether it was new. Counts are int32: a table is per byte range or capped in size.
   */
  add(a: number, b: number, rows: number, values: readonly (string | null)[]): boolean {
    if (!this.claim(this.find(a, b), a, b, rows)) return false;
    let n = 0;
    for (let k = 0; k < this.width; k++) n += HEADER + (values[k]?.length ?? 0);
    this.reserve(n);
    const chars = this.chars;
    let at = this.used;
    for (let k = 0; k < this.width; k++) {
      const v = values[k];
      const len = v === null || v === undefined ? 0 : v.length + 1;
      chars[at] = len & 0xffff;
      chars[at + 1] = len >>> 16;
      at += HEADER;
      if (v === null || v === undefined) continue;
      for (let j = 0; j < v.length; j++) chars[at + j] = v.charCodeAt(j);
      at += v.length;
    }
    this.used = at;
    this.added();
    return true;
  }

  /**
   * `add` of a series whose values are the cells of a span row (cell c is `text[spans[2c], spans[2c + 1])`; every
   * dimension present, dimension k in cell `dimCells[k]`): the code units copied from the row's text, no string cut.
   * Taken by the rows whose series is new in their range: about 5,000 of a 4 MiB range's 66k on the fleet file, most
   * of them where a dimension is near-unique per row (an id).
   */
  addSpans(
    a: number,
    b: number,
    rows: number,
    text: string,
    spans: Int32Array,
    dimCells: Int32Array,
  ): boolean {
    if (!this.claim(this.find(a, b), a, b, rows)) return false;
    let n = 0;
    for (let k = 0; k < this.width; k++) {
      const c = 2 * dimCells[k]!;
      n += HEADER + spans[c + 1]! - spans[c]!;
    }
    this.reserve(n);
    const chars = this.chars;
    let at = this.used;
    for (let k = 0; k < this.width; k++) {
      const c = 2 * dimCells[k]!;
      const from = spans[c]!;
      const to = spans[c + 1]!;
      const len = to - from + 1;
      chars[at] = len & 0xffff;
      chars[at + 1] = len >>> 16;
      at += HEADER;
      for (let j = from; j < to; j++) chars[at++] = text.charCodeAt(j);
    }
    this.used = at;
    this.added();
    return true;
  }

  /**
   * Where the values of the series with these lanes start in `valueChars()`: copied from `source` at `from` (another
   * table's data) when the series is new here. For a dictionary of values (the spill log's, outcome-log.ts): the
   * rows it keeps are not counted.
   */
  intern(a: number, b: number, source: Uint16Array, from: number): number {
    const i = this.find(a, b);
    if (!this.claim(i, a, b, 0)) return this.slots[i * WIDTH + 3]!;
    const end = valuesEnd(source, from, this.width);
    this.reserve(end - from);
    const at = this.used;
    this.chars.set(source.subarray(from, end), at);
    this.used += end - from;
    this.added();
    return at;
  }

  /** The values of every series held (a view: `intern` may move them; read it once nothing more is added). */
  valueChars(): Uint16Array {
    return this.chars.subarray(0, this.used);
  }

  /** `add` of a series whose values are encoded in `source` at `from` (another table's data). */
  addEncoded(a: number, b: number, rows: number, source: Uint16Array, from: number): boolean {
    if (!this.claim(this.find(a, b), a, b, rows)) return false;
    const end = valuesEnd(source, from, this.width);
    this.reserve(end - from);
    this.chars.set(source.subarray(from, end), this.used);
    this.used += end - from;
    this.added();
    return true;
  }

  private grow(): void {
    const old = this.slots;
    const n = (this.mask + 1) * 2;
    this.slots = new Int32Array(n * WIDTH).fill(EMPTY);
    this.mask = n - 1;
    for (let at = 0; at < old.length; at += WIDTH) {
      if (old[at] === EMPTY) continue;
      const i = this.find(old[at]!, old[at + 1]!);
      this.slots.set(old.subarray(at, at + WIDTH), i * WIDTH);
    }
  }

  /** Every series: its lanes, rows and values (decoded: for the end of a run, or past the exact bound). */
  *entries(): IterableIterator<{ a: number; b: number; rows: number; values: (string | null)[] }> {
    const slots = this.slots;
    for (let at = 0; at < slots.length; at += WIDTH) {
      if (slots[at] === EMPTY) continue;
      yield {
        a: slots[at]!,
        b: slots[at + 1]!,
        rows: slots[at + 2]!,
        values: decodeValues(this.chars, slots[at + 3]!, this.width),
      };
    }
  }

  /** The table as plain data, in buffers of its own (they cross threads; the table's are reused). */
  data(): SeriesTableData {
    const slots = new Int32Array(this.size * WIDTH);
    let k = 0;
    for (let at = 0; at < this.slots.length; at += WIDTH) {
      if (this.slots[at] === EMPTY) continue;
      slots.set(this.slots.subarray(at, at + WIDTH), k);
      k += WIDTH;
    }
    return { slots, chars: this.chars.slice(0, this.used), width: this.width };
  }
}

/** Int32s per series in SeriesTableData.slots: a, b, rows, values' start. */
export const SERIES_SLOT_WIDTH = WIDTH;
