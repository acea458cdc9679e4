/**
 * Digit-string arithmetic for the per-row path (STYLE rule 8): integers are checked and compared as text, never
 * through BigInt or floating point, so that every value of a signed 64-bit range is exact.
 */

/** 2^63 - 1: the largest BIGINT, and the largest instant in nanoseconds (R-TIME-1, R-MEAS-1). */
export const INT64_MAX_DIGITS = '9223372036854775807';
/** 2^63: the magnitude of the smallest BIGINT (R-MEAS-1). */
export const INT64_MIN_MAGNITUDE_DIGITS = '9223372036854775808';

/** True when `text[from..]` is one or more ASCII digits. */
export function isDigitsFrom(text: string, from: number): boolean {
  const n = text.length;
  if (from >= n) return false;
  for (let i = from; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Compares the digits `a[aFrom..]` with the digits `b` (no sign, leading zeros allowed in both) numerically.
 * Both must be digits only; callers check that first.
 */
export function compareDigitsFrom(a: string, aFrom: number, b: string): -1 | 0 | 1 {
  let i = aFrom;
  const aEnd = a.length;
  while (i < aEnd - 1 && a.charCodeAt(i) === 48) i++;
  let j = 0;
  const bEnd = b.length;
  while (j < bEnd - 1 && b.charCodeAt(j) === 48) j++;
  const aLen = aEnd - i;
  const bLen = bEnd - j;
  if (aLen !== bLen) return aLen < bLen ? -1 : 1;
  for (; i < aEnd; i++, j++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (ca !== cb) return ca < cb ? -1 : 1;
  }
  return 0;
}

/** `digits` without its leading zeros (`"0"` for zero). Allocates only when there are leading zeros. */
export function stripLeadingZeros(digits: string): string {
  if (digits.length < 2 || digits.charCodeAt(0) !== 48) return digits;
  let i = 0;
  while (i < digits.length - 1 && digits.charCodeAt(i) === 48) i++;
  return digits.slice(i);
}
