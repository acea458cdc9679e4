/**
 * R-QLDB-4 (issue 20: >= 100k revisions/s): a revision's record written as Ion straight from its stored JSON text,
 * without JSON.parse building an object tree per record (a third of an export's time went into that and its
 * garbage). The stored text has one shape, `recordJson`'s (internal/record-json.ts: members in the store's order,
 * each value through JSON.stringify, Version last as digits); a scanner checks the text against exactly that shape
 * and hands the writer the same calls, with the same values, that `writeRecordIon(w, parseRecordJson(text))` makes.
 * Any text of another shape (whitespace, other member orders, numbers where strings are stored, a raw control
 * character JSON.parse would reject) takes that very path instead, so the output never depends on the shortcut.
 * The property tests (test/qldb/record-transcoder.test.ts) hold the two paths to the same calls, and the block
 * encoders' tests hold the bytes to ion-js.
 */
import { timestampOfDigits, type IonWriter } from '../internal/ion-writer.js';
import { FRACTION_DIGITS, writeRecordIon, writeValue } from '../internal/record-ion.js';
import { parseRecordJson } from '../internal/record-json.js';

/** The raw control characters JSON forbids inside a string (the fallback's JSON.parse throws on them). */
const CONTROL = /[^\x20-\uffff]/; // a UTF-16 unit below U+0020

/**
 * A scan of one stored text: string tokens as [start, end) pairs, quotes included, in `tokens` (an escaped one's start complemented); counts of the
 * repeated members apart. Reused from record to record (no allocation per record beyond the value strings).
 */
class Scan {
  text = '';
  at = 0;
  /** The first backslash of the text, or its length when it has none: a string before it needs no unescaping. */
  backslash = 0;
  readonly tokens: number[] = [];
  dimensions = 0;
  measureValue = false;
  measureValues = -1;
  versionEnd = 0;

  reset(text: string): void {
    this.text = text;
    this.at = 0;
    const b = text.indexOf('\\');
    this.backslash = b < 0 ? text.length : b;
    this.tokens.length = 0;
    this.dimensions = 0;
    this.measureValue = false;
    this.measureValues = -1;
    this.versionEnd = 0;
  }

  /** Takes `literal` at the cursor, or answers false. */
  literal(literal: string): boolean {
    if (!this.text.startsWith(literal, this.at)) return false;
    this.at += literal.length;
    return true;
  }

  /** Takes a JSON string token at the cursor, or answers false. */
  string(): boolean {
    const text = this.text;
    const start = this.at;
    if (text.charCodeAt(start) !== 34) return false;
    let end = text.indexOf('"', start + 1);
    if (end < 0) return false;
    let escaped = false;
    if (this.backslash < end) {
      escaped = true;
      // Escapes: walk the token, skipping each escaped character (a \uXXXX's digits hold no quote or backslash).
      let i = start + 1;
      for (;;) {
        const c = text.charCodeAt(i);
        if (Number.isNaN(c)) return false;
        if (c === 34) break;
        i += c === 92 ? 2 : 1;
      }
      end = i;
      if (end > this.backslash) {
        const next = text.indexOf('\\', end);
        this.backslash = next < 0 ? text.length : next;
      }
    }
    // An escaped token is kept as its start's complement (its value is JSON.parse's).
    this.tokens.push(escaped ? ~start : start, end + 1);
    this.at = end + 1;
    return true;
  }

  /** `"k1":<string>,"k2":<string>,"k3":<string>}` objects in a list up to its `]`: their count, or -1. */
  objects(first: string, second: string, third: string): number {
    let n = 0;
    if (this.text.charCodeAt(this.at) === 93) {
      this.at++;
      return 0;
    }
    for (;;) {
      if (!(this.literal(first) && this.string() && this.literal(second) && this.string())) return -1;
      if (!(this.literal(third) && this.string() && this.literal('}'))) return -1;
      n++;
      if (this.literal(',')) continue;
      return this.literal(']') ? n : -1;
    }
  }

  /** The whole text in recordJson's shape (all of it, nothing after the closing brace). */
  record(): boolean {
    if (!this.literal('{"Dimensions":[')) return false;
    this.dimensions = this.objects('{"Name":', ',"Value":', ',"DimensionValueType":');
    if (this.dimensions < 0) return false;
    if (!(this.literal(',"MeasureName":') && this.string())) return false;
    if (!(this.literal(',"MeasureValueType":') && this.string())) return false;
    if (this.literal(',"MeasureValue":')) {
      if (!this.string()) return false;
      this.measureValue = true;
    }
    if (this.literal(',"MeasureValues":[')) {
      this.measureValues = this.objects('{"Name":', ',"Value":', ',"Type":');
      if (this.measureValues < 0) return false;
    }
    if (!(this.literal(',"Time":') && this.string() && this.literal(',"TimeUnit":') && this.string()))
      return false;
    if (!this.literal(',"Version":')) return false;
    // Digits as JSON writes an integer: no sign, no leading zero (versionOf's and BigInt's reading agree).
    const from = this.at;
    let end = from;
    for (let c = this.text.charCodeAt(end); c >= 48 && c <= 57; c = this.text.charCodeAt(++end));
    if (end === from || (end - from > 1 && this.text.charCodeAt(from) === 48)) return false;
    this.versionEnd = end;
    this.at = end;
    return this.literal('}') && this.at === this.text.length;
  }

  /** The value of the string token `k`, as JSON.parse reads it. */
  value(k: number): string {
    const start = this.tokens[2 * k]!;
    const end = this.tokens[2 * k + 1]!;
    return start < 0
      ? (JSON.parse(this.text.slice(~start, end)) as string)
      : this.text.slice(start + 1, end - 1);
  }
}

const scan = new Scan();

/**
 * Writes a stored record's text as the Ion struct `writeRecordIon` makes of it (inside a block: no endValue) and
 * answers its Version.
 */
export function writeRecordIonOfJson(w: IonWriter, text: string): bigint | number {
  const s = scan;
  s.reset(text);
  if (CONTROL.test(text) || !s.record()) return slowPath(w, text);
  const versionFrom = text.lastIndexOf(':', s.versionEnd) + 1;
  const unit = s.value(s.tokens.length / 2 - 1);
  const places = FRACTION_DIGITS[unit as keyof typeof FRACTION_DIGITS];
  // An unknown unit: the slow path's reading of it, whatever that gives.
  if (places === undefined || !Object.hasOwn(FRACTION_DIGITS, unit)) return slowPath(w, text);
  let k = 0;
  w.stepInStruct();
  w.field('Dimensions');
  w.stepInList();
  for (let d = 0; d < s.dimensions; d++) {
    w.stepInStruct();
    w.field('Name');
    w.string(s.value(k++));
    w.field('Value');
    w.string(s.value(k++));
    w.field('DimensionValueType');
    w.string(s.value(k++));
    w.stepOut();
  }
  w.stepOut();
  w.field('MeasureName');
  w.string(s.value(k++));
  const type = s.value(k++);
  w.field('MeasureValueType');
  w.string(type);
  if (s.measureValue) {
    w.field('MeasureValue');
    writeValue(w, type as never, s.value(k++), unit as never);
  }
  if (s.measureValues >= 0) {
    w.field('MeasureValues');
    w.stepInList();
    for (let m = 0; m < s.measureValues; m++) {
      const name = s.value(k++);
      const value = s.value(k++);
      const valueType = s.value(k++);
      w.stepInStruct();
      w.field('Name');
      w.string(name);
      w.field('Value');
      writeValue(w, valueType as never, value, unit as never);
      w.field('Type');
      w.string(valueType);
      w.stepOut();
    }
    w.stepOut();
  }
  w.field('Time');
  w.timestamp(timestampOfDigits(s.value(k), places));
  w.field('TimeUnit');
  w.string(unit);
  const digits = text.slice(versionFrom, s.versionEnd);
  const version = digits.length <= 15 ? Number(digits) : BigInt(digits);
  w.field('Version');
  w.int(version);
  w.stepOut();
  return version;
}

function slowPath(w: IonWriter, text: string): bigint {
  const record = parseRecordJson(text);
  writeRecordIon(w, record, false);
  return record.Version;
}
