/**
 * [choice] Non-ASCII text longer than this (from its first non-ASCII char on) is measured natively; shorter text,
 * the common dimension value or VARCHAR, by counting its chars here: a call to Buffer.byteLength cost more than the
 * whole count on the utf8 shape's values (about 30 against 18 ns a value).
 */
const NATIVE_TEXT = 64;

/**
 * UTF-8 byte length of a string, as Buffer.byteLength(text, 'utf8') (a lone surrogate is the 3 bytes of U+FFFD),
 * property-tested equal to it. ASCII strings (the common case) and short other ones are measured without leaving JS.
 */
export function utf8ByteLength(text: string): number {
  const n = text.length;
  let i = 0;
  while (i < n && text.charCodeAt(i) < 0x80) i++;
  if (i === n) return n;
  if (n - i > NATIVE_TEXT) return Buffer.byteLength(text, 'utf8');
  let bytes = n;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c < 0xd800 || c > 0xdfff) bytes += 2;
    else if (c <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a surrogate pair: 4 bytes for its 2 chars
      i++;
    } else bytes += 2; // a lone surrogate: U+FFFD, 3 bytes
  }
  return bytes;
}

/** UTF-8 bytes of one UTF-16 unit as the tokenizer counts them: a surrogate is half of a 4-byte sequence. */
export function unitBytes(c: number): number {
  return c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdfff ? 2 : 3;
}

/**
 * The sum of unitBytes over text[from, to) (to - from >= 2), measured natively, for text decoded from valid UTF-8
 * (no lone surrogate: Buffer.byteLength counts one as 3 bytes). A surrogate pair cut by an end of the span counts
 * its half there as 2 bytes, as unitBytes does. Property-tested equal to the sum of unitBytes.
 */
export function wellFormedSpanBytes(text: string, from: number, to: number): number {
  let bytes = Buffer.byteLength(text.substring(from, to), 'utf8');
  const first = text.charCodeAt(from);
  if (first >= 0xdc00 && first <= 0xdfff) bytes--; // the low half of a pair begun before the span
  const last = text.charCodeAt(to - 1);
  if (last >= 0xd800 && last <= 0xdbff) bytes--; // the high half of a pair ended after it
  return bytes;
}

/**
 * utf8ByteLength of text[from, to) for text decoded from valid UTF-8 (no lone surrogate), cut at ASCII chars (a
 * cell span: a surrogate pair is never cut): the sum of unitBytes, without a substring.
 */
export function spanUtf8Bytes(text: string, from: number, to: number): number {
  let bytes = 0;
  for (let i = from; i < to; i++) bytes += unitBytes(text.charCodeAt(i));
  return bytes;
}
