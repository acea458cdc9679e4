/**
 * Defensive reads of untrusted JSON. Only own properties are read, so `__proto__`, `constructor` and objects
 * without a prototype behave like any other key, and nothing here walks a value deeper than it was asked to.
 */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The key is there with a defined value (presence, whatever its type). */
export function has(obj: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key) && obj[key] !== undefined;
}

export function member(obj: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

export function stringMember(obj: JsonObject, key: string): string | undefined {
  const value = member(obj, key);
  return typeof value === 'string' ? value : undefined;
}

export function objectMember(obj: JsonObject, key: string): JsonObject | undefined {
  const value = member(obj, key);
  return isObject(value) ? value : undefined;
}

export function arrayMember(obj: JsonObject, key: string): unknown[] | undefined {
  const value = member(obj, key);
  return Array.isArray(value) ? value : undefined;
}

/** One JSON Pointer segment (RFC 6901): `~` -> `~0`, `/` -> `~1`. */
export function escapePointerSegment(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointer(base: string, ...segments: (string | number)[]): string {
  let out = base;
  for (const segment of segments) out += `/${escapePointerSegment(segment)}`;
  return out;
}

/** A short description of a value for a message: never walks into objects, never prints more than a few chars. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/** The kind of a value as JSON Schema names it. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** JSON-quotes a string, shortened past `max` characters. */
export function quote(text: string, max = 60): string {
  // Only the head is split into characters (2 * max UTF-16 units hold at least max of them), so a 10 MB string
  // costs no 10-million-element array (issue 7, hostile task files).
  const chars = Array.from(text.length > 2 * max ? text.slice(0, 2 * max) : text);
  return chars.length > max || text.length > 2 * max
    ? `${JSON.stringify(chars.slice(0, max).join(''))}…`
    : JSON.stringify(text);
}

/** The length of a string in characters (code points), as JSON Schema counts it, without splitting it. */
export function characterCount(text: string): number {
  // A surrogate pair is one character; the regex scan is native, so a 10 MB string costs no array of characters.
  return text.length - (text.match(SURROGATE_PAIR)?.length ?? 0);
}

const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;
