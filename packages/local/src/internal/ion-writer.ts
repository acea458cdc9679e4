/**
 * Amazon Ion text and binary written directly (R-EXP-1, R-QLDB-4): ion-js's writers are correct but spend about
 * 0.2-1 ms a record (a node tree and a buffer per value), far from the 100k records/s an export needs, so this
 * writes the bytes itself through the same shape of API (stepIn, a field, a value, stepOut). STYLE rule 13: ion-js
 * is the oracle: the tests read everything written here back with ion-js and compare it with what ion-js's own
 * writers make of the same values. Struct field names are symbols from a fixed list given up front (binary: the
 * local symbol table that starts the stream); everything else is a value: string, int, decimal, timestamp, bool,
 * blob, list, struct.
 */
import { GrowingBuffer } from './growing-buffer.js';

/** An Ion decimal: coefficient x 10^exponent (the sign apart, so -0 exists). */
export interface IonDecimalValue {
  negative: boolean;
  /** The digits of |coefficient|, without a sign ('0' for zero). */
  digits: string;
  exponent: number;
}

/** An Ion timestamp in UTC, to the second or with 1-9 fraction digits. */
export interface IonTimestampValue {
  /** Seconds since the epoch (whole; years 1 to 9999 are well within a double's exact integers). */
  seconds: number;
  /** The fraction of the second as digits ('' for none; '000' for milliseconds that are zero). */
  fraction: string;
}

export interface IonWriter {
  stepInStruct(): void;
  stepInList(): void;
  stepOut(): void;
  /** The name of the next value in the struct being written (one of the writer's field names). */
  field(name: string): void;
  string(value: string): void;
  int(value: bigint | number): void;
  decimal(value: IonDecimalValue): void;
  timestamp(value: IonTimestampValue): void;
  bool(value: boolean): void;
  blob(value: Uint8Array): void;
  /** Ends a top-level value (text: a newline). */
  endValue(): void;
  /** Takes what was written since the last take (the stream's start comes with the first). */
  take(): Uint8Array;
}

const NANOS_PER_SECOND = 1_000_000_000n;

/** The calendar fields of a UTC instant (proleptic Gregorian), without Date's millisecond rounding. */
export function utcFields(seconds: number): {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
} {
  const days = Math.floor(seconds / 86_400);
  const r = seconds - days * 86_400;
  // H. Hinnant's civil_from_days.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const mo = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (mo <= 2 ? 1 : 0);
  return { y, mo, d, h: Math.floor(r / 3600), mi: Math.floor((r % 3600) / 60), s: r % 60 };
}

/**
 * The timestamp of a non-negative count of a unit written as digits, with that unit's `places` fraction digits
 * (0, 3, 6, 9): the last `places` digits are the fraction, the rest the seconds (no BigInt on the hot path).
 */
export function timestampOfDigits(digits: string, places: number): IonTimestampValue {
  if (places === 0) return { seconds: Number(digits), fraction: '' };
  const padded = digits.length > places ? digits : digits.padStart(places + 1, '0');
  return { seconds: Number(padded.slice(0, -places)), fraction: padded.slice(-places) };
}

/** The timestamp of a count of nanoseconds, with `places` fraction digits (0, 3, 6 or 9). */
export function timestampOfNanos(nanos: bigint, places: number): IonTimestampValue {
  let seconds = nanos / NANOS_PER_SECOND;
  let fraction = nanos % NANOS_PER_SECOND;
  if (fraction < 0n) {
    fraction += NANOS_PER_SECOND;
    seconds -= 1n;
  }
  return {
    seconds: Number(seconds),
    fraction: places === 0 ? '' : String(fraction).padStart(9, '0').slice(0, places),
  };
}

/** The timestamp of a Date (millisecond precision). */
export function timestampOfDate(date: Date): IonTimestampValue {
  return timestampOfNanos(BigInt(date.getTime()) * 1_000_000n, 3);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const ION_KEYWORDS = new Set(['null', 'true', 'false', 'nan']);
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A string as Ion text: JSON's string escapes are all Ion escapes, so JSON.stringify writes it (natively, fast).
 * [choice] A lone surrogate, which neither Ion text nor UTF-8 can hold, becomes U+FFFD (as Node's UTF-8 encoder does).
 */
export function ionStringText(value: string): string {
  // Most names and values are printable ASCII without a quote or backslash: no escaping to do.
  if (PLAIN.test(value)) return `"${value}"`;
  const text = JSON.stringify(value);
  // JSON.stringify escapes only lone surrogates as \udXXX (well-formed JSON.stringify, ES2019).
  return text.includes('\\ud') ? JSON.stringify(value.replace(LONE_SURROGATE, '\ufffd')) : text;
}

export function ionDecimalText(v: IonDecimalValue): string {
  const sign = v.negative ? '-' : '';
  if (v.exponent === 0) return `${sign}${v.digits}.`;
  if (v.exponent > 0) return `${sign}${v.digits}d${v.exponent}`;
  const places = -v.exponent;
  const n = v.digits.length;
  if (n > places) return `${sign}${v.digits.slice(0, n - places)}.${v.digits.slice(n - places)}`;
  return `${sign}0.${'0'.repeat(places - n)}${v.digits}`;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

export function ionTimestampText(v: IonTimestampValue): string {
  return `${dateTimeText(v.seconds)}${v.fraction === '' ? '' : `.${v.fraction}`}Z`;
}

/** `yyyy-mm-ddThh:mm:ss` of a timestamp's whole seconds. */
function dateTimeText(seconds: number): string {
  const f = utcFields(seconds);
  const date = `${String(f.y).padStart(4, '0')}-${pad2(f.mo)}-${pad2(f.d)}`;
  return `${date}T${pad2(f.h)}:${pad2(f.mi)}:${pad2(f.s)}`;
}

const QUOTE = 0x22;
const COMMA = 0x2c;

/**
 * Ion text, one top-level value per line, written as UTF-8 into one growing buffer (a string built piece by piece
 * was a rope of thousands of parts a chunk, and its garbage a fifth of an export's time). The bytes are those of
 * the text the pieces make: every piece is well-formed (a lone surrogate is U+FFFD already, ionStringText).
 */
export class IonTextWriter extends GrowingBuffer implements IonWriter {
  /** Open containers, innermost last: true for a struct. */
  private readonly structs: boolean[] = [];
  /** The next value is the first of its container (no comma before it). */
  private first = true;
  private fieldPending = false;
  /** Each field's UTF-8 bytes as the first member (`name:`) and as a later one (`,name:`). */
  private readonly names: ReadonlyMap<string, readonly [Buffer, Buffer]>;
  /**
   * The last two timestamps' whole seconds and their texts, the newer first: a chunk's timestamps mostly share a
   * second with the one before or the one before that (a record's Time, then its block's txTime).
   */
  private seconds0 = Number.NaN;
  private seconds1 = Number.NaN;
  private dateTime0 = '';
  private dateTime1 = '';

  constructor(fieldNames: readonly string[]) {
    super();
    this.names = new Map(
      fieldNames.map((n) => {
        const text = IDENTIFIER.test(n) && !ION_KEYWORDS.has(n) ? n : `'${n.replace(/[\\']/g, '\\$&')}'`;
        return [n, [Buffer.from(`${text}:`, 'utf8'), Buffer.from(`,${text}:`, 'utf8')]] as const;
      }),
    );
  }

  /** Text that is mostly ASCII (digits, punctuation, base64) byte by byte; any other as UTF-8. */
  private ascii(text: string): void {
    const n = text.length;
    this.ensure(n);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) {
        this.utf8(text);
        return;
      }
      buf[pos++] = c;
    }
    this.pos = pos;
  }

  /** Any text as UTF-8. */
  private utf8(text: string): void {
    this.ensure(text.length * 3);
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  field(name: string): void {
    const text = this.names.get(name);
    if (text === undefined)
      throw new Error(`field ${JSON.stringify(name)} is not one of this writer's fields`);
    if (this.fieldPending) throw new Error('a field name needs a value');
    // The separator and the name go out at once.
    const bytes = this.first ? text[0] : text[1];
    this.ensure(bytes.length);
    for (let i = 0; i < bytes.length; i++) this.buf[this.pos++] = bytes[i]!;
    this.first = false;
    this.fieldPending = true;
  }

  /** What goes before a value: nothing in a struct (its field name is out), a comma after a list's first. */
  private separate(): void {
    const depth = this.structs.length;
    if (depth > 0 && this.structs[depth - 1]) {
      if (!this.fieldPending) throw new Error('a struct member needs a field name');
      this.fieldPending = false;
    } else if (!this.first) {
      this.byte(COMMA);
    }
    this.first = false;
  }

  stepInStruct(): void {
    this.separate();
    this.byte(0x7b);
    this.structs.push(true);
    this.first = true;
  }

  stepInList(): void {
    this.separate();
    this.byte(0x5b);
    this.structs.push(false);
    this.first = true;
  }

  stepOut(): void {
    const struct = this.structs.pop();
    if (struct === undefined) throw new Error('stepOut with no container open');
    this.byte(struct ? 0x7d : 0x5d);
    this.first = false;
  }

  string(value: string): void {
    this.separate();
    // Printable ASCII without a quote or backslash (most names and values) is its own text: copied byte by byte.
    const n = value.length;
    this.ensure(n + 2);
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    buf[pos++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === QUOTE || c === 0x5c) {
        this.pos = start;
        this.utf8(ionStringText(value));
        return;
      }
      buf[pos++] = c;
    }
    buf[pos++] = QUOTE;
    this.pos = pos;
  }

  int(value: bigint | number): void {
    this.separate();
    this.ascii(String(value));
  }

  decimal(value: IonDecimalValue): void {
    this.separate();
    this.ascii(ionDecimalText(value));
  }

  timestamp(value: IonTimestampValue): void {
    this.separate();
    const seconds = value.seconds;
    if (seconds !== this.seconds0) {
      const text = seconds === this.seconds1 ? this.dateTime1 : dateTimeText(seconds);
      this.seconds1 = this.seconds0;
      this.dateTime1 = this.dateTime0;
      this.seconds0 = seconds;
      this.dateTime0 = text;
    }
    this.ascii(this.dateTime0);
    if (value.fraction !== '') {
      this.byte(0x2e);
      this.ascii(value.fraction);
    }
    this.byte(0x5a);
  }

  bool(value: boolean): void {
    this.separate();
    this.ascii(value ? 'true' : 'false');
  }

  blob(value: Uint8Array): void {
    this.blobBase64(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'));
  }

  /** A blob given as its base64 text (standard alphabet, padded, as Buffer's toString('base64') writes it). */
  blobBase64(base64: string): void {
    this.separate();
    this.ensure(base64.length + 4);
    this.buf[this.pos++] = 0x7b;
    this.buf[this.pos++] = 0x7b;
    this.ascii(base64);
    this.buf[this.pos++] = 0x7d;
    this.buf[this.pos++] = 0x7d;
  }

  endValue(): void {
    this.byte(0x0a);
    this.first = true;
  }

  take(): Uint8Array {
    if (this.structs.length > 0) throw new Error('take() inside an open container');
    const bytes = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return bytes;
  }
}
