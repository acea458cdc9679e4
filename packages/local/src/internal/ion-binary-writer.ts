/**
 * Ion binary 1.0 written directly (see ion-writer.ts for why; ion-js is the test oracle). The stream starts with the
 * version marker and a local symbol table holding the writer's field names (symbol ids 10 and up), so every struct
 * field is one VarUInt. Values are written forward into one growing buffer; a container's header goes in front of
 * its content when it closes (the content is moved up by the header's few bytes), so lengths are exact and minimal.
 */
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

export class IonBinaryWriter implements IonWriter {
  private buf: Buffer = Buffer.allocUnsafe(64 * 1024);
  private pos = 0;
  /** Open containers: [type, offset where their content starts]. */
  private readonly stack: [number, number][] = [];
  private readonly sids: ReadonlyMap<string, number>;
  private started = false;
  private fieldPending = false;

  constructor(private readonly fieldNames: readonly string[]) {
    this.sids = new Map(fieldNames.map((n, i) => [n, FIRST_LOCAL_SID + i]));
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  private varUInt(n: number): void {
    this.ensure(5);
    let shift = 28;
    while (shift > 0 && n >>> shift === 0) shift -= 7;
    for (; shift > 0; shift -= 7) this.buf[this.pos++] = (n >>> shift) & 0x7f;
    this.buf[this.pos++] = (n & 0x7f) | 0x80;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    for (const b of IVM) this.byte(b);
    // $ion_symbol_table::{symbols: [<field names>]}
    const outer = this.pos;
    this.stack.push([T_ANNOTATION, outer]);
    this.varUInt(1);
    this.varUInt(SID_ION_SYMBOL_TABLE);
    this.stack.push([T_STRUCT, this.pos]);
    this.varUInt(SID_SYMBOLS);
    this.stack.push([T_LIST, this.pos]);
    for (const name of this.fieldNames) this.stringBytes(name);
    this.close();
    this.close();
    this.close();
  }

  /** Before a value: the stream's start, and in a struct the field's symbol id. */
  private prefix(): void {
    this.start();
    const top = this.stack[this.stack.length - 1];
    if (top !== undefined && top[0] === T_STRUCT) {
      if (!this.fieldPending) throw new Error('a struct member needs a field name');
      this.fieldPending = false;
    }
  }

  field(name: string): void {
    const sid = this.sids.get(name);
    if (sid === undefined)
      throw new Error(`field ${JSON.stringify(name)} is not one of this writer's fields`);
    this.start();
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

  /** Closes the innermost container: its header goes in front of its content. */
  private close(): void {
    const [type, from] = this.stack.pop()!;
    const length = this.pos - from;
    const size = this.headerSize(length);
    this.ensure(size);
    this.buf.copyWithin(from + size, from, this.pos);
    const end = this.pos + size;
    this.pos = from;
    this.header(type, length);
    this.pos = end;
  }

  stepInStruct(): void {
    this.prefix();
    this.stack.push([T_STRUCT, this.pos]);
  }

  stepInList(): void {
    this.prefix();
    this.stack.push([T_LIST, this.pos]);
  }

  stepOut(): void {
    if (this.stack.length === 0) throw new Error('stepOut with no container open');
    this.close();
  }

  private stringBytes(value: string): void {
    const n = value.length;
    if (n < 14) {
      // Short ASCII (names, enums, most dimension values) byte by byte: cheaper than a call into the encoder.
      let ascii = true;
      for (let i = 0; i < n && ascii; i++) ascii = value.charCodeAt(i) < 0x80;
      if (ascii) {
        this.ensure(n + 1);
        this.buf[this.pos++] = (T_STRING << 4) | n;
        for (let i = 0; i < n; i++) this.buf[this.pos++] = value.charCodeAt(i);
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

  /** Magnitude bytes of |n|, big-endian, without leading zeros (none for 0). */
  private magnitude(n: bigint | number): number[] {
    const out: number[] = [];
    if (typeof n === 'number' && n <= 0x7fffffff) {
      for (let v = n; v > 0; v >>>= 8) out.unshift(v & 0xff);
      return out;
    }
    for (let v = BigInt(n); v > 0n; v >>= 8n) out.unshift(Number(v & 0xffn));
    return out;
  }

  int(value: bigint | number): void {
    this.prefix();
    const small = typeof value === 'number' || (value > -0x80000000n && value < 0x80000000n);
    const n = small ? Number(value) : value;
    const negative = n < 0;
    const bytes = this.magnitude(typeof n === 'number' ? Math.abs(n) : n < 0n ? -n : n);
    this.header(negative ? T_NEG_INT : T_POS_INT, bytes.length);
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

  /** An Int field (sign-magnitude, the sign in the first byte's high bit). */
  private intField(negative: boolean, digits: string): number[] {
    const bytes = this.magnitude(digits.length < 10 ? Number(digits) : BigInt(digits));
    if (bytes.length === 0) return negative ? [0x80] : [];
    if ((bytes[0]! & 0x80) !== 0) bytes.unshift(0);
    if (negative) bytes[0]! |= 0x80;
    return bytes;
  }

  decimal(value: IonDecimalValue): void {
    this.prefix();
    const zero = /^0+$/.test(value.digits);
    if (zero && !value.negative && value.exponent === 0) {
      this.byte(T_DECIMAL << 4); // 0d0
      return;
    }
    const coefficient = this.intField(value.negative, zero ? '0' : value.digits);
    this.stack.push([T_DECIMAL, this.pos]);
    this.varInt(value.exponent);
    for (const b of coefficient) this.byte(b);
    this.close();
  }

  timestamp(value: IonTimestampValue): void {
    this.prefix();
    const f = utcFields(value.seconds);
    this.stack.push([T_TIMESTAMP, this.pos]);
    this.byte(0x80); // offset +00:00 (UTC), VarInt 0
    this.varUInt(f.y);
    this.varUInt(f.mo);
    this.varUInt(f.d);
    this.varUInt(f.h);
    this.varUInt(f.mi);
    this.varUInt(f.s);
    if (value.fraction !== '') {
      this.varInt(-value.fraction.length);
      for (const b of this.intField(false, value.fraction)) this.byte(b);
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
    this.start();
  }

  take(): Uint8Array {
    if (this.stack.length > 0) throw new Error('take() inside an open container');
    this.start();
    const bytes = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return bytes;
  }
}
