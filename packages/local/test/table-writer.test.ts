import { describe, expect, it } from 'vitest';
import { readJournalBlocks } from '../src/internal/journal-reader.js';
import { RecordStore } from '../src/internal/record-store.js';
import { scanTable } from '../src/internal/store-reader.js';
import type { StoredRecord } from '../src/index.js';
import { tempDir } from './helpers.js';

const TABLE = { id: 'table-1', ledger: 'L'.repeat(22), database: 'db', name: 'tbl' };
const ALL = { start: new Date(0), end: new Date(8.64e15) };

function rec(host: string, value = '1', version = 1n): StoredRecord {
  return {
    Dimensions: [{ Name: 'host', Value: host, DimensionValueType: 'VARCHAR' }],
    MeasureName: 'cpu',
    MeasureValueType: 'DOUBLE',
    MeasureValue: value,
    Time: '1714521600000',
    TimeUnit: 'MILLISECONDS',
    Version: version,
  };
}

async function stored(store: RecordStore): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of scanTable(store.file, TABLE.id, { start: null, end: null }).chunks)
    out.push(...chunk);
  return out;
}

describe('a write the store rolls back (R-LOCAL-3: nothing unacknowledged half-stays)', () => {
  it('fails every writer of the group, keeps none of their revisions, and writes on afterwards', async () => {
    const store = RecordStore.open(tempDir(), false, () => new Date(0));
    try {
      const task = store.writer(TABLE, { operation: 'BatchLoad', taskId: 'T' });
      task.apply(rec('task-row'));
      const call = store.writer(TABLE, { operation: 'WriteRecords' });
      call.apply(rec('call-row'));
      const answered = call.commit();
      // A storage failure in the same group (what a full disk does to an insert).
      expect(() =>
        store.db.write(() => {
          throw new Error('SQLITE_FULL: database or disk is full');
        }),
      ).toThrow('SQLITE_FULL');
      await expect(answered).rejects.toThrow('SQLITE_FULL');
      await expect(task.commit()).rejects.toMatchObject({ name: 'StorageFailure' });
      expect(await stored(store)).toEqual([]);
      const blocks = [];
      for await (const b of readJournalBlocks(store.file, TABLE.ledger, ALL)) blocks.push(b);
      expect(blocks).toEqual([]);

      // The task goes on: its next chunk is stored and journaled as a block of its own.
      task.apply(rec('task-row'));
      await task.commit();
      expect((await stored(store)).map((t) => (JSON.parse(t) as StoredRecord).Dimensions[0]!.Value)).toEqual([
        'task-row',
      ]);
      for await (const b of readJournalBlocks(store.file, TABLE.ledger, ALL)) blocks.push(b);
      expect(
        blocks.map((b) => [b.blockAddress.sequenceNo, b.transactionInfo.taskId, b.revisions.length]),
      ).toEqual([[1, 'T', 1]]);
    } finally {
      store.close();
    }
  });

  it('closes a task chunk still open when another write commits: the chunk ends there, as its own block', async () => {
    const store = RecordStore.open(tempDir(), false, () => new Date(0));
    try {
      const task = store.writer(TABLE, { operation: 'BatchLoad', taskId: 'T' });
      task.apply(rec('a'));
      const call = store.writer(TABLE, { operation: 'WriteRecords' });
      call.apply(rec('b'));
      await call.commit();
      task.apply(rec('c'));
      await task.commit();
      const blocks = [];
      for await (const b of readJournalBlocks(store.file, TABLE.ledger, ALL)) blocks.push(b);
      expect(
        blocks.map((b) => [
          b.transactionInfo.operation,
          b.revisions.map((r) => r.record.Dimensions[0]!.Value),
        ]),
      ).toEqual([
        // Both closed in the same COMMIT: the call's block first (it closed itself), then the task's chunk.
        ['WriteRecords', ['b']],
        ['BatchLoad', ['a']],
        ['BatchLoad', ['c']],
      ]);
    } finally {
      store.close();
    }
  });
});

describe("a table's latest time (R-DUP-1 across writes: records later than every point are not looked up)", () => {
  const at = (time: string, value: string): StoredRecord => ({ ...rec('h', value), Time: time });

  it('still finds the points at or before the latest one, across a restart', async () => {
    const dir = tempDir();
    let store = RecordStore.open(dir, false, () => new Date(0));
    try {
      const w = store.writer(TABLE, { operation: 'WriteRecords' });
      for (const t of ['3000', '1000']) w.apply(at(t, '1'));
      // Applied, not yet flushed: a later record of this writer is still checked against it.
      expect(w.check(at('3000', '2'))).toEqual({ existingVersion: 1n, lower: false });
      await w.commit();
    } finally {
      store.close();
    }
    store = RecordStore.open(dir, false, () => new Date(0));
    try {
      const w = store.writer(TABLE, { operation: 'WriteRecords' });
      expect(w.check(at('1000', '2'))).toEqual({ existingVersion: 1n, lower: false });
      expect(w.check(at('3000', '2'))).toEqual({ existingVersion: 1n, lower: false });
      expect(w.check(at('2000', '2'))).toBeNull();
      expect(w.check(at('4000', '2'))).toBeNull();
      expect(w.apply(at('4000', '2'))).toBe('inserted');
      await w.commit();
      expect(store.writer(TABLE, { operation: 'WriteRecords' }).check(at('4000', '3'))).toEqual({
        existingVersion: 1n,
        lower: false,
      });
    } finally {
      store.close();
    }
  });

  it('looks every point up in a store written before tables had a last time', async () => {
    const dir = tempDir();
    let store = RecordStore.open(dir, false, () => new Date(0));
    try {
      const w = store.writer(TABLE, { operation: 'WriteRecords' });
      w.apply(at('3000', '1'));
      await w.commit();
      store.db.db.exec('ALTER TABLE tables DROP COLUMN last_time'); // the store as the first versions wrote it
    } finally {
      store.close();
    }
    store = RecordStore.open(dir, false, () => new Date(0));
    try {
      const w = store.writer(TABLE, { operation: 'WriteRecords' });
      expect(w.check(at('3000', '2'))).toEqual({ existingVersion: 1n, lower: false });
      expect(w.check(at('5000', '2'))).toBeNull();
    } finally {
      store.close();
    }
  });
});
