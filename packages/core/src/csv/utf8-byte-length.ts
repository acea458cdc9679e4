/** UTF-8 byte length of a string. ASCII strings (the common case) are measured without leaving JS. */
export function utf8ByteLength(text: string): number {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    if (text.charCodeAt(i) >= 0x80) return Buffer.byteLength(text, 'utf8');
  }
  return n;
}
