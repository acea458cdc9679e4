/** UTF-8 byte length of a string. ASCII strings (the common case) are measured without leaving JS. */
export function utf8ByteLength(text: string): number {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    if (text.charCodeAt(i) >= 0x80) return Buffer.byteLength(text, 'utf8');
  }
  return n;
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
