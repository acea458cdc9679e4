/**
 * R-DUP-1 for the parallel dry run: once the duplicate check spills to disk, the range outcomes that arrive are
 * kept on disk in file order, to be replayed when the spilled keys are resolved (range-replay.ts). Only what the
 * replay needs is kept (events, lines, record counts and sizes, limit/window failures, the rare objects), each
 * column in its narrowest form: one value when all are equal (most are: spans, counts, failures), else bytes,
 * 16 or 32 bits; line numbers as differences. With the report's statistics, what the range's rows hold
 * (v8-serialised: it is merged when the outcome is replayed, so a stopped run's statistics cover the rows it
 * counted), and the times of the rows the replay will refuse whatever the duplicate check says: those with a limit
 * or window failure (a row refused for a conflict only takes its time from the conflict, which the resolution read
 * again: Conflict.timeMs). The series' values, most of the log, are kept once per log (a range holds most of the
 * file's series again), in a dictionary kept in memory up to SERIES_DICTIONARY_MAX series; the times as steps from
 * one to the next when each step is a whole int32 that gives the time back to the bit (times in whole ms: any time
 * unit of seconds or ms), else as they are.
 */
import { deserialize, serialize } from 'node:v8';
import { SpillReader, SpillWriter, type SpillFolder } from '../checks/spill-files.js';
import type { ContentStatsData } from '../report/stats/content-data.js';
import { COMBOS_EXACT_MAX } from '../report/stats/content-stats.js';
import { SERIES_SLOT_WIDTH, SeriesTable } from '../report/stats/series-table.js';
import type { RangeOutcome } from './range-job.js';

/** Where to resume replaying an outcome: its event, row, record and `others` indexes. */
export interface ReplayPosition {
  event: number;
  row: number;
  record: number;
  other: number;
}

/** An outcome as the replay reads it back. */
export interface LoggedOutcome {
  file: number;
  lineBase: number;
  from: ReplayPosition;
  outcome: Pick<
    RangeOutcome,
    'rowLine' | 'rowSpan' | 'rowRecords' | 'recSize' | 'recFailure' | 'failures' | 'others'
  > & {
    /** A Uint8Array, as a live outcome's (the replay's loop then sees one array type). */
    kinds: Uint8Array;
    /** Per records row: the time of a row with a limit or window failure, NaN for the others; absent when none. */
    rowTime?: Float64Array;
    content?: ContentStatsData;
  };
}

const CONST = 0;
const U8 = 1;
const I16 = 2;
const I32 = 3;
const HEADER_WORDS = 12;
/**
 * How a logged outcome's times (header word 7: how many) are kept (word 9): as they are, or steps of this many ms
 * (1 or 1000) from the first (word 10).
 */
const TIMES_AS_IS = 0;
/** [choice] Series whose values the log keeps once (then, per outcome, as it came: memory stays bounded). */
const SERIES_DICTIONARY_MAX = COMBOS_EXACT_MAX;
const NO_CHARS = new Uint16Array(0);

/** Appends outcomes; `entries` reads them back in order. */
export class OutcomeLog {
  private readonly writer: SpillWriter;
  private count = 0;
  /** The series' values, each once (SeriesTableData.chars of every logged content that refers to it). */
  private values: SeriesTable | null = null;

  constructor(folder: SpillFolder) {
    this.writer = new SpillWriter(folder, folder.file('outcomes.bin'), 1 << 20);
  }

  append(file: number, lineBase: number, from: ReplayPosition, outcome: RangeOutcome): void {
    const json = Buffer.from(JSON.stringify([outcome.failures, outcome.others]));
    const logged = outcome.content === undefined ? null : this.withoutValues(outcome.content);
    const content = logged === null ? null : serialize(logged.content);
    // The failures' range, for their column too (a loop over every record, done once).
    const failureRange = rangeOfInts(outcome.recFailure);
    const failureMin = failureRange[0]!;
    const failureMax = failureRange[1]!;
    const failed = failureMax >= 0;
    const times = outcome.rowTime === undefined || !failed ? null : failedRowTimes(outcome, outcome.rowTime);
    // No such rows, no times: nothing is written for them (and none read back).
    const steps = times === null || times.length === 0 ? null : timeSteps(times);
    const header = new Float64Array([
      file,
      lineBase,
      from.event,
      from.row,
      from.record,
      from.other,
      json.length,
      times === null ? 0 : times.length,
      content === null ? 0 : content.length,
      steps === null ? TIMES_AS_IS : steps.unit,
      steps === null ? 0 : times![0]!,
      logged?.interned === true ? 1 : 0,
    ]);
    this.writer.write(new Uint8Array(header.buffer));
    this.writer.write(json);
    if (content !== null) this.writer.write(content);
    this.column(outcome.kinds);
    this.column(differences(outcome.rowLine));
    this.column(outcome.rowSpan);
    this.column(outcome.rowRecords);
    this.column(outcome.recSize);
    this.column(outcome.recFailure, failureMin, failureMax);
    if (steps !== null) this.column(steps.steps);
    else if (times !== null)
      this.writer.write(new Uint8Array(times.buffer, times.byteOffset, times.byteLength));
    this.count++;
  }

  /**
   * The content to log: its series' values moved to the log's dictionary (their offsets into it), or the content
   * as it came once the dictionary is full.
   */
  private withoutValues(content: ContentStatsData): { content: ContentStatsData; interned: boolean } {
    const series = content.series;
    if (series === null) return { content, interned: false };
    const values = (this.values ??= new SeriesTable(series.width));
    if (
      values.width !== series.width ||
      values.size + series.slots.length / SERIES_SLOT_WIDTH > SERIES_DICTIONARY_MAX
    )
      return { content, interned: false };
    const slots = series.slots.slice();
    for (let at = 0; at < slots.length; at += SERIES_SLOT_WIDTH)
      slots[at + 3] = values.intern(slots[at]!, slots[at + 1]!, series.chars, slots[at + 3]!);
    return {
      content: { ...content, series: { slots, chars: NO_CHARS, width: series.width } },
      interned: true,
    };
  }

  /**
   * The outcomes appended, in order (the log is complete: nothing is appended after). Each outcome's columns are
   * views of buffers reused for the next one: use an outcome before asking for the next.
   */
  *entries(): Generator<LoggedOutcome> {
    this.writer.close();
    const reader = new SpillReader(this.writer.file);
    const columns = Array.from({ length: 6 }, () => new ReusedColumn());
    const stepColumn = new ReusedColumn();
    const dictionary = this.values?.valueChars() ?? NO_CHARS;
    let times = new Float64Array(1024);
    let rowTimes = new Float64Array(1024);
    let kindsOut = new Uint8Array(1024);
    try {
      let position = 0;
      const read = (length: number): Uint8Array => {
        const bytes = new Uint8Array(length);
        reader.readAt(bytes, position, length);
        position += length;
        return bytes;
      };
      for (let n = 0; n < this.count; n++) {
        const h = new Float64Array(read(HEADER_WORDS * 8).buffer);
        const [failures, others] = JSON.parse(Buffer.from(read(h[6]!)).toString()) as [
          RangeOutcome['failures'],
          RangeOutcome['others'],
        ];
        const content = h[8] === 0 ? undefined : (deserialize(Buffer.from(read(h[8]!))) as ContentStatsData);
        if (content?.series != null && h[11] === 1) content.series.chars = dictionary;
        const [a, b, c, d, e, f] = columns as [
          ReusedColumn,
          ReusedColumn,
          ReusedColumn,
          ReusedColumn,
          ReusedColumn,
          ReusedColumn,
        ];
        const kindValues = a.read(read);
        if (kindValues.length > kindsOut.length)
          kindsOut = new Uint8Array(Math.max(kindValues.length, kindsOut.length * 2));
        const kinds = kindsOut.subarray(0, kindValues.length);
        kinds.set(kindValues);
        const rowLine = sums(b.read(read));
        const rowSpan = c.read(read);
        const rowRecords = d.read(read);
        const recSize = e.read(read);
        const recFailure = f.read(read);
        const timed = h[7]!;
        if (timed > times.length) times = new Float64Array(Math.max(timed, times.length * 2));
        const failedTimes = times.subarray(0, timed);
        if (timed > 0 && h[9] !== TIMES_AS_IS) unstep(stepColumn.read(read), h[10]!, h[9]!, failedTimes);
        else if (timed > 0) new Uint8Array(failedTimes.buffer, 0, timed * 8).set(read(timed * 8));
        const rows = rowRecords.length;
        if (timed > 0 && rows > rowTimes.length)
          rowTimes = new Float64Array(Math.max(rows, rowTimes.length * 2));
        const rowTime =
          timed === 0
            ? undefined
            : spreadTimes(rowRecords, recFailure, failedTimes, rowTimes.subarray(0, rows));
        yield {
          file: h[0]!,
          lineBase: h[1]!,
          from: { event: h[2]!, row: h[3]!, record: h[4]!, other: h[5]! },
          outcome: {
            kinds,
            rowLine,
            rowSpan,
            rowRecords,
            recSize,
            recFailure,
            failures,
            others,
            ...(rowTime !== undefined && { rowTime }),
            ...(content !== undefined && { content }),
          },
        };
      }
    } finally {
      reader.close();
    }
  }

  /** A column: its form, its length, then one value or all of them (their least and greatest, when known). */
  private column(values: Int32Array | Uint8Array, knownMin?: number, knownMax?: number): void {
    const range =
      knownMin !== undefined
        ? null
        : values instanceof Uint8Array
          ? rangeOfBytes(values)
          : rangeOfInts(values);
    const min = range === null ? knownMin! : range[0]!;
    const max = range === null ? knownMax! : range[1]!;
    const form = min === max ? CONST : min >= 0 && max < 256 ? U8 : min >= -32768 && max < 32768 ? I16 : I32;
    this.writer.write(new Uint8Array(new Int32Array([form, values.length, min, 0]).buffer));
    if (form === CONST) return;
    // The values fit the form: a typed copy (`set` converts natively; `from` iterates), or the column itself.
    const data =
      form === U8 ? new Uint8Array(values.length) : form === I16 ? new Int16Array(values.length) : null;
    if (data !== null) data.set(values);
    const bytes = data ?? values;
    this.writer.write(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    // Keep the next header aligned on 4 bytes.
    const pad = (4 - (bytes.byteLength % 4)) % 4;
    if (pad > 0) this.writer.write(new Uint8Array(pad));
  }
}

/** A column read back into a buffer kept from one outcome to the next. */
class ReusedColumn {
  private data = new Int32Array(1024);

  read(read: (length: number) => Uint8Array): Int32Array {
    const [form, length, value] = new Int32Array(read(16).buffer) as unknown as [number, number, number];
    if (this.data.length < length) this.data = new Int32Array(Math.max(length, this.data.length * 2));
    const out = this.data.subarray(0, length);
    if (form === CONST) return out.fill(value);
    const width = form === U8 ? 1 : form === I16 ? 2 : 4;
    const bytes = read(length * width);
    read((4 - ((length * width) % 4)) % 4);
    if (form === U8) out.set(bytes);
    else if (form === I16) out.set(new Int16Array(bytes.buffer, 0, length));
    else out.set(new Int32Array(bytes.buffer, 0, length));
    return out;
  }
}

/** The least and greatest value (0 and 0 for no values), in RANGE: one loop per array type, each monomorphic. */
const RANGE = new Int32Array(2);

function rangeOfInts(values: Int32Array): Int32Array {
  let min = values.length === 0 ? 0 : values[0]!;
  let max = min;
  for (let i = 1; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  RANGE[0] = min;
  RANGE[1] = max;
  return RANGE;
}

function rangeOfBytes(values: Uint8Array): Int32Array {
  let min = values.length === 0 ? 0 : values[0]!;
  let max = min;
  for (let i = 1; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  RANGE[0] = min;
  RANGE[1] = max;
  return RANGE;
}

function differences(values: Int32Array): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! - (i === 0 ? 0 : values[i - 1]!);
  return out;
}

function sums(values: Int32Array): Int32Array {
  for (let i = 1; i < values.length; i++) values[i] = values[i]! + values[i - 1]!;
  return values;
}

/** The times of the rows with a limit or window failure (a record's recFailure is not -1), in row order. */
function failedRowTimes(outcome: RangeOutcome, rowTime: Float64Array): Float64Array {
  const { rowRecords, recFailure } = outcome;
  const out: number[] = [];
  let rec = 0;
  for (let row = 0; row < rowRecords.length; row++) {
    const end = rec + rowRecords[row]!;
    let failed = false;
    for (; rec < end; rec++) if (recFailure[rec] !== -1) failed = true;
    if (failed) out.push(rowTime[row]!);
  }
  return Float64Array.from(out);
}

/** failedRowTimes' times back at their rows, into `out` (NaN for the other rows). */
function spreadTimes(
  rowRecords: Int32Array,
  recFailure: Int32Array,
  times: Float64Array,
  out: Float64Array,
): Float64Array {
  out.fill(NaN);
  let rec = 0;
  let next = 0;
  for (let row = 0; row < rowRecords.length; row++) {
    const end = rec + rowRecords[row]!;
    let failed = false;
    for (; rec < end; rec++) if (recFailure[rec] !== -1) failed = true;
    if (failed) out[row] = times[next++]!;
  }
  return out;
}

/**
 * The times as int32 steps from the first (steps[0] = 0) of `unit` ms each (1000 when every step is whole seconds,
 * else 1), when every step is one that gives the time back exactly (unstep adds them in the same order); else null
 * (a NaN, a fraction of a ms, a step past int32).
 */
export function timeSteps(times: Float64Array): { steps: Int32Array; unit: number } | null {
  const steps = new Int32Array(times.length);
  let before = times.length === 0 ? 0 : times[0]!;
  // The steps' remainders in whole seconds, or-ed: 0 when every step is whole seconds.
  let ms = 0;
  for (let i = 0; i < times.length; i++) {
    const time = times[i]!;
    const step = (time - before) | 0;
    // A step that does not give the time back (or -0, which adding 0 would make +0) keeps the times as they are.
    if (before + step !== time || (time === 0 && 1 / time < 0)) return null;
    steps[i] = step;
    // An int32 remainder (a double's would be a call to fmod: most of this loop's time).
    ms |= step % 1000;
    before = time;
  }
  if (ms !== 0) return { steps, unit: 1 };
  for (let i = 0; i < steps.length; i++) steps[i] = steps[i]! / 1000;
  return { steps, unit: 1000 };
}

/** The times of timeSteps' steps of `unit` ms from `first`, into `out`. */
export function unstep(steps: Int32Array, first: number, unit: number, out: Float64Array): void {
  let time = first;
  for (let i = 0; i < steps.length; i++) {
    time += steps[i]! * unit;
    out[i] = time;
  }
}
