/**
 * The in-memory points of the duplicate check (R-DUP-1; the rule itself is in version-verdict.ts). Slots of four
 * int32 in `slots` plus the key hash's high half in `highs`, linear probing on the low half; a slot whose hash
 * matches is only a candidate, confirmed exactly:
 * - a row point (the record was stamped by mapRows, map/record-source.ts): [hash, tag, row bytes, row offset low
 *   32 bits], tag = 1 + (source | index << 8 | offset high bits << 20). Confirmed by reading the row again
 *   (RowRereader): it must still give a record with this hash, whose key is the record's.
 * - an arena point: [hash, -1, 0, arena address]: the exact encoding (check-record-key.ts) with its version,
 *   confirmed on the bytes (point-arena.ts).
 * `full` says when the points reach the memory budget; the load then goes on with the keys on disk
 * (load-duplicates.ts), starting from `dump`. A row that cannot be read again as it was throws
 * DUPLICATES_SOURCE_CHANGED: the check is exact or it stops.
 */
import type { Failure } from '../failure.js';
import type { TimestreamRecord } from '../map/record.js';
import { readStamp, stampRecord, type RecordStamp, type RowSource } from '../map/record-source.js';
import { RecordKeyEncoder } from './check-record-key.js';
import { sourceChanged } from './duplicate-errors.js';
import { PointArena } from './point-arena.js';
import { sameBytes, sameEncodedValues, sameKeyText, sameValuesText } from './point-compare.js';
import { RowRereader } from './reread-row.js';
import { PointSlots, ARENA, MAX_ROW_INDEX, MAX_SOURCES, TWO_32, fitsRowSlot } from './point-slots.js';
import { versionVerdict } from './version-verdict.js';

/** R-DUP-1: the duplicate check of records handed to it, as createDuplicateIndex returns it. */
export interface DuplicateIndex {
  /** null when the record may be stored: new key, or identical values (idempotent), or a higher version. */
  check(record: TimestreamRecord): Failure | null;
  add(record: TimestreamRecord): void;
  /** Points held. */
  readonly size: number;
}

/** What `dump` hands over for each point: where its record is, or its exact encoding. */
export interface PointVisitor {
  row(low: number, high: number, source: RowSource, offset: number, bytes: number, index: number): void;
  encoded(
    low: number,
    high: number,
    version: number,
    bytes: Uint8Array,
    from: number,
    keyLength: number,
    length: number,
  ): void;
}

/** [choice] Arena bytes a key may take on average before the table counts as full. */
const ARENA_BYTES_PER_KEY = 64;

/** The points (see the file's comment). The tests give a `hashMask` to make hashes collide. */
export class PointTable implements DuplicateIndex {
  /** Shared with the keys spilled to disk, so that encodings compare across the two. */
  readonly encoder = new RecordKeyEncoder();
  /** Encodes a record read again, with the same name lists as `encoder`. */
  private readonly other = new RecordKeyEncoder(this.encoder);
  private readonly slots = new PointSlots();
  private readonly arena = new PointArena();
  private readonly sources: RowSource[] = [];
  private readonly sourceIds = new Map<RowSource, number>();
  /** The source sourceId gave an id last (null: none yet), and that id. */
  private lastSource: RowSource | null = null;
  private lastSourceId = -1;
  private readonly stamp: RecordStamp = { source: null, offset: 0, bytes: 0, index: 0 };
  private readonly rereader: RowRereader;
  /** Reads the rows of checkRow/addRow: its own cache, apart from the stored points'. */
  private readonly rowRereader: RowRereader;
  /** checkRow then addRow of the same row record read it again once. */
  private rowKey: { source: RowSource | null; offset: number; index: number } = {
    source: null,
    offset: -1,
    index: -1,
  };
  private rowValue: TimestreamRecord | null = null;

  // check() then add() of the same record hashes and looks it up once.
  private lastRecord: TimestreamRecord | null = null;
  /** `encoder` holds the last record's encoding. */
  private lastEncoded = false;
  private lastHash = 0;
  private lastHigh = 0;
  /** Slot of the last record: its point when lastFound, else the free slot where it would go. */
  private lastSlot = 0;
  private lastFound = false;
  /** The record of the row point found for the last record, read again; `other` encodes it when otherEncoded. */
  private lastStored: TimestreamRecord | null = null;
  private otherEncoded = false;

  /** `keepFilesOpen`: the files rows are read again from stay open until `close` (the load engine's table). */
  constructor(
    private readonly maxEntries = Infinity,
    private readonly hashMask = -1,
    keepFilesOpen = false,
  ) {
    this.rereader = new RowRereader(undefined, keepFilesOpen);
    this.rowRereader = new RowRereader(undefined, keepFilesOpen);
  }

  /** Closes the files held open for reading rows again. */
  close(): void {
    this.rereader.close();
    this.rowRereader.close();
  }

  get size(): number {
    return this.slots.size;
  }

  /** Room for this many points (at most the budget) without growing by steps (PointSlots.reserveFor). */
  reserve(points: number): void {
    this.slots.reserveFor(Math.min(points, this.maxEntries));
  }

  /** The points reached the memory budget: the load goes on with its keys on disk. */
  get full(): boolean {
    return this.slots.size >= this.maxEntries || this.arena.bytes >= this.maxEntries * ARENA_BYTES_PER_KEY;
  }

  check(record: TimestreamRecord): Failure | null {
    if (!this.find(record)) return null;
    const stored = this.lastStored;
    if (stored !== null)
      return versionVerdict(record, stored.Version, () => this.sameStoredValues(stored, record));
    const address = this.slots.word(this.lastSlot, 3);
    return versionVerdict(record, this.arena.version(address), () => this.sameArenaValues(address));
  }

  add(record: TimestreamRecord): void {
    const found = this.find(record);
    const slot = this.lastSlot;
    if (found) {
      const stored = this.lastStored;
      if (stored === null) {
        const address = this.slots.word(slot, 3);
        if (record.Version <= this.arena.version(address)) return;
        // R-DUP-1: a higher version replaces the values (the key bytes are the same), in place when they fit.
        if (this.readStamp(record) === -1) {
          this.encode(record);
          if (this.arena.update(address, record.Version, this.encoder)) {
            this.lastRecord = null;
            return;
          }
        }
      } else if (record.Version <= stored.Version) {
        return;
      }
      this.put(slot, record);
      this.lastRecord = null;
      return;
    }
    this.put(this.slots.reserve(slot, this.lastHash, this.maxEntries), record);
    // The table changed: a later check of this record looks it up again.
    this.lastRecord = null;
  }

  /**
   * check() for a record known only by its key hash and its row (parallel reading: another thread mapped it). A
   * hash no slot has decides "new point" at once; on a candidate the record is read again from its row and checked
   * as a record. `low`/`high` are RecordKeyEncoder's keyHashValue/keyHashHigh, the same in every thread.
   */
  checkRow(
    low: number,
    high: number,
    source: RowSource,
    offset: number,
    bytes: number,
    index: number,
  ): Failure | null {
    const record = this.rowRecord(low, high, source, offset, bytes, index);
    return record === null ? null : this.check(record);
  }

  /** add() for a record known by its key hash and its row (see checkRow). */
  addRow(low: number, high: number, source: RowSource, offset: number, bytes: number, index: number): void {
    const masked = low & this.hashMask;
    const maskedHigh = high & this.hashMask;
    // checkRow's probe of this hash ended on an empty slot that is still empty: it is where the point goes.
    let slot = this.slots.probeEnd(masked);
    if (slot < 0) {
      const record = this.rowRecord(low, high, source, offset, bytes, index);
      if (record !== null) {
        this.add(record);
        return;
      }
      slot = this.slots.probeEnd(masked);
    }
    const id = this.sourceId(source);
    if (id === -1 || !fitsRowSlot(offset, bytes, index)) {
      // No slot can hold this row: store the record as add() would (its encoding in the arena).
      this.add(this.readRow(source, offset, bytes, index));
      return;
    }
    const at = this.slots.reserve(slot, masked, this.maxEntries);
    this.slots.setRow(at, masked, maskedHigh, id, offset, bytes, index);
    this.lastRecord = null;
  }

  /** Hands every point to `visit` (the keys going to disk when the table is full). */
  dump(visit: PointVisitor): void {
    this.slots.forEach((k, low, high, tag, bytes, low32) => {
      if (tag === ARENA) {
        const a = this.arena;
        visit.encoded(
          low,
          high,
          a.version(low32),
          a.chunk(low32),
          a.encodingStart(low32),
          a.keyLength(low32),
          a.keyLength(low32) + a.valuesLength(low32),
        );
        return;
      }
      const bits = tag - 1;
      const offset = (bits >>> 20) * TWO_32 + (low32 >>> 0);
      visit.row(
        low,
        high,
        this.sources[bits & (MAX_SOURCES - 1)]!,
        offset,
        bytes,
        (bits >>> 8) & (MAX_ROW_INDEX - 1),
      );
      void k;
    });
  }

  /**
   * null when no slot holds the hash (the point is new); else the record read again from its row and stamped with
   * it, to be checked as a record.
   */
  private rowRecord(
    low: number,
    high: number,
    source: RowSource,
    offset: number,
    bytes: number,
    index: number,
  ): TimestreamRecord | null {
    if (!this.slots.probe(low & this.hashMask, high & this.hashMask)) return null;
    const key = this.rowKey;
    if (key.source === source && key.offset === offset && key.index === index) return this.rowValue;
    const record = this.readRow(source, offset, bytes, index);
    this.rowKey = { source, offset, index };
    this.rowValue = record;
    return record;
  }

  /** Record `index` of a row, read again and stamped with its row; throws when it cannot be read as it was. */
  private readRow(source: RowSource, offset: number, bytes: number, index: number): TimestreamRecord {
    const record = this.rowRereader.record(source, offset, bytes, index);
    if (record === null) throw sourceChanged(source.path);
    stampRecord(record, source, offset, bytes, index);
    return record;
  }

  /** Hashes the record (once for check-then-add) and looks it up; lastSlot tells where. */
  private find(record: TimestreamRecord): boolean {
    if (record === this.lastRecord) return this.lastFound;
    this.lastRecord = record;
    this.lastFound = false;
    this.lastEncoded = false;
    this.lastStored = null;
    const enc = this.encoder;
    enc.keyHash(record);
    const hash = enc.keyHashValue & this.hashMask;
    const high = enc.keyHashHigh & this.hashMask;
    this.lastHash = hash;
    this.lastHigh = high;
    const slots = this.slots;
    for (let i = slots.start(hash); ; i = slots.next(i)) {
      if (!slots.taken(i)) {
        this.lastSlot = i;
        return false;
      }
      const tag = slots.word(i, 1);
      if (slots.word(i, 0) !== hash || slots.high(i) !== high) continue;
      // Confirm exactly: a hash never decides.
      if (tag === ARENA ? this.sameArenaKey(slots.word(i, 3), record) : this.sameRowKey(i, tag, record)) {
        this.lastSlot = i;
        this.lastFound = true;
        return true;
      }
    }
  }

  /** Encodes the record into `encoder`, once per record. */
  private encode(record: TimestreamRecord): void {
    if (this.lastEncoded && record === this.lastRecord) return;
    this.encoder.encode(record);
    this.lastEncoded = record === this.lastRecord;
  }

  private sameArenaKey(address: number, record: TimestreamRecord): boolean {
    this.encode(record);
    return this.arena.sameKey(address, this.encoder);
  }

  /**
   * The row point in slot `i` has the record's key: its row is read again, and must still give a record with the
   * slot's hash (else the file changed), whose key is the record's.
   */
  private sameRowKey(i: number, tag: number, record: TimestreamRecord): boolean {
    const bits = tag - 1;
    const source = this.sources[bits & (MAX_SOURCES - 1)]!;
    const index = (bits >>> 8) & (MAX_ROW_INDEX - 1);
    const offset = (bits >>> 20) * TWO_32 + (this.slots.word(i, 3) >>> 0);
    const stored = this.rereader.record(source, offset, this.slots.word(i, 2), index);
    const other = this.other;
    if (stored === null) throw sourceChanged(source.path);
    other.keyHash(stored);
    if (
      (other.keyHashValue & this.hashMask) !== this.lastHash ||
      (other.keyHashHigh & this.hashMask) !== this.lastHigh
    ) {
      throw sourceChanged(source.path);
    }
    this.otherEncoded = false;
    if (!sameKeyText(stored, record)) {
      // Not the same strings: compare the encoded keys (dimensions as a set, times as instants).
      other.encode(stored);
      this.encode(record);
      this.otherEncoded = true;
      const { buf, keyLength } = this.encoder;
      if (other.keyLength !== keyLength || !sameBytes(other.buf, 0, buf, 0, keyLength)) return false;
    }
    this.lastStored = stored;
    return true;
  }

  /** The stored values at `address` equal the record's (encoded), byte for byte or by type (R-DUP-1 [choice]). */
  private sameArenaValues(address: number): boolean {
    const enc = this.encoder;
    const a = this.arena;
    const from = a.encodingStart(address) + enc.keyLength;
    return sameEncodedValues(
      a.chunk(address),
      from,
      a.valuesLength(address),
      enc.buf,
      enc.keyLength,
      enc.length - enc.keyLength,
      enc.shapeInfo,
    );
  }

  /** The values of the row point read again equal the record's: the same strings, else by type on the encodings. */
  private sameStoredValues(stored: TimestreamRecord, record: TimestreamRecord): boolean {
    if (sameValuesText(stored, record)) return true;
    const a = this.other;
    const b = this.encoder;
    if (!this.otherEncoded) a.encode(stored);
    this.encode(record);
    this.otherEncoded = true;
    return sameEncodedValues(
      a.buf,
      a.keyLength,
      a.length - a.keyLength,
      b.buf,
      b.keyLength,
      b.length - b.keyLength,
      b.shapeInfo,
    );
  }

  /** The record's source id, its stamp in `stamp`; -1 when it has no stamp a slot can hold. */
  private readStamp(record: TimestreamRecord): number {
    const stamp = this.stamp;
    if (
      !readStamp(record, stamp) ||
      stamp.source === null ||
      !fitsRowSlot(stamp.offset, stamp.bytes, stamp.index)
    )
      return -1;
    return this.sourceId(stamp.source);
  }

  /** The id of a source in slot tags; -1 when the table already knows MAX_SOURCES sources. */
  private sourceId(source: RowSource): number {
    // Rows come from one file after another: the last answer, without the map (once per new key).
    if (source === this.lastSource) return this.lastSourceId;
    let id = this.sourceIds.get(source);
    if (id === undefined) {
      if (this.sources.length >= MAX_SOURCES) return -1;
      id = this.sources.length;
      this.sources.push(source);
      this.sourceIds.set(source, id);
    }
    this.lastSource = source;
    this.lastSourceId = id;
    return id;
  }

  /** Writes the record's point into slot `slot` (hash lastHash): its row, else its encoding in the arena. */
  private put(slot: number, record: TimestreamRecord): void {
    const source = this.readStamp(record);
    if (source !== -1) {
      const { offset, bytes, index } = this.stamp;
      this.slots.setRow(slot, this.lastHash, this.lastHigh, source, offset, bytes, index);
      return;
    }
    this.encode(record);
    this.slots.setArena(slot, this.lastHash, this.lastHigh, this.arena.store(record.Version, this.encoder));
  }
}
