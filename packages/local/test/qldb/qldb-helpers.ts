import { mkdirSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { QLDBClient } from '@aws-sdk/client-qldb';
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  WriteRecordsCommand,
  type _Record,
} from '@aws-sdk/client-timestream-write';
import { CREDENTIALS, startTestServer, tempDir, type TestServer } from '../helpers.js';
import type { LocalServerOptions } from '../../src/index.js';

export const ROLE_ARN = 'arn:aws:iam::000000000000:role/qldb-export';
export const BUCKET = 'journal-bucket';

export interface QldbTestServer extends TestServer {
  qldb: QLDBClient;
  s3Root: string;
  bucketDir: string;
}

/** A server with an --s3-root holding one bucket folder, a Timestream client and the real QLDB client. */
export async function startQldbServer(options: LocalServerOptions = {}): Promise<QldbTestServer> {
  const s3Root = options.s3Root ?? tempDir('tsbatch-qldb-s3-');
  mkdirSync(path.join(s3Root, BUCKET), { recursive: true });
  const t = await startTestServer({ ...options, s3Root });
  const qldb = new QLDBClient({
    region: 'us-east-1',
    endpoint: t.server.url,
    credentials: CREDENTIALS,
    maxAttempts: 1,
  });
  return {
    ...t,
    qldb,
    s3Root,
    bucketDir: path.join(s3Root, BUCKET),
    async close(): Promise<void> {
      qldb.destroy();
      await t.close();
    },
  };
}

export async function createTable(t: TestServer, database: string, table: string): Promise<void> {
  await t.client.send(new CreateDatabaseCommand({ DatabaseName: database })).catch((e: Error) => {
    if (e.name !== 'ConflictException') throw e;
  });
  await t.client.send(new CreateTableCommand({ DatabaseName: database, TableName: table }));
}

/** A record of `n` at `time` (ms), as WriteRecords takes it. */
export function record(n: number, time: number, version = 1): _Record {
  return {
    Dimensions: [{ Name: 'truck', Value: `T${n}`, DimensionValueType: 'VARCHAR' }],
    MeasureName: 'speed',
    MeasureValue: String(n + 0.5),
    MeasureValueType: 'DOUBLE',
    Time: String(time),
    TimeUnit: 'MILLISECONDS',
    Version: version,
  };
}

export async function write(
  t: TestServer,
  database: string,
  table: string,
  records: _Record[],
): Promise<void> {
  await t.client.send(
    new WriteRecordsCommand({ DatabaseName: database, TableName: table, Records: records }),
  );
}

/** Every file under a folder, as keys relative to it ('/'-separated), sorted. */
export async function keysUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, prefix: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(path.join(d, e.name), `${prefix}${e.name}/`);
      else out.push(`${prefix}${e.name}`);
    }
  };
  await walk(dir, '');
  return out.sort();
}

export async function readKey(bucketDir: string, key: string): Promise<Buffer> {
  return readFile(path.join(bucketDir, ...key.split('/')));
}
