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
  KIND_ENCODED,
  KIND_JSON,
  KIND_ROW,
  entryIndex,
  type DuplicateSpill,
  type SpillPartition,
} from './duplicate-spill.js';
import { RowRereader } from './reread-row.js';
import { decideGroups, type Candidates } from './resolve-groups.js';
import { collectRepeats, markRepeats, ScanBuffers } from './spill-scan.js';
import { SpillReader } from './spill-files.js';
import { writeConflictRun, writeNumberRun } from './verdict-runs.js';
import type { TimestreamRecord } from '../map/record.js';

/** [choice] Candidates decided at once (their encodings are held in memory): about 32 MiB. */
const SLICE_CANDIDATES = 128 * 1024;

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
  // Candidates are read in file order: small blocks, files kept open until the end.
  const rereader = new RowRereader(4096, true);
  const buffers = new ScanBuffers();
  try {
    for (let p = 0; p < partitions.length; p++) {
      const { file, entries } = partitions[p]!;
      if (entries < 2) continue;
      options.signal?.throwIfAborted();
      const { bitmap, repeats, bits } = markRepeats(file, entries, buffers);
      if (repeats === 0) continue;
      const slices = Math.max(1, Math.ceil((repeats * 2) / SLICE_CANDIDATES));
      for (let s = 0; s < slices; s++) {
        const candidates = collectRepeats(file, buffers, bitmap, bits, slices, s);
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
    rereader.close();
  }
  return out;
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
