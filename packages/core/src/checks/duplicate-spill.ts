/**
 * R-DUP-1: the keys of a load that do not fit in memory, written to disk partitioned by hash, in load order, to be
 * resolved partition by partition (duplicate-resolve.ts). From the moment the in-memory table is full, the table's
 * points go out first (as the state every later record meets) and then every record of the rest of the load.
 *
 * An entry is 32 bytes: key hash (two uint32), ordinal (float64: the record's place among the records after the
 * spill started; -1 for a point of the table), row offset or payload position (float64), row bytes or payload
 * length (uint32), and a word of kind (2 bits), flags (3 bits), record index in its row and source id. A ROW entry
 * is read again from its file to be compared; an ENCODED entry (a table point kept whole) and a JSON entry (a record
 * that came from no file row) carry their record in the payload file.
 */
import type { TimestreamRecord } from '../map/record.js';
import { readStamp, type RecordStamp, type RowSource } from '../map/record-source.js';
import type { RecordKeyEncoder } from './check-record-key.js';
import type { PointVisitor } from './point-table.js';
import { SpillWriter, type SpillFolder } from './spill-files.js';

export const ENTRY_BYTES = 32;
export const KIND_ROW = 0;
export const KIND_ENCODED = 1;
export const KIND_JSON = 2;
/** The record's row has a limit or time-window failure: it is never stored (R-COUNT-1). */
export const FLAG_PREFAIL = 1;
/** The record's row has several records (mixed model): its acceptance depends on the others. */
export const FLAG_MULTI = 2;
/** A point of the in-memory table: the state the later records meet. */
export const FLAG_BASE = 4;

/** Row entries: record indexes below 2^11 and source ids below 2^16 (else the record goes as JSON). */
const MAX_ROW_INDEX = 1 << 11;
const MAX_SOURCES = 1 << 16;

/** [choice] Entries a partition should hold at most (32 MiB); partitions 16 to 256 (64 KiB buffered each). */
const PARTITION_TARGET = 1 << 20;
const MIN_PARTITIONS = 16;
const MAX_PARTITIONS = 256;
const PARTITION_BUFFER = 64 * 1024;
const PAYLOAD_BUFFER = 256 * 1024;

export interface SpillPartition {
  file: string;
  entries: number;
}

/** The word of kind, flags, index and source of an entry. */
export function entryWord(kind: number, flags: number, index: number, source: number): number {
  return (kind | (flags << 2) | ((index & 0x7ff) << 5) | (source << 16)) >>> 0;
}

/** The record index of an entry word (the source bits hold its high part in non-ROW entries). */
export function entryIndex(word: number): number {
  const low = (word >>> 5) & 0x7ff;
  return (word & 3) === KIND_ROW ? low : low + (word >>> 16) * MAX_ROW_INDEX;
}

/** The writer of a load's spilled keys (see the file's comment). */
export class DuplicateSpill implements PointVisitor {
  /** Ordinal of the next record. */
  ordinal = 0;
  /** Some entry has FLAG_MULTI: rows whose records depend on each other across partitions. */
  anyMulti = false;
  readonly partitions: SpillWriter[] = [];
  readonly counts: number[];
  private readonly shift: number;
  private readonly payload: SpillWriter;
  private readonly sources: RowSource[] = [];
  private readonly sourceIds = new Map<RowSource, number>();
  private readonly stamp: RecordStamp = { source: null, offset: 0, bytes: 0, index: 0 };
  private readonly header = new Uint8Array(16);
  private readonly headerView = new DataView(this.header.buffer);

  constructor(
    readonly folder: SpillFolder,
    /** The in-memory table's encoder: encodings made while resolving compare with the table's. */
    readonly encoder: RecordKeyEncoder,
    expectedEntries: number,
    /** The tests' mask that makes hashes collide (the table's, so that its points meet the records). */
    readonly hashMask = -1,
  ) {
    let count = MIN_PARTITIONS;
    while (count < MAX_PARTITIONS && count * PARTITION_TARGET < expectedEntries) count *= 2;
    this.shift = 32 - Math.log2(count);
    this.counts = new Array<number>(count).fill(0);
    for (let p = 0; p < count; p++) {
      this.partitions.push(new SpillWriter(folder, folder.file(`keys-${p}.bin`), PARTITION_BUFFER));
    }
    this.payload = new SpillWriter(folder, folder.file('payload.bin'), PAYLOAD_BUFFER);
  }

  get payloadFile(): string {
    return this.payload.file;
  }

  sourceAt(id: number): RowSource {
    return this.sources[id]!;
  }

  /** A table point that is a file row (PointVisitor). */
  row(low: number, high: number, source: RowSource, offset: number, bytes: number, index: number): void {
    const id = this.sourceId(source);
    if (id === -1 || index >= MAX_ROW_INDEX)
      throw new RangeError('a table point beyond the spill entry format');
    this.put(low, high, -1, offset, bytes, entryWord(KIND_ROW, FLAG_BASE, index, id));
  }

  /** A table point kept as its encoding (PointVisitor). */
  encoded(
    low: number,
    high: number,
    version: number,
    bytes: Uint8Array,
    from: number,
    keyLength: number,
    length: number,
  ): void {
    const view = this.headerView;
    view.setFloat64(0, version, true);
    view.setUint32(8, keyLength, true);
    view.setUint32(12, length, true);
    const position = this.payload.size;
    this.payload.write(this.header);
    this.payload.write(bytes.subarray(from, from + length));
    this.put(low, high, -1, position, 16 + length, entryWord(KIND_ENCODED, FLAG_BASE, 0, 0));
  }

  /**
   * The next record of the load, known by its key hash and its row (parallel reading). `reread` gives the record
   * when the row cannot be an entry (too many files or records in the row): it then goes as JSON.
   */
  addRow(
    low: number,
    high: number,
    source: RowSource,
    offset: number,
    bytes: number,
    index: number,
    flags: number,
    reread: () => TimestreamRecord,
  ): void {
    const id = this.sourceId(source);
    if (!this.fitsRow(id, index)) {
      this.addJson(low, high, reread(), index, flags);
      return;
    }
    this.addRowEntry(low, high, id, offset, bytes, index, flags);
  }

  /** Whether record `index` of a row of the source with this id (sourceId) can go as a ROW entry, else as JSON. */
  fitsRow(id: number, index: number): boolean {
    return id !== -1 && index < MAX_ROW_INDEX;
  }

  /**
   * addRow for the replay's loop, without a closure or a source look-up per record: `id` is sourceId's, and
   * fitsRow(id, index) holds (else the caller hands the record to addJson).
   */
  addRowEntry(
    low: number,
    high: number,
    id: number,
    offset: number,
    bytes: number,
    index: number,
    flags: number,
  ): void {
    if ((flags & FLAG_MULTI) !== 0) this.anyMulti = true;
    this.put(low, high, this.ordinal++, offset, bytes, entryWord(KIND_ROW, flags, index, id));
  }

  /** The next record of the load, as a record (one-thread reading): its row when stamped, else the record itself. */
  addRecord(record: TimestreamRecord, index: number, flags: number): void {
    const enc = this.encoder;
    enc.keyHash(record);
    const stamp = this.stamp;
    if (readStamp(record, stamp) && stamp.source !== null && stamp.index === index) {
      const source = stamp.source;
      this.addRow(
        enc.keyHashValue,
        enc.keyHashHigh,
        source,
        stamp.offset,
        stamp.bytes,
        index,
        flags,
        () => record,
      );
      return;
    }
    this.addJson(enc.keyHashValue, enc.keyHashHigh, record, index, flags);
  }

  /** Flushes every file; the spill is complete. */
  finish(): SpillPartition[] {
    for (const p of this.partitions) p.close();
    this.payload.close();
    return this.partitions.map((p, i) => ({ file: p.file, entries: this.counts[i]! }));
  }

  /** The next record of the load as JSON in the payload file (a record no ROW entry can point at). */
  addJson(low: number, high: number, record: TimestreamRecord, index: number, flags: number): void {
    if ((flags & FLAG_MULTI) !== 0) this.anyMulti = true;
    const json = Buffer.from(JSON.stringify(record));
    const position = this.payload.size;
    this.payload.write(json);
    const word = entryWord(KIND_JSON, flags, index, Math.floor(index / MAX_ROW_INDEX));
    this.put(low, high, this.ordinal++, position, json.length, word);
  }

  private put(low: number, high: number, ordinal: number, offset: number, bytes: number, word: number): void {
    low &= this.hashMask;
    high &= this.hashMask;
    const p = high >>> this.shift;
    this.counts[p]!++;
    const writer = this.partitions[p]!;
    const at = writer.reserve(ENTRY_BYTES);
    // Little-endian platforms only (every platform Node supports today): the files never leave this run.
    const i32 = writer.i32;
    const w = at >>> 2;
    i32[w] = low;
    i32[w + 1] = high;
    writer.f64[(at >>> 3) + 1] = ordinal;
    writer.f64[(at >>> 3) + 2] = offset;
    i32[w + 6] = bytes;
    i32[w + 7] = word;
  }

  /** The id of a source in ROW entries; -1 when MAX_SOURCES sources have ids already. */
  sourceId(source: RowSource): number {
    let id = this.sourceIds.get(source);
    if (id === undefined) {
      if (this.sources.length >= MAX_SOURCES) return -1;
      id = this.sources.length;
      this.sources.push(source);
      this.sourceIds.set(source, id);
    }
    return id;
  }
}
