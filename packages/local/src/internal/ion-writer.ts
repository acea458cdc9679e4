/**
 * Amazon Ion text and binary written directly (R-EXP-1, R-QLDB-4): ion-js's writers are correct but spend about
 * 0.2-1 ms a record (a node tree and a buffer per value), far from the 100k records/s an export needs, so this
 * writes the bytes itself through the same shape of API (stepIn, a field, a value, stepOut). STYLE rule 13: ion-js
 * is the oracle: the tests read everything written here back with ion-js and compare it with what ion-js's own
 * writers make of the same values. Struct field names are symbols from a fixed list given up front (binary: the
 * local symbol table that starts the stream); everything else is a value: string, int, decimal, timestamp, bool,
 * blob, list, struct.
 */

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
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A string as Ion text: JSON's string escapes are all Ion escapes, so JSON.stringify writes it (natively, fast).
 * [choice] A lone surrogate, which neither Ion text nor UTF-8 can hold, becomes U+FFFD (as Node's UTF-8 encoder does).
 */
export function ionStringText(value: string): string {
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
  const f = utcFields(v.seconds);
  const date = `${String(f.y).padStart(4, '0')}-${pad2(f.mo)}-${pad2(f.d)}`;
  const time = `${pad2(f.h)}:${pad2(f.mi)}:${pad2(f.s)}`;
  return `${date}T${time}${v.fraction === '' ? '' : `.${v.fraction}`}Z`;
}

interface TextContainer {
  struct: boolean;
  count: number;
}

/** Ion text, one top-level value per line. */
export class IonTextWriter implements IonWriter {
  private out = '';
  private readonly stack: TextContainer[] = [];
  private pending: string | null = null;
  private readonly names: ReadonlyMap<string, string>;

  constructor(fieldNames: readonly string[]) {
    this.names = new Map(
      fieldNames.map((n) => [
        n,
        IDENTIFIER.test(n) && !ION_KEYWORDS.has(n) ? n : `'${n.replace(/[\\']/g, '\\$&')}'`,
      ]),
    );
  }

  field(name: string): void {
    const text = this.names.get(name);
    if (text === undefined)
      throw new Error(`field ${JSON.stringify(name)} is not one of this writer's fields`);
    this.pending = text;
  }

  private value(text: string): void {
    const top = this.stack[this.stack.length - 1];
    if (top !== undefined) {
      if (top.count++ > 0) this.out += ',';
      if (top.struct) {
        if (this.pending === null) throw new Error('a struct member needs a field name');
        this.out += `${this.pending}:`;
        this.pending = null;
      }
    }
    this.out += text;
  }

  stepInStruct(): void {
    this.value('{');
    this.stack.push({ struct: true, count: 0 });
  }

  stepInList(): void {
    this.value('[');
    this.stack.push({ struct: false, count: 0 });
  }

  stepOut(): void {
    const top = this.stack.pop();
    if (top === undefined) throw new Error('stepOut with no container open');
    this.out += top.struct ? '}' : ']';
  }

  string(value: string): void {
    this.value(ionStringText(value));
  }

  int(value: bigint | number): void {
    this.value(String(value));
  }

  decimal(value: IonDecimalValue): void {
    this.value(ionDecimalText(value));
  }

  timestamp(value: IonTimestampValue): void {
    this.value(ionTimestampText(value));
  }

  bool(value: boolean): void {
    this.value(value ? 'true' : 'false');
  }

  blob(value: Uint8Array): void {
    this.value(`{{${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}}}`);
  }

  endValue(): void {
    this.out += '\n';
  }

  take(): Uint8Array {
    const bytes = Buffer.from(this.out, 'utf8');
    this.out = '';
    return bytes;
  }
}
