/**
 * The tokenizer's byte offsets of non-ASCII text (R-CSV-5/6: row offsets, maxRowBytes): the native span measure
 * equals the char-by-char count on any text decoded from valid UTF-8, cut anywhere (also inside a surrogate pair).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { unitBytes, wellFormedSpanBytes } from '../../src/csv/utf8-byte-length.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

function charByChar(text: string, from: number, to: number): number {
  let bytes = 0;
  for (let k = from; k < to; k++) bytes += unitBytes(text.charCodeAt(k));
  return bytes;
}

describe('wellFormedSpanBytes (R-CSV-2 text)', () => {
  it('equals the char-by-char count for any span of well-formed text (property)', () => {
    const piece = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.constantFrom('é', '東京', '😀', 'a,b\n', '\u0800', '\uffff', '\u{10ffff}', '\u07ff'),
    );
    const text = fc.array(piece, { minLength: 1, maxLength: 12 }).map((p) => p.join(''));
    fc.assert(
      fc.property(text, fc.nat(), fc.nat(), (t, a, b) => {
        fc.pre(t.length >= 2);
        const from = a % (t.length - 1);
        const to = from + 2 + (b % (t.length - from - 1));
        expect(Buffer.from(t, 'utf8').toString('utf8')).toBe(t); // well-formed: no lone surrogate
        expect(wellFormedSpanBytes(t, from, to)).toBe(charByChar(t, from, to));
      }),
      { numRuns: 2000, ...fcOptions },
    );
  });

  it('counts the halves of a pair cut at either end as 2 bytes each', () => {
    const t = 'a😀b😀c';
    // [2, 5): a low half, b, a high half: 2 + 1 + 2 bytes
    expect(wellFormedSpanBytes(t, 2, 5)).toBe(5);
    expect(wellFormedSpanBytes(t, 0, t.length)).toBe(Buffer.byteLength(t, 'utf8'));
  });
});
