/**
 * The parse failures of the row mapper (SPEC section 4). Reasons carry no cell value, so that consecutive rows
 * failing the same way merge into one line range (R-REP-2); details name the column and the value.
 */
import type { Failure, ParseFailureCode } from '../failure.js';

export const MAP_REASONS = {
  TIME_NULL: 'Time value is null',
  TIME_INVALID: "Time value is not a non-negative integer in the task's TimeUnit",
  TIME_OUT_OF_RANGE: 'Time value is beyond the signed 64-bit nanosecond range',
  DIMENSIONS_ALL_NULL: 'At least one dimension is required',
  MEASURES_ALL_NULL: 'At least one measure value is required',
  MEASURE_NAME_NULL: 'Measure name is null',
  MEASURE_NAME_UNMAPPED: 'Measure name matches no measure mapping',
} as const satisfies Partial<Record<ParseFailureCode, string>>;

/** Longest cell text quoted in a detail; longer text is cut (a row may hold up to 16 MB, R-CSV-6). */
const MAX_QUOTED = 80;

/** A cell value as it appears in a detail: JSON-quoted, cut to a readable length. */
export function quoteValue(text: string): string {
  if (text.length <= MAX_QUOTED) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, MAX_QUOTED))}… (${text.length} characters)`;
}

export function parseFailure(
  code: ParseFailureCode,
  reason: string,
  detail: string,
  column?: string,
): Failure {
  return column === undefined
    ? { kind: 'parse', code, reason, detail }
    : { kind: 'parse', code, reason, detail, column };
}
