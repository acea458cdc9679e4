/**
 * The row kernel of a range job (range-job.ts): for a row of a multi-measure model whose cells are all "simple", what
 * the generic path (RowMapping, then recordsRow's metering, checks and key hash) would put in the outcome columns,
 * computed straight from the row's cells, with no record built:
 * - the record's event size (R-METER-1), as recordEventSizeAscii / rowRecordSize measure it;
 * - its limit (R-LIM-1) and time window (R-WIN-1) verdicts: a row the kernel takes passes both;
 * - its 64-bit key hash (R-DUP-1), bit-identical to RecordKeyEncoder.keyHash (keyHashCells shares its steps).
 *
 * A row is simple when its time cell is valid digits in range (R-TIME-1), every dimension cell, the
 * MeasureNameColumn cell if any and every attribute cell is present and not null (R-CSV-7), every attribute is a
 * valid value of its type (the mapper's own parsers, R-MEAS-1), and the record is within the size limit and the
 * window. Any other row (a failure, a null left out of the record, a limit or window failure) is left to the generic
 * path, so the outcome is the same either way (property-tested in test/load/row-kernel.test.ts). Mixed models are
 * not taken (rowKernel answers null): they keep the generic path.
 */
import type { RecordKeyEncoder } from '../checks/check-record-key.js';
import { canonicalShape, FNV_PRIME, hashString, HIGH_PRIME } from '../checks/record-key-shapes.js';
import type { TimeWindow } from '../checks/time-window.js';
import { utf8ByteLength } from '../csv/utf8-byte-length.js';
import { compareDigitsFrom } from '../map/map-digits.js';
import { MAX_TIME_DIGITS, NANO_SUFFIX } from '../map/map-time.js';
import { valueParser, type ValueParser } from '../map/map-values.js';
import type { ResolvedTask, TimeUnit } from '../task.js';

/** R-LIM-1's bounds (checks/limits.ts): a record within the size bound is within every size limit. */
const MAX_DIMENSIONS_PER_RECORD = 128;
const MAX_MEASURE_VALUES_PER_RECORD = 256;
const MAX_RECORD_BYTES = 2048;
/** R-METER-1: the timestamp's bytes in every event. */
const TIME_BYTES = 8;

/** How an attribute's value is metered (R-METER-1): its text (VARCHAR), or a fixed size. */
const METER_TEXT = -1;

/**
 * R-MEAS-1 for the common DOUBLE: `[+-]?\d*\.?\d*` with a digit and at most 308 integer digits is finite (the
 * parser's own shortcut, map-values.ts); anything else (an exponent, a bad cell) is left to the parser.
 */
export function plainDouble(text: string): boolean {
  let i = 0;
  let c = text.charCodeAt(0);
  if (c === 43 || c === 45) c = text.charCodeAt(++i);
  const from = i;
  while (c >= 48 && c <= 57) c = text.charCodeAt(++i);
  const intDigits = i - from;
  let digits = intDigits;
  if (c === 46) {
    c = text.charCodeAt(++i);
    const fracFrom = i;
    while (c >= 48 && c <= 57) c = text.charCodeAt(++i);
    digits += i - fracFrom;
  }
  return i === text.length && digits > 0 && intDigits <= 308;
}

/** R-MEAS-1 for the common BIGINT: a sign and at most 18 digits is within 64 bits; longer is left to the parser. */
export function shortBigint(text: string): boolean {
  const n = text.length;
  let i = 0;
  const c = text.charCodeAt(0);
  if (c === 43 || c === 45) i = 1;
  if (i === n || n - i > 18) return false;
  for (; i < n; i++) {
    const d = text.charCodeAt(i);
    if (d < 48 || d > 57) return false;
  }
  return true;
}

/** An attribute's check: its type's shortcut (else its parser), or none (VARCHAR: every text is one). */
const CHECK_PARSER = 0;
const CHECK_DOUBLE = 1;
const CHECK_BIGINT = 2;
const CHECK_NONE = 3;

export class RowKernel {
  /** The last row taken: its record's event size and key hash (RecordKeyEncoder.keyHashValue, keyHashHigh). */
  size = 0;
  hash = 0;
  hashHigh = 0;
  private readonly timeIndex: number;
  private readonly unit: TimeUnit;
  private readonly maxTime: string;
  private readonly unitZeros: number;
  private readonly nullText: string;
  /** Cells of the dimensions in the model's order, and in the canonical order of their names (keyHash). */
  private readonly dimIndex: Int32Array;
  private readonly dimCanonical: Int32Array;
  private readonly dimNameHash: number;
  private readonly dimNameHashHigh: number;
  /** The MeasureNameColumn's cell, or -1 (a fixed name, hashed once). */
  private readonly nameIndex: number;
  private lastName = '';
  private nameHash: number;
  private nameHashHigh: number;
  private readonly attrIndex: Int32Array;
  /** Per attribute: its metered size, or METER_TEXT; and its parser, null for VARCHAR (every text is one). */
  private readonly attrBytes: Int32Array;
  private readonly attrCheck: Int32Array;
  private readonly attrParse: ValueParser[];
  /** 8 + the UTF-8 bytes of every name in the record (R-METER-1), the measure name's when it is fixed. */
  private readonly baseBytes: number;

  constructor(
    task: Pick<ResolvedTask, 'model' | 'csv'>,
    col: (column: string) => number,
    private readonly window: TimeWindow | null,
    private readonly meterable: boolean,
    private readonly enc: RecordKeyEncoder,
  ) {
    const { model, csv } = task;
    const measures = model.measures;
    if (measures.kind !== 'multi') throw new Error('RowKernel: not a multi-measure model');
    this.timeIndex = col(model.timeColumn);
    this.unit = model.timeUnit;
    this.maxTime = MAX_TIME_DIGITS[model.timeUnit];
    this.unitZeros = NANO_SUFFIX[model.timeUnit].length;
    // As the mapper's (row-mapper.ts, R-CSV-7): cells arrive trimmed, so the NullValue is compared trimmed.
    this.nullText = csv.nullValue === null ? '' : csv.trimWhiteSpace ? csv.nullValue.trim() : csv.nullValue;
    const dimNames = model.dimensions.map((d) => d.name);
    this.dimIndex = Int32Array.from(model.dimensions, (d) => col(d.source));
    const shape = canonicalShape(dimNames, null);
    this.dimCanonical = Int32Array.from(shape.order, (i) => this.dimIndex[i]!);
    this.dimNameHash = shape.nameHash;
    this.dimNameHashHigh = shape.nameHashHigh;
    const measureName = measures.measureName;
    const fixed = measureName.kind === 'fixed' ? measureName.name : null;
    this.nameIndex = measureName.kind === 'column' ? col(measureName.column) : -1;
    this.lastName = fixed ?? '';
    this.nameHash = hashString(0, this.lastName, FNV_PRIME);
    this.nameHashHigh = hashString(0, this.lastName, HIGH_PRIME);
    this.attrIndex = Int32Array.from(measures.attributes, (a) => col(a.source));
    this.attrBytes = Int32Array.from(measures.attributes, (a) =>
      a.type === 'VARCHAR' ? METER_TEXT : a.type === 'BOOLEAN' ? 1 : 8,
    );
    this.attrCheck = Int32Array.from(measures.attributes, (a) =>
      a.type === 'VARCHAR'
        ? CHECK_NONE
        : a.type === 'DOUBLE'
          ? CHECK_DOUBLE
          : a.type === 'BIGINT'
            ? CHECK_BIGINT
            : CHECK_PARSER,
    );
    this.attrParse = measures.attributes.map((a) => valueParser(a.type, model.timeUnit));
    let names = TIME_BYTES + (fixed === null ? 0 : utf8ByteLength(fixed));
    for (const name of dimNames) names += utf8ByteLength(name);
    for (const a of measures.attributes) names += utf8ByteLength(a.name);
    this.baseBytes = names;
  }

  /**
   * Takes a row (true: `size`, `hash`, `hashHigh` are its record's) or leaves it to the generic path (false).
   * `ascii`: the engine has read only ASCII (CsvEngine.allAscii); `extraBytes`: the row's (-1: unknown).
   */
  row(cells: readonly string[], ascii: boolean, extraBytes: number): boolean {
    const nullText = this.nullText;
    // R-TIME-1: digits, at most the unit's last instant; not null.
    const time = cells[this.timeIndex];
    if (time === undefined) return false;
    const tn = time.length;
    if (tn === 0) return false;
    for (let i = 0; i < tn; i++) {
      const c = time.charCodeAt(i);
      if (c < 48 || c > 57) return false;
    }
    const maxTime = this.maxTime;
    if (tn >= maxTime.length && compareDigitsFrom(time, 0, maxTime) > 0) return false;
    if (time === nullText) return false;
    if (this.window !== null && !this.window.contains(time, this.unit)) return false;
    // R-METER-1 as rowRecordSize: values by their lengths when the row is ASCII (or its extra bytes are added).
    const extra = !ascii && extraBytes > 0 && this.meterable;
    const byLength = ascii || extraBytes === 0 || extra;
    let size = this.baseBytes + (extra ? extraBytes : 0);
    const dimIndex = this.dimIndex;
    for (let k = 0; k < dimIndex.length; k++) {
      const value = cells[dimIndex[k]!];
      if (value === undefined || value === '' || value === nullText) return false;
      size += byLength ? value.length : utf8ByteLength(value);
    }
    if (this.nameIndex >= 0) {
      const name = cells[this.nameIndex];
      if (name === undefined || name === '' || name === nullText) return false;
      size += byLength ? name.length : utf8ByteLength(name);
      if (name !== this.lastName) {
        this.lastName = name;
        this.nameHash = hashString(0, name, FNV_PRIME);
        this.nameHashHigh = hashString(0, name, HIGH_PRIME);
      }
    }
    const { attrIndex, attrBytes, attrCheck } = this;
    for (let k = 0; k < attrIndex.length; k++) {
      const value = cells[attrIndex[k]!];
      if (value === undefined || value === '' || value === nullText) return false;
      const check = attrCheck[k]!;
      if (check === CHECK_NONE) size += byLength ? value.length : utf8ByteLength(value);
      else {
        const valid =
          check === CHECK_DOUBLE ? plainDouble(value) : check === CHECK_BIGINT ? shortBigint(value) : false;
        if (!valid && this.attrParse[k]!(value) === undefined) return false;
        size += attrBytes[k]!;
      }
    }
    if (size > MAX_RECORD_BYTES) return false;
    this.size = size;
    const enc = this.enc;
    enc.keyHashCells(
      this.dimNameHash,
      this.dimNameHashHigh,
      this.nameHash,
      this.nameHashHigh,
      cells,
      this.dimCanonical,
      time,
      this.unitZeros,
    );
    this.hash = enc.keyHashValue;
    this.hashHigh = enc.keyHashHigh;
    return true;
  }
}

/**
 * The kernel for a file with this header (bound: the header has every column the model reads), or null when the
 * model is not one it takes (a mixed model; more dimensions or attributes than R-LIM-1 allows).
 */
export function rowKernel(
  task: Pick<ResolvedTask, 'model' | 'csv'>,
  header: readonly string[],
  window: TimeWindow | null,
  meterable: boolean,
  enc: RecordKeyEncoder,
): RowKernel | null {
  const measures = task.model.measures;
  if (measures.kind !== 'multi') return null;
  // None at all fails every row (R-DIM-1, R-MEAS-2); too many fails every record (R-LIM-1): the generic path says how.
  const dims = task.model.dimensions.length;
  if (dims === 0 || dims > MAX_DIMENSIONS_PER_RECORD) return null;
  if (measures.attributes.length === 0 || measures.attributes.length > MAX_MEASURE_VALUES_PER_RECORD)
    return null;
  // The header's first column of each name, as the mapper's findColumns.
  const index = new Map<string, number>();
  header.forEach((name, i) => {
    if (!index.has(name)) index.set(name, i);
  });
  const col = (column: string): number => {
    const i = index.get(column);
    if (i === undefined) throw new Error(`rowKernel: the header has no column ${JSON.stringify(column)}`);
    return i;
  };
  return new RowKernel(task, col, window, meterable, enc);
}
