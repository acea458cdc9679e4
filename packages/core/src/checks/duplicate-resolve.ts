/**
 * R-DUP-1: resolves the keys a load spilled to disk (duplicate-spill.ts), partition by partition, in bounded
 * memory. A partition is read twice: first into a bitmap of its key hashes (a bit met twice marks a possible
 * repeat), then for the entries whose bit repeats; those are grouped by their 64-bit hash, and only groups of two or
 * more are looked at: their records are read again (rows from their files, the rest from the payload file), encoded
 * exactly, and decided in load order (resolve-groups.ts). A hash only finds candidates; records are compared
 * exactly. When a partition has more candidates than one slice holds, it is read again for each slice of the hash
 * space. The result is runs of conflicts by ordinal (verdict-runs.ts).
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';

import { sourceChanged } from './duplicate-errors.js';
import {
  ENTRY_BYTES,
  KIND_ENCODED,
  KIND_JSON,
  KIND_ROW,
  entryIndex,
  type DuplicateSpill,
  type SpillPartition,
} from './duplicate-spill.js';
import { RowRereader } from './reread-row.js';
import { decideGroups, type Candidates } from './resolve-groups.js';
import { SpillReader } from './spill-files.js';
import { writeConflictRun, writeNumberRun } from './verdict-runs.js';
import type { TimestreamRecord } from '../map/record.js';

/** [choice] Candidates decided at once (their encodings are held in memory): about 32 MiB. */
const SLICE_CANDIDATES = 128 * 1024;
const READ_BLOCK = ENTRY_BYTES * 32 * 1024;

export interface ResolveOptions {
  /** Rows refused through a record in another partition (mixed-model rows; see load-duplicates.ts). */
  rejected: ReadonlySet<number>;
  signal?: AbortSignal;
  /** Distinguishes the files of successive rounds. */
  round: number;
}

export interface Resolution {
  conflicts: { file: string; size: number }[];
  /** Runs of rows (mixed model) with a conflict, and with a record that a later record of its key meets. */
  failedRows: string[];
  laterRows: string[];
}

export async function resolveSpill(
  spill: DuplicateSpill,
  partitions: readonly SpillPartition[],
  options: ResolveOptions,
): Promise<Resolution> {
  const out: Resolution = { conflicts: [], failedRows: [], laterRows: [] };
  const payload = new SpillReader(spill.payloadFile);
  const rereader = new RowRereader();
  try {
    for (let p = 0; p < partitions.length; p++) {
      const { file, entries } = partitions[p]!;
      if (entries < 2) continue;
      options.signal?.throwIfAborted();
      const { bitmap, repeats, bits } = markRepeats(file, entries);
      const slices = Math.max(1, Math.ceil((repeats * 2) / SLICE_CANDIDATES));
      for (let s = 0; s < slices; s++) {
        const candidates = collect(file, bitmap, bits, slices, s);
        if (candidates.count < 2) continue;
        const loaded = loadCandidates(spill, candidates, payload, rereader);
        const decided = decideGroups(loaded, spill.encoder, options.rejected, (i) =>
          recordOf(spill, loaded, i, payload, rereader),
        );
        const name = `r${options.round}-p${p}-s${s}`;
        const run = writeConflictRun(spill.folder, `conflicts-${name}.bin`, decided.conflicts);
        if (run !== null) out.conflicts.push(run);
        const failed = writeNumberRun(spill.folder, `failed-${name}.bin`, decided.failedRows);
        if (failed !== null) out.failedRows.push(failed);
        const later = writeNumberRun(spill.folder, `later-${name}.bin`, decided.laterRows);
        if (later !== null) out.laterRows.push(later);
      }
      // Let an abort or a progress timer through between partitions.
      await yieldToLoop();
    }
  } finally {
    payload.close();
  }
  return out;
}

/** Reads every entry of a partition file, block by block. */
function forEachEntry(file: string, visit: (i32: Int32Array, w: number) => void): void {
  const reader = new SpillReader(file);
  const block = new Uint8Array(READ_BLOCK);
  const i32 = new Int32Array(block.buffer);
  try {
    let carry = 0;
    for (;;) {
      const n = reader.read(block, carry);
      const total = carry + n;
      const whole = total - (total % ENTRY_BYTES);
      for (let at = 0; at < whole; at += ENTRY_BYTES) visit(i32, at >>> 2);
      carry = total - whole;
      if (n === 0) break;
      if (carry > 0) block.copyWithin(0, whole, total);
    }
  } finally {
    reader.close();
  }
}

/** First read: a bit per hash; `repeats` counts entries whose bit was set already. */
function markRepeats(file: string, entries: number): { bitmap: Int32Array; repeats: number; bits: number } {
  let bits = 1 << 16;
  while (bits < entries * 32 && bits < 1 << 27) bits *= 2;
  const seen = new Int32Array(bits >>> 5);
  const again = new Int32Array(bits >>> 5);
  const mask = bits - 1;
  let repeats = 0;
  forEachEntry(file, (i32, w) => {
    const b = i32[w]! & mask;
    const word = b >>> 5;
    const bit = 1 << (b & 31);
    if ((seen[word]! & bit) !== 0) {
      again[word]! |= bit;
      repeats++;
    } else seen[word]! |= bit;
  });
  return { bitmap: again, repeats, bits };
}

/** Second read: the entries of slice `slice` whose hash bit repeats, in file (load) order. */
function collect(file: string, bitmap: Int32Array, bits: number, slices: number, slice: number): Candidates {
  const mask = bits - 1;
  let data = new Int32Array(1024 * 8);
  let count = 0;
  forEachEntry(file, (i32, w) => {
    const low = i32[w]!;
    const b = low & mask;
    if ((bitmap[b >>> 5]! & (1 << (b & 31))) === 0) return;
    if (slices > 1 && (low >>> 16) % slices !== slice) return;
    if ((count + 1) * 8 > data.length) {
      const next = new Int32Array(data.length * 2);
      next.set(data);
      data = next;
    }
    data.set(i32.subarray(w, w + 8), count * 8);
    count++;
  });
  return {
    data,
    count,
    f64: new Float64Array(data.buffer),
    version: new Float64Array(0),
    keyStart: new Int32Array(0),
    keyLength: new Int32Array(0),
    length: new Int32Array(0),
    bytes: new Uint8Array(0),
  };
}

/**
 * The exact encodings of the candidates (and their versions): rows are read again from their files, in file order
 * for fewer reads, and must still hash as they did (else the file changed).
 */
function loadCandidates(
  spill: DuplicateSpill,
  c: Candidates,
  payload: SpillReader,
  rereader: RowRereader,
): Candidates {
  const n = c.count;
  const version = new Float64Array(n);
  const keyStart = new Int32Array(n);
  const keyLength = new Int32Array(n);
  const length = new Int32Array(n);
  let bytes = new Uint8Array(64 * 1024);
  let used = 0;
  const order = Array.from({ length: n }, (_, i) => i);
  // Reading rows in file order makes the rereader's block cache work.
  order.sort(
    (a, b) =>
      (c.data[a * 8 + 7]! >>> 16) - (c.data[b * 8 + 7]! >>> 16) || c.f64[a * 4 + 2]! - c.f64[b * 4 + 2]!,
  );
  const enc = spill.encoder;
  for (const i of order) {
    const word = c.data[i * 8 + 7]! >>> 0;
    const kind = word & 3;
    let from: Uint8Array;
    let start: number;
    if (kind === KIND_ENCODED) {
      const position = c.f64[i * 4 + 2]!;
      const size = c.data[i * 8 + 6]! >>> 0;
      const raw = Buffer.alloc(size);
      payload.readAt(raw, position, size);
      const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
      version[i] = view.getFloat64(0, true);
      keyLength[i] = view.getUint32(8, true);
      length[i] = view.getUint32(12, true);
      from = raw;
      start = 16;
    } else {
      const record = recordAt(spill, c, i, payload, rereader);
      enc.keyHash(record);
      const mask = spill.hashMask;
      if ((enc.keyHashValue & mask) !== c.data[i * 8]! || (enc.keyHashHigh & mask) !== c.data[i * 8 + 1]!) {
        throw sourceChanged(kind === KIND_ROW ? spill.sourceAt(word >>> 16).path : spill.payloadFile);
      }
      enc.encode(record);
      version[i] = record.Version;
      keyLength[i] = enc.keyLength;
      length[i] = enc.length;
      from = enc.buf;
      start = 0;
    }
    if (used + length[i] > bytes.length) {
      const next = new Uint8Array(Math.max(bytes.length * 2, used + length[i]));
      next.set(bytes.subarray(0, used));
      bytes = next;
    }
    bytes.set(from.subarray(start, start + length[i]), used);
    keyStart[i] = used;
    used += length[i];
  }
  return { ...c, version, keyStart, keyLength, length, bytes };
}

/** The record of candidate `i` (a ROW or JSON entry), for a conflict's detail. */
function recordOf(
  spill: DuplicateSpill,
  c: Candidates,
  i: number,
  payload: SpillReader,
  rereader: RowRereader,
): TimestreamRecord {
  return recordAt(spill, c, i, payload, rereader);
}

function recordAt(
  spill: DuplicateSpill,
  c: Candidates,
  i: number,
  payload: SpillReader,
  rereader: RowRereader,
): TimestreamRecord {
  const word = c.data[i * 8 + 7]! >>> 0;
  const kind = word & 3;
  const position = c.f64[i * 4 + 2]!;
  const size = c.data[i * 8 + 6]! >>> 0;
  if (kind === KIND_JSON) {
    const raw = Buffer.alloc(size);
    payload.readAt(raw, position, size);
    return JSON.parse(raw.toString()) as TimestreamRecord;
  }
  const source = spill.sourceAt(word >>> 16);
  const record = rereader.record(source, position, size, entryIndex(word));
  if (record === null) throw sourceChanged(source.path);
  return record;
}
