import { appendFileSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JournalLog } from '../../src/internal/journal-log.js';
import { GENESIS_HASH } from '../../src/index.js';
import { tempDir } from '../helpers.js';

const rec = (n: number) => ({
  tableName: 't',
  record: {
    Dimensions: [{ Name: 'd', Value: `v${n}`, DimensionValueType: 'VARCHAR' as const }],
    MeasureName: 'm',
    MeasureValueType: 'BIGINT' as const,
    MeasureValue: String(n),
    Time: String(n),
    TimeUnit: 'SECONDS' as const,
    Version: 1,
  },
});

async function all(log: JournalLog, from = new Date(0), to = new Date(8.64e15)) {
  const out = [];
  for await (const b of log.read(from, to)) out.push(b);
  return out;
}

describe("today's store's journal log (R-QLDB-2)", () => {
  it('numbers and chains blocks in order, keeps them across a reopen, and cuts a torn last block off', async () => {
    const file = path.join(tempDir(), 'j.log');
    const { log } = await JournalLog.open(file, 'S'.repeat(22), false);
    const a = log.append({ operation: 'WriteRecords' }, [rec(1), rec(2)], new Date(1000));
    const b = log.append({ operation: 'BatchLoadTask', taskId: 'T1' }, [rec(3)], new Date(500)); // clock stepped back
    await log.flush();
    expect(a.blockAddress.sequenceNo).toBe(1);
    expect(a.previousBlockHash).toEqual(GENESIS_HASH);
    expect(b.previousBlockHash).toEqual(a.blockHash);
    expect(b.blockTimestamp.getTime()).toBe(1000); // never older than the block before
    await log.close();

    const size = statSync(file).size;
    appendFileSync(file, '{"t":"1970-01-01T00:00:02.000Z","s":3,"x":"torn'); // a crash mid-append
    const reopened = await JournalLog.open(file, 'S'.repeat(22), false);
    expect(reopened.tornBytes).toBeGreaterThan(0);
    expect(statSync(file).size).toBe(size);
    const c = reopened.log.append({ operation: 'WriteRecords' }, [rec(4)], new Date(2000));
    expect(c.blockAddress.sequenceNo).toBe(3);
    expect(c.previousBlockHash).toEqual(b.blockHash);
    const blocks = await all(reopened.log);
    expect(blocks.map((x) => x.blockAddress.sequenceNo)).toEqual([1, 2, 3]);
    expect(blocks[1]!.transactionInfo).toEqual({ operation: 'BatchLoadTask', taskId: 'T1' });
    expect(blocks[0]!.revisions.map((r) => r.record.MeasureValue)).toEqual(['1', '2']);
    expect(blocks[0]!.revisions[1]!.hash).toEqual(a.revisions[1]!.hash);
    expect(
      (await all(reopened.log, new Date(1000), new Date(2000))).map((x) => x.blockAddress.sequenceNo),
    ).toEqual([1, 2]);
    expect(
      (await all(reopened.log, new Date(1001), new Date(2001))).map((x) => x.blockAddress.sequenceNo),
    ).toEqual([3]);
    await reopened.log.close();
    expect(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== ''),
    ).toHaveLength(3);
  });
});
