/**
 * R-METER-1 / R-LIM-1 measure values and names in UTF-8 bytes: utf8ByteLength, which counts short non-ASCII text in
 * JS, equals Buffer.byteLength on any string: ASCII, 2-, 3- and 4-byte chars, lone surrogates (3 bytes, U+FFFD), on
 * either side of the length where it measures natively.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { utf8ByteLength } from '../../src/csv/utf8-byte-length.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

describe('utf8ByteLength (R-METER-1)', () => {
  it('equals Buffer.byteLength for any string, lone surrogates included (property)', () => {
    const unit = fc.oneof(
      fc.integer({ min: 0, max: 0x7f }),
      fc.integer({ min: 0x80, max: 0x7ff }),
      fc.integer({ min: 0x800, max: 0xffff }), // also the surrogates, alone or paired by chance
      fc.constantFrom(0xd800, 0xdbff, 0xdc00, 0xdfff),
    );
    const piece = fc.oneof(
      fc.array(unit, { maxLength: 20 }).map((cs) => String.fromCharCode(...cs)),
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.constantFrom('São Paulo', '東京', '😀', 'a'.repeat(70), 'é'.repeat(65), '\u{10ffff}'),
    );
    const text = fc.array(piece, { maxLength: 8 }).map((p) => p.join(''));
    fc.assert(
      fc.property(text, (t) => {
        expect(utf8ByteLength(t)).toBe(Buffer.byteLength(t, 'utf8'));
      }),
      { numRuns: 3000, ...fcOptions },
    );
  });

  it('counts a pair as 4 bytes and a lone surrogate as 3, at the end of a text too', () => {
    expect(utf8ByteLength('a😀')).toBe(5);
    expect(utf8ByteLength('a\ud83d')).toBe(4);
    expect(utf8ByteLength('\ude00a')).toBe(4);
    expect(utf8ByteLength('\ud83d\ud83d\ude00')).toBe(7);
    expect(utf8ByteLength('東京')).toBe(6);
    expect(utf8ByteLength('')).toBe(0);
  });
});
