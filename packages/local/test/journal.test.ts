import { cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateBatchLoadTaskCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  DescribeBatchLoadTaskCommand,
  WriteRecordsCommand,
  type _Record,
  type CreateBatchLoadTaskCommandInput,
} from '@aws-sdk/client-timestream-write';
import { describe, expect, it } from 'vitest';
import {
  FIRST_SEQUENCE_NO,
  GENESIS_HASH,
  readJournal,
  recordJson,
  verifyJournalBlock,
  type JournalBlock,
  type StoredRecord,
} from '../src/index.js';
import { failure, startTestServer, tempDir, type TestServer } from './helpers.js';

const NOW = new Date('2024-05-01T01:00:00.000Z');
const ALL = { start: new Date(0), end: new Date(NOW.getTime() + 1) };
const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');

function rec(host: string, value: string, version = 1): _Record {
  return {
    Dimensions: [{ Name: 'host', Value: host }],
    MeasureName: 'cpu',
    MeasureValue: value,
    MeasureValueType: 'DOUBLE',
    Time: String(NOW.getTime() - 1000),
    Version: version,
  };
}

async function setUp(t: TestServer, database: string, tables: string[]): Promise<void> {
  await t.client.send(new CreateDatabaseCommand({ DatabaseName: database }));
  for (const table of tables) {
    await t.client.send(new CreateTableCommand({ DatabaseName: database, TableName: table }));
  }
}

function write(t: TestServer, database: string, table: string, records: _Record[]) {
  return t.client.send(
    new WriteRecordsCommand({ DatabaseName: database, TableName: table, Records: records }),
  );
}

async function blocksOf(source: AsyncIterable<JournalBlock>): Promise<JournalBlock[]> {
  const out: JournalBlock[] = [];
  for await (const b of source) out.push(b);
  return out;
}

/** Every block's hashes hold, and each chains to the one before it, from the genesis hash. */
function chainHolds(blocks: JournalBlock[]): boolean {
  let previous = GENESIS_HASH;
  return blocks.every((b, i) => {
    const ok = b.blockAddress.sequenceNo === FIRST_SEQUENCE_NO + i && verifyJournalBlock(b, previous);
    previous = b.blockHash;
    return ok;
  });
}

describe('the journal of committed writes (R-QLDB-2)', () => {
  it('holds one block per WriteRecords call, in commit order, whose revisions are exactly the records stored', async () => {
    const t = await startTestServer({ clock: () => NOW });
    try {
      await setUp(t, 'ledger', ['a_table', 'b_table']);
      await write(t, 'ledger', 'a_table', [rec('h1', '1'), rec('h2', '2')]);
      // Rejected (other values at the same version): not a revision; the rest of the call is.
      const e = await failure(write(t, 'ledger', 'a_table', [rec('h1', '9'), rec('h3', '3')]));
      expect(e.name).toBe('RejectedRecordsException');
      await write(t, 'ledger', 'b_table', [rec('h1', '5', 2)]);
      // An identical re-write stores nothing, so it makes no block; a higher version does.
      await write(t, 'ledger', 'a_table', [rec('h2', '2')]);
      await write(t, 'ledger', 'a_table', [rec('h2', '7', 3)]);

      const blocks = await blocksOf(t.server.store.journal('ledger', ALL));
      expect(
        blocks.map((b) => [
          b.transactionInfo,
          b.revisions.map((r) => [r.tableName, r.record.MeasureValue, r.version]),
        ]),
      ).toEqual([
        [
          { operation: 'WriteRecords', tableName: 'a_table' },
          [
            ['a_table', '1', 1n],
            ['a_table', '2', 1n],
          ],
        ],
        [{ operation: 'WriteRecords', tableName: 'a_table' }, [['a_table', '3', 1n]]],
        [{ operation: 'WriteRecords', tableName: 'b_table' }, [['b_table', '5', 2n]]],
        [{ operation: 'WriteRecords', tableName: 'a_table' }, [['a_table', '7', 3n]]],
      ]);
      const strand = t.server.store.ledgerId('ledger');
      expect(strand).toMatch(/^[0-9A-Za-z]{22}$/);
      expect(blocks.every((b) => b.blockAddress.strandId === strand)).toBe(true);
      expect(blocks.every((b) => /^[0-9A-Za-z]{22}$/.test(b.transactionId))).toBe(true);
      expect(blocks.every((b) => b.blockTimestamp.getTime() === NOW.getTime())).toBe(true);
      expect(chainHolds(blocks)).toBe(true);
      // A revision is the record as stored: its text is the store's (the bytes entriesHash covers).
      for (const b of blocks) for (const r of b.revisions) expect(r.recordJson).toBe(recordJson(r.record));
      // Every stored record is a revision of some block (the journal holds what was committed).
      const stored: StoredRecord[] = [];
      for await (const r of t.server.store.records('ledger', 'a_table')) stored.push(r);
      const revisions = blocks.flatMap((b) => b.revisions).filter((r) => r.tableName === 'a_table');
      for (const r of stored) expect(revisions.map((x) => x.recordJson)).toContain(recordJson(r));
    } finally {
      await t.close();
    }
  });

  it('keeps a strand per database, selects blocks by blockTimestamp in [start, end), and survives a restart', async () => {
    let now = new Date('2024-05-01T00:00:00.000Z');
    const dataDir = tempDir();
    const t = await startTestServer({ dataDir, clock: () => now });
    await setUp(t, 'first', ['tbl']);
    await setUp(t, 'second', ['tbl']);
    for (let i = 0; i < 5; i++) {
      now = new Date(Date.parse('2024-05-01T00:00:00.000Z') + i * 60_000);
      await write(t, 'first', 'tbl', [{ ...rec(`h${i}`, String(i)), Time: String(now.getTime() - 1000) }]);
    }
    await write(t, 'second', 'tbl', [{ ...rec('x', '1'), Time: String(now.getTime() - 1000) }]);
    const all = await blocksOf(t.server.store.journal('first', ALL));
    await t.close();

    const again = await startTestServer({ dataDir, clock: () => now });
    try {
      expect(await blocksOf(again.server.store.journal('first', ALL))).toEqual(all);
      const second = await blocksOf(again.server.store.journal('second', ALL));
      expect(second.map((b) => b.blockAddress.sequenceNo)).toEqual([1]);
      expect(second[0]!.blockAddress.strandId).not.toBe(all[0]!.blockAddress.strandId);
      const range = {
        start: new Date('2024-05-01T00:01:00.000Z'),
        end: new Date('2024-05-01T00:03:00.000Z'),
      };
      const some = await blocksOf(again.server.store.journal('first', range));
      expect(some.map((b) => b.blockAddress.sequenceNo)).toEqual([2, 3]);
      // The chain goes on across the restart.
      now = new Date('2024-05-01T00:10:00.000Z');
      await write(again, 'first', 'tbl', [{ ...rec('late', '1'), Time: String(now.getTime() - 1000) }]);
      const after = await blocksOf(
        again.server.store.journal('first', { start: new Date(0), end: new Date(now.getTime() + 1) }),
      );
      expect(after).toHaveLength(6);
      expect(chainHolds(after)).toBe(true);
      // The same blocks read from the data folder by another reader while the server runs.
      expect(
        await blocksOf(
          readJournal(dataDir, 'first', { start: new Date(0), end: new Date(now.getTime() + 1) }),
        ),
      ).toEqual(after);
    } finally {
      await again.close();
    }
  });

  it('gives each call its own block when many are committed together (group commit)', async () => {
    const t = await startTestServer({ clock: () => NOW });
    try {
      await setUp(t, 'busy', ['tbl']);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => write(t, 'busy', 'tbl', [rec(`h${i}`, '1'), rec(`g${i}`, '2')])),
      );
      const blocks = await blocksOf(t.server.store.journal('busy', ALL));
      expect(blocks).toHaveLength(20);
      expect(blocks.every((b) => b.revisions.length === 2)).toBe(true);
      expect(new Set(blocks.map((b) => b.revisions[0]!.record.Dimensions[0]!.Value.slice(1))).size).toBe(20);
      expect(chainHolds(blocks)).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('streams a long journal without holding up WriteRecords, and leaves out blocks committed after it began', async () => {
    const t = await startTestServer({ clock: () => NOW });
    try {
      await setUp(t, 'long', ['tbl']);
      for (let i = 0; i < 200; i++) await write(t, 'long', 'tbl', [rec(`h${i}`, '1')]);
      const reading = t.server.store.journal('long', ALL);
      const first = await reading.next();
      expect(first.value?.blockAddress.sequenceNo).toBe(1);
      // Writes go on while the read is under way, and are answered before it ends.
      await write(t, 'long', 'tbl', [rec('during', '1')]);
      const rest = await blocksOf(reading);
      expect(rest).toHaveLength(199);
      expect(rest.some((b) => b.revisions[0]!.record.Dimensions[0]!.Value === 'during')).toBe(false);
      expect(await blocksOf(t.server.store.journal('long', ALL))).toHaveLength(201);
    } finally {
      await t.close();
    }
  });

  it('holds a block per chunk a batch-load task commits, with its task id (R-TASK-1)', async () => {
    const s3Root = tempDir('tsbatch-s3-');
    cpSync(path.join(EXAMPLES, 'fleet/s3'), s3Root, { recursive: true });
    const t = await startTestServer({ s3Root, clock: () => NOW });
    try {
      const task = JSON.parse(
        readFileSync(path.join(EXAMPLES, 'fleet/task.json'), 'utf8'),
      ) as CreateBatchLoadTaskCommandInput;
      await t.client.send(new CreateDatabaseCommand({ DatabaseName: task.TargetDatabaseName }));
      await t.client.send(
        new CreateTableCommand({
          DatabaseName: task.TargetDatabaseName,
          TableName: task.TargetTableName,
          RetentionProperties: {
            MemoryStoreRetentionPeriodInHours: 1,
            MagneticStoreRetentionPeriodInDays: 3650,
          },
          MagneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
        }),
      );
      const { TaskId } = await t.client.send(new CreateBatchLoadTaskCommand(task));
      await t.server.idle();
      const d = await t.client.send(new DescribeBatchLoadTaskCommand({ TaskId }));
      expect(d.BatchLoadTaskDescription?.TaskStatus).toBe('SUCCEEDED');
      const blocks = await blocksOf(t.server.store.journal(task.TargetDatabaseName!, ALL));
      expect(blocks.map((b) => b.transactionInfo)).toEqual([
        { operation: 'BatchLoad', tableName: task.TargetTableName, taskId: TaskId },
      ]);
      const stored: string[] = [];
      for await (const r of t.server.store.records(task.TargetDatabaseName!, task.TargetTableName!)) {
        stored.push(recordJson(r));
      }
      expect(blocks[0]!.revisions.map((r) => r.recordJson)).toEqual(stored);
      expect(stored).toHaveLength(12);
      expect(chainHolds(blocks)).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('refuses the journal of a database that does not exist', async () => {
    const t = await startTestServer();
    try {
      expect(() => t.server.store.journal('nope', ALL)).toThrow('The database nope does not exist.');
    } finally {
      await t.close();
    }
  });
});
