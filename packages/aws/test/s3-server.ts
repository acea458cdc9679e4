/**
 * A real S3-compatible server for the tests, started by the tests themselves on a free loopback port and stopped by
 * its pid: s3rver (npm, a devDependency of @tsbatch/aws, so `pnpm install` provides it on any machine) in its own
 * Node process. Tests put files in it with the real SDK client.
 *
 * [choice] s3rver is the server everywhere, so a green run here predicts CI. `TSBATCH_S3_SERVER=moto` runs the same
 * tests against moto_server (where installed) to cross-check a second implementation, which also honours If-Match.
 * What s3rver lacks, and how the tests cover it:
 * - If-Match on GET is ignored: the reader still sees the ETag of every ranged GET and stops on a changed one; the
 *   412 answer of S3 itself is exercised through s3-proxy.ts (`ifMatch`), which applies If-Match as S3 documents it.
 * - A key that sorts before `/` next to a "folder" (`b.csv` beside `b/z.csv`) is listed after the folder, and a
 *   continuation token then skips it: tests that page across pages keep clear of that layout (real S3 lists bytes).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import { s3ClientConfig, type AwsSettings } from '../src/index.js';

export type S3ServerKind = 's3rver' | 'moto';

/** The server the tests start: s3rver unless TSBATCH_S3_SERVER=moto. */
export const S3_SERVER_KIND: S3ServerKind = process.env['TSBATCH_S3_SERVER'] === 'moto' ? 'moto' : 's3rver';

/** s3rver knows one access key (it does not check SigV4 signatures, only the key id); moto takes any. */
export const TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const MOTO = process.env['TSBATCH_MOTO_SERVER'] ?? 'moto_server';
const LAUNCHER = fileURLToPath(new URL('./s3rver-main.mjs', import.meta.url));

/** Why the S3 tests cannot run here, or null. In CI (CI=true) a missing server is a failure, never a skip. */
export function s3ServerMissing(): string | null {
  let why: string | null = null;
  if (S3_SERVER_KIND === 'moto') {
    const probe = spawnSync(MOTO, ['--help'], { encoding: 'utf8', timeout: 30_000 });
    if (probe.error !== undefined || probe.status !== 0)
      why = `TSBATCH_S3_SERVER=moto but moto_server is not installed (${probe.error?.message ?? `exit ${probe.status}`})`;
  } else {
    try {
      createRequire(import.meta.url).resolve('s3rver');
    } catch {
      why = 's3rver is not installed: run pnpm install';
    }
  }
  if (why !== null && process.env['CI'] === 'true') throw new Error(`${why}: CI must run the S3 tests`);
  return why;
}

export interface S3TestServer {
  kind: S3ServerKind;
  endpoint: string;
  /** The server process's id (the bench reads its CPU time from /proc). */
  pid: number | undefined;
  /** Whether GET honours If-Match itself (412); s3rver does not, the ETag of each answer still tells a change. */
  honoursIfMatch: boolean;
  client: S3Client;
  /** Settings for the reader under test: the endpoint, a region, the test credentials. */
  settings: AwsSettings;
  /** Environment for a child process (the CLI) reaching this server through the standard variables. */
  env: Record<string, string>;
  createBucket(name: string): Promise<void>;
  put(bucket: string, key: string, body: string | Buffer): Promise<string>;
  /** Puts a file streamed from disk (the bench's GB files, never held in memory). */
  putFile(bucket: string, key: string, file: string): Promise<string>;
  close(): Promise<void>;
}

interface Started {
  endpoint: string;
  child: ChildProcess;
  cleanup: () => void;
}

/** The first line the child prints, within 30 s. */
function firstLine(child: ChildProcess, what: string, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`${what} did not start within 30 s`)), 30_000);
    function fail(error: Error): void {
      clearTimeout(timer);
      reject(new Error(`${error.message}\n${stderr()}`, { cause: error }));
    }
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`${what} exited with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const end = out.indexOf('\n');
      if (end === -1) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve(out.slice(0, end));
    });
  });
}

async function startS3rver(): Promise<Started> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-s3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', LAUNCHER, directory], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  try {
    const { port } = JSON.parse(await firstLine(child, 's3rver', () => stderr)) as { port: number };
    return {
      endpoint: `http://127.0.0.1:${port}`,
      child,
      cleanup: () => rmSync(directory, { recursive: true, force: true }),
    };
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
}

async function startMoto(): Promise<Started> {
  // moto picks no port itself: take a free one, then wait until it answers.
  const { createServer } = await import('node:net');
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const child = spawn(MOTO, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await (await fetch(`${endpoint}/`)).arrayBuffer();
      return { endpoint, child, cleanup: () => undefined };
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`moto_server did not answer on ${endpoint} (exit ${child.exitCode})\n${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Starts the S3 server on a free loopback port. */
export async function startS3Server(): Promise<S3TestServer> {
  const { endpoint, child, cleanup } = S3_SERVER_KIND === 'moto' ? await startMoto() : await startS3rver();
  const settings: AwsSettings = { s3Endpoint: endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS };
  const client = new S3Client(s3ClientConfig(settings));
  return {
    kind: S3_SERVER_KIND,
    endpoint,
    pid: child.pid,
    honoursIfMatch: S3_SERVER_KIND === 'moto',
    client,
    settings,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async put(bucket, key, body) {
      const out = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      return out.ETag ?? '';
    },
    async putFile(bucket, key, file) {
      const out = await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: createReadStream(file),
          ContentLength: statSync(file).size,
        }),
      );
      return out.ETag ?? '';
    },
    async close() {
      client.destroy();
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.stdin?.end();
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      cleanup();
    },
  };
}
