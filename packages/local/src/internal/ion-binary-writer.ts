/**
 * Ion binary 1.0 written directly (see ion-writer.ts for why; ion-js is the test oracle). The stream starts with the
 * version marker and a local symbol table holding the writer's field names (symbol ids 10 and up), so every struct
 * field is one VarUInt. Values are written forward into one growing buffer; a container keeps one byte ahead of its
 * content for its header, written when it closes (the content moved up only when the header needs more), so lengths
 * are exact and minimal.
 */
import { GrowingBuffer } from './growing-buffer.js';
import { utcFields, type IonDecimalValue, type IonTimestampValue, type IonWriter } from './ion-writer.js';

const IVM = [0xe0, 0x01, 0x00, 0xea];
const SID_ION_SYMBOL_TABLE = 3;
const SID_SYMBOLS = 7;
const FIRST_LOCAL_SID = 10;
const T_BOOL = 0x1;
const T_POS_INT = 0x2;
const T_NEG_INT = 0x3;
const T_DECIMAL = 0x5;
const T_TIMESTAMP = 0x6;
const T_STRING = 0x8;
const T_BLOB = 0xa;
const T_LIST = 0xb;
const T_STRUCT = 0xd;
const T_ANNOTATION = 0xe;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export class IonBinaryWriter extends GrowingBuffer implements IonWriter {
  /** Open containers, innermost last: their types, and the offsets where their contents start (no array each). */
  private readonly types: number[] = [];
  private readonly starts: number[] = [];
  private readonly sids: ReadonlyMap<string, number>;
  private fieldPending = false;
  /** The calendar fields of the last two timestamps' seconds, the newer first (as IonTextWriter keeps their text). */
  private seconds0 = Number.NaN;
  private seconds1 = Number.NaN;
  private fields0 = utcFields(0);
  private fields1 = utcFields(0);

  constructor(private readonly fieldNames: readonly string[]) {
    super();
    this.sids = new Map(fieldNames.map((n, i) => [n, FIRST_LOCAL_SID + i]));
    this.start();
  }

  private varUInt(n: number): void {
    if (n < 0x80) {
      // One byte (every field's symbol id, most lengths and calendar fields).
      this.ensure(1);
      this.buf[this.pos++] = n | 0x80;
      return;
    }
    this.ensure(5);
    let shift = 28;
    while (shift > 0 && n >>> shift === 0) shift -= 7;
    for (; shift > 0; shift -= 7) this.buf[this.pos++] = (n >>> shift) & 0x7f;
    this.buf[this.pos++] = (n & 0x7f) | 0x80;
  }

  /** The stream's start: the version marker and the symbol table, ahead of the first value. */
  private start(): void {
    for (const b of IVM) this.byte(b);
    // $ion_symbol_table::{symbols: [<field names>]}
    this.open(T_ANNOTATION);
    this.varUInt(1);
    this.varUInt(SID_ION_SYMBOL_TABLE);
    this.open(T_STRUCT);
    this.varUInt(SID_SYMBOLS);
    this.open(T_LIST);
    for (const name of this.fieldNames) this.stringBytes(name);
    this.close();
    this.close();
    this.close();
  }

  /** A container whose content starts after the one byte kept here for its header (most need no more). */
  private open(type: number): void {
    this.ensure(1);
    this.pos++;
    this.types.push(type);
    this.starts.push(this.pos);
  }

  /** Before a value: in a struct, the field's symbol id must have been written. */
  private prefix(): void {
    const depth = this.types.length;
    if (depth > 0 && this.types[depth - 1] === T_STRUCT) {
      if (!this.fieldPending) throw new Error('a struct member needs a field name');
      this.fieldPending = false;
    }
  }

  field(name: string): void {
    const sid = this.sids.get(name);
    if (sid === undefined)
      throw new Error(`field ${JSON.stringify(name)} is not one of this writer's fields`);
    this.varUInt(sid);
    this.fieldPending = true;
  }

  /** A type descriptor with its length. */
  private header(type: number, length: number): void {
    if (length < 14) {
      this.byte((type << 4) | length);
    } else {
      this.byte((type << 4) | 14);
      this.varUInt(length);
    }
  }

  private headerSize(length: number): number {
    if (length < 14) return 1;
    let n = 2;
    for (let v = length >>> 7; v > 0; v >>>= 7) n++;
    return n;
  }

  /** Closes the innermost container: its header goes in its byte ahead of the content, moved up if it needs more. */
  private close(): void {
    const type = this.types.pop()!;
    const from = this.starts.pop()!;
    const length = this.pos - from;
    if (length < 14) {
      this.buf[from - 1] = (type << 4) | length;
      return;
    }
    const size = this.headerSize(length);
    this.ensure(size - 1);
    this.buf.copyWithin(from - 1 + size, from, this.pos);
    const end = this.pos + size - 1;
    this.pos = from - 1;
    this.header(type, length);
    this.pos = end;
  }

  stepInStruct(): void {
    this.prefix();
    this.open(T_STRUCT);
  }

  stepInList(): void {
    this.prefix();
    this.open(T_LIST);
  }

  stepOut(): void {
    if (this.types.length === 0) throw new Error('stepOut with no container open');
    this.close();
  }

  private stringBytes(value: string): void {
    const n = value.length;
    if (n < 14) {
      // Short ASCII (names, enums, most dimension values) byte by byte: cheaper than a call into the encoder.
      this.ensure(n + 1);
      const buf = this.buf;
      let pos = this.pos;
      buf[pos++] = (T_STRING << 4) | n;
      let i = 0;
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[pos++] = c;
      }
      if (i === n) {
        this.pos = pos;
        return;
      }
    }
    // Node's UTF-8 encoder writes a lone surrogate as U+FFFD, as ionStringText does in text [choice].
    const length = Buffer.byteLength(value, 'utf8');
    this.header(T_STRING, length);
    this.ensure(length);
    this.pos += this.buf.write(value, this.pos, length, 'utf8');
  }

  string(value: string): void {
    this.prefix();
    this.stringBytes(value);
  }

  /** Magnitude bytes of |n|, big-endian, without leading zeros (none for 0): the BigInt path (beyond 2^53). */
  private magnitude(n: bigint): number[] {
    const out: number[] = [];
    for (let v = n; v > 0n; v >>= 8n) out.unshift(Number(v & 0xffn));
    return out;
  }

  /** |n|'s big-endian bytes written at pos (n a safe integer), without leading zeros; their count. */
  private safeMagnitude(m: number): number {
    let length = 0;
    for (let x = m; x >= 1; x = Math.floor(x / 256)) length++;
    this.ensure(length);
    for (let i = length - 1, x = m; i >= 0; i--, x = Math.floor(x / 256)) this.buf[this.pos + i] = x % 256;
    this.pos += length;
    return length;
  }

  int(value: bigint | number): void {
    this.prefix();
    // Versions, sequence numbers and most BIGINTs are safe integers: their bytes without BigInt or arrays.
    if (typeof value === 'number' || (value >= -MAX_SAFE && value <= MAX_SAFE)) {
      const n = Number(value);
      this.ensure(1);
      const at = this.pos++;
      const length = this.safeMagnitude(Math.abs(n));
      this.buf[at] = ((n < 0 ? T_NEG_INT : T_POS_INT) << 4) | length;
      return;
    }
    const bytes = this.magnitude(value < 0n ? -value : value);
    this.header(value < 0n ? T_NEG_INT : T_POS_INT, bytes.length);
    for (const b of bytes) this.byte(b);
  }

  /** A VarInt: 7 bits a byte, the first byte holding the sign (0x40) and 6 bits, the last the end flag. */
  private varInt(n: number): void {
    const sign = n < 0 ? 0x40 : 0;
    let m = Math.abs(n);
    if (m < 64) {
      this.byte(sign | m | 0x80);
      return;
    }
    const bytes = [(m & 0x7f) | 0x80];
    m = Math.floor(m / 128);
    while (m >= 64) {
      bytes.unshift(m & 0x7f);
      m = Math.floor(m / 128);
    }
    bytes.unshift(sign | m);
    for (const b of bytes) this.byte(b);
  }

  /** An Int field (sign-magnitude, the sign in the first byte's high bit) of a coefficient's digits. */
  private intField(negative: boolean, digits: string): void {
    const start = this.pos;
    if (digits.length <= 15) {
      const m = Number(digits);
      if (m === 0) {
        if (negative) this.byte(0x80);
        return;
      }
      this.byte(0); // room for a sign byte, dropped when the magnitude leaves its high bit free
      this.safeMagnitude(m);
      if ((this.buf[start + 1]! & 0x80) === 0) {
        this.buf.copyWithin(start, start + 1, this.pos);
        this.pos--;
      }
    } else {
      const bytes = this.magnitude(BigInt(digits));
      if (bytes.length === 0) {
        if (negative) this.byte(0x80);
        return;
      }
      if ((bytes[0]! & 0x80) !== 0) bytes.unshift(0);
      for (const b of bytes) this.byte(b);
    }
    if (negative) this.buf[start] = this.buf[start]! | 0x80;
  }

  decimal(value: IonDecimalValue): void {
    this.prefix();
    const zero = /^0+$/.test(value.digits);
    if (zero && !value.negative && value.exponent === 0) {
      this.byte(T_DECIMAL << 4); // 0d0
      return;
    }
    this.open(T_DECIMAL);
    this.varInt(value.exponent);
    this.intField(value.negative, zero ? '0' : value.digits);
    this.close();
  }

  timestamp(value: IonTimestampValue): void {
    this.prefix();
    const seconds = value.seconds;
    if (seconds !== this.seconds0) {
      const f = seconds === this.seconds1 ? this.fields1 : utcFields(seconds);
      this.seconds1 = this.seconds0;
      this.fields1 = this.fields0;
      this.seconds0 = seconds;
      this.fields0 = f;
    }
    const f = this.fields0;
    this.open(T_TIMESTAMP);
    this.byte(0x80); // offset +00:00 (UTC), VarInt 0
    this.varUInt(f.y);
    this.varUInt(f.mo);
    this.varUInt(f.d);
    this.varUInt(f.h);
    this.varUInt(f.mi);
    this.varUInt(f.s);
    if (value.fraction !== '') {
      this.varInt(-value.fraction.length);
      this.intField(false, value.fraction);
    }
    this.close();
  }

  bool(value: boolean): void {
    this.prefix();
    this.byte((T_BOOL << 4) | (value ? 1 : 0));
  }

  blob(value: Uint8Array): void {
    this.prefix();
    this.header(T_BLOB, value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  endValue(): void {
    // Binary values need no separator.
  }

  take(): Uint8Array {
    if (this.types.length > 0) throw new Error('take() inside an open container');
    const bytes = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return bytes;
  }
}
