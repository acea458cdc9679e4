/**
 * R-LOCAL-2: request bodies parsed with every integer exact. JSON.parse turns a number beyond 2^53 into the nearest
 * double (record versions are 64-bit: 2^53 + 1 would read as 2^53), and Node 20's JSON.parse gives a reviver no
 * source text. So a body holding a long run of digits outside strings has those integers turned into bigints:
 * each is first quoted with a marker no client can know (a random nonce), then revived. Bodies without one (the
 * usual case: times are strings) take JSON.parse alone.
 */
import { randomBytes } from 'node:crypto';

/** Integers of more than 15 digits may not survive a double. */
const MAYBE_BIG = /[:,[]\s*-?\d{16}/;
/** A string literal (kept as is), or an integer literal of 16+ digits (a whole number: no fraction, no exponent). */
const TOKENS = /"(?:[^"\\]|\\.)*"|(?<=[:,[\s])(-?\d{16,})(?![.eE\d])/g;
const NONCE = randomBytes(12).toString('hex');
/** The marker as it reads once parsed, and as it is written inside a JSON string. */
const MARK = `\u0000bigint:${NONCE}:`;
const MARK_JSON = `\\u0000bigint:${NONCE}:`;

/** JSON.parse, with integers too large for a double as bigints. */
export function parseExactJson(text: string): unknown {
  if (!MAYBE_BIG.test(text)) return JSON.parse(text);
  let marked = false;
  const quoted = text.replace(TOKENS, (token, digits: string | undefined) => {
    if (digits === undefined) return token;
    marked = true;
    return `"${MARK_JSON}${digits}"`;
  });
  if (!marked) return JSON.parse(text);
  return JSON.parse(quoted, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(MARK) ? BigInt(value.slice(MARK.length)) : value,
  );
}

const MARKED_DIGITS = new RegExp(`"${MARK_JSON.replaceAll('\\', '\\\\')}(-?\\d+)"`, 'g');

/** JSON.stringify, with bigints written as plain integer literals (an exact ExistingVersion, R-LOCAL-2). */
export function stringifyExact(value: unknown): string {
  let marked = false;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'bigint') return v;
    marked = true;
    return `${MARK}${v}`;
  });
  return marked ? text.replace(MARKED_DIGITS, '$1') : text;
}
