/**
 * R-MEAS-1: one parser per measure value type, chosen once per attribute when the task is compiled. A parser
 * returns the text to write (the cell's own text; BOOLEAN lower-cased) or `undefined` when the cell is not a
 * value of that type. Cells reaching a parser are never null (R-CSV-7 is applied first).
 */
import type { ScalarMeasureValueType, TimeUnit } from '../task.js';
import {
  compareDigitsFrom,
  INT64_MAX_DIGITS,
  INT64_MIN_MAGNITUDE_DIGITS,
  isDigitsFrom,
} from './map-digits.js';
import { MAX_TIME_DIGITS } from './map-time.js';

export type ValueParser = (text: string) => string | undefined;

/** R-MEAS-1 DOUBLE grammar; finiteness is checked separately. `\d` is ASCII-only without the `u` flag. */
const DOUBLE_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

const parseDouble: ValueParser = (text) =>
  DOUBLE_PATTERN.test(text) && Number.isFinite(Number(text)) ? text : undefined;

function bigintStatus(text: string): 'ok' | 'syntax' | 'range' {
  const c = text.charCodeAt(0);
  const negative = c === 45; // '-'
  const from = negative || c === 43 ? 1 : 0; // '+'
  if (!isDigitsFrom(text, from)) return 'syntax';
  // R-MEAS-1: within signed 64-bit, decided on the digits (no BigInt per row).
  if (text.length - from < 19) return 'ok';
  const limit = negative ? INT64_MIN_MAGNITUDE_DIGITS : INT64_MAX_DIGITS;
  return compareDigitsFrom(text, from, limit) <= 0 ? 'ok' : 'range';
}

const parseBigint: ValueParser = (text) => (bigintStatus(text) === 'ok' ? text : undefined);

/** R-MEAS-1 [choice]: `true`/`false` in any letter case, written lower-case. */
const parseBoolean: ValueParser = (text) => {
  const n = text.length;
  if (n === 4) return text.toLowerCase() === 'true' ? 'true' : undefined;
  if (n === 5) return text.toLowerCase() === 'false' ? 'false' : undefined;
  return undefined;
};

const parseVarchar: ValueParser = (text) => text;

function timestampParser(unit: TimeUnit): ValueParser {
  const max = MAX_TIME_DIGITS[unit];
  // R-MEAS-1 [choice]: a TIMESTAMP attribute is read like the time column (R-TIME-1), in the task's TimeUnit.
  return (text) => (isDigitsFrom(text, 0) && compareDigitsFrom(text, 0, max) <= 0 ? text : undefined);
}

export function valueParser(type: ScalarMeasureValueType, unit: TimeUnit): ValueParser {
  switch (type) {
    case 'DOUBLE':
      return parseDouble;
    case 'BIGINT':
      return parseBigint;
    case 'BOOLEAN':
      return parseBoolean;
    case 'VARCHAR':
      return parseVarchar;
    case 'TIMESTAMP':
      return timestampParser(unit);
  }
}

/** The failure reason per type: no cell value in it, so that consecutive rows merge in the error report (R-REP-2). */
export function invalidValueReason(type: ScalarMeasureValueType): string {
  return `Value is not a valid ${type}`;
}

/** Why `text` is not a `type`, for the failure detail (off the hot path). */
export function explainInvalidValue(type: ScalarMeasureValueType, text: string, unit: TimeUnit): string {
  switch (type) {
    case 'DOUBLE':
      return DOUBLE_PATTERN.test(text)
        ? 'overflows a 64-bit floating-point number'
        : 'is not a decimal number (digits, optional sign, point and exponent)';
    case 'BIGINT':
      return bigintStatus(text) === 'range'
        ? 'is outside the signed 64-bit range [-9223372036854775808, 9223372036854775807]'
        : 'is not an integer (digits with an optional sign)';
    case 'BOOLEAN':
      return 'is neither true nor false';
    case 'VARCHAR':
      return 'is not text';
    case 'TIMESTAMP':
      return isDigitsFrom(text, 0)
        ? `is after the last instant a signed 64-bit count of nanoseconds can hold (${MAX_TIME_DIGITS[unit]} in ${unit})`
        : `is not a non-negative integer count of ${unit} since the Unix epoch`;
  }
}
