/**
 * R-QLDB-4 / R-S3-2 end to end: `tsbatch serve` without --s3-root writes QLDB journal exports into the real S3
 * bucket of the request (s3rver on loopback, reached by the real QLDB client over HTTP): the started manifest
 * first, the data objects, the completed manifest last, in all three formats, the data objects byte for byte those
 * the same export writes into an --s3-root folder; a missing bucket cancels the export with its reason logged.
 * And `tsbatch serve --s3-endpoint-url http://127.0.0.1:PORT` works with no AWS credentials anywhere (the loopback
 * placeholder of the CLI's other S3 paths): a batch-load task read from S3 ends as predicted, and an export lands.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DescribeJournalS3ExportCommand,
  ExportJournalToS3Command,
  QLDBClient,
  type JournalS3ExportDescription,
} from '@aws-sdk/client-qldb';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  TimestreamWriteClient,
  WriteRecordsCommand,
} from '@aws-sdk/client-timestream-write';
import { createS3Reader, createS3Writer } from '@tsbatch/aws';
import { startServer, type LocalServer, type LocalServerOptions } from '@tsbatch/local';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { startS3Proxy, type S3Proxy } from '../packages/aws/test/s3-proxy.js';
import { s3ServerMissing, startS3Server, type S3TestServer } from '../packages/aws/test/s3-server.js';
import { tsbatch } from './ingest-helpers.js';
import { ROOT } from './readme-examples.js';

const missing = s3ServerMissing();

const DB = 'fleet';
const BUCKET = 'journal-bucket';
const ROLE_ARN = 'arn:aws:iam::000000000000:role/qldb-export';
const KEYS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };
const FORMATS = ['ION_TEXT', 'ION_BINARY', 'JSON'] as const;
/** Small data objects, so that an export writes several. */
const OBJECT_BYTES = 4096;

function clients(url: string): { ts: TimestreamWriteClient; qldb: QLDBClient } {
  const config = { region: 'us-east-1', endpoint: url, credentials: KEYS, maxAttempts: 1 };
  return { ts: new TimestreamWriteClient(config), qldb: new QLDBClient(config) };
}

async function exported(
  qldb: QLDBClient,
  name: string,
  exportId: string,
): Promise<JournalS3ExportDescription> {
  for (const deadline = Date.now() + 60_000; ;) {
    const out = await qldb.send(new DescribeJournalS3ExportCommand({ Name: name, ExportId: exportId }));
    if (out.ExportDescription!.Status !== 'IN_PROGRESS' || Date.now() > deadline)
      return out.ExportDescription!;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startExport(
  qldb: QLDBClient,
  o: { name?: string; bucket?: string; prefix: string; format: string; end: Date },
): Promise<string> {
  const out = await qldb.send(
    new ExportJournalToS3Command({
      Name: o.name ?? DB,
      InclusiveStartTime: new Date(0),
      ExclusiveEndTime: o.end,
      RoleArn: ROLE_ARN,
      OutputFormat: o.format as 'JSON',
      S3ExportConfiguration: {
        Bucket: o.bucket ?? BUCKET,
        Prefix: o.prefix,
        EncryptionConfiguration: { ObjectEncryptionType: 'SSE_S3' },
      },
    }),
  );
  return out.ExportId!;
}

/** Keys of a bucket under a prefix, in S3's order. */
async function listKeys(s3: S3TestServer, bucket: string, prefix: string): Promise<string[]> {
  const out = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!);
}

async function getObject(s3: S3TestServer, bucket: string, key: string): Promise<Buffer> {
  const out = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

/** Every file under a folder as keys relative to it, sorted. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? filesUnder(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
    )
    .sort();
}

describe.skipIf(missing !== null)(
  `QLDB journal exports to S3 (R-QLDB-4, R-S3-2)${missing === null ? '' : `: skipped, ${missing}`}`,
  () => {
    let s3: S3TestServer;
    let proxy: S3Proxy;
    let dataDir: string;
    let s3Root: string;
    let end: Date;
    const temps: string[] = [];
    const temp = (name: string): string => {
      const dir = mkdtempSync(path.join(os.tmpdir(), name));
      temps.push(dir);
      return dir;
    };

    /** A server on the shared data folder; buckets are `s3Root`'s folders, or S3 through the proxy. */
    async function serve(
      where: 'folder' | 's3',
      log: string[] = [],
    ): Promise<{ server: LocalServer; qldb: QLDBClient; ts: TimestreamWriteClient; close(): Promise<void> }> {
      const settings = { ...s3.settings, s3Endpoint: proxy.endpoint };
      const options: LocalServerOptions = {
        dataDir,
        sync: false,
        journalExportObjectBytes: OBJECT_BYTES,
        log: (line) => log.push(line),
        ...(where === 'folder'
          ? { s3Root }
          : { objects: { reader: createS3Reader(settings), writer: createS3Writer(settings) } }),
      };
      const server = await startServer(options);
      const { ts, qldb } = clients(server.url);
      return {
        server,
        ts,
        qldb,
        async close() {
          ts.destroy();
          qldb.destroy();
          await server.close();
        },
      };
    }

    beforeAll(async () => {
      s3 = await startS3Server();
      await s3.createBucket(BUCKET);
      proxy = await startS3Proxy(s3.endpoint, {});
      dataDir = temp('tsbatch-journal-s3-data-');
      s3Root = temp('tsbatch-journal-s3-root-');
      mkdirSync(path.join(s3Root, BUCKET));
      // The journal: 40 WriteRecords calls of 5 records each, one block each (R-QLDB-2).
      const t = await serve('folder');
      await t.ts.send(new CreateDatabaseCommand({ DatabaseName: DB }));
      await t.ts.send(new CreateTableCommand({ DatabaseName: DB, TableName: 'trucks' }));
      const now = Date.now();
      for (let call = 0; call < 40; call++) {
        await t.ts.send(
          new WriteRecordsCommand({
            DatabaseName: DB,
            TableName: 'trucks',
            Records: Array.from({ length: 5 }, (_, i) => ({
              Dimensions: [{ Name: 'truck', Value: `T${call}-${i}` }],
              MeasureName: 'speed',
              MeasureValue: String(call * 5 + i + 0.5),
              MeasureValueType: 'DOUBLE',
              Time: String(now - 60_000 + call * 10 + i),
              TimeUnit: 'MILLISECONDS',
            })),
          }),
        );
      }
      end = new Date(Date.now() + 1);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await t.close();
    }, 120_000);

    afterAll(async () => {
      await proxy?.close();
      await s3?.close();
      for (const dir of temps) rmSync(dir, { recursive: true, force: true });
    });

    it('writes an export into the S3 bucket in every format: started manifest first, the data objects of the folder export byte for byte, the completed manifest last (R-QLDB-4, R-S3-2)', async () => {
      // The same exports into --s3-root's folder first: what S3 must hold.
      const folder = await serve('folder');
      const folderIds = new Map<string, string>();
      for (const format of FORMATS) {
        const id = await startExport(folder.qldb, { prefix: `exports/${format}/`, format, end });
        expect((await exported(folder.qldb, DB, id)).Status).toBe('COMPLETED');
        folderIds.set(format, id);
      }
      await folder.close();

      const t = await serve('s3');
      try {
        for (const format of FORMATS) {
          const prefix = `exports/${format}/`;
          const before = proxy.requests.length;
          const id = await startExport(t.qldb, { prefix, format, end });
          expect((await exported(t.qldb, DB, id)).Status).toBe('COMPLETED');

          const folderId = folderIds.get(format)!;
          const folderDir = path.join(s3Root, BUCKET, 'exports', format);
          const folderKeys = filesUnder(folderDir);
          const folderData = folderKeys.filter((k) => !k.endsWith('.manifest'));
          expect(folderData.length).toBeGreaterThan(1);

          const keys = await listKeys(s3, BUCKET, prefix);
          const started = `${prefix}${id}.started.manifest`;
          const completed = keys.find((k) => k.endsWith('.completed.manifest'))!;
          expect(completed).toMatch(new RegExp(`^${prefix}${id}\\.[^.]+\\.completed\\.manifest$`));
          const data = keys.filter((k) => !k.endsWith('.manifest'));
          expect([...keys].sort()).toEqual([started, completed, ...data].sort());
          // R-QLDB-4: `{prefix}{yyyy}/{mm}/{dd}/{hh}/{strandId}.{firstSeq}-{lastSeq}.{ion|json}`, as on disk.
          expect(data.map((k) => k.slice(prefix.length)).sort()).toEqual(folderData);
          for (const key of data) {
            const body = await getObject(s3, BUCKET, key);
            expect(body.equals(readFileSync(path.join(folderDir, key.slice(prefix.length)))), key).toBe(true);
          }
          // The completed manifest lists the data keys in order: the same bytes as the folder's (no id inside).
          const folderCompleted = folderKeys.find((k) => k.endsWith('.completed.manifest'))!;
          expect(folderCompleted.startsWith(`${folderId}.`)).toBe(true);
          const manifest = await getObject(s3, BUCKET, completed);
          expect(manifest.equals(readFileSync(path.join(folderDir, folderCompleted)))).toBe(true);
          const startedBody = (await getObject(s3, BUCKET, started)).toString('latin1');
          expect(startedBody).toContain(id);
          expect(startedBody).toContain('SSE_S3');
          // The order of the writes: the started manifest first, the completed one last.
          const puts = proxy.requests
            .slice(before)
            .filter((r) => r.startsWith('PUT '))
            .map((r) => decodeURIComponent(r.slice(`PUT /${BUCKET}/`.length).split('?')[0]!));
          expect(puts[0]).toBe(started);
          expect(puts.at(-1)).toBe(completed);
          expect([...puts].sort()).toEqual([...keys].sort());
          // The completed manifest lists the data objects in the order of their blocks, the order they were put in.
          const written = puts.filter((k) => !k.endsWith('.manifest'));
          const firstSeq = (k: string): number => Number(/\.(\d+)-\d+\.\w+$/.exec(k)![1]);
          expect(written.map(firstSeq)).toEqual([...written.map(firstSeq)].sort((a, b) => a - b));
          if (format === 'JSON') expect(JSON.parse(manifest.toString('utf8'))).toEqual({ keys: written });
        }
      } finally {
        await t.close();
      }
    }, 180_000);

    it('cancels an export to a bucket that does not exist, logging the reason (R-QLDB-3, R-S3-2)', async () => {
      const log: string[] = [];
      const t = await serve('s3', log);
      try {
        const id = await startExport(t.qldb, { bucket: 'no-such-bucket', prefix: 'x/', format: 'JSON', end });
        expect((await exported(t.qldb, DB, id)).Status).toBe('CANCELLED');
        const line = log.find((l) => l.includes(id) && l.includes('CANCELLED'));
        expect(line).toMatch(/CANCELLED: .*no-such-bucket does not exist/);
      } finally {
        await t.close();
      }
    }, 60_000);

    it('serves over a loopback --s3-endpoint-url with no AWS credentials anywhere: a batch load from S3 ends as predicted and an export lands in S3 (R-S3-1, R-S3-2, R-QLDB-4)', async () => {
      for (const bucket of ['test-batch-load-west-2', 'test-batch-load-report-west-2', 'ledger-exports'])
        await s3.createBucket(bucket);
      await s3.put(
        'test-batch-load-west-2',
        'sample.csv',
        readFileSync(path.join(ROOT, 'examples/fleet/s3-with-errors/test-batch-load-west-2/sample.csv')),
      );
      const home = temp('tsbatch-serve-home-');
      const child = spawn(
        process.execPath,
        [
          '--conditions=source',
          '--import',
          'tsx',
          path.join(ROOT, 'packages/cli/src/cli.ts'),
          'serve',
          '--port',
          '0',
          '--data-dir',
          temp('tsbatch-serve-s3-'),
          '--s3-endpoint-url',
          s3.endpoint,
        ],
        {
          cwd: ROOT,
          // Nothing of this process's environment: no keys, no profile, no config files.
          env: {
            PATH: process.env['PATH'] ?? '',
            HOME: home,
            AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none'),
            AWS_CONFIG_FILE: path.join(home, 'none'),
            AWS_EC2_METADATA_DISABLED: 'true',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      try {
        const url = await firstLine(child, () => stderr);
        // submit (this process, signed as S3's test user) hands the task to the child, which reads S3 itself.
        for (const [name, value] of Object.entries(s3.env)) vi.stubEnv(name, value);
        const { exit, stdout: out } = await tsbatch([
          'submit',
          'examples/fleet/task.json',
          '--endpoint-url',
          url,
          '--poll-interval',
          '0.05',
          '--create-table',
          '--magnetic-writes',
          '--json',
        ]);
        vi.unstubAllEnvs();
        const result = JSON.parse(out) as {
          BatchLoadTaskDescription: {
            TaskStatus: string;
            ProgressReport: Record<string, number>;
            TaskId: string;
          };
          DryRun: { ProgressReport: Record<string, number> };
        };
        expect(exit, stderr).toBe(1);
        expect(result.BatchLoadTaskDescription.TaskStatus).toBe('FAILED');
        expect(result.BatchLoadTaskDescription.ProgressReport).toEqual(result.DryRun.ProgressReport);
        const report = await listKeys(s3, 'test-batch-load-report-west-2', '');
        expect(
          report.some((k) => k.endsWith(`${result.BatchLoadTaskDescription.TaskId}/error-report.json`)),
        ).toBe(true);

        const { qldb, ts } = clients(url);
        try {
          const id = await startExport(qldb, {
            name: 'BatchLoadExampleDatabase',
            bucket: 'ledger-exports',
            prefix: 'journal',
            format: 'JSON',
            end: new Date(),
          });
          expect((await exported(qldb, 'BatchLoadExampleDatabase', id)).Status, stderr).toBe('COMPLETED');
          const keys = await listKeys(s3, 'ledger-exports', 'journal/');
          expect(keys).toContain(`journal/${id}.started.manifest`);
          const data = keys.filter((k) => !k.endsWith('.manifest'));
          expect(data.length).toBeGreaterThan(0);
          const revisions = (
            await Promise.all(
              data.map(async (k) => (await getObject(s3, 'ledger-exports', k)).toString('utf8')),
            )
          )
            .join('')
            .split('\n')
            .filter((l) => l !== '')
            .reduce((n, l) => n + (JSON.parse(l) as { revisions: unknown[] }).revisions.length, 0);
          expect(revisions).toBe(result.BatchLoadTaskDescription.ProgressReport['RecordsIngested']);
        } finally {
          qldb.destroy();
          ts.destroy();
        }
        expect(stderr).not.toMatch(/internal error|\n\s+at /);
      } finally {
        vi.unstubAllEnvs();
        child.kill('SIGINT');
        await new Promise((resolve) =>
          child.exitCode === null ? child.once('exit', resolve) : resolve(null),
        );
      }
    }, 180_000);
  },
);

function firstLine(child: ChildProcess, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`tsbatch serve exited with ${code}: ${stderr()}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl !== -1) resolve(out.slice(0, nl).trim());
    });
  });
}
