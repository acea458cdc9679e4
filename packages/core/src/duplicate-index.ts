/**
 * R-DUP-1: duplicates within a load (and, for the local endpoint, across writes). Two records are the same
 * point when they have the same measure name, the same dimensions as a set (order-insensitive) and the same time
 * instant: [choice] times are compared as instants, so `0012` and `12` agree, and so do 12 SECONDS and
 * 12000 MILLISECONDS. A later record of the same point is refused when its values differ and its version is not
 * higher; identical values are accepted (idempotent); a higher version updates the point.
 *
 * [choice] Values are compared as a set of name/type/value, each by its type: DOUBLE numerically (`1.0` equals
 * `1`), BIGINT numerically (`+007` equals `7`), BOOLEAN in any case, TIMESTAMP as an instant, VARCHAR exactly.
 *
 * Memory is bounded: at most `maxEntries` points, each stored as its exact byte encoding
 * (internal/check-record-key.ts) in one arena, found through an open-addressing table of 32-bit hashes. A hash
 * only finds candidates; a match is always confirmed on the stored bytes, never decided by a hash. Past the bound
 * (or past the arena's byte cap) new points are not tracked and `partial` turns true. Nothing is allocated per
 * record on the common path.
 */
import type { Failure } from './failure.js';
import type { TimestreamRecord } from './record.js';
import type { MeasureValueType } from './task.js';
import { decodeValues, RecordKeyEncoder, type DecodedValue } from './internal/check-record-key.js';

export interface DuplicateIndex {
  /** null when the record may be stored: new key, or identical values (idempotent), or a higher version. */
  check(record: TimestreamRecord): Failure | null;
  add(record: TimestreamRecord): void;
  /** true once the bound was hit: later checks are not complete (the run then warns; it never guesses). */
  readonly partial: boolean;
  readonly size: number;
}

export interface DuplicateIndexOptions {
  /** @default 1_000_000 */
  maxEntries?: number;
}

const VERSION_CONFLICT_REASON =
  'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value.';

const DEFAULT_MAX_ENTRIES = 1_000_000;
/** [choice] Byte cap of the arena holding the encoded points, whatever maxEntries says (1 GiB). */
const MAX_ARENA_BYTES = 2 ** 30;

const INITIAL_ENTRIES = 1024;

export function createDuplicateIndex(options?: DuplicateIndexOptions): DuplicateIndex {
  const maxEntries = options?.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (!Number.isInteger(maxEntries) || maxEntries < 0) {
    throw new RangeError(
      `createDuplicateIndex: maxEntries must be a non-negative integer, got ${maxEntries}`,
    );
  }
  return new PointTable(maxEntries);
}

/** Arena chunk size: entries never span chunks; a slot addresses `chunk << CHUNK_BITS | position`. */
const CHUNK_BITS = 22;
const CHUNK_BYTES = 2 ** CHUNK_BITS;
/** Entry header: version (float64), key length (uint32), values length (uint32). */
const HEADER = 16;

/**
 * Points as entries in an arena of fixed-size chunks (touched once, never copied), found through an
 * open-addressing table of [address + 1, key hash] pairs (0 = empty).
 */
class PointTable implements DuplicateIndex {
  partial = false;
  size = 0;

  private readonly encoder: RecordKeyEncoder;
  private readonly maxChunks: number;
  private slots = new Int32Array(INITIAL_ENTRIES * 4);
  private readonly chunks: Uint8Array[] = [];
  private readonly views: DataView[] = [];
  private readonly chunkWords: Uint32Array[] = [];
  private chunkUsed = CHUNK_BYTES; // no chunk yet

  // check() then add() of the same record encodes and looks it up once.
  private lastRecord: TimestreamRecord | null = null;
  private lastEncoded = false;
  /** Slot of the last record: its entry when lastFound, else the free slot where it would go. */
  private lastSlot = 0;
  private lastFound = false;

  constructor(private readonly maxEntries: number) {
    this.encoder = new RecordKeyEncoder(maxEntries);
    this.maxChunks = Math.floor(MAX_ARENA_BYTES / CHUNK_BYTES);
  }

  check(record: TimestreamRecord): Failure | null {
    // A new point, or a name list no longer interned (then no stored point has it).
    if (!this.find(record)) return null;
    const address = this.slots[this.lastSlot]! - 1;
    const view = this.views[address >>> CHUNK_BITS]!;
    const at = address & (CHUNK_BYTES - 1);
    const version = view.getFloat64(at, true);
    if (record.Version > version) return null;
    if (this.sameValues(address)) return null;
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
    if (!this.lastEncoded) {
      this.partial = true;
      return;
    }
    const enc = this.encoder;
    if (found) {
      const slot = this.lastSlot;
      const address = this.slots[slot]! - 1;
      const view = this.views[address >>> CHUNK_BITS]!;
      const at = address & (CHUNK_BYTES - 1);
      if (record.Version <= view.getFloat64(at, true)) return;
      // R-DUP-1: a higher version replaces the values (the key bytes are the same).
      if (view.getUint32(at + 12, true) === enc.length - enc.keyLength) {
        view.setFloat64(at, record.Version, true);
        copyBytes(
          enc.buf,
          enc.keyLength,
          enc.length,
          this.chunks[address >>> CHUNK_BITS]!,
          at + HEADER + enc.keyLength,
        );
        return;
      }
      const moved = this.store(record.Version);
      if (moved >= 0) this.slots[slot] = moved + 1; // else the arena is full: keep the old entry (partial)
      return;
    }
    if (this.size >= this.maxEntries) {
      this.partial = true;
      return;
    }
    const address = this.store(record.Version);
    if (address < 0) return;
    let slot = this.lastSlot;
    if ((this.size + 1) * 4 > this.slots.length) {
      this.growSlots();
      slot = this.emptySlot(enc.hash | 0);
    }
    this.size++;
    this.slots[slot] = address + 1;
    this.slots[slot + 1] = enc.hash | 0;
    this.lastSlot = slot;
    this.lastFound = true;
  }

  /** Encodes the record (once for check-then-add) and looks it up; lastSlot tells where. */
  private find(record: TimestreamRecord): boolean {
    if (record === this.lastRecord) return this.lastFound;
    const enc = this.encoder;
    this.lastRecord = record;
    this.lastFound = false;
    this.lastEncoded = enc.encode(record);
    if (!this.lastEncoded) return false;
    const { buf, keyLength } = enc;
    const hash = enc.hash | 0;
    const slots = this.slots;
    const mask = slots.length - 2;
    for (let i = (hash << 1) & mask; ; i = (i + 2) & mask) {
      const s = slots[i]!;
      if (s === 0) {
        this.lastSlot = i;
        return false;
      }
      if (slots[i + 1] !== hash) continue;
      const address = s - 1;
      const at = address & (CHUNK_BYTES - 1);
      if (this.views[address >>> CHUNK_BITS]!.getUint32(at + 8, true) !== keyLength) continue;
      // Confirm on the stored bytes: a hash never decides.
      const chunk = this.chunks[address >>> CHUNK_BITS]!;
      const from = at + HEADER;
      let k = 0;
      while (k < keyLength && chunk[from + k] === buf[k]) k++;
      if (k === keyLength) {
        this.lastSlot = i;
        this.lastFound = true;
        return true;
      }
    }
  }

  /** The stored values at `address` equal the encoder's, byte for byte or by type (R-DUP-1 [choice]). */
  private sameValues(address: number): boolean {
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
    const a = decodeValues(chunk, from, enc.shapeInfo);
    const b = decodeValues(buf, keyLength, enc.shapeInfo);
    return a.length === b.length && a.every((x, i) => sameValue(x, b[i]!));
  }

  /**
   * Appends the encoder's bytes as an entry, 4-byte aligned so that they copy as words; its address, or -1 (and
   * partial) when the arena is full.
   */
  private store(version: number): number {
    const enc = this.encoder;
    const words = (enc.length + 3) >>> 2;
    const need = HEADER + words * 4;
    if (this.chunkUsed + need > CHUNK_BYTES) {
      if (need > CHUNK_BYTES || this.chunks.length >= this.maxChunks) {
        this.partial = true;
        return -1;
      }
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

  private growSlots(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) {
      if (old[i] === 0) continue;
      const slot = this.emptySlot(old[i + 1]!);
      this.slots[slot] = old[i]!;
      this.slots[slot + 1] = old[i + 1]!;
    }
  }

  private emptySlot(hash: number): number {
    const mask = this.slots.length - 2;
    let i = (hash << 1) & mask;
    while (this.slots[i] !== 0) i = (i + 2) & mask;
    return i;
  }
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
