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

const DoubleSyntax = {
  Invalid: 0,
  /** Finite for sure: no exponent and at most 308 integer digits. */
  Finite: 1,
  /** Well-formed, but may overflow to Infinity: parse to know. */
  Check: 2,
} as const;
type DoubleSyntax = (typeof DoubleSyntax)[keyof typeof DoubleSyntax];

/**
 * R-MEAS-1 DOUBLE grammar `^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`, scanned by hand: most cells need no
 * string-to-number conversion at all (only an exponent or over 308 integer digits can overflow).
 */
function doubleSyntax(text: string): DoubleSyntax {
  const n = text.length;
  let i = 0;
  let c = text.charCodeAt(0);
  if (c === 43 || c === 45) c = text.charCodeAt(++i); // + -
  let intDigits = 0;
  while (c >= 48 && c <= 57) {
    intDigits++;
    c = text.charCodeAt(++i);
  }
  let fracDigits = 0;
  if (c === 46) {
    // .
    c = text.charCodeAt(++i);
    while (c >= 48 && c <= 57) {
      fracDigits++;
      c = text.charCodeAt(++i);
    }
  }
  if (intDigits + fracDigits === 0) return DoubleSyntax.Invalid;
  if (i === n) return intDigits > 308 ? DoubleSyntax.Check : DoubleSyntax.Finite;
  if (c !== 101 && c !== 69) return DoubleSyntax.Invalid; // e E
  c = text.charCodeAt(++i);
  if (c === 43 || c === 45) c = text.charCodeAt(++i);
  let expDigits = 0;
  while (c >= 48 && c <= 57) {
    expDigits++;
    c = text.charCodeAt(++i);
  }
  return expDigits > 0 && i === n ? DoubleSyntax.Check : DoubleSyntax.Invalid;
}

const parseDouble: ValueParser = (text) => {
  const syntax = doubleSyntax(text);
  if (syntax === DoubleSyntax.Finite) return text;
  return syntax === DoubleSyntax.Check && Number.isFinite(Number(text)) ? text : undefined;
};

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
      return doubleSyntax(text) !== DoubleSyntax.Invalid
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
