/**
 * A real S3-compatible server for the tests: moto (getmoto, the S3 stand-in botocore's own tests use) in server
 * mode, started on a free loopback port and stopped by its pid. Tests put files in it with the real SDK client.
 * Without moto the tests skip with that reason, except in CI (CI=true), where a missing server is a failure.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import { s3ClientConfig, type AwsSettings } from '../src/index.js';

/** moto_server on PATH (the machine image's), or TSBATCH_MOTO_SERVER. */
const MOTO = process.env['TSBATCH_MOTO_SERVER'] ?? 'moto_server';

/** Placeholder credentials: moto checks none, the SDK signs with these. */
export const TEST_CREDENTIALS = { accessKeyId: 'tsbatch-test', secretAccessKey: 'tsbatch-test' };

/** Why the S3 tests cannot run here, or null when moto is there. */
export function s3ServerMissing(): string | null {
  const probe = spawnSync(MOTO, ['--help'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.error === undefined && probe.status === 0) return null;
  const why = `moto_server is not installed (${probe.error?.message ?? `exit ${probe.status}`})`;
  if (process.env['CI'] === 'true') throw new Error(`${why}: .ci/run must provide it`);
  return why;
}

export interface S3TestServer {
  endpoint: string;
  client: S3Client;
  /** Settings for the reader under test: the endpoint, a region, the placeholder credentials. */
  settings: AwsSettings;
  /** Environment for a child process (the CLI) reaching this server through the standard variables. */
  env: Record<string, string>;
  createBucket(name: string): Promise<void>;
  put(bucket: string, key: string, body: string | Buffer): Promise<string>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitUntilUp(endpoint: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${endpoint}/`);
      await response.arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${endpoint} within 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Starts moto on a free loopback port. */
export async function startS3Server(): Promise<S3TestServer> {
  const port = await freePort();
  const child = spawn(MOTO, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(endpoint, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr}`, { cause: error });
  }
  const settings: AwsSettings = { s3Endpoint: endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS };
  const client = new S3Client(s3ClientConfig(settings));
  return {
    endpoint,
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
    async close() {
      client.destroy();
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

export interface ListingProxy {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * A loopback proxy in front of the real server that changes only what S3 reports, never the data: ListObjectsV2
 * answers give `sizes[key]` as the Size of those keys (an object over the 5 GB quota without 5 GB of disk), and
 * every request for a bucket in `denied` gets S3's own AccessDenied error document (403), as a bucket policy would.
 */
export async function startListingProxy(
  target: string,
  options: { sizes?: Record<string, number>; denied?: string[] },
): Promise<ListingProxy> {
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', target);
    const bucket = url.pathname.split('/')[1] ?? '';
    if (options.denied?.includes(bucket)) {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
      );
      return;
    }
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer: IncomingMessage) => {
        const listing = req.method === 'GET' && url.searchParams.get('list-type') === '2';
        if (!listing || options.sizes === undefined) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        const parts: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => parts.push(chunk));
        answer.on('end', () => {
          let xml = Buffer.concat(parts).toString('utf8');
          for (const [key, size] of Object.entries(options.sizes!)) {
            const at = xml.indexOf(`<Key>${key}</Key>`);
            if (at === -1) continue;
            const sizeAt = xml.indexOf('<Size>', at);
            const sizeEnd = xml.indexOf('</Size>', sizeAt);
            xml = `${xml.slice(0, sizeAt)}<Size>${size}${xml.slice(sizeEnd)}`;
          }
          const headers = { ...answer.headers };
          delete headers['content-length'];
          res.writeHead(answer.statusCode ?? 200, headers);
          res.end(xml);
        });
      },
    );
    forward.on('error', (error) => {
      res.writeHead(502);
      res.end(error.message);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
