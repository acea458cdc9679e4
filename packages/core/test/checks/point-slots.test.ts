import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PointSlots } from '../../src/checks/point-slots.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

/** The slots whose occupancy bit disagrees with their tag (non-zero exactly when the slot holds a point). */
function disagreeing(slots: PointSlots): number[] {
  const out: number[] = [];
  const first = slots.start(0);
  let i = first;
  do {
    if (slots.taken(i) !== (slots.word(i, 1) !== 0)) out.push(i);
    i = slots.next(i);
  } while (i !== first);
  return out;
}

describe('PointSlots (R-DUP-1: the duplicate table of point-table.ts)', () => {
  it('probes as a scan of the slots by their tags would, across growth and reserveFor (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer(), fc.integer({ min: -3, max: 3 }), fc.boolean()), {
          maxLength: 2500,
          size: 'max',
        }),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 6, max: 32 }),
        (keys, reserveAt, mask) => {
          const slots = new PointSlots();
          const stored = new Map<string, number>();
          keys.forEach(([low0, high, arena], n) => {
            if (n === reserveAt) slots.reserveFor(keys.length);
            // Few low bits: long probe runs of colliding hashes.
            const low = mask === 32 ? low0 : low0 & ((1 << mask) - 1);
            const id = `${low}:${high}`;
            // Reference: the first slot of the run that holds the hash, else the first slot whose tag is 0.
            let found = false;
            for (let i = slots.start(low); ; i = slots.next(i)) {
              if (slots.word(i, 1) === 0) break;
              if (slots.word(i, 0) === low && slots.high(i) === high) {
                found = true;
                break;
              }
            }
            const probed = slots.probe(low, high);
            if (probed !== found || found !== stored.has(id))
              expect({ n, probed, found }).toBe(stored.has(id));
            if (found) return;
            const end = slots.probeEnd(low);
            if (end < 0 || slots.word(end, 1) !== 0) expect({ n, end }).toBe('an empty slot');
            const at = slots.reserve(end, low, Infinity);
            if (arena) slots.setArena(at, low, high, n);
            else slots.setRow(at, low, high, n & 0xff, n * 1000, n + 1, n & 0xfff);
            stored.set(id, n);
          });
          expect(slots.size).toBe(stored.size);
          const visited = new Set<string>();
          slots.forEach((_i, low, high) => visited.add(`${low}:${high}`));
          expect(visited).toEqual(new Set(stored.keys()));
          expect(disagreeing(slots)).toEqual([]);
        },
      ),
      { numRuns: 60, ...fcOptions },
    );
  });
});
