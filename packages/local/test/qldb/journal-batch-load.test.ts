import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExportJournalToS3Command } from '@aws-sdk/client-qldb';
import {
  CreateBatchLoadTaskCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  DescribeBatchLoadTaskCommand,
  type CreateBatchLoadTaskCommandInput,
} from '@aws-sdk/client-timestream-write';
import { afterEach, expect, it } from 'vitest';
import type { StoredRecord } from '../../src/index.js';
import { tempDir } from '../helpers.js';
import {
  BUCKET,
  keysUnder,
  readKey,
  ROLE_ARN,
  startQldbServer,
  type QldbTestServer,
} from './qldb-helpers.js';

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../examples');
let t: QldbTestServer | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

it('journals each chunk a batch-load task commits as one block of the task (R-QLDB-2)', async () => {
  const s3Root = tempDir('tsbatch-qldb-s3-');
  cpSync(path.join(EXAMPLES, 'fleet/s3'), s3Root, { recursive: true });
  mkdirSync(path.join(s3Root, BUCKET));
  t = await startQldbServer({ s3Root });
  const db = 'BatchLoadExampleDatabase';
  await t.client.send(new CreateDatabaseCommand({ DatabaseName: db }));
  await t.client.send(
    new CreateTableCommand({
      DatabaseName: db,
      TableName: 'loaded',
      RetentionProperties: {
        MemoryStoreRetentionPeriodInHours: 1,
        MagneticStoreRetentionPeriodInDays: 73000,
      },
      MagneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
    }),
  );
  const task = JSON.parse(
    readFileSync(path.join(EXAMPLES, 'fleet/task.json'), 'utf8'),
  ) as CreateBatchLoadTaskCommandInput;
  const { TaskId } = await t.client.send(
    new CreateBatchLoadTaskCommand({ ...task, TargetDatabaseName: db, TargetTableName: 'loaded' }),
  );
  await t.server.idle();
  const d = await t.client.send(new DescribeBatchLoadTaskCommand({ TaskId }));
  expect(d.BatchLoadTaskDescription?.TaskStatus).toBe('SUCCEEDED');
  await new Promise((r) => setTimeout(r, 5));
  const { ExportId } = await t.qldb.send(
    new ExportJournalToS3Command({
      Name: db,
      InclusiveStartTime: new Date(0),
      ExclusiveEndTime: new Date(),
      RoleArn: ROLE_ARN,
      OutputFormat: 'JSON',
      S3ExportConfiguration: {
        Bucket: BUCKET,
        Prefix: '',
        EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3' },
      },
    }),
  );
  await t.server.idle();
  const keys = await keysUnder(t.bucketDir);
  expect(keys).toContain(`${ExportId}.started.manifest`);
  const data = keys.filter((k) => k.endsWith('.json'));
  expect(data).toHaveLength(1);
  const blocks = (await readKey(t.bucketDir, data[0]!))
    .toString()
    .trimEnd()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as {
          transactionInfo: unknown;
          revisions: { data: StoredRecord; metadata: { tableName: string } }[];
        },
    );
  // The example's 12 rows fit one chunk of the loader (it commits every 1000 records and at the end).
  expect(blocks).toHaveLength(1);
  // The store's block shape (issue 16): the operation, the table written and the task.
  expect(blocks[0]!.transactionInfo).toEqual({ operation: 'BatchLoad', tableName: 'loaded', taskId: TaskId });
  const stored: StoredRecord[] = [];
  for await (const r of t.server.store.records(db, 'loaded')) stored.push(r);
  expect(stored).toHaveLength(12);
  const key = (r: StoredRecord): string =>
    `${r.Time}|${JSON.stringify(r.Dimensions)}|${JSON.stringify(r.MeasureValues)}`;
  expect(blocks[0]!.revisions.map((r) => key(r.data)).sort()).toEqual(stored.map(key).sort());
  expect(new Set(blocks[0]!.revisions.map((r) => r.metadata.tableName))).toEqual(new Set(['loaded']));
});
