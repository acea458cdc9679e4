/**
 * STYLE rule 13: the journal export's encoders (the package's one Ion writer, src/internal/ion-writer.ts) against
 * ion-js and JSON.parse. For generated journal blocks (every value type and time unit, any text, versions over the
 * whole 64-bit range), ion-js must read our Ion text and Ion binary as values equal to what its own writers make of
 * the same blocks, chunk after chunk; and each JSON line must parse to the block with every digit kept. The seed
 * is printed; FC_SEED=<seed> replays it.
 */
import fc from 'fast-check';
import { loadAll } from 'ion-js';
import { describe, expect, it } from 'vitest';
import { recordJson, revisionHashOf } from '../../src/index.js';
import type { StoredJournalBlock } from '../../src/internal/journal-reader.js';
import { parseExactJson } from '../../src/internal/exact-json.js';
import { blockEncoder } from '../../src/qldb/block-encoders.js';
import { storedRecord } from '../stored-record-arb.js';
import { oracleBlocks, type OracleBlock } from './ion-oracle.js';

const SEED = Number(process.env['FC_SEED'] ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env['TSBATCH_FUZZ_RUNS'] ?? 150);
console.log(`journal block encoders: seed ${SEED} (FC_SEED=${SEED} to repeat)`);

const name = fc.string({ unit: 'binary', minLength: 1, maxLength: 8 });
const hash = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((a) => Buffer.from(a));
const id = fc.stringMatching(/^[0-9A-Za-z]{22}$/);

/** Consecutive blocks of a strand, as the store's reader gives them, and the same blocks for the oracle. */
const blocksArb = fc
  .array(
    fc.record({
      table: name,
      records: fc.array(storedRecord, { minLength: 1, maxLength: 4 }),
      ms: fc.integer({ min: 0, max: 4_102_444_800_000 }),
      tx: id,
      task: fc.option(id, { nil: undefined }),
      hashes: fc.tuple(hash, hash, hash),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((list) =>
    list.map((b, i) => {
      const head = {
        blockAddress: { strandId: 'S'.repeat(22), sequenceNo: i + 1 },
        transactionId: b.tx,
        blockTimestamp: new Date(b.ms),
        blockHash: b.hashes[0],
        entriesHash: b.hashes[1],
        previousBlockHash: b.hashes[2],
        transactionInfo: {
          operation: b.task === undefined ? ('WriteRecords' as const) : ('BatchLoad' as const),
          tableName: b.table,
          ...(b.task !== undefined && { taskId: b.task }),
        },
      };
      const stored: StoredJournalBlock = {
        ...head,
        revisions: b.records.map((r) => ({ tableName: b.table, recordJson: recordJson(r) })),
      };
      const oracle: OracleBlock = {
        ...head,
        revisions: b.records.map((r) => ({
          tableName: b.table,
          record: r,
          hash: revisionHashOf(b.table, recordJson(r)),
        })),
      };
      return { stored, oracle };
    }),
  );

function sameValues(mine: Uint8Array, oracle: Uint8Array): void {
  const a = loadAll(mine);
  const b = loadAll(oracle);
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => {
    if (!v.ionEquals(b[i]!)) expect(JSON.stringify(v)).toBe(JSON.stringify(b[i]));
    expect(v.ionEquals(b[i]!)).toBe(true);
  });
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

describe('the journal export encoders equal ion-js and JSON.parse (R-QLDB-4, STYLE rule 13)', () => {
  it('writes Ion text that ion-js reads as its own writer’s blocks, also two chunks one after the other', () => {
    const encode = blockEncoder('ION_TEXT');
    fc.assert(
      fc.property(blocksArb, blocksArb, (a, b) => {
        const mine = Buffer.concat([encode(a.map((x) => x.stored)), encode(b.map((x) => x.stored))]);
        const oracle = `${text(
          oracleBlocks(
            'ION_TEXT',
            a.map((x) => x.oracle),
          ),
        )}\n${text(
          oracleBlocks(
            'ION_TEXT',
            b.map((x) => x.oracle),
          ),
        )}`;
        sameValues(mine, Buffer.from(oracle));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('writes Ion binary that ion-js reads as the same blocks, also two chunks one after the other', () => {
    const encode = blockEncoder('ION_BINARY');
    fc.assert(
      fc.property(blocksArb, blocksArb, (a, b) => {
        const mine = Buffer.concat([encode(a.map((x) => x.stored)), encode(b.map((x) => x.stored))]);
        expect([...mine.subarray(0, 4)]).toEqual([0xe0, 0x01, 0x00, 0xea]);
        // ion-js's text writer is the oracle of values: its binary writer misplaces a nanosecond timestamp just
        // before 1970 (1969-12-31T23:59:59.999999999Z comes back as 1970-01-01T00:00:59.999999999Z).
        const oracle = `${text(
          oracleBlocks(
            'ION_TEXT',
            a.map((x) => x.oracle),
          ),
        )}\n${text(
          oracleBlocks(
            'ION_TEXT',
            b.map((x) => x.oracle),
          ),
        )}`;
        sameValues(mine, Buffer.from(oracle));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('writes each block as one JSON line that parses to the block, versions exact (R-QLDB-4 JSON)', () => {
    const encode = blockEncoder('JSON');
    fc.assert(
      fc.property(blocksArb, (blocks) => {
        const lines = text(encode(blocks.map((x) => x.stored))).split('\n');
        expect(lines.pop()).toBe('');
        expect(lines).toHaveLength(blocks.length);
        lines.forEach((line, i) => {
          const b = blocks[i]!.oracle;
          const time = b.blockTimestamp.toISOString();
          // parseExactJson keeps every digit of a 64-bit Version (JSON.parse would round it to a double).
          expect(parseExactJson(line)).toEqual({
            blockAddress: b.blockAddress,
            transactionId: b.transactionId,
            blockTimestamp: time,
            blockHash: b.blockHash.toString('base64'),
            entriesHash: b.entriesHash.toString('base64'),
            previousBlockHash: b.previousBlockHash.toString('base64'),
            transactionInfo: b.transactionInfo,
            revisions: b.revisions.map((r) => ({
              hash: r.hash.toString('base64'),
              data: parseExactJson(recordJson(r.record)),
              metadata: {
                tableName: r.tableName,
                version: (parseExactJson(`[${r.record.Version}]`) as unknown[])[0],
                txTime: time,
                txId: b.transactionId,
              },
            })),
          });
        });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
