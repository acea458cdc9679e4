import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import {
  DescribeJournalS3ExportCommand,
  ExportJournalToS3Command,
  ListJournalS3ExportsCommand,
  ListJournalS3ExportsForLedgerCommand,
  paginateListJournalS3Exports,
  type ExportJournalToS3CommandInput,
} from '@aws-sdk/client-qldb';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXPORT_STATE_FILE, startServer } from '../../src/index.js';
import { clientFor, CREDENTIALS, failure, tempDir } from '../helpers.js';
import {
  BUCKET,
  createTable,
  record,
  ROLE_ARN,
  startQldbServer,
  write,
  type QldbTestServer,
} from './qldb-helpers.js';
import { QLDBClient } from '@aws-sdk/client-qldb';

let t: QldbTestServer | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const DB = 'fleet';
const NO_ENCRYPTION = { ObjectEncryptionType: 'NO_ENCRYPTION' } as const;

function input(over: Record<string, unknown> = {}): ExportJournalToS3CommandInput {
  return {
    Name: DB,
    InclusiveStartTime: new Date(Date.now() - 60_000),
    ExclusiveEndTime: new Date(),
    RoleArn: ROLE_ARN,
    S3ExportConfiguration: { Bucket: BUCKET, Prefix: 'x/', EncryptionConfiguration: NO_ENCRYPTION },
    ...over,
  };
}

async function withLedger(): Promise<QldbTestServer> {
  const s = await startQldbServer();
  await createTable(s, DB, 'trucks');
  await write(s, DB, 'trucks', [record(1, Date.now())]);
  await new Promise((r) => setTimeout(r, 5));
  return s;
}

describe('ExportJournalToS3 rules (R-QLDB-3)', () => {
  const now = (): Date => new Date();
  const invalid: [string, () => Record<string, unknown>, string][] = [
    [
      'start not before end',
      () => ({ InclusiveStartTime: now(), ExclusiveEndTime: new Date(Date.now() - 1000) }),
      'InclusiveStartTime',
    ],
    [
      'start equal to end',
      () => {
        const d = new Date(Date.now() - 1000);
        return { InclusiveStartTime: d, ExclusiveEndTime: d };
      },
      'InclusiveStartTime',
    ],
    [
      'end after the server clock',
      () => ({ ExclusiveEndTime: new Date(Date.now() + 60_000) }),
      'ExclusiveEndTime',
    ],
    [
      'SSE_KMS without KmsKeyArn',
      () => ({
        S3ExportConfiguration: {
          Bucket: BUCKET,
          Prefix: '',
          EncryptionConfiguration: { ObjectEncryptionType: 'SSE_KMS' },
        },
      }),
      'S3ExportConfiguration.EncryptionConfiguration.KmsKeyArn',
    ],
    [
      'a KmsKeyArn under 20 characters',
      () => ({
        S3ExportConfiguration: {
          Bucket: BUCKET,
          Prefix: '',
          EncryptionConfiguration: { ObjectEncryptionType: 'SSE_KMS', KmsKeyArn: 'arn:short' },
        },
      }),
      'S3ExportConfiguration.EncryptionConfiguration.KmsKeyArn',
    ],
    ['no RoleArn', () => ({ RoleArn: undefined }), 'RoleArn'],
    ['a RoleArn under 20 characters', () => ({ RoleArn: 'arn:aws:iam::1:r' }), 'RoleArn'],
    [
      'a RoleArn over 1600 characters',
      () => ({ RoleArn: `arn:aws:iam::0:role/${'r'.repeat(1600)}` }),
      'RoleArn',
    ],
    [
      'a bucket under 3 characters',
      () => ({ S3ExportConfiguration: { Bucket: 'ab', Prefix: '', EncryptionConfiguration: NO_ENCRYPTION } }),
      'S3ExportConfiguration.Bucket',
    ],
    [
      'a bucket over 255 characters',
      () => ({
        S3ExportConfiguration: {
          Bucket: 'b'.repeat(256),
          Prefix: '',
          EncryptionConfiguration: NO_ENCRYPTION,
        },
      }),
      'S3ExportConfiguration.Bucket',
    ],
    [
      'a prefix over 128 characters',
      () => ({
        S3ExportConfiguration: {
          Bucket: BUCKET,
          Prefix: 'p'.repeat(129),
          EncryptionConfiguration: NO_ENCRYPTION,
        },
      }),
      'S3ExportConfiguration.Prefix',
    ],
    [
      'a prefix leaving the bucket',
      () => ({
        S3ExportConfiguration: { Bucket: BUCKET, Prefix: '../out/', EncryptionConfiguration: NO_ENCRYPTION },
      }),
      'S3ExportConfiguration.Prefix',
    ],
    ['no S3ExportConfiguration', () => ({ S3ExportConfiguration: undefined }), 'S3ExportConfiguration'],
    [
      'an unknown ObjectEncryptionType',
      () => ({
        S3ExportConfiguration: {
          Bucket: BUCKET,
          Prefix: '',
          EncryptionConfiguration: { ObjectEncryptionType: 'ROT13' },
        },
      }),
      'S3ExportConfiguration.EncryptionConfiguration.ObjectEncryptionType',
    ],
    ['an unknown OutputFormat', () => ({ OutputFormat: 'CSV' }), 'OutputFormat'],
    ['no InclusiveStartTime', () => ({ InclusiveStartTime: undefined }), 'InclusiveStartTime'],
  ];
  it.each(invalid)('refuses %s with InvalidParameterException 400', async (_what, over, parameter) => {
    t ??= await withLedger();
    const e = await failure(t.qldb.send(new ExportJournalToS3Command(input(over()))));
    expect(e.name).toBe('InvalidParameterException');
    expect(e['ParameterName']).toBe(parameter);
    expect((e['$metadata'] as { httpStatusCode: number }).httpStatusCode).toBe(400);
    expect(e.message.length).toBeGreaterThan(10);
  });

  it('answers ResourceNotFoundException 404 for an unknown ledger and an unknown export', async () => {
    t = await withLedger();
    const e = await failure(t.qldb.send(new ExportJournalToS3Command(input({ Name: 'nope' }))));
    expect(e.name).toBe('ResourceNotFoundException');
    expect(e['ResourceName']).toBe('nope');
    expect((e['$metadata'] as { httpStatusCode: number }).httpStatusCode).toBe(404);
    const d = await failure(
      t.qldb.send(new DescribeJournalS3ExportCommand({ Name: DB, ExportId: 'a'.repeat(22) })),
    );
    expect(d.name).toBe('ResourceNotFoundException');
    const l = await failure(t.qldb.send(new ListJournalS3ExportsForLedgerCommand({ Name: 'nope' })));
    expect(l.name).toBe('ResourceNotFoundException');
  });

  it('answers ResourcePreconditionNotMetException 412 when the endpoint has no --s3-root', async () => {
    const dataDir = tempDir();
    const server = await startServer({ dataDir, sync: false });
    const qldb = new QLDBClient({
      region: 'us-east-1',
      endpoint: server.url,
      credentials: CREDENTIALS,
      maxAttempts: 1,
    });
    try {
      const s = { client: clientFor(server.url) };
      await createTable(s as never, DB, 'trucks');
      const e = await failure(qldb.send(new ExportJournalToS3Command(input())));
      expect(e.name).toBe('ResourcePreconditionNotMetException');
      expect((e['$metadata'] as { httpStatusCode: number }).httpStatusCode).toBe(412);
      s.client.destroy();
    } finally {
      qldb.destroy();
      await server.close();
    }
  });

  it('runs at most two exports of a ledger at once, also when five clients ask at the same moment (LimitExceededException)', async () => {
    t = await startQldbServer();
    await createTable(t, DB, 'trucks');
    // Enough journal for an Ion binary export to stay IN_PROGRESS while the five requests are answered.
    for (let i = 0; i < 20; i++)
      await write(
        t,
        DB,
        'trucks',
        Array.from({ length: 100 }, (_, j) => record(i * 100 + j, Date.now() - 10_000 + j)),
      );
    await new Promise((r) => setTimeout(r, 5));
    const clients = Array.from(
      { length: 5 },
      () =>
        new QLDBClient({
          region: 'us-east-1',
          endpoint: t!.server.url,
          credentials: CREDENTIALS,
          maxAttempts: 1,
        }),
    );
    const results = await Promise.allSettled(
      clients.map((c) =>
        c.send(
          new ExportJournalToS3Command(
            input({ OutputFormat: 'ION_BINARY', InclusiveStartTime: new Date(0) }),
          ),
        ),
      ),
    );
    for (const c of clients) c.destroy();
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(2);
    expect(refused.map((r) => (r.reason as Error).name)).toEqual([
      'LimitExceededException',
      'LimitExceededException',
      'LimitExceededException',
    ]);
    expect((refused[0]!.reason as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(
      400,
    );
    await t.server.idle();
    // Once they have finished, the ledger may export again.
    const again = await t.qldb.send(new ExportJournalToS3Command(input({ OutputFormat: 'JSON' })));
    expect(again.ExportId).toHaveLength(22);
  });

  it('lists exports of every ledger and of one, in pages of max_results with next_token (R-QLDB-1)', async () => {
    t = await withLedger();
    await createTable(t, 'other', 'vans');
    await write(t, 'other', 'vans', [record(9, Date.now())]);
    await new Promise((r) => setTimeout(r, 5));
    const ids: string[] = [];
    for (const name of [DB, 'other', DB, DB]) {
      ids.push(
        (await t.qldb.send(new ExportJournalToS3Command(input({ Name: name, OutputFormat: 'JSON' }))))
          .ExportId!,
      );
      await t.server.idle();
    }
    const first = await t.qldb.send(new ListJournalS3ExportsCommand({ MaxResults: 3 }));
    expect(first.JournalS3Exports!.map((e) => e.ExportId)).toEqual(ids.slice(0, 3));
    expect(first.NextToken).toBeDefined();
    const second = await t.qldb.send(
      new ListJournalS3ExportsCommand({ MaxResults: 3, NextToken: first.NextToken }),
    );
    expect(second.JournalS3Exports!.map((e) => e.ExportId)).toEqual(ids.slice(3));
    expect(second.NextToken).toBeUndefined();
    const all: string[] = [];
    for await (const page of paginateListJournalS3Exports({ client: t.qldb, pageSize: 1 }, {})) {
      all.push(...page.JournalS3Exports!.map((e) => e.ExportId!));
    }
    expect(all).toEqual(ids);
    const mine = await t.qldb.send(new ListJournalS3ExportsForLedgerCommand({ Name: DB }));
    expect(mine.JournalS3Exports!.map((e) => e.ExportId)).toEqual([ids[0], ids[2], ids[3]]);
    expect(
      mine.JournalS3Exports!.every((e) => e.Status === 'COMPLETED' && e.ExportCreationTime instanceof Date),
    ).toBe(true);
    for (const bad of [0, 101]) {
      const e = await failure(t.qldb.send(new ListJournalS3ExportsCommand({ MaxResults: bad })));
      expect(e.name).toBe('InvalidParameterException');
    }
    const e = await failure(t.qldb.send(new ListJournalS3ExportsCommand({ NextToken: 'garbage!' })));
    expect(e.name).toBe('InvalidParameterException');
  });

  it('keeps exports and their status across a restart of the endpoint (state file)', async () => {
    t = await withLedger();
    const { ExportId } = await t.qldb.send(new ExportJournalToS3Command(input({ OutputFormat: 'JSON' })));
    await t.server.idle();
    const before = (await t.qldb.send(new DescribeJournalS3ExportCommand({ Name: DB, ExportId })))
      .ExportDescription!;
    const { dataDir, s3Root } = t;
    await t.close();
    t = await startQldbServer({ dataDir, s3Root });
    const after = (await t.qldb.send(new DescribeJournalS3ExportCommand({ Name: DB, ExportId })))
      .ExportDescription!;
    expect(after).toEqual(before);
    expect(after.Status).toBe('COMPLETED');
  });

  it('runs an export left IN_PROGRESS by a crash again at the next start, to the same objects', async () => {
    t = await withLedger();
    const { ExportId } = await t.qldb.send(
      new ExportJournalToS3Command(input({ OutputFormat: 'ION_BINARY' })),
    );
    await t.server.idle();
    const { dataDir, s3Root, bucketDir } = t;
    const keys = readdirSync(path.join(bucketDir, 'x'), { recursive: true }).map(String).sort();
    const dataKey = keys.find((k) => k.endsWith('.ion'))!;
    const before = readFileSync(path.join(bucketDir, 'x', dataKey));
    await t.close();
    // What kill -9 in the middle leaves: the state says IN_PROGRESS, the completed manifest is not written yet.
    const stateFile = path.join(dataDir, EXPORT_STATE_FILE);
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { exports: { Status: string }[] };
    state.exports[0]!.Status = 'IN_PROGRESS';
    writeFileSync(stateFile, JSON.stringify(state));
    const completed = keys.find((k) => k.endsWith('.completed.manifest'))!;
    rmSync(path.join(bucketDir, 'x', completed));
    t = await startQldbServer({ dataDir, s3Root });
    await t.server.idle();
    const d = (await t.qldb.send(new DescribeJournalS3ExportCommand({ Name: DB, ExportId })))
      .ExportDescription!;
    expect(d.Status).toBe('COMPLETED');
    expect(readdirSync(path.join(bucketDir, 'x'), { recursive: true }).map(String).sort()).toEqual(keys);
    expect(readFileSync(path.join(bucketDir, 'x', dataKey))).toEqual(before);
  });

  it('CANCELs an export whose bucket folder is missing and logs the reason', async () => {
    const lines: string[] = [];
    t = await startQldbServer({ log: (l) => lines.push(l) });
    await createTable(t, DB, 'trucks');
    await write(t, DB, 'trucks', [record(1, Date.now())]);
    rmSync(t.bucketDir, { recursive: true });
    const { ExportId } = await t.qldb.send(new ExportJournalToS3Command(input()));
    await t.server.idle();
    const res = await fetch(`${t.server.url}/ledgers/${DB}/journal-s3-exports/${ExportId}`);
    expect(res.status).toBe(200);
    const d = (
      (await res.json()) as { ExportDescription: { Status: string; tsbatch: { CancellationReason: string } } }
    ).ExportDescription;
    expect(d.Status).toBe('CANCELLED');
    expect(d.tsbatch.CancellationReason).toMatch(/bucket journal-bucket does not exist/);
    expect(
      lines.some((l) =>
        l.includes(
          `journal export ${ExportId} of ${DB}: CANCELLED: The bucket journal-bucket does not exist`,
        ),
      ),
    ).toBe(true);
    mkdirSync(path.join(t.s3Root, BUCKET));
  });

  it('never replaces a symlink in the bucket: the export is CANCELLED instead (R-QLDB-3)', async () => {
    t = await withLedger();
    const first = await t.qldb.send(new ExportJournalToS3Command(input({ OutputFormat: 'JSON' })));
    await t.server.idle();
    const manifest = JSON.parse(
      readFileSync(
        path.join(
          t.bucketDir,
          'x',
          readdirSync(path.join(t.bucketDir, 'x')).find((f) => f.endsWith('.completed.manifest'))!,
        ),
        'utf8',
      ),
    ) as { keys: string[] };
    // The same range again writes the same data object: a link planted there must not be followed or replaced.
    const dataFile = path.join(t.bucketDir, ...manifest.keys[0]!.split('/'));
    const outside = path.join(tempDir(), 'target');
    writeFileSync(outside, 'not ours');
    rmSync(dataFile);
    symlinkSync(outside, dataFile);
    const d1 = (await t.qldb.send(new DescribeJournalS3ExportCommand({ Name: DB, ExportId: first.ExportId })))
      .ExportDescription!;
    const again = await t.qldb.send(
      new ExportJournalToS3Command(
        input({
          OutputFormat: 'JSON',
          InclusiveStartTime: d1.InclusiveStartTime,
          ExclusiveEndTime: d1.ExclusiveEndTime,
        }),
      ),
    );
    await t.server.idle();
    const res = await fetch(`${t.server.url}/ledgers/${DB}/journal-s3-exports/${again.ExportId}`);
    const desc = (
      (await res.json()) as { ExportDescription: { Status: string; tsbatch: { CancellationReason: string } } }
    ).ExportDescription;
    expect(desc.Status).toBe('CANCELLED');
    expect(desc.tsbatch.CancellationReason).toMatch(/Refusing to replace .*: it is not a regular file/);
    expect(readFileSync(outside, 'utf8')).toBe('not ours');
    expect(lstatSync(dataFile).isSymbolicLink()).toBe(true);
  });

  it('checks SigV4 signatures of QLDB calls, scoped to qldb, with --verify-sigv4 (R-QLDB-1)', async () => {
    t = await startQldbServer({ credentials: [CREDENTIALS] });
    const listed = await t.qldb.send(new ListJournalS3ExportsCommand({}));
    expect(listed.JournalS3Exports).toEqual([]);
    const wrong = new QLDBClient({
      region: 'us-east-1',
      endpoint: t.server.url,
      credentials: { ...CREDENTIALS, secretAccessKey: 'wrong' },
      maxAttempts: 1,
    });
    const e = await failure(wrong.send(new ListJournalS3ExportsCommand({ MaxResults: 5 })));
    wrong.destroy();
    expect(e.name).toBe('InvalidSignatureException');
    expect((e['$metadata'] as { httpStatusCode: number }).httpStatusCode).toBe(403);
  });

  it('keeps the Timestream protocol on the same port, and answers unknown QLDB paths in the QLDB shape', async () => {
    t = await withLedger();
    const res = await fetch(`${t.server.url}/ledgers/${DB}/digest`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    const ts = await fetch(`${t.server.url}/`, {
      method: 'POST',
      headers: {
        'x-amz-target': 'Timestream_20181101.ListDatabases',
        'content-type': 'application/x-amz-json-1.0',
      },
      body: '{}',
    });
    expect(
      ((await ts.json()) as { Databases: { DatabaseName: string }[] }).Databases.map((d) => d.DatabaseName),
    ).toEqual([DB]);
  });
});
