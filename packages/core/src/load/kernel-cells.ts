/**
 * What the row kernels of a range job (row-kernel.ts: multi-measure models; mixed-kernel.ts: mixed ones) share: the
 * interface range-columns.ts writes from, R-LIM-1's bounds, the checks of a value cell (R-MEAS-1) by the mapper's own
 * rules (its parsers, behind shortcuts for the common DOUBLE and BIGINT), and RowCells: the time and dimension cells
 * of a row, checked, measured and hashed.
 */
import type { RecordKeyEncoder } from '../checks/check-record-key.js';
import { canonicalShape } from '../checks/record-key-shapes.js';
import type { TimeWindow } from '../checks/time-window.js';
import { spanUtf8Bytes, utf8ByteLength } from '../csv/utf8-byte-length.js';
import { compareDigitsFrom } from '../map/map-digits.js';
import { MAX_TIME_DIGITS, NANO_SUFFIX } from '../map/map-time.js';
import type { ValueParser } from '../map/map-values.js';
import type { ContentStats } from '../report/stats/content-stats.js';
import { unitMs } from '../report/stats/record-time.js';
import type { ResolvedCsvOptions, ResolvedTask, ScalarMeasureValueType, TimeUnit } from '../task.js';

/** R-LIM-1's bounds (checks/limits.ts): a record within the size bound is within every size limit. */
export const MAX_DIMENSIONS_PER_RECORD = 128;
export const MAX_MEASURE_VALUES_PER_RECORD = 256;
export const MAX_RECORD_BYTES = 2048;
/** R-METER-1: the timestamp's bytes in every event. */
export const TIME_BYTES = 8;

/** How an attribute's value is metered (R-METER-1): its text (VARCHAR), or a fixed size. */
export const METER_TEXT = -1;

/**
 * R-MEAS-1 for the common DOUBLE: `[+-]?\d*\.?\d*` with a digit and at most 308 integer digits is finite (the
 * parser's own shortcut, map-values.ts); anything else (an exponent, a bad cell) is left to the parser.
 */
export function plainDouble(text: string): boolean {
  return plainDoubleIn(text, 0, text.length);
}

/** plainDouble of `text[from, to)`. */
export function plainDoubleIn(text: string, from: number, to: number): boolean {
  let i = from;
  let c = i < to ? text.charCodeAt(i) : -1;
  if (c === 43 || c === 45) c = ++i < to ? text.charCodeAt(i) : -1;
  const intFrom = i;
  while (c >= 48 && c <= 57) c = ++i < to ? text.charCodeAt(i) : -1;
  const intDigits = i - intFrom;
  let digits = intDigits;
  if (c === 46) {
    c = ++i < to ? text.charCodeAt(i) : -1;
    const fracFrom = i;
    while (c >= 48 && c <= 57) c = ++i < to ? text.charCodeAt(i) : -1;
    digits += i - fracFrom;
  }
  return i === to && digits > 0 && intDigits <= 308;
}

/** R-MEAS-1 for the common BIGINT: a sign and at most 18 digits is within 64 bits; longer is left to the parser. */
export function shortBigint(text: string): boolean {
  return shortBigintIn(text, 0, text.length);
}

/** shortBigint of `text[from, to)`. */
export function shortBigintIn(text: string, from: number, to: number): boolean {
  let i = from;
  const c = i < to ? text.charCodeAt(i) : -1;
  if (c === 43 || c === 45) i++;
  if (i === to || to - i > 18) return false;
  for (; i < to; i++) {
    const d = text.charCodeAt(i);
    if (d < 48 || d > 57) return false;
  }
  return true;
}

/** An attribute's check: its type's shortcut (else its parser), or none (VARCHAR: every text is one). */
export const CHECK_PARSER = 0;
export const CHECK_DOUBLE = 1;
export const CHECK_BIGINT = 2;
export const CHECK_NONE = 3;

/** What range-columns.ts's kernelRow asks of a kernel. */
export interface Kernel {
  /**
   * Takes a row: the count of its records (their event sizes and key hashes in `sizes`, `hashes`, `hashesHigh`), or
   * 0 to leave it to the generic path. `ascii`: the engine has read only ASCII (CsvEngine.allAscii); `extraBytes`:
   * the row's, where its bytes were located (-1: unknown).
   */
  row(cells: readonly string[], ascii: boolean, extraBytes: number): number;
  readonly sizes: Int32Array;
  readonly hashes: Int32Array;
  readonly hashesHigh: Int32Array;
  /**
   * The report's statistics of the row `row` just took (ContentStats.addCellsRow), but for its time: answers the
   * row's time in ms (timeDigitsMs of its time cell, read with the cell's check when the kernel was made for
   * statistics), which the caller writes in the range's row times; the range counts its times from those at its
   * end (ContentStats.addTimes). Both kernels give them (row-kernel.ts, mixed-kernel.ts); rowKernel makes none for
   * statistics where they could not be given.
   */
  countRow?(cells: readonly string[], content: ContentStats): number;
  /**
   * `row` of a row whose cells are spans of `text` (span mode, CsvEngine.setRowHook): cell k is
   * `text.substring(spans[2k], spans[2k + 1])`, of a record read whole in one text of valid UTF-8 (its extraBytes
   * as the row event's: 0 for ASCII text). The same answer and the same `sizes`, `hashes`, `hashesHigh` as `row` of
   * those cells (with `ascii` false); absent where a kernel has none.
   */
  rowSpans?(text: string, spans: Int32Array, extraBytes: number): number;
  /**
   * By column, the cells rowSpans reads only for their length and whether they are the NullValue (RowHook.lengthCells:
   * their spans may have another text of their length); absent where a kernel has no rowSpans.
   */
  readonly lengthCells?: Uint8Array;
  /**
   * countRow of the row `rowSpans` just took (its cells spans of `text`); absent where a kernel has no rowSpans. A
   * kernel may have counted the row in `content` in rowSpans already (RowKernel does: see there), answering its time.
   */
  countSpans?(text: string, spans: Int32Array, content: ContentStats): number;
}

/** R-TIME-1: the time cell is digits, at most the unit's last instant (its null check is the caller's). */
export function simpleTime(time: string, maxTime: string): boolean {
  return simpleTimeIn(time, 0, time.length, maxTime);
}

/** simpleTime of `text[from, to)`. */
export function simpleTimeIn(text: string, from: number, to: number, maxTime: string): boolean {
  const n = to - from;
  if (n === 0) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  if (n < maxTime.length) return true;
  return (
    compareDigitsFrom(from === 0 && to === text.length ? text : text.substring(from, to), 0, maxTime) <= 0
  );
}

/** Whether `text[from, to)` is `value`. */
export function spanIs(text: string, from: number, to: number, value: string): boolean {
  if (to - from !== value.length) return false;
  for (let i = 0; i < value.length; i++) if (text.charCodeAt(from + i) !== value.charCodeAt(i)) return false;
  return true;
}

/**
 * simpleTime that reads the time too: NaN when simpleTime(time, maxTime) is false, else timeDigitsMs(time, unit)
 * (record-time.ts; `msPerUnit` is unitMs(unit)), summed the same way (the last nine digits in int32, the ones
 * before as a double) in the loop that checks the digits, instead of a second pass over the cell for the report.
 */
export function simpleTimeMs(time: string, maxTime: string, msPerUnit: number): number {
  return simpleTimeMsIn(time, 0, time.length, maxTime, msPerUnit);
}

/** simpleTimeMs of `text[from, to)`. */
export function simpleTimeMsIn(
  text: string,
  from: number,
  to: number,
  maxTime: string,
  msPerUnit: number,
): number {
  const n = to - from;
  if (n === 0) return NaN;
  let i = from;
  let high = 0;
  for (; i < to - 9; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    high = high * 10 + d;
  }
  let low = 0;
  for (; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    low = (low * 10 + d) | 0;
  }
  if (n >= maxTime.length) {
    const time = from === 0 && to === text.length ? text : text.substring(from, to);
    if (compareDigitsFrom(time, 0, maxTime) > 0) return NaN;
  }
  return (high * 1e9 + low) * msPerUnit;
}

/** An attribute's or a scalar measure's check (CHECK_*). */
export function checkOf(type: ScalarMeasureValueType): number {
  if (type === 'VARCHAR') return CHECK_NONE;
  return type === 'DOUBLE' ? CHECK_DOUBLE : type === 'BIGINT' ? CHECK_BIGINT : CHECK_PARSER;
}

/** R-MEAS-1: whether a (non-null) cell is a value of its type: the shortcut of its check, else its parser. */
export function validValue(check: number, parse: ValueParser, value: string): boolean {
  if (check === CHECK_NONE) return true;
  const quick =
    check === CHECK_DOUBLE ? plainDouble(value) : check === CHECK_BIGINT ? shortBigint(value) : false;
  return quick || parse(value) !== undefined;
}

/** validValue of the cell `text[from, to)` (the cut only where the parser is asked). */
export function validValueIn(
  check: number,
  parse: ValueParser,
  text: string,
  from: number,
  to: number,
): boolean {
  if (check === CHECK_NONE) return true;
  const quick =
    check === CHECK_DOUBLE
      ? plainDoubleIn(text, from, to)
      : check === CHECK_BIGINT
        ? shortBigintIn(text, from, to)
        : false;
  return quick || parse(text.substring(from, to)) !== undefined;
}

/** R-METER-1: a value's metered bytes by its type: its text's (VARCHAR), 1 (BOOLEAN), else 8. */
export function meterOf(type: ScalarMeasureValueType): number {
  return type === 'VARCHAR' ? METER_TEXT : type === 'BOOLEAN' ? 1 : 8;
}

/** As the mapper's (row-mapper.ts, R-CSV-7): cells arrive trimmed, so the NullValue is compared trimmed. */
export function nullTextOf(csv: ResolvedCsvOptions): string {
  return csv.nullValue === null ? '' : csv.trimWhiteSpace ? csv.nullValue.trim() : csv.nullValue;
}

/**
 * What every record of a row shares, read from its cells: the time (R-TIME-1, R-WIN-1), the dimensions (every one
 * present: R-DIM-1's nulls are left to the generic path) and their part of the key hash (R-DUP-1).
 */
export class RowCells {
  readonly nullText: string;
  readonly timeIndex: number;
  readonly unit: TimeUnit;
  private readonly maxTime: string;
  private readonly unitZeros: number;
  /** Cells of the dimensions in the model's order, and in the canonical order of their names (keyHash). */
  readonly dimIndex: Int32Array;
  private readonly dimCanonical: Int32Array;
  private readonly dimNameHash: number;
  private readonly dimNameHashHigh: number;
  /** 8 (the time) + the UTF-8 bytes of the dimension names (R-METER-1). */
  readonly baseBytes: number;
  /** With `statistics`: the time (ms) of the row `time` took last (simpleTimeMs). */
  ms = 0;
  private readonly msPerUnit: number;

  constructor(
    task: Pick<ResolvedTask, 'model' | 'csv'>,
    col: (column: string) => number,
    private readonly window: TimeWindow | null,
    /** `hash` leaves its result in the encoder (keyHashValue, keyHashHigh). */
    readonly enc: RecordKeyEncoder,
    /** Whether `time` reads the time's ms as well (into `ms`), for the report's statistics. */
    private readonly statistics = false,
  ) {
    const { model, csv } = task;
    this.nullText = nullTextOf(csv);
    this.timeIndex = col(model.timeColumn);
    this.unit = model.timeUnit;
    this.maxTime = MAX_TIME_DIGITS[model.timeUnit];
    this.unitZeros = NANO_SUFFIX[model.timeUnit].length;
    const dimNames = model.dimensions.map((d) => d.name);
    this.dimIndex = Int32Array.from(model.dimensions, (d) => col(d.source));
    const shape = canonicalShape(dimNames, null);
    this.dimCanonical = Int32Array.from(shape.order, (i) => this.dimIndex[i]!);
    this.dimNameHash = shape.nameHash;
    this.dimNameHashHigh = shape.nameHashHigh;
    let bytes = TIME_BYTES;
    for (const name of dimNames) bytes += utf8ByteLength(name);
    this.baseBytes = bytes;
    this.msPerUnit = unitMs(model.timeUnit);
  }

  /** The row's time cell when it is simple (valid, not null) and inside the window; else null. */
  time(cells: readonly string[]): string | null {
    const time = cells[this.timeIndex];
    if (time === undefined) return null;
    if (this.statistics) {
      const ms = simpleTimeMs(time, this.maxTime, this.msPerUnit);
      if (ms !== ms) return null; // NaN: not simple
      this.ms = ms;
    } else if (!simpleTime(time, this.maxTime)) return null;
    if (time === this.nullText) return null;
    return this.window === null || this.window.contains(time, this.unit) ? time : null;
  }

  /** `time` of a row of cell spans (Kernel.rowSpans): whether its time cell is simple and inside the window. */
  timeSpan(text: string, spans: Int32Array): boolean {
    const c = 2 * this.timeIndex;
    const from = spans[c]!;
    const to = spans[c + 1]!;
    if (this.statistics) {
      const ms = simpleTimeMsIn(text, from, to, this.maxTime, this.msPerUnit);
      if (ms !== ms) return false; // NaN: not simple
      this.ms = ms;
    } else if (!simpleTimeIn(text, from, to, this.maxTime)) return false;
    if (spanIs(text, from, to, this.nullText)) return false;
    return this.window === null || this.window.contains(text.substring(from, to), this.unit);
  }

  /** `dimensionBytes` of a row of cell spans of valid UTF-8 text (spanUtf8Bytes), or -1 for a null one. */
  dimensionSpanBytes(text: string, spans: Int32Array, byLength: boolean): number {
    const nullText = this.nullText;
    const dimIndex = this.dimIndex;
    let bytes = 0;
    for (let k = 0; k < dimIndex.length; k++) {
      const c = 2 * dimIndex[k]!;
      const from = spans[c]!;
      const to = spans[c + 1]!;
      if (to === from || spanIs(text, from, to, nullText)) return -1;
      bytes += byLength ? to - from : spanUtf8Bytes(text, from, to);
    }
    return bytes;
  }

  /** `hash` of a row of cell spans. */
  hashSpans(text: string, spans: Int32Array, nameHash: number, nameHashHigh: number): void {
    this.enc.keyHashSpans(
      this.dimNameHash,
      this.dimNameHashHigh,
      nameHash,
      nameHashHigh,
      text,
      spans,
      this.dimCanonical,
      this.timeIndex,
      this.unitZeros,
    );
  }

  /** The metered bytes of the row's dimension values (by their lengths, or their UTF-8), or -1 for a null one. */
  dimensionBytes(cells: readonly string[], byLength: boolean): number {
    const nullText = this.nullText;
    const dimIndex = this.dimIndex;
    let bytes = 0;
    for (let k = 0; k < dimIndex.length; k++) {
      const value = cells[dimIndex[k]!];
      if (value === undefined || value === '' || value === nullText) return -1;
      bytes += byLength ? value.length : utf8ByteLength(value);
    }
    return bytes;
  }

  /** The key hash of the row's record with this measure name (its hashes): into the encoder's keyHashValue/High. */
  hash(cells: readonly string[], time: string, nameHash: number, nameHashHigh: number): void {
    this.enc.keyHashCells(
      this.dimNameHash,
      this.dimNameHashHigh,
      nameHash,
      nameHashHigh,
      cells,
      this.dimCanonical,
      time,
      this.unitZeros,
    );
  }
}
