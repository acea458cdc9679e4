/**
 * The table behind createDuplicateIndex (duplicate-index.ts has the rules, R-DUP-1).
 *
 * Slots of 16 bytes (four int32 in `slots`), linear probing on a 32-bit key hash; a slot whose hash matches is
 * only a candidate, confirmed exactly:
 * - a row point (the record was stamped by mapRows): [hash, tag, row bytes, row offset low 32 bits], tag =
 *   1 + (source | index << 8 | offset high bits << 20). Confirmed by reading the row again (RowRereader): it
 *   must still give a record with this hash, whose key is the record's.
 * - an arena point: [hash, -1, 0, arena address]: the exact encoding (check-record-key.ts) with its version,
 *   confirmed on the bytes.
 */
import { VERSION_CONFLICT_REASON } from '../failure.js';
import type { Failure } from '../failure.js';
import type { TimestreamRecord } from '../map/record.js';
import type { MeasureValueType } from '../task.js';
import { decodeValues, RecordKeyEncoder, type DecodedValue } from './check-record-key.js';
import { readStamp, stampRecord, type RecordStamp, type RowSource } from '../map/record-source.js';
import { RowRereader } from './reread-row.js';

/** R-DUP-1: the duplicate check of a load, as createDuplicateIndex returns it. */
export interface DuplicateIndex {
  /** null when the record may be stored: new key, or identical values (idempotent), or a higher version. */
  check(record: TimestreamRecord): Failure | null;
  add(record: TimestreamRecord): void;
  /** true once the bound was hit: later checks are not complete (the run then warns; it never guesses). */
  readonly partial: boolean;
  readonly size: number;
}

/** [choice] Byte cap of the arena holding the encoded points, whatever maxEntries says (1 GiB). */
const MAX_ARENA_BYTES = 2 ** 30;

/** Slots at first (a power of two); the table doubles when half full. */
const INITIAL_SLOTS = 1 << 12;

/** Arena chunk size: entries never span chunks; an address is `chunk << CHUNK_BITS | position`. */
const CHUNK_BITS = 22;
const CHUNK_BYTES = 2 ** CHUNK_BITS;
/** Entry header: version (float64), key length (uint32), values length (uint32). */
const HEADER = 16;

const ARENA = -1;
/** Row points: at most this many files, records per row, and offsets below 2^42. */
const MAX_SOURCES = 1 << 8;
const MAX_ROW_INDEX = 1 << 12;
const MAX_OFFSET_HIGH = 1 << 10;
const TWO_32 = 2 ** 32;

/** The points (see the file's comment). The tests give a `hashMask` to make hashes collide. */
export class PointTable implements DuplicateIndex {
  partial = false;
  size = 0;

  private readonly encoder: RecordKeyEncoder;
  /** Encodes a record read again, with the same name lists as `encoder`. */
  private readonly other: RecordKeyEncoder;
  private readonly maxChunks: number;
  private slots = new Int32Array(INITIAL_SLOTS * 4);
  private capacity = INITIAL_SLOTS;
  private readonly sources: RowSource[] = [];
  private readonly sourceIds = new Map<RowSource, number>();
  private readonly stamp: RecordStamp = { source: null, offset: 0, bytes: 0, index: 0 };
  private readonly rereader = new RowRereader();
  /** Reads the rows of checkRow/addRow: its own cache, apart from the stored points'. */
  private readonly rowRereader = new RowRereader();
  /** checkRow then addRow of the same row record read it again once. */
  private readonly rowRecordKey: { source: RowSource | null; offset: number; index: number } = {
    source: null,
    offset: -1,
    index: -1,
  };
  private rowRecordValue: TimestreamRecord | null = null;
  /** The empty slot where rowRecord's last probe ended (-1: none): where that hash goes. */
  private probeHash = 0;
  private probeSlot = -1;
  private probeCapacity = 0;
  private readonly chunks: Uint8Array[] = [];
  private readonly views: DataView[] = [];
  private readonly chunkWords: Uint32Array[] = [];
  private chunkUsed = CHUNK_BYTES; // no chunk yet

  // check() then add() of the same record hashes and looks it up once.
  private lastRecord: TimestreamRecord | null = null;
  /** The last record's key could be hashed (its name lists interned). */
  private lastHashed = false;
  /** `encoder` holds the last record's encoding. */
  private lastEncoded = false;
  private lastHash = 0;
  /** Slot of the last record: its point when lastFound, else the free slot where it would go. */
  private lastSlot = 0;
  private lastFound = false;
  /** The record of the row point found for the last record, read again; `other` encodes it when otherEncoded. */
  private lastStored: TimestreamRecord | null = null;
  private otherEncoded = false;

  constructor(
    private readonly maxEntries: number,
    private readonly hashMask = -1,
  ) {
    this.encoder = new RecordKeyEncoder(maxEntries);
    this.other = new RecordKeyEncoder(maxEntries, this.encoder);
    this.maxChunks = Math.floor(MAX_ARENA_BYTES / CHUNK_BYTES);
  }

  check(record: TimestreamRecord): Failure | null {
    // A new point, or a name list no longer interned (then no stored point has it).
    if (!this.find(record)) return null;
    const stored = this.lastStored;
    const address = this.slots[(this.lastSlot << 2) + 3]!;
    let version: number;
    if (stored === null) {
      version = this.views[address >>> CHUNK_BITS]!.getFloat64(address & (CHUNK_BYTES - 1), true);
    } else {
      version = stored.Version;
    }
    if (record.Version > version) return null;
    if (stored === null ? this.sameArenaValues(address) : this.sameStoredValues(stored, record)) return null;
    const dims = record.Dimensions.map((d) => `${d.Name}=${JSON.stringify(d.Value)}`).join(', ');
    return {
      kind: 'ingestion',
      code: 'RECORD_VERSION_CONFLICT',
      reason: VERSION_CONFLICT_REASON,
      detail: `Measure ${JSON.stringify(record.MeasureName)} at time ${record.Time} ${record.TimeUnit} with dimensions {${dims}} already has version ${version} with other values; this record has version ${record.Version}`,
    };
  }

  add(record: TimestreamRecord): void {
    const found = this.find(record);
    if (!this.lastHashed) {
      this.partial = true;
      return;
    }
    const slot = this.lastSlot;
    if (found) {
      const stored = this.lastStored;
      if (stored === null) {
        const address = this.slots[(slot << 2) + 3]!;
        const view = this.views[address >>> CHUNK_BITS]!;
        const at = address & (CHUNK_BYTES - 1);
        if (record.Version <= view.getFloat64(at, true)) return;
        // R-DUP-1: a higher version replaces the values (the key bytes are the same).
        const enc = this.encoder;
        if (this.readStamp(record) === -1 && this.encode(record)) {
          if (view.getUint32(at + 12, true) === enc.length - enc.keyLength) {
            view.setFloat64(at, record.Version, true);
            copyBytes(
              enc.buf,
              enc.keyLength,
              enc.length,
              this.chunks[address >>> CHUNK_BITS]!,
              at + HEADER + enc.keyLength,
            );
            this.lastRecord = null;
            return;
          }
        }
      } else if (record.Version <= stored.Version) {
        return;
      }
      // Else the arena is full: keep the old point (partial).
      if (!this.put(slot, record)) this.partial = true;
      this.lastRecord = null;
      return;
    }
    if (this.size >= this.maxEntries) {
      this.partial = true;
      return;
    }
    let free = slot;
    if ((this.size + 1) * 2 > this.capacity) {
      this.growSlots();
      free = this.emptySlot(this.lastHash);
    }
    if (!this.put(free, record)) {
      this.partial = true;
      return;
    }
    this.size++;
    // The table changed: a later check of this record looks it up again.
    this.lastRecord = null;
  }

  /**
   * check() for a record known only by its key hash (keyHash) and its row (parallel reading: another thread mapped
   * it). A hash no slot has decides "new point" at once; on a candidate the record is read again from its row and
   * checked as a record. `hash` is RecordKeyEncoder's keyHashValue, the same in every thread.
   */
  checkRow(hash: number, source: RowSource, offset: number, bytes: number, index: number): Failure | null {
    const record = this.rowRecord(hash, source, offset, bytes, index);
    return record === null ? null : this.check(record);
  }

  /** add() for a record known by its key hash and its row (see checkRow). */
  addRow(hash: number, source: RowSource, offset: number, bytes: number, index: number): void {
    const masked = hash & this.hashMask;
    let slot = this.probeSlot;
    // checkRow's probe of this hash ended on an empty slot that is still empty: no slot before it has the hash
    // (insertions only fill empty slots), so it is where the point goes; else probe again.
    if (
      masked !== this.probeHash ||
      slot < 0 ||
      this.probeCapacity !== this.capacity ||
      this.slots[(slot << 2) + 1] !== 0
    ) {
      const record = this.rowRecord(hash, source, offset, bytes, index);
      if (record !== null) {
        this.add(record);
        return;
      }
      slot = this.probeSlot;
    }
    this.probeSlot = -1;
    if (this.size >= this.maxEntries) {
      this.partial = true;
      return;
    }
    const id = this.sourceId(source);
    if (id === -1 || index >= MAX_ROW_INDEX || bytes > 0x7fffffff || offset >= MAX_OFFSET_HIGH * TWO_32) {
      // No slot can hold this row: store the record as add() would (its encoding in the arena).
      const read = this.readRow(source, offset, bytes, index);
      if (read === null) this.partial = true;
      else this.add(read);
      return;
    }
    if ((this.size + 1) * 2 > this.capacity) {
      this.growSlots();
      slot = this.emptySlot(masked);
    }
    const k = slot << 2;
    const high = Math.floor(offset / TWO_32);
    this.slots[k] = masked;
    this.slots[k + 1] = 1 + (id | (index << 8) | (high << 20));
    this.slots[k + 2] = bytes;
    this.slots[k + 3] = offset - high * TWO_32;
    this.size++;
    this.lastRecord = null;
  }

  /**
   * null when no slot holds `hash` (the point is new); else the record read again from its row and stamped with
   * it, to be checked as a record. A row that cannot be read again is checked as a record that matches nothing.
   */
  private rowRecord(
    hash: number,
    source: RowSource,
    offset: number,
    bytes: number,
    index: number,
  ): TimestreamRecord | null {
    hash &= this.hashMask;
    const slots = this.slots;
    const mask = this.capacity - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const k = i << 2;
      if (slots[k + 1] === 0) {
        // A new point: addRow of the same hash can write this slot without probing again.
        this.probeHash = hash;
        this.probeSlot = i;
        this.probeCapacity = this.capacity;
        return null;
      }
      if (slots[k] === hash) break;
    }
    this.probeSlot = -1;
    if (
      this.rowRecordKey.source === source &&
      this.rowRecordKey.offset === offset &&
      this.rowRecordKey.index === index
    ) {
      return this.rowRecordValue;
    }
    const record = this.readRow(source, offset, bytes, index);
    if (record === null) {
      // The file changed since its range was read: nothing can be confirmed (as sameRowKey does).
      this.partial = true;
      return null;
    }
    this.rowRecordKey.source = source;
    this.rowRecordKey.offset = offset;
    this.rowRecordKey.index = index;
    this.rowRecordValue = record;
    return record;
  }

  /** Record `index` of a row, read again and stamped with its row; null when it cannot be read as it was. */
  private readRow(source: RowSource, offset: number, bytes: number, index: number): TimestreamRecord | null {
    const record = this.rowRereader.record(source, offset, bytes, index);
    if (record !== null) stampRecord(record, source, offset, bytes, index);
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
    this.lastHashed = enc.keyHash(record);
    if (!this.lastHashed) return false;
    const hash = enc.keyHashValue & this.hashMask;
    this.lastHash = hash;
    const slots = this.slots;
    const mask = this.capacity - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const k = i << 2;
      const tag = slots[k + 1]!;
      if (tag === 0) {
        this.lastSlot = i;
        return false;
      }
      if (slots[k] !== hash) continue;
      // Confirm exactly: a hash never decides.
      if (tag === ARENA ? this.sameArenaKey(slots[k + 3]!, record) : this.sameRowKey(k, tag, record)) {
        this.lastSlot = i;
        this.lastFound = true;
        return true;
      }
    }
  }

  /** Encodes the record into `encoder`, once per record; false when its name lists can no longer be interned. */
  private encode(record: TimestreamRecord): boolean {
    if (this.lastEncoded && record === this.lastRecord) return true;
    const ok = this.encoder.encode(record);
    this.lastEncoded = ok && record === this.lastRecord;
    return ok;
  }

  /** The arena point at `address` has the record's key, byte for byte. */
  private sameArenaKey(address: number, record: TimestreamRecord): boolean {
    if (!this.encode(record)) return false;
    const { buf, keyLength } = this.encoder;
    const at = address & (CHUNK_BYTES - 1);
    if (this.views[address >>> CHUNK_BITS]!.getUint32(at + 8, true) !== keyLength) return false;
    const chunk = this.chunks[address >>> CHUNK_BITS]!;
    const from = at + HEADER;
    let k = 0;
    while (k < keyLength && chunk[from + k] === buf[k]) k++;
    return k === keyLength;
  }

  /**
   * The row point in the slot at `k` has the record's key: its row is read again, and must still give a record
   * with the slot's hash (else the file changed, and the check turns partial), whose key is the record's.
   */
  private sameRowKey(k: number, tag: number, record: TimestreamRecord): boolean {
    const bits = tag - 1;
    const source = this.sources[bits & (MAX_SOURCES - 1)]!;
    const index = (bits >>> 8) & (MAX_ROW_INDEX - 1);
    const offset = (bits >>> 20) * TWO_32 + (this.slots[k + 3]! >>> 0);
    const stored = this.rereader.record(source, offset, this.slots[k + 2]!, index);
    const other = this.other;
    if (stored === null || !other.keyHash(stored) || (other.keyHashValue & this.hashMask) !== this.lastHash) {
      this.partial = true;
      return false;
    }
    this.otherEncoded = false;
    if (!sameKeyText(stored, record)) {
      // Not the same strings: compare the encoded keys (dimensions as a set, times as instants).
      if (!other.encode(stored) || !this.encode(record)) {
        this.partial = true;
        return false;
      }
      this.otherEncoded = true;
      const { buf, keyLength } = this.encoder;
      if (other.keyLength !== keyLength) return false;
      const theirs = other.buf;
      let i = 0;
      while (i < keyLength && theirs[i] === buf[i]) i++;
      if (i !== keyLength) return false;
    }
    this.lastStored = stored;
    return true;
  }

  /** The stored values at `address` equal the record's (encoded), byte for byte or by type (R-DUP-1 [choice]). */
  private sameArenaValues(address: number): boolean {
    const enc = this.encoder;
    const keyLength = enc.keyLength;
    const chunk = this.chunks[address >>> CHUNK_BITS]!;
    const at = address & (CHUNK_BYTES - 1);
    const stored = this.views[address >>> CHUNK_BITS]!.getUint32(at + 12, true);
    const from = at + HEADER + keyLength;
    const buf = enc.buf;
    if (stored === enc.length - keyLength) {
      let k = 0;
      while (k < stored && chunk[from + k] === buf[keyLength + k]) k++;
      if (k === stored) return true;
    }
    return sameDecoded(decodeValues(chunk, from, enc.shapeInfo), decodeValues(buf, keyLength, enc.shapeInfo));
  }

  /**
   * The values of the row point read again equal the record's: the same strings, else by type on the encodings.
   * A record whose values cannot be encoded (name lists no longer interned) is not refused: the check is partial.
   */
  private sameStoredValues(stored: TimestreamRecord, record: TimestreamRecord): boolean {
    if (sameValuesText(stored, record)) return true;
    const a = this.other;
    const b = this.encoder;
    if ((!this.otherEncoded && !a.encode(stored)) || !this.encode(record)) {
      this.partial = true;
      return true;
    }
    this.otherEncoded = true;
    const length = a.length - a.keyLength;
    if (length === b.length - b.keyLength) {
      let k = 0;
      while (k < length && a.buf[a.keyLength + k] === b.buf[b.keyLength + k]) k++;
      if (k === length) return true;
    }
    return sameDecoded(
      decodeValues(a.buf, a.keyLength, b.shapeInfo),
      decodeValues(b.buf, b.keyLength, b.shapeInfo),
    );
  }

  /** The record's source id, its stamp in `stamp`; -1 when it has no stamp a slot can hold. */
  private readStamp(record: TimestreamRecord): number {
    const stamp = this.stamp;
    if (
      !readStamp(record, stamp) ||
      stamp.source === null ||
      stamp.index >= MAX_ROW_INDEX ||
      stamp.bytes > 0x7fffffff ||
      stamp.offset >= MAX_OFFSET_HIGH * TWO_32
    ) {
      return -1;
    }
    return this.sourceId(stamp.source);
  }

  /** The id of a source in slot tags; -1 when the table already knows MAX_SOURCES sources. */
  private sourceId(source: RowSource): number {
    let id = this.sourceIds.get(source);
    if (id === undefined) {
      if (this.sources.length >= MAX_SOURCES) return -1;
      id = this.sources.length;
      this.sources.push(source);
      this.sourceIds.set(source, id);
    }
    return id;
  }

  /** Writes the record's point into slot `slot` (hash lastHash): its row, else its encoding in the arena. */
  private put(slot: number, record: TimestreamRecord): boolean {
    const k = slot << 2;
    const source = this.readStamp(record);
    if (source !== -1) {
      const { offset, bytes, index } = this.stamp;
      const high = Math.floor(offset / TWO_32);
      this.slots[k] = this.lastHash;
      this.slots[k + 1] = 1 + (source | (index << 8) | (high << 20));
      this.slots[k + 2] = bytes;
      this.slots[k + 3] = offset - high * TWO_32;
      return true;
    }
    if (!this.encode(record)) return false;
    const address = this.store(record.Version);
    if (address < 0) return false;
    this.slots[k] = this.lastHash;
    this.slots[k + 1] = ARENA;
    this.slots[k + 2] = 0;
    this.slots[k + 3] = address;
    return true;
  }

  /**
   * Appends the encoder's bytes as an entry, 4-byte aligned so that they copy as words; its address, or -1 when
   * the arena is full.
   */
  private store(version: number): number {
    const enc = this.encoder;
    const words = (enc.length + 3) >>> 2;
    const need = HEADER + words * 4;
    if (this.chunkUsed + need > CHUNK_BYTES) {
      if (need > CHUNK_BYTES || this.chunks.length >= this.maxChunks) return -1;
      const chunk = new Uint8Array(CHUNK_BYTES);
      this.chunks.push(chunk);
      this.views.push(new DataView(chunk.buffer));
      this.chunkWords.push(new Uint32Array(chunk.buffer));
      this.chunkUsed = 0;
    }
    const index = this.chunks.length - 1;
    const at = this.chunkUsed;
    const view = this.views[index]!;
    view.setFloat64(at, version, true);
    view.setUint32(at + 8, enc.keyLength, true);
    view.setUint32(at + 12, enc.length - enc.keyLength, true);
    const target = this.chunkWords[index]!;
    const source = enc.words;
    for (let i = 0, j = (at + HEADER) >>> 2; i < words; i++, j++) target[j] = source[i]!;
    this.chunkUsed = at + need;
    return index * CHUNK_BYTES + at;
  }

  /** Quadruples the slots while that stays within what maxEntries can fill half of, else doubles them. */
  private growSlots(): void {
    const old = this.slots;
    this.capacity *= this.capacity * 8 <= this.maxEntries ? 4 : 2;
    this.slots = new Int32Array(this.capacity * 4);
    for (let k = 0; k < old.length; k += 4) {
      if (old[k + 1] === 0) continue;
      const j = this.emptySlot(old[k]!) << 2;
      this.slots[j] = old[k]!;
      this.slots[j + 1] = old[k + 1]!;
      this.slots[j + 2] = old[k + 2]!;
      this.slots[j + 3] = old[k + 3]!;
    }
  }

  private emptySlot(hash: number): number {
    const mask = this.capacity - 1;
    let i = hash & mask;
    while (this.slots[(i << 2) + 1] !== 0) i = (i + 1) & mask;
    return i;
  }
}

/** Same measure name, time text and unit, and dimensions (same names and values, same order): the same key. */
function sameKeyText(a: TimestreamRecord, b: TimestreamRecord): boolean {
  if (a.MeasureName !== b.MeasureName || a.Time !== b.Time || a.TimeUnit !== b.TimeUnit) return false;
  const x = a.Dimensions;
  const y = b.Dimensions;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    if (x[i]!.Name !== y[i]!.Name || x[i]!.Value !== y[i]!.Value) return false;
  }
  return true;
}

/** Same value type and the same value strings in the same order: the same values. */
function sameValuesText(a: TimestreamRecord, b: TimestreamRecord): boolean {
  if (a.MeasureValueType !== b.MeasureValueType) return false;
  const x = a.MeasureValues;
  const y = b.MeasureValues;
  if (x === undefined || y === undefined) return x === y && a.MeasureValue === b.MeasureValue;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    if (x[i]!.Name !== y[i]!.Name || x[i]!.Type !== y[i]!.Type || x[i]!.Value !== y[i]!.Value) return false;
  }
  return true;
}

function sameDecoded(a: DecodedValue[], b: DecodedValue[]): boolean {
  return a.length === b.length && a.every((x, i) => sameValue(x, b[i]!));
}

/** Copies bytes [from, to) of `source` to `target` at `at`; a loop beats subarray+set for records this small. */
function copyBytes(source: Uint8Array, from: number, to: number, target: Uint8Array, at: number): void {
  if (to - from > 256) {
    target.set(source.subarray(from, to), at);
    return;
  }
  for (let i = from, j = at; i < to; i++, j++) target[j] = source[i]!;
}

function sameValue(a: DecodedValue, b: DecodedValue): boolean {
  if (a.name !== b.name || a.type !== b.type) return false;
  return sameText(a.type, a.value, b.value);
}

function sameText(type: MeasureValueType | undefined, a: string, b: string): boolean {
  if (a === b) return true;
  switch (type) {
    case 'DOUBLE': {
      const x = Number(a);
      return !Number.isNaN(x) && x === Number(b);
    }
    case 'BIGINT':
      try {
        return BigInt(a) === BigInt(b);
      } catch {
        return false;
      }
    case 'BOOLEAN':
      return a.toLowerCase() === b.toLowerCase();
    default:
      return false; // VARCHAR exactly; TIMESTAMP values are encoded as instants already
  }
}
