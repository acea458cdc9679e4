/**
 * The two readings of a load spilled ahead (load/spill-ahead.ts, issue 16) must see the same rows: a sampled row
 * that differs between them, in place or content, stops the run with DUPLICATES_SOURCE_CHANGED (R-DUP-1), whichever
 * reading gets there second; rows between samples cost nothing.
 */
import { describe, expect, it } from 'vitest';
import type { TimestreamRecord } from '../../src/index.js';
import { AHEAD, MAIN, ReadAgreement } from '../../src/load/spill-ahead.js';
import { sourceOf } from '../dry-run-fixtures.js';

const SAMPLE = 1 << 16;
const source = sourceOf({ 'f.csv': 'x\n' });
const rec = (v: string): TimestreamRecord[] => [{ MeasureName: 'm', MeasureValue: v } as TimestreamRecord];

/** One reading of `rows` rows of one record each; row i at line i + 2, its value from `value`. */
function read(agreement: ReadAgreement, who: number, rows: number, value: (i: number) => string): void {
  for (let i = 0; i < rows; i++) agreement.pass(who, i, rec(value(i)), 'f.csv', i + 2);
}

describe('ReadAgreement (R-DUP-1, issue 16)', () => {
  it('lets two equal readings through, in either order and interleaved', () => {
    const a = new ReadAgreement(0, source);
    read(a, AHEAD, 3 * SAMPLE, String);
    read(a, MAIN, 3 * SAMPLE, String);
    const b = new ReadAgreement(100, source);
    for (let i = 100; i < 3 * SAMPLE; i++) {
      b.pass(MAIN, i, rec(String(i)), 'f.csv', i + 2);
      b.pass(AHEAD, i, rec(String(i)), 'f.csv', i + 2);
    }
  });

  it('stops when a sampled row differs in content, whichever reading comes second', () => {
    for (const [first, second] of [
      [AHEAD, MAIN],
      [MAIN, AHEAD],
    ] as const) {
      const a = new ReadAgreement(0, source);
      read(a, first, 2 * SAMPLE, String);
      expect(() => read(a, second, 2 * SAMPLE, (i) => (i === SAMPLE ? 'changed' : String(i)))).toThrow(
        expect.objectContaining({ code: 'DUPLICATES_SOURCE_CHANGED' }),
      );
    }
  });

  it('stops when a sampled row moved to another line', () => {
    const a = new ReadAgreement(0, source);
    read(a, AHEAD, 2 * SAMPLE, String);
    expect(() => {
      for (let i = 0; i < 2 * SAMPLE; i++) a.pass(MAIN, i, rec(String(i)), 'f.csv', i + 3);
    }).toThrow(expect.objectContaining({ code: 'DUPLICATES_SOURCE_CHANGED' }));
  });
});
