/**
 * R-QLDB-4: journal blocks as Ion binary, written by hand because ion-js's binary writer runs at ~1-2k
 * revisions/s here (STYLE rule 13: ion-js is the oracle in test/qldb/ion-encoders.test.ts). A chunk is the version
 * marker, a local symbol table of the block's field names, then the blocks. Containers are written content first
 * and their type-and-length header put in front once the length is known.
 */
import type { MeasureValueType, TimestreamRecord, TimeUnit } from '@tsbatch/core';
import type { JournalBlock } from './journal-block.js';
import {
  decimalParts,
  millisTimestampParts,
  unitTimestampParts,
  type DecimalParts,
  type TimestampParts,
} from './ion-values.js';

const FIELDS = [
  'blockAddress',
  'strandId',
  'sequenceNo',
  'transactionId',
  'blockTimestamp',
  'blockHash',
  'entriesHash',
  'previousBlockHash',
  'transactionInfo',
  'operation',
  'taskId',
  'revisions',
  'hash',
  'data',
  'metadata',
  'tableName',
  'version',
  'txTime',
  'txId',
  'Dimensions',
  'Name',
  'Value',
  'DimensionValueType',
  'MeasureName',
  'MeasureValueType',
  'MeasureValue',
  'MeasureValues',
  'Type',
  'Time',
  'TimeUnit',
  'Version',
] as const;
type Field = (typeof FIELDS)[number];
/** Local symbols follow the 9 system symbols of Ion 1.0. */
const SID: Readonly<Record<Field, number>> = Object.fromEntries(FIELDS.map((f, i) => [f, 10 + i])) as Record<
  Field,
  number
>;
const IVM = [0xe0, 0x01, 0x00, 0xea];
const T = {
  BOOL: 0x1,
  POS_INT: 0x2,
  NEG_INT: 0x3,
  DECIMAL: 0x5,
  TIMESTAMP: 0x6,
  STRING: 0x8,
  BLOB: 0xa,
  LIST: 0xb,
  STRUCT: 0xd,
  ANNOTATION: 0xe,
} as const;

class Bytes {
  buf = Buffer.allocUnsafe(1 << 16);
  n = 0;

  ensure(extra: number): void {
    if (this.n + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + extra));
    this.buf.copy(next, 0, 0, this.n);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.n++] = b;
  }

  varUInt(v: number): void {
    this.ensure(5);
    if (v < 0x80) {
      this.buf[this.n++] = 0x80 | v;
      return;
    }
    const groups: number[] = [];
    for (let x = v; x > 0; x = Math.floor(x / 128)) groups.unshift(x % 128);
    for (let i = 0; i < groups.length; i++)
      this.buf[this.n++] = groups[i]! | (i === groups.length - 1 ? 0x80 : 0);
  }

  varInt(v: number): void {
    const negative = v < 0;
    const m = Math.abs(v);
    if (m < 0x40) {
      this.byte(0x80 | (negative ? 0x40 : 0) | m);
      return;
    }
    const groups: number[] = [];
    for (let x = m; x > 0; x = Math.floor(x / 128)) groups.unshift(x % 128);
    if (groups[0]! >= 0x40) groups.unshift(0);
    groups[0] = groups[0]! | (negative ? 0x40 : 0);
    for (let i = 0; i < groups.length; i++) this.byte(groups[i]! | (i === groups.length - 1 ? 0x80 : 0));
  }

  /** A type descriptor and length in front of content already written at [start, n). */
  close(start: number, type: number): void {
    const length = this.n - start;
    if (length < 14) {
      this.ensure(1);
      this.buf.copyWithin(start + 1, start, this.n);
      this.buf[start] = (type << 4) | length;
      this.n += 1;
      return;
    }
    let groups = 1;
    for (let x = length >>> 7; x > 0; x >>>= 7) groups++;
    const size = 1 + groups;
    this.ensure(size);
    this.buf.copyWithin(start + size, start, this.n);
    this.buf[start] = (type << 4) | 14;
    for (let i = groups, x = length; i >= 1; i--, x >>>= 7)
      this.buf[start + i] = (x & 0x7f) | (i === groups ? 0x80 : 0);
    this.n += size;
  }

  string(s: string): void {
    const length = Buffer.byteLength(s, 'utf8');
    this.header(T.STRING, length);
    this.ensure(length);
    this.n += this.buf.write(s, this.n, 'utf8');
  }

  blob(b: Buffer): void {
    this.header(T.BLOB, b.length);
    this.ensure(b.length);
    this.n += b.copy(this.buf, this.n);
  }

  header(type: number, length: number): void {
    if (length < 14) this.byte((type << 4) | length);
    else {
      this.byte((type << 4) | 14);
      this.varUInt(length);
    }
  }

  int(v: bigint | number): void {
    // Sequence numbers and versions are safe integers: their bytes without BigInt.
    if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 && v < 2 ** 48) {
      let bytes = 1;
      for (let x = Math.floor(v / 256); x > 0; x = Math.floor(x / 256)) bytes++;
      this.ensure(1 + bytes);
      this.buf[this.n++] = (T.POS_INT << 4) | bytes;
      for (let i = bytes - 1; i >= 0; i--) this.buf[this.n++] = Math.floor(v / 2 ** (8 * i)) & 0xff;
      return;
    }
    const big = BigInt(v);
    if (big === 0n) return this.byte(T.POS_INT << 4);
    const magnitude = magnitudeBytes(big < 0n ? -big : big);
    this.header(big < 0n ? T.NEG_INT : T.POS_INT, magnitude.length);
    for (const b of magnitude) this.byte(b);
  }

  /** Ion's signed-magnitude Int (decimal and timestamp coefficients); nothing for a positive zero. */
  signedInt(magnitude: bigint, negative: boolean): void {
    if (magnitude === 0n && !negative) return;
    const bytes = magnitude === 0n ? [0] : magnitudeBytes(magnitude);
    if (bytes[0]! & 0x80) bytes.unshift(0);
    if (negative) bytes[0] = bytes[0]! | 0x80;
    for (const b of bytes) this.byte(b);
  }

  decimal(d: DecimalParts): void {
    if (d.coefficient === 0n && d.exponent === 0 && !d.negative) return this.byte(T.DECIMAL << 4);
    const start = this.n;
    this.varInt(d.exponent);
    this.signedInt(d.coefficient, d.negative);
    this.close(start, T.DECIMAL);
  }

  timestamp(t: TimestampParts): void {
    const w = t.whole;
    const start = this.n;
    this.byte(0x80); // offset +00:00 (UTC)
    this.varUInt(w.getUTCFullYear());
    this.varUInt(w.getUTCMonth() + 1);
    this.varUInt(w.getUTCDate());
    this.varUInt(w.getUTCHours());
    this.varUInt(w.getUTCMinutes());
    this.varUInt(w.getUTCSeconds());
    if (t.places > 0) {
      this.varInt(-t.places);
      this.signedInt(t.fraction, false);
    }
    this.close(start, T.TIMESTAMP);
  }

  field(f: Field): void {
    this.varUInt(SID[f]);
  }

  take(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.n));
  }
}

function magnitudeBytes(v: bigint): number[] {
  const out: number[] = [];
  for (let x = v; x > 0n; x >>= 8n) out.unshift(Number(x & 0xffn));
  return out;
}

function value(o: Bytes, type: MeasureValueType, text: string, unit: TimeUnit): void {
  switch (type) {
    case 'DOUBLE':
      return o.decimal(decimalParts(text));
    case 'BIGINT':
      return o.int(BigInt(text));
    case 'BOOLEAN':
      return o.byte((T.BOOL << 4) | (text.toLowerCase() === 'true' ? 1 : 0));
    case 'TIMESTAMP':
      return o.timestamp(unitTimestampParts(text, unit));
    default:
      return o.string(text);
  }
}

function record(o: Bytes, r: TimestreamRecord): void {
  const s = o.n;
  o.field('Dimensions');
  const l = o.n;
  for (const d of r.Dimensions) {
    const ds = o.n;
    o.field('Name');
    o.string(d.Name);
    o.field('Value');
    o.string(d.Value);
    o.field('DimensionValueType');
    o.string(d.DimensionValueType);
    o.close(ds, T.STRUCT);
  }
  o.close(l, T.LIST);
  o.field('MeasureName');
  o.string(r.MeasureName);
  o.field('MeasureValueType');
  o.string(r.MeasureValueType);
  if (r.MeasureValue !== undefined) {
    o.field('MeasureValue');
    value(o, r.MeasureValueType, r.MeasureValue, r.TimeUnit);
  }
  if (r.MeasureValues !== undefined) {
    o.field('MeasureValues');
    const vl = o.n;
    for (const v of r.MeasureValues) {
      const vs = o.n;
      o.field('Name');
      o.string(v.Name);
      o.field('Value');
      value(o, v.Type, v.Value, r.TimeUnit);
      o.field('Type');
      o.string(v.Type);
      o.close(vs, T.STRUCT);
    }
    o.close(vl, T.LIST);
  }
  o.field('Time');
  o.timestamp(unitTimestampParts(r.Time, r.TimeUnit));
  o.field('TimeUnit');
  o.string(r.TimeUnit);
  o.field('Version');
  o.int(r.Version);
  o.close(s, T.STRUCT);
}

function block(o: Bytes, b: JournalBlock): void {
  const time = millisTimestampParts(b.blockTimestamp);
  const s = o.n;
  o.field('blockAddress');
  const a = o.n;
  o.field('strandId');
  o.string(b.blockAddress.strandId);
  o.field('sequenceNo');
  o.int(b.blockAddress.sequenceNo);
  o.close(a, T.STRUCT);
  o.field('transactionId');
  o.string(b.transactionId);
  o.field('blockTimestamp');
  o.timestamp(time);
  o.field('blockHash');
  o.blob(b.blockHash);
  o.field('entriesHash');
  o.blob(b.entriesHash);
  o.field('previousBlockHash');
  o.blob(b.previousBlockHash);
  o.field('transactionInfo');
  const ti = o.n;
  o.field('operation');
  o.string(b.transactionInfo.operation);
  if (b.transactionInfo.taskId !== undefined) {
    o.field('taskId');
    o.string(b.transactionInfo.taskId);
  }
  o.close(ti, T.STRUCT);
  o.field('revisions');
  const rl = o.n;
  for (const r of b.revisions) {
    const rs = o.n;
    o.field('hash');
    o.blob(r.hash);
    o.field('data');
    record(o, r.record);
    o.field('metadata');
    const m = o.n;
    o.field('tableName');
    o.string(r.tableName);
    o.field('version');
    o.int(r.record.Version);
    o.field('txTime');
    o.timestamp(time);
    o.field('txId');
    o.string(b.transactionId);
    o.close(m, T.STRUCT);
    o.close(rs, T.STRUCT);
  }
  o.close(rl, T.LIST);
  o.close(s, T.STRUCT);
}

/** The version marker and local symbol table every chunk starts with. */
function preamble(o: Bytes): void {
  for (const b of IVM) o.byte(b);
  const ann = o.n;
  o.varUInt(1); // annotation length: one SID
  o.varUInt(3); // $ion_symbol_table
  const st = o.n;
  o.varUInt(7); // symbols
  const list = o.n;
  for (const f of FIELDS) o.string(f);
  o.close(list, T.LIST);
  o.close(st, T.STRUCT);
  o.close(ann, T.ANNOTATION);
}

/** Blocks as one self-contained Ion binary chunk. */
export function ionBinaryBlocks(blocks: readonly JournalBlock[]): Buffer {
  const o = new Bytes();
  preamble(o);
  for (const b of blocks) block(o, b);
  return o.take();
}
