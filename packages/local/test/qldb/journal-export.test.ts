import {
  DescribeJournalS3ExportCommand,
  ExportJournalToS3Command,
  type ExportJournalToS3CommandInput,
  type JournalS3ExportDescription,
} from '@aws-sdk/client-qldb';
import { load, loadAll, IonTypes, type dom } from 'ion-js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  blockHashOf,
  entriesHashOfRevisions,
  GENESIS_HASH,
  recordJson,
  revisionHashOf,
  type StoredRecord,
} from '../../src/index.js';
import { failure } from '../helpers.js';
import {
  BUCKET,
  createTable,
  keysUnder,
  readKey,
  record,
  ROLE_ARN,
  startQldbServer,
  write,
  type QldbTestServer,
} from './qldb-helpers.js';

let t: QldbTestServer | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const DB = 'fleet';
/** R-QLDB-3: QLDB's ids are 22 Base62 characters. */
const BASE62_ID = /^[0-9A-Za-z]{22}$/;

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

function exportInput(over: Partial<ExportJournalToS3CommandInput> = {}): ExportJournalToS3CommandInput {
  return {
    Name: DB,
    InclusiveStartTime: new Date(0),
    ExclusiveEndTime: new Date(),
    RoleArn: ROLE_ARN,
    S3ExportConfiguration: {
      Bucket: BUCKET,
      Prefix: 'journalExport',
      EncryptionConfiguration: { ObjectEncryptionType: 'NO_ENCRYPTION' },
    },
    ...over,
  };
}

async function finished(s: QldbTestServer, exportId: string): Promise<JournalS3ExportDescription> {
  await s.server.idle();
  const out = await s.qldb.send(new DescribeJournalS3ExportCommand({ Name: DB, ExportId: exportId }));
  return out.ExportDescription!;
}

/** Two tables, three WriteRecords calls (one with a rejected record), one identical re-write. */
async function fillJournal(s: QldbTestServer): Promise<{ stored: { table: string; time: string }[] }> {
  await createTable(s, DB, 'trucks');
  await createTable(s, DB, 'vans');
  const now = Date.now();
  await write(s, DB, 'trucks', [record(1, now - 3000), record(2, now - 2000)]);
  await write(s, DB, 'vans', [record(3, now - 1000)]);
  // R-QLDB-2: a rejected record (lower version of a stored point) is no revision; the other one is.
  const rejected = await failure(
    write(s, DB, 'trucks', [
      record(1, now - 3000, 0 + 1),
      { ...record(1, now - 3000), MeasureValue: '9', Version: 1 },
      record(4, now - 500),
    ]),
  );
  expect(rejected.name).toBe('RejectedRecordsException');
  // An identical re-write stores nothing: no block.
  await write(s, DB, 'vans', [record(3, now - 1000)]);
  await tick(); // the end (exclusive, in ms) comes after the last block's millisecond
  return {
    stored: [
      { table: 'trucks', time: String(now - 3000) },
      { table: 'trucks', time: String(now - 2000) },
      { table: 'vans', time: String(now - 1000) },
      { table: 'trucks', time: String(now - 500) },
    ],
  };
}

interface JsonBlock {
  blockAddress: { strandId: string; sequenceNo: number };
  transactionId: string;
  blockTimestamp: string;
  blockHash: string;
  entriesHash: string;
  previousBlockHash: string;
  transactionInfo: { operation: string };
  revisions: {
    hash: string;
    data: Record<string, unknown> & { Time: string };
    metadata: { tableName: string; version: number };
  }[];
}

/**
 * R-QLDB-2: every hash of the chain, recomputed from the exported blocks alone with the store's definitions
 * (journal-hash.ts): a revision's hash from its table and data (the stored text, which `recordJson` writes again
 * from the parsed data), entriesHash from the revision hashes, blockHash from the block before it.
 */
function verifyChain(blocks: JsonBlock[]): void {
  let previous = GENESIS_HASH;
  for (const b of blocks) {
    expect(Buffer.from(b.previousBlockHash, 'base64')).toEqual(previous);
    const hashes = b.revisions.map((r) => {
      const data = { ...r.data, Version: BigInt(r.metadata.version) } as unknown as StoredRecord;
      const h = revisionHashOf(r.metadata.tableName, recordJson(data));
      expect(Buffer.from(r.hash, 'base64')).toEqual(h);
      return h;
    });
    const entries = entriesHashOfRevisions(hashes);
    expect(Buffer.from(b.entriesHash, 'base64')).toEqual(entries);
    const hash = blockHashOf({
      previousBlockHash: previous,
      entriesHash: entries,
      strandId: b.blockAddress.strandId,
      sequenceNo: b.blockAddress.sequenceNo,
      transactionId: b.transactionId,
      blockTimestamp: Date.parse(b.blockTimestamp),
    });
    expect(Buffer.from(b.blockHash, 'base64')).toEqual(hash);
    previous = hash;
  }
}

describe('ExportJournalToS3 (R-QLDB-1..4)', () => {
  it('exports the journal as JSON Lines: manifests, data objects, one block per write, the hash chain (R-QLDB-2, R-QLDB-4)', async () => {
    t = await startQldbServer();
    const { stored } = await fillJournal(t);
    const { ExportId } = await t.qldb.send(
      new ExportJournalToS3Command(exportInput({ OutputFormat: 'JSON' })),
    );
    expect(ExportId).toMatch(BASE62_ID);
    const d = await finished(t, ExportId!);
    expect(d.Status).toBe('COMPLETED');
    expect(d.OutputFormat).toBe('JSON');

    const keys = await keysUnder(t.bucketDir);
    const manifest = keys.find((k) => k.endsWith('.completed.manifest'))!;
    const strandId = manifest.split('.')[1]!;
    expect(strandId).toMatch(BASE62_ID);
    expect(manifest).toBe(`journalExport/${ExportId}.${strandId}.completed.manifest`);
    expect(keys).toContain(`journalExport/${ExportId}.started.manifest`);
    const listed = (JSON.parse((await readKey(t.bucketDir, manifest)).toString()) as { keys: string[] }).keys;
    const hour = new Date().toISOString().slice(0, 13).replace(/-|T/g, '/');
    expect(listed).toEqual([`journalExport/${hour.slice(0, 13)}/${strandId}.1-3.json`]);
    expect(keys.sort()).toEqual([...listed, manifest, `journalExport/${ExportId}.started.manifest`].sort());

    const started = JSON.parse(
      (await readKey(t.bucketDir, `journalExport/${ExportId}.started.manifest`)).toString(),
    );
    expect(started).toMatchObject({
      ledgerName: DB,
      exportId: ExportId,
      bucket: BUCKET,
      prefix: 'journalExport',
      objectEncryptionType: 'NO_ENCRYPTION',
      outputFormat: 'JSON',
    });

    const lines = (await readKey(t.bucketDir, listed[0]!)).toString().trimEnd().split('\n');
    const blocks = lines.map((l) => JSON.parse(l) as JsonBlock);
    expect(blocks.map((b) => b.blockAddress.sequenceNo)).toEqual([1, 2, 3]);
    expect(blocks.every((b) => b.blockAddress.strandId === strandId && BASE62_ID.test(b.transactionId))).toBe(
      true,
    );
    expect(blocks.map((b) => b.transactionInfo.operation)).toEqual([
      'WriteRecords',
      'WriteRecords',
      'WriteRecords',
    ]);
    // Revisions are exactly the records stored, with their table; the rejected one is absent.
    const revisions = blocks.flatMap((b) =>
      b.revisions.map((r) => ({ table: r.metadata.tableName, time: r.data.Time })),
    );
    expect(revisions).toEqual(stored);
    expect(blocks[2]!.revisions.map((r) => r.data['MeasureValue'])).toEqual(['4.5']);
    expect(blocks[0]!.revisions[0]!.data).toEqual({
      ...record(1, Number(stored[0]!.time)),
      Dimensions: [{ Name: 'truck', Value: 'T1', DimensionValueType: 'VARCHAR' }],
    });
    verifyChain(blocks);
  });

  it('writes typed Ion text and Ion binary that ion-js reads back as the same blocks (R-QLDB-4)', async () => {
    t = await startQldbServer();
    const { stored } = await fillJournal(t);
    const json = await t.qldb.send(
      new ExportJournalToS3Command(
        exportInput({
          OutputFormat: 'JSON',
          S3ExportConfiguration: {
            Bucket: BUCKET,
            Prefix: 'json/',
            EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3' },
          },
        }),
      ),
    );
    await finished(t, json.ExportId!);
    const jsonKeys = (await keysUnder(t.bucketDir)).filter(
      (k) => k.startsWith('json/') && k.endsWith('.json'),
    );
    const jsonBlocks = (await readKey(t.bucketDir, jsonKeys[0]!))
      .toString()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as JsonBlock);
    for (const format of ['ION_TEXT', 'ION_BINARY'] as const) {
      const prefix = `${format.toLowerCase()}/`;
      const out = await t.qldb.send(
        new ExportJournalToS3Command(
          exportInput({
            OutputFormat: format,
            S3ExportConfiguration: {
              Bucket: BUCKET,
              Prefix: prefix,
              EncryptionConfiguration: { ObjectEncryptionType: 'NO_ENCRYPTION' },
            },
          }),
        ),
      );
      expect((await finished(t, out.ExportId!)).Status).toBe('COMPLETED');
      const keys = (await keysUnder(t.bucketDir)).filter((k) => k.startsWith(prefix));
      const manifestKey = keys.find((k) => k.endsWith('.completed.manifest'))!;
      const manifest = load(await readKey(t.bucketDir, manifestKey))!;
      const dataKeys = (manifest.get('keys') as dom.List).elements().map((v) => v.stringValue()!);
      expect(dataKeys).toHaveLength(1);
      expect(dataKeys[0]!.endsWith('.1-3.ion')).toBe(true);
      const bytes = await readKey(t.bucketDir, dataKeys[0]!);
      if (format === 'ION_BINARY') expect([...bytes.subarray(0, 4)]).toEqual([0xe0, 0x01, 0x00, 0xea]);
      else expect(bytes.toString('utf8').startsWith('{blockAddress:')).toBe(true);
      const blocks = loadAll(bytes);
      expect(blocks).toHaveLength(3);
      blocks.forEach((b, i) => {
        const j = jsonBlocks[i]!;
        expect(b.get('blockTimestamp')!.getType()).toBe(IonTypes.TIMESTAMP);
        expect(b.get('blockTimestamp')!.timestampValue()!.getDate().toISOString()).toBe(j.blockTimestamp);
        expect(b.get('blockAddress', 'sequenceNo')!.getType()).toBe(IonTypes.INT);
        expect(b.get('blockAddress', 'sequenceNo')!.numberValue()).toBe(j.blockAddress.sequenceNo);
        expect(Buffer.from(b.get('blockHash')!.uInt8ArrayValue()!).toString('base64')).toBe(j.blockHash);
        expect(b.get('blockHash')!.getType()).toBe(IonTypes.BLOB);
        const revs = (b.get('revisions') as dom.List).elements();
        expect(revs.map((r) => r.get('metadata', 'tableName')!.stringValue())).toEqual(
          j.revisions.map((r) => r.metadata.tableName),
        );
        for (const [k, r] of revs.entries()) {
          expect(r.get('metadata', 'version')!.getType()).toBe(IonTypes.INT);
          expect(r.get('data', 'Time')!.getType()).toBe(IonTypes.TIMESTAMP);
          const ms = r.get('data', 'Time')!.timestampValue()!.getDate().getTime();
          expect(String(ms)).toBe(j.revisions[k]!.data.Time);
          expect(r.get('data', 'MeasureValue')!.getType()).toBe(IonTypes.DECIMAL);
          expect(r.get('data', 'MeasureValue')!.decimalValue()!.toString()).toBe(
            String(j.revisions[k]!.data['MeasureValue']),
          );
          expect(Buffer.from(r.get('hash')!.uInt8ArrayValue()!).toString('base64')).toBe(
            j.revisions[k]!.hash,
          );
        }
      });
      expect(blocks.flatMap((b) => (b.get('revisions') as dom.List).elements()).length).toBe(stored.length);
    }
  });

  it('defaults OutputFormat to ION_TEXT and a start before the ledger to its CreationTime, shown by Describe (R-QLDB-3)', async () => {
    t = await startQldbServer();
    await fillJournal(t);
    const before = new Date(Date.now() - 86_400_000);
    const { ExportId } = await t.qldb.send(
      new ExportJournalToS3Command(exportInput({ InclusiveStartTime: before })),
    );
    const d = await finished(t, ExportId!);
    expect(d.OutputFormat).toBe('ION_TEXT');
    expect(d.InclusiveStartTime!.getTime()).toBeGreaterThan(before.getTime());
    expect(d.InclusiveStartTime!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(d).toMatchObject({ LedgerName: DB, ExportId, Status: 'COMPLETED', RoleArn: ROLE_ARN });
    expect(d.ExportCreationTime).toBeInstanceOf(Date);
    const started = load(await readKey(t.bucketDir, `journalExport/${ExportId}.started.manifest`))!;
    expect(started.get('outputFormat')).toBeNull(); // only when the request named one
    expect(started.get('inclusiveStartTime')!.timestampValue()!.getDate()).toEqual(d.InclusiveStartTime);
  });

  it('selects blocks by blockTimestamp in [start, end) (R-QLDB-3)', async () => {
    t = await startQldbServer();
    await createTable(t, DB, 'trucks');
    await write(t, DB, 'trucks', [record(1, Date.now())]);
    await new Promise((r) => setTimeout(r, 30));
    const cut = new Date();
    await new Promise((r) => setTimeout(r, 30));
    await write(t, DB, 'trucks', [record(2, Date.now())]);
    // The block's time is its commit's millisecond, which can be this one now that the WAL syncs off the event loop:
    // the end (exclusive) is taken in a later millisecond, as the block must be inside [cut, end).
    await tick();
    const end = new Date();
    const a = await t.qldb.send(
      new ExportJournalToS3Command(
        exportInput({
          ExclusiveEndTime: cut,
          OutputFormat: 'JSON',
          S3ExportConfiguration: {
            Bucket: BUCKET,
            Prefix: 'a',
            EncryptionConfiguration: { ObjectEncryptionType: 'NO_ENCRYPTION' },
          },
        }),
      ),
    );
    const b = await t.qldb.send(
      new ExportJournalToS3Command(
        exportInput({
          InclusiveStartTime: cut,
          ExclusiveEndTime: end,
          OutputFormat: 'JSON',
          S3ExportConfiguration: {
            Bucket: BUCKET,
            Prefix: 'b',
            EncryptionConfiguration: { ObjectEncryptionType: 'NO_ENCRYPTION' },
          },
        }),
      ),
    );
    await t.server.idle();
    const keys = await keysUnder(t.bucketDir);
    expect(
      keys.filter((k) => k.startsWith('a/') && k.endsWith('.json')).map((k) => k.split('.').slice(-2)[0]),
    ).toEqual(['1-1']);
    expect(
      keys.filter((k) => k.startsWith('b/') && k.endsWith('.json')).map((k) => k.split('.').slice(-2)[0]),
    ).toEqual(['2-2']);
    expect(a.ExportId).not.toBe(b.ExportId);
  });

  it('splits the journal into data objects of bounded size, listed in order by the completed manifest (R-QLDB-4)', async () => {
    t = await startQldbServer({ journalExportObjectBytes: 1 });
    await createTable(t, DB, 'trucks');
    for (let i = 0; i < 4; i++) await write(t, DB, 'trucks', [record(i, Date.now() - 1000 + i)]);
    await tick();
    const { ExportId } = await t.qldb.send(
      new ExportJournalToS3Command(exportInput({ OutputFormat: 'JSON' })),
    );
    await finished(t, ExportId!);
    const keys = await keysUnder(t.bucketDir);
    const manifest = keys.find((k) => k.endsWith('.completed.manifest'))!;
    const listed = (JSON.parse((await readKey(t.bucketDir, manifest)).toString()) as { keys: string[] }).keys;
    expect(listed.map((k) => k.split('.').slice(-2)[0])).toEqual(['1-1', '2-2', '3-3', '4-4']);
    expect(keys.filter((k) => k.endsWith('.json')).sort()).toEqual([...listed].sort());
  });
});
