/**
 * R-DUP-1: the bytes of the points the duplicate table keeps whole (records that came from no file row, see
 * point-table.ts): each entry is a version and an exact key encoding (check-record-key.ts), in chunks that entries
 * never span. An address is `chunk << CHUNK_BITS | position`.
 */
import type { RecordKeyEncoder } from './check-record-key.js';

export const CHUNK_BITS = 22;
const CHUNK_BYTES = 2 ** CHUNK_BITS;
const POSITION_MASK = CHUNK_BYTES - 1;
/** Entry header: version (float64), key length (uint32), values length (uint32). */
const HEADER = 16;

export class PointArena {
  /** Bytes taken by entries (what counts against the memory budget). */
  bytes = 0;
  private readonly chunks: Uint8Array[] = [];
  private readonly views: DataView[] = [];
  private readonly chunkWords: Uint32Array[] = [];
  private chunkUsed = CHUNK_BYTES; // no chunk yet

  version(address: number): number {
    return this.views[address >>> CHUNK_BITS]!.getFloat64(address & POSITION_MASK, true);
  }

  keyLength(address: number): number {
    return this.views[address >>> CHUNK_BITS]!.getUint32((address & POSITION_MASK) + 8, true);
  }

  valuesLength(address: number): number {
    return this.views[address >>> CHUNK_BITS]!.getUint32((address & POSITION_MASK) + 12, true);
  }

  /** The chunk holding the entry, and where its encoding (key, then values) starts in it. */
  chunk(address: number): Uint8Array {
    return this.chunks[address >>> CHUNK_BITS]!;
  }

  encodingStart(address: number): number {
    return (address & POSITION_MASK) + HEADER;
  }

  /** The entry's key equals the encoder's, byte for byte. */
  sameKey(address: number, enc: RecordKeyEncoder): boolean {
    const { buf, keyLength } = enc;
    if (this.keyLength(address) !== keyLength) return false;
    const chunk = this.chunk(address);
    const from = this.encodingStart(address);
    let k = 0;
    while (k < keyLength && chunk[from + k] === buf[k]) k++;
    return k === keyLength;
  }

  /**
   * A higher version of the same key (R-DUP-1): writes its version and values over the entry's when they take the
   * same bytes; false when they do not (the caller then stores a new entry).
   */
  update(address: number, version: number, enc: RecordKeyEncoder): boolean {
    if (this.valuesLength(address) !== enc.length - enc.keyLength) return false;
    this.views[address >>> CHUNK_BITS]!.setFloat64(address & POSITION_MASK, version, true);
    this.chunk(address).set(
      enc.buf.subarray(enc.keyLength, enc.length),
      this.encodingStart(address) + enc.keyLength,
    );
    return true;
  }

  /** Appends the encoder's bytes as an entry, 4-byte aligned so that they copy as words; its address. */
  store(version: number, enc: RecordKeyEncoder): number {
    const words = (enc.length + 3) >>> 2;
    const need = HEADER + words * 4;
    if (need > CHUNK_BYTES) throw new RangeError(`a record key of ${enc.length} bytes is too large`);
    if (this.chunkUsed + need > CHUNK_BYTES) {
      // Addresses are 32 bits (a slot of the table): 1024 chunks of 4 MiB.
      if (this.chunks.length >= 1024) throw new RangeError('the duplicate table holds 4 GiB of keys already');
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
    this.bytes += need;
    return index * CHUNK_BYTES + at;
  }
}
