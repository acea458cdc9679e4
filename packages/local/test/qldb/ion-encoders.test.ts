/**
 * STYLE rule 13: the export's hand-written Ion encoders against ion-js. For generated journal blocks (every value type
 * and time unit, any text), ion-js must read the hand-written Ion text and Ion binary as values equal to what its own
 * writers make of the same blocks, chunk after chunk. The seed is printed on failure; FC_SEED=<seed> replays it.
 */
import fc from 'fast-check';
import { loadAll } from 'ion-js';
import { describe, expect, it } from 'vitest';
import type { TimestreamRecord } from '@tsbatch/core';
import { GENESIS_HASH, revisionHashInput, sealBlock, type JournalBlock } from '../../src/index.js';
import { ionBinaryBlocks } from '../../src/qldb/ion-binary-block.js';
import { ionTextBlock } from '../../src/qldb/ion-text-block.js';
import { canonicalRecordJson } from '../../src/qldb/journal-block.js';
import { oracleBlocks } from './ion-oracle.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };
const UNITS = ['SECONDS', 'MILLISECONDS', 'MICROSECONDS', 'NANOSECONDS'] as const;
const NANOS = { SECONDS: 1_000_000_000n, MILLISECONDS: 1_000_000n, MICROSECONDS: 1_000n, NANOSECONDS: 1n };
/** Any text without lone surrogates (they have no UTF-8 form, so neither Ion writer can keep them). */
const text = fc.string({ unit: 'binary', maxLength: 12 });
const name = fc.string({ unit: 'binary', minLength: 1, maxLength: 8 });
const doubleText = fc
  .tuple(
    fc.constantFrom('', '-', '+'),
    fc.stringMatching(/^\d{1,12}$/),
    fc.option(fc.stringMatching(/^\d{0,6}$/)),
    fc.option(fc.integer({ min: -30, max: 30 })),
  )
  .map(([s, i, f, e]) => `${s}${i}${f === null ? '' : `.${f}`}${e === null ? '' : `e${e}`}`);
const typedValue = fc.oneof(
  doubleText.map((v) => ({ Type: 'DOUBLE' as const, Value: v })),
  fc
    .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
    .map((v) => ({ Type: 'BIGINT' as const, Value: String(v) })),
  fc.constantFrom('true', 'false', 'TRUE', 'False').map((v) => ({ Type: 'BOOLEAN' as const, Value: v })),
  text.map((v) => ({ Type: 'VARCHAR' as const, Value: v })),
);

const recordArb = fc
  .record({
    unit: fc.constantFrom(...UNITS),
    // 1677..2262, every instant an int64 of nanoseconds can be (R-TIME-1), in whole units.
    nanos: fc.bigInt({ min: -(2n ** 63n) + 1n, max: 2n ** 63n - 1n }),
    dims: fc.array(fc.record({ Name: name, Value: text }), { minLength: 1, maxLength: 3 }),
    measure: name,
    version: fc.oneof(
      fc.integer({ min: 1, max: 2 ** 31 }),
      fc.maxSafeNat().map((v) => Math.max(1, v)),
      fc.constant(2 ** 48),
    ),
    single: fc.option(typedValue),
    multi: fc.array(
      fc.record({
        Name: name,
        v: fc.oneof(
          typedValue,
          fc
            .bigInt({ min: 0n, max: 2n ** 62n })
            .map((n) => ({ Type: 'TIMESTAMP' as const, Value: String(n) })),
        ),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map((r): TimestreamRecord => {
    const time = String(r.nanos / NANOS[r.unit]);
    const base = {
      Dimensions: r.dims.map((d) => ({ ...d, DimensionValueType: 'VARCHAR' as const })),
      MeasureName: r.measure,
      Time: time,
      TimeUnit: r.unit,
      Version: r.version,
    };
    if (r.single !== null) return { ...base, MeasureValueType: r.single.Type, MeasureValue: r.single.Value };
    return {
      ...base,
      MeasureValueType: 'MULTI',
      // A TIMESTAMP value was drawn in nanoseconds: in the record's unit it is a valid instant (R-TIME-1).
      MeasureValues: r.multi.map((m) => ({
        Name: m.Name,
        Value: m.v.Type === 'TIMESTAMP' ? String(BigInt(m.v.Value) / NANOS[r.unit]) : m.v.Value,
        Type: m.v.Type,
      })),
    };
  });

const blocksArb = fc
  .array(
    fc.record({
      revisions: fc.array(fc.record({ tableName: name, record: recordArb }), { minLength: 1, maxLength: 4 }),
      ms: fc.integer({ min: 0, max: 4_102_444_800_000 }),
      task: fc.option(fc.stringMatching(/^[A-Za-z0-9]{1,22}$/)),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((list) => {
    let previous = GENESIS_HASH;
    return list.map((b, i): JournalBlock => {
      const block = sealBlock(previous, {
        blockAddress: { strandId: 'S'.repeat(22), sequenceNo: i + 1 },
        transactionId: `T${i}`.padEnd(22, 'x'),
        blockTimestamp: new Date(b.ms),
        transactionInfo:
          b.task === null ? { operation: 'WriteRecords' } : { operation: 'BatchLoadTask', taskId: b.task },
        revisions: b.revisions,
      });
      previous = block.blockHash;
      return block;
    });
  });

function sameValues(mine: Uint8Array | string, oracle: Uint8Array): void {
  const a = loadAll(mine);
  const b = loadAll(oracle);
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => {
    if (!v.ionEquals(b[i]!)) expect(JSON.stringify(v)).toBe(JSON.stringify(b[i]));
    expect(v.ionEquals(b[i]!)).toBe(true);
  });
}

describe('hand-written Ion encoders of journal blocks (R-QLDB-4, STYLE rule 13)', () => {
  it('writes Ion text that ion-js reads as its own writer’s blocks', () => {
    fc.assert(
      fc.property(blocksArb, (blocks) =>
        sameValues(blocks.map(ionTextBlock).join(''), oracleBlocks('ION_TEXT', blocks)),
      ),
      { ...fcOptions, numRuns: 150 },
    );
  });

  it('writes Ion binary that ion-js reads as the same blocks, also two chunks one after the other', () => {
    fc.assert(
      fc.property(blocksArb, blocksArb, (a, b) => {
        const mine = Buffer.concat([ionBinaryBlocks(a), ionBinaryBlocks(b)]);
        // ion-js's text writer is the oracle of values: its binary writer misplaces a nanosecond timestamp just before
        // 1970 (1969-12-31T23:59:59.999999999Z comes back as 1970-01-01T00:00:59.999999999Z), which ours does not.
        const oracle = Buffer.from(
          `${Buffer.from(oracleBlocks('ION_TEXT', a)).toString()}\n${Buffer.from(oracleBlocks('ION_TEXT', b)).toString()}`,
        );
        sameValues(mine, oracle);
      }),
      { ...fcOptions, numRuns: 150 },
    );
  });

  it('builds the canonical record JSON by hand exactly as JSON.stringify of the members in order (R-QLDB-2)', () => {
    fc.assert(
      fc.property(recordArb, name, (r, table): void => {
        const ordered = {
          tableName: table,
          Dimensions: r.Dimensions.map((d) => ({
            Name: d.Name,
            Value: d.Value,
            DimensionValueType: d.DimensionValueType,
          })),
          MeasureName: r.MeasureName,
          MeasureValueType: r.MeasureValueType,
          ...(r.MeasureValue !== undefined && { MeasureValue: r.MeasureValue }),
          ...(r.MeasureValues !== undefined && {
            MeasureValues: r.MeasureValues.map((v) => ({ Name: v.Name, Value: v.Value, Type: v.Type })),
          }),
          Time: r.Time,
          TimeUnit: r.TimeUnit,
          Version: r.Version,
        };
        expect(revisionHashInput(table, r)).toBe(JSON.stringify(ordered));
        const { tableName: _table, ...members } = ordered;
        expect(canonicalRecordJson(r)).toBe(JSON.stringify(members));
      }),
      { ...fcOptions, numRuns: 200 },
    );
  });
});
