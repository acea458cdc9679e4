/**
 * R-DUP-1 for the candidates of one slice of a spilled partition (duplicate-resolve.ts): entries grouped by their
 * 64-bit key hash, each group split by exact key bytes, and each key's records decided in load order as the
 * in-memory table would (version-verdict.ts): against the table's point (a BASE entry) or the last stored record.
 *
 * A row's records are all checked against the state before the row, then stored only when the row is stored: no
 * limit or window failure (FLAG_PREFAIL), no conflict among its records here, and not refused through a record
 * elsewhere (`rejected`, for mixed-model rows whose records sit in other partitions). For those rows the slice also
 * tells which ones had a conflict (`failedRows`) and which ones have a record that a later record of its key meets
 * (`laterRows`, whatever was stored): only a row in both can change what later records meet, so those rows are
 * decided again as refused until nothing changes (load-duplicates.ts).
 */
import type { TimestreamRecord } from '../map/record.js';
import { recordTimeMs } from '../report/stats/record-time.js';
import type { RecordKeyEncoder } from './check-record-key.js';
import { entryIndex, FLAG_BASE, FLAG_MULTI, FLAG_PREFAIL } from './duplicate-spill.js';
import { sameBytes, sameEncodedValues } from './point-compare.js';
import type { Conflict } from './verdict-runs.js';
import { refuses, updates, versionVerdict } from './version-verdict.js';

/** Entries of one slice: 32 bytes each as 8 int32 (`data`, `f64` the same bytes), then their encodings. */
export interface Candidates {
  data: Int32Array;
  f64: Float64Array;
  count: number;
  version: Float64Array;
  keyStart: Int32Array;
  keyLength: Int32Array;
  length: Int32Array;
  bytes: Uint8Array;
}

export interface Decided {
  conflicts: Conflict[];
  failedRows: number[];
  laterRows: number[];
}

/** One exact key of a group: the candidate holding its current state (-1: none yet). */
interface KeyState {
  first: number;
  state: number;
  /** Rows with several records that have a record of this key, not yet met by a later one. */
  multiRows: number[];
}

export function decideGroups(
  c: Candidates,
  encoder: RecordKeyEncoder,
  rejected: ReadonlySet<number>,
  recordOf: (i: number) => TimestreamRecord,
): Decided {
  const out: Decided = { conflicts: [], failedRows: [], laterRows: [] };
  const order = Array.from({ length: c.count }, (_, i) => i);
  const { data } = c;
  order.sort((a, b) => data[a * 8 + 1]! - data[b * 8 + 1]! || data[a * 8]! - data[b * 8]! || a - b);
  for (let g = 0; g < order.length;) {
    let end = g + 1;
    const a = order[g]!;
    while (
      end < order.length &&
      data[order[end]! * 8]! === data[a * 8]! &&
      data[order[end]! * 8 + 1]! === data[a * 8 + 1]!
    )
      end++;
    if (end - g >= 2) decideGroup(c, order.slice(g, end), encoder, rejected, recordOf, out);
    g = end;
  }
  return out;
}

const wordOf = (c: Candidates, i: number): number => c.data[i * 8 + 7]! >>> 0;
const flagsOf = (c: Candidates, i: number): number => (wordOf(c, i) >>> 2) & 7;
/** The row of a record: the ordinal of its row's first record (records of a row have consecutive ordinals). */
const rowOf = (c: Candidates, i: number): number => c.f64[i * 4 + 1]! - entryIndex(wordOf(c, i));

function decideGroup(
  c: Candidates,
  members: number[],
  encoder: RecordKeyEncoder,
  rejected: ReadonlySet<number>,
  recordOf: (i: number) => TimestreamRecord,
  out: Decided,
): void {
  const group = new Group(c, encoder, rejected, recordOf, out);
  for (let m = 0; m < members.length;) {
    const first = members[m]!;
    if ((flagsOf(c, first) & FLAG_BASE) !== 0) {
      // A point of the in-memory table: the state the later records meet.
      group.keyOf(first).state = first;
      m++;
      continue;
    }
    const row = rowOf(c, first);
    let end = m + 1;
    while (
      end < members.length &&
      (flagsOf(c, members[end]!) & FLAG_BASE) === 0 &&
      rowOf(c, members[end]!) === row
    ) {
      end++;
    }
    group.row(members.slice(m, end), row);
    m = end;
  }
}

/** The exact keys of one hash group and their states, decided row by row in load order. */
class Group {
  private readonly keys: KeyState[] = [];

  constructor(
    private readonly c: Candidates,
    private readonly encoder: RecordKeyEncoder,
    private readonly rejected: ReadonlySet<number>,
    private readonly recordOf: (i: number) => TimestreamRecord,
    private readonly out: Decided,
  ) {}

  /** The exact key of candidate `i` (records with the same hash but another key are other points). */
  keyOf(i: number): KeyState {
    const c = this.c;
    for (const k of this.keys) {
      if (
        c.keyLength[k.first] === c.keyLength[i] &&
        sameBytes(c.bytes, c.keyStart[k.first]!, c.bytes, c.keyStart[i]!, c.keyLength[i]!)
      ) {
        return k;
      }
    }
    const k: KeyState = { first: i, state: -1, multiRows: [] };
    this.keys.push(k);
    return k;
  }

  /** The records of one row in this group: all checked against the state before the row, then stored or not. */
  row(records: number[], row: number): void {
    const { c, out } = this;
    const multi = (flagsOf(c, records[0]!) & FLAG_MULTI) !== 0;
    let refused = false;
    for (const i of records) {
      const key = this.keyOf(i);
      for (const earlier of key.multiRows) if (earlier !== row) out.laterRows.push(earlier);
      key.multiRows.length = 0;
      if (key.state === -1) continue;
      const existing = c.version[key.state]!;
      if (!refuses(c.version[i]!, existing, c.version[i]! <= existing && this.sameValues(key.state, i)))
        continue;
      const record = this.recordOf(i);
      const failure = versionVerdict(record, existing, () => false)!;
      out.conflicts.push({
        ordinal: c.f64[i * 4 + 1]!,
        version: c.version[i]!,
        existing,
        timeMs: recordTimeMs(record),
        detail: failure.detail,
      });
      refused = true;
    }
    if (refused && multi) out.failedRows.push(row);
    const stored = !refused && (flagsOf(c, records[0]!) & FLAG_PREFAIL) === 0 && !this.rejected.has(row);
    for (const i of records) {
      const key = this.keyOf(i);
      if (multi) key.multiRows.push(row);
      if (!stored || (key.state !== -1 && !updates(c.version[i]!, c.version[key.state]!))) continue;
      key.state = i;
    }
  }

  private sameValues(x: number, y: number): boolean {
    const c = this.c;
    return sameEncodedValues(
      c.bytes,
      c.keyStart[x]! + c.keyLength[x]!,
      c.length[x]! - c.keyLength[x]!,
      c.bytes,
      c.keyStart[y]! + c.keyLength[y]!,
      c.length[y]! - c.keyLength[y]!,
      this.encoder.shapeInfo,
    );
  }
}
