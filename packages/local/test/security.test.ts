/**
 * Local endpoint security (R-LOCAL-1), over real HTTP: loopback by default, bounded bodies and heads, malformed
 * requests answered in the service's error shape, slow clients cut off, --s3-root containment (R-IN-3) in
 * CreateBatchLoadTask, SigV4 verification with the real SDK, and logs free of secrets and record contents.
 */
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateBatchLoadTaskCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  ListDatabasesCommand,
  WriteRecordsCommand,
  type CreateBatchLoadTaskCommandInput,
} from '@aws-sdk/client-timestream-write';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BODY_BYTES, resolveLocalServerOptions } from '../src/index.js';
import { clientFor, CREDENTIALS, failure, startTestServer, tempDir, type TestServer } from './helpers.js';

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');
const TARGET = 'Timestream_20181101.';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown>;
}

/** One POST through node:http, body as given (any bytes), no SDK in the way. */
function post(url: string, target: string | null, body: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          ...(target !== null && { 'x-amz-target': target }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A raw TCP connection to the server, collecting what it answers and when it closes. */
function rawSocket(url: string): { socket: Socket; received: () => string; closed: Promise<number> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let text = '';
  const started = Date.now();
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
  return { socket, received: () => text, closed };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('binding (R-LOCAL-1)', () => {
  it('listens on loopback unless told otherwise', async () => {
    expect(resolveLocalServerOptions().host).toBe('127.0.0.1');
    const t = await startTestServer();
    try {
      expect(t.server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // Another address of this machine is not served (when it has one).
      const other = Object.values(os.networkInterfaces())
        .flat()
        .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal);
      if (other !== undefined) {
        const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
          const s = connect(t.server.port, other.address);
          s.once('connect', () => {
            s.destroy();
            resolve(null);
          });
          s.once('error', resolve);
        });
        expect(error?.code).toBe('ECONNREFUSED');
      }
    } finally {
      await t.close();
    }
  });
});

describe('request size limits (R-LOCAL-1)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ maxBodyBytes: 64 * 1024 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('keeps the default body limit above the largest legal WriteRecords, even fully escaped', async () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBe(4 * 1024 * 1024);
    // 100 records of 2 KiB of values that JSON writes six bytes each (\u0001): the worst a legal call can be.
    const value = '\u0001'.repeat(2000);
    const records = Array.from({ length: 100 }, (_, i) => ({
      Dimensions: [{ Name: 'd', Value: value }],
      MeasureName: 'm',
      MeasureValue: String(i),
      Time: String(i + 1),
    }));
    const body = JSON.stringify({ DatabaseName: 'db', TableName: 'tb', Records: records });
    expect(body.length).toBeGreaterThan(1_200_000);
    expect(body.length).toBeLessThan(DEFAULT_MAX_BODY_BYTES);
    const big = await startTestServer();
    try {
      const res = await post(big.server.url, `${TARGET}WriteRecords`, body);
      // Read and judged: the table does not exist, which is not a size problem.
      expect(res.status).toBe(400);
      expect(res.json['__type']).toBe('com.amazonaws.timestream.v20181101#ResourceNotFoundException');
    } finally {
      await big.close();
    }
  });

  it('answers a declared oversize body 413 RequestEntityTooLargeException at once, unread, and closes', async () => {
    const c = rawSocket(t.server.url);
    c.socket.write(
      `POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: ${TARGET}ListDatabases\r\n` +
        `Content-Type: application/x-amz-json-1.0\r\nContent-Length: ${100 * 1024 * 1024}\r\n\r\n{`,
    );
    await c.closed;
    const [head = '', body = ''] = c.received().split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 413 /);
    expect(head.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(body)).toMatchObject({
      __type: 'com.amazon.coral.service#RequestEntityTooLargeException',
      message: 'The request body is larger than 65536 bytes.',
    });
  });

  it('stops reading a streamed (chunked) body once it passes the limit: the client cannot push on', async () => {
    const c = rawSocket(t.server.url);
    c.socket.write(
      `POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: ${TARGET}ListDatabases\r\n` +
        'Transfer-Encoding: chunked\r\n\r\n',
    );
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const frame = Buffer.concat([
      Buffer.from(`${chunk.length.toString(16)}\r\n`),
      chunk,
      Buffer.from('\r\n'),
    ]);
    let sent = 0;
    let open = true;
    void c.closed.then(() => (open = false));
    const heapBefore = process.memoryUsage().heapUsed;
    // Offer 512 MiB; the server must cut the connection long before.
    while (open && sent < 512 * 1024 * 1024) {
      const ok = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 2_000);
        c.socket.write(frame, (error) => {
          clearTimeout(timer);
          resolve(error === undefined || error === null);
        });
      });
      if (!ok) break;
      sent += chunk.length;
    }
    c.socket.destroy();
    await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 413 /);
    // What got through is the limit plus what the kernel's socket buffers hold, not the 512 MiB offered.
    expect(sent).toBeLessThan(64 * 1024 * 1024);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses a request head over maxHeaderBytes with 431', async () => {
    const small = await startTestServer({ maxHeaderBytes: 2048 });
    try {
      const c = rawSocket(small.server.url);
      c.socket.write(`POST / HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'p'.repeat(4096)}\r\n\r\n`);
      await c.closed;
      expect(c.received()).toMatch(/^HTTP\/1\.1 431 /);
    } finally {
      await small.close();
    }
  });
});

describe('malformed requests answer the AWS JSON 1.0 error shape (R-LOCAL-1)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['truncated JSON', '{"DatabaseName": "a"'],
    ['a trailing comma', '{"DatabaseName": "a",}'],
    ['not JSON at all', 'DatabaseName=a'],
    ['bytes that are not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
    ['100000 nested arrays', '['.repeat(100_000) + ']'.repeat(100_000)],
  ])('answers %s with 400 SerializationException', async (_name, body) => {
    const res = await post(t.server.url, `${TARGET}CreateDatabase`, body);
    expect(res.status).toBe(400);
    expect(res.headers['x-amzn-errortype']).toBe('SerializationException');
    expect(res.json['__type']).toBe('com.amazon.coral.service#SerializationException');
    expect(typeof res.json['message']).toBe('string');
  });

  it('answers a member of the wrong JSON type with SerializationException, as the service deserializer does', async () => {
    const res = await post(t.server.url, `${TARGET}CreateDatabase`, '{"DatabaseName": ["a"]}');
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      __type: 'com.amazon.coral.service#SerializationException',
      message: "Expected a string at 'databaseName', found a list.",
    });
  });

  it('answers a well-typed value breaking a model constraint with ValidationException', async () => {
    const res = await post(
      t.server.url,
      `${TARGET}CreateDatabase`,
      JSON.stringify({ DatabaseName: 'x'.repeat(300) }),
    );
    expect(res.status).toBe(400);
    expect(res.json['__type']).toBe('com.amazonaws.timestream.v20181101#ValidationException');
    expect(res.json['message']).toMatch(
      /^1 validation error detected: Value '.*' at 'databaseName' failed to satisfy constraint: Member must have length less than or equal to 256/,
    );
  });

  it('answers an unknown or missing X-Amz-Target with UnknownOperationException', async () => {
    for (const target of [`${TARGET}__proto__`, `${TARGET}constructor`, 'Other_1.WriteRecords', null]) {
      const res = await post(t.server.url, target, '{}');
      expect(res.json['__type'], String(target)).toBe('com.amazon.coral.service#UnknownOperationException');
    }
  });
});

describe('slow clients are cut off (R-LOCAL-1)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      headersTimeoutMs: 400,
      requestTimeoutMs: 800,
      idleTimeoutMs: 1_500,
      keepAliveTimeoutMs: 300,
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('closes a connection that trickles its head (slowloris) after headersTimeout', async () => {
    const c = rawSocket(t.server.url);
    c.socket.write('POST / HTTP/1.1\r\nHost: localhost\r\n');
    const trickle = setInterval(() => c.socket.write('X'), 50);
    const ms = await c.closed;
    clearInterval(trickle);
    expect(ms).toBeLessThan(3_000);
    expect(c.received()).toMatch(/^(HTTP\/1\.1 408 |$)/);
  });

  it('closes a connection that trickles its body after requestTimeout', async () => {
    const c = rawSocket(t.server.url);
    c.socket.write(
      `POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: ${TARGET}ListDatabases\r\nContent-Length: 1000\r\n\r\n`,
    );
    const trickle = setInterval(() => c.socket.write(' '), 50);
    const ms = await c.closed;
    clearInterval(trickle);
    expect(ms).toBeGreaterThanOrEqual(400);
    expect(ms).toBeLessThan(4_000);
    expect(c.received()).not.toContain('200 OK');
  });

  it('closes a connection that never sends anything', async () => {
    const c = rawSocket(t.server.url);
    expect(await c.closed).toBeLessThan(4_000);
  });

  it('keeps serving a real SDK client across kept-alive and closed idle connections', async () => {
    const client = clientFor(t.server.url);
    try {
      await client.send(new CreateDatabaseCommand({ DatabaseName: 'slow_ok' }));
      await client.send(new ListDatabasesCommand({}));
      await sleep(600); // past keepAliveTimeout: the server has closed the idle socket
      const out = await client.send(new ListDatabasesCommand({}));
      expect(out.Databases?.map((d) => d.DatabaseName)).toContain('slow_ok');
    } finally {
      client.destroy();
    }
  });

  it('keeps the defaults generous for SDK clients', () => {
    const o = resolveLocalServerOptions();
    expect([o.headersTimeoutMs, o.requestTimeoutMs, o.idleTimeoutMs, o.keepAliveTimeoutMs]).toEqual([
      10_000, 60_000, 120_000, 5_000,
    ]);
  });
});

describe('--s3-root containment in CreateBatchLoadTask (R-IN-3)', () => {
  let t: TestServer;
  let root: string;
  const fleet = JSON.parse(
    readFileSync(path.join(EXAMPLES, 'fleet/task.json'), 'utf8'),
  ) as CreateBatchLoadTaskCommandInput;
  const task = (
    source: { BucketName: string; ObjectKeyPrefix: string },
    report?: { BucketName: string; ObjectKeyPrefix?: string },
  ): CreateBatchLoadTaskCommandInput => ({
    ...fleet,
    TargetDatabaseName: 'esc_db',
    TargetTableName: 'esc_tb',
    DataSourceConfiguration: { ...fleet.DataSourceConfiguration!, DataSourceS3Configuration: source },
    ...(report !== undefined && {
      ReportConfiguration: { ReportS3Configuration: { ...report, EncryptionOption: 'SSE_S3' } },
    }),
  });

  beforeAll(async () => {
    const base = tempDir('tsbatch-escape-');
    root = path.join(base, 's3');
    const outside = path.join(base, 'outside');
    cpSync(path.join(EXAMPLES, 'fleet/s3'), root, { recursive: true });
    mkdirSync(outside);
    writeFileSync(
      path.join(outside, 'secret.csv'),
      readFileSync(path.join(root, 'test-batch-load-west-2/sample.csv')),
    );
    symlinkSync(path.join(outside, 'secret.csv'), path.join(root, 'test-batch-load-west-2', 'link.csv'));
    symlinkSync(outside, path.join(root, 'linked-bucket'));
    mkdirSync(path.join(root, 'reports'));
    symlinkSync(outside, path.join(root, 'reports', 'out'));
    t = await startTestServer({ s3Root: root, clock: () => new Date('2024-05-01T01:00:00Z') });
    await t.client.send(new CreateDatabaseCommand({ DatabaseName: 'esc_db' }));
    await t.client.send(new CreateTableCommand({ DatabaseName: 'esc_db', TableName: 'esc_tb' }));
  });
  afterAll(async () => {
    await t.close();
  });

  it('accepts a source inside the root (the control case)', async () => {
    const out = await t.client.send(
      new CreateBatchLoadTaskCommand(
        task({ BucketName: 'test-batch-load-west-2', ObjectKeyPrefix: 'sample.csv' }),
      ),
    );
    expect(out.TaskId).toMatch(/^[0-9A-F]{32}$/);
    await t.server.idle();
  });

  it.each([
    [
      'a key with .. segments',
      { BucketName: 'test-batch-load-west-2', ObjectKeyPrefix: 'data/../../outside/secret.csv' },
      /Key "data\/\.\.\/\.\.\/outside\/secret\.csv" would leave the bucket folder/,
    ],
    [
      'an absolute key',
      { BucketName: 'test-batch-load-west-2', ObjectKeyPrefix: '/etc/passwd' },
      // The service's own key pattern refuses a leading / before any folder is looked at.
      /ObjectKeyPrefix: must be an S3 key .*\(got "\/etc\/passwd"\)/,
    ],
    [
      'a key that is a link out',
      { BucketName: 'test-batch-load-west-2', ObjectKeyPrefix: 'link.csv' },
      /key "link\.csv": .* resolves to .*outside/,
    ],
    [
      'a bucket that is a link out',
      { BucketName: 'linked-bucket', ObjectKeyPrefix: 'secret.csv' },
      /bucket linked-bucket: .* resolves to .*outside/,
    ],
  ])('refuses %s with a ValidationException naming it', async (_name, source, message) => {
    const e = await failure(t.client.send(new CreateBatchLoadTaskCommand(task(source))));
    expect(e.name).toBe('ValidationException');
    expect(e.message).toMatch(message);
  });

  it.each([
    [
      'a report prefix with .. segments',
      'r/../../../outside',
      /ReportS3Configuration: Key "r\/\.\.\/\.\.\/\.\.\/outside" would leave the bucket folder/,
    ],
    [
      'a report prefix through a link out',
      'out/reports/',
      /s3:\/\/reports\/out\/reports\/: .* resolves to .*outside/,
    ],
  ])('refuses %s with a ValidationException naming it', async (_name, prefix, message) => {
    const source = { BucketName: 'test-batch-load-west-2', ObjectKeyPrefix: 'sample.csv' };
    const e = await failure(
      t.client.send(
        new CreateBatchLoadTaskCommand(task(source, { BucketName: 'reports', ObjectKeyPrefix: prefix })),
      ),
    );
    expect(e.name).toBe('ValidationException');
    expect(e.message).toMatch(message);
  });
});

describe('SigV4 verification with the real SDK (R-LOCAL-1)', () => {
  let t: TestServer;
  const lines: string[] = [];
  beforeAll(async () => {
    t = await startTestServer({ credentials: [CREDENTIALS], log: (line) => lines.push(line) });
  });
  afterAll(async () => {
    await t.close();
  });

  it('accepts the right key and secret, with and without a session token header signed', async () => {
    await t.client.send(new CreateDatabaseCommand({ DatabaseName: 'sig_ok' }));
    const withToken = clientFor(t.server.url, {
      credentials: { ...CREDENTIALS, sessionToken: 'session-token' },
    });
    try {
      const out = await withToken.send(new ListDatabasesCommand({}));
      expect(out.Databases?.map((d) => d.DatabaseName)).toContain('sig_ok');
    } finally {
      withToken.destroy();
    }
  });

  it('refuses a wrong key id (UnrecognizedClientException) and a wrong secret (InvalidSignatureException), 403', async () => {
    for (const [credentials, name] of [
      [
        { accessKeyId: 'AKIDWRONG', secretAccessKey: CREDENTIALS.secretAccessKey },
        'UnrecognizedClientException',
      ],
      [
        { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' },
        'InvalidSignatureException',
      ],
    ] as const) {
      const client = clientFor(t.server.url, { credentials });
      const e = await failure(client.send(new ListDatabasesCommand({})));
      client.destroy();
      expect(e.name).toBe(name);
      expect((e.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403);
    }
  });

  it('refuses a body changed after signing, with or without the payload hash header', async () => {
    for (const dropHash of [false, true]) {
      const client = clientFor(t.server.url);
      // The deserialize step runs after signing: change what goes on the wire, as a man in the middle would.
      client.middlewareStack.add(
        (next) => async (args) => {
          const req = args.request as { body: string; headers: Record<string, string> };
          req.body = JSON.stringify({ DatabaseName: 'tampered' });
          req.headers['content-length'] = String(Buffer.byteLength(req.body));
          if (dropHash) delete req.headers['x-amz-content-sha256'];
          return next(args);
        },
        { step: 'deserialize', priority: 'low' },
      );
      const e = await failure(client.send(new CreateDatabaseCommand({ DatabaseName: 'signed_name' })));
      client.destroy();
      expect(e.name, `dropHash=${dropHash}`).toBe('InvalidSignatureException');
    }
  });

  it('refuses a signature scoped to another service', async () => {
    const client = clientFor(t.server.url, { signingName: 'dynamodb' } as never);
    const e = await failure(client.send(new ListDatabasesCommand({})));
    client.destroy();
    expect(e.name).toBe('InvalidSignatureException');
    expect(e.message).toBe("Credential should be scoped to correct service: 'timestream'.");
  });

  it('refuses an unsigned request (MissingAuthenticationTokenException) and a garbled header', async () => {
    const unsigned = await post(t.server.url, `${TARGET}ListDatabases`, '{}');
    expect(unsigned.status).toBe(403);
    expect(unsigned.json['__type']).toBe('com.amazon.coral.service#MissingAuthenticationTokenException');
    const garbled = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        t.server.url,
        {
          method: 'POST',
          agent: false,
          headers: { 'x-amz-target': `${TARGET}ListDatabases`, authorization: 'Bearer x' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    expect(garbled).toBe(403);
  });
});

describe('logs (R-LOCAL-1)', () => {
  it('never hold the secret, the Authorization header or record contents', async () => {
    const secret = 'SeCrEt-7c1e9f0b-do-not-log';
    const value = 'dimension-value-5f3a2b-do-not-log';
    const measure = '987654321.123456';
    const lines: string[] = [];
    const t = await startTestServer({
      credentials: [{ accessKeyId: 'AKIDLOG', secretAccessKey: secret }],
      log: (line) => lines.push(line),
    });
    const good = clientFor(t.server.url, {
      credentials: { accessKeyId: 'AKIDLOG', secretAccessKey: secret },
    });
    const bad = clientFor(t.server.url, {
      credentials: { accessKeyId: 'AKIDLOG', secretAccessKey: `${secret}-wrong` },
    });
    try {
      await good.send(new CreateDatabaseCommand({ DatabaseName: 'logdb' }));
      await good.send(new CreateTableCommand({ DatabaseName: 'logdb', TableName: 'logtb' }));
      const record = {
        Dimensions: [{ Name: 'device', Value: value }],
        MeasureName: 'reading',
        MeasureValue: measure,
        MeasureValueType: 'DOUBLE' as const,
        Time: String(Date.now()),
      };
      await good.send(
        new WriteRecordsCommand({ DatabaseName: 'logdb', TableName: 'logtb', Records: [record] }),
      );
      // A rejected record and a malformed one: error paths log too.
      await failure(
        good.send(
          new WriteRecordsCommand({
            DatabaseName: 'logdb',
            TableName: 'logtb',
            Records: [
              { ...record, Time: '1' },
              { ...record, MeasureValue: `${value}-not-a-double` },
            ],
          }),
        ),
      );
      await failure(
        bad.send(new WriteRecordsCommand({ DatabaseName: 'logdb', TableName: 'logtb', Records: [record] })),
      );
      await post(t.server.url, `${TARGET}WriteRecords`, `{"Records": [{"Dimensions": "${value}"`);
    } finally {
      good.destroy();
      bad.destroy();
      await t.close();
    }
    const log = lines.join('\n');
    expect(log).toMatch(/^WriteRecords 200 \d+ms$/m);
    expect(log).toMatch(/^WriteRecords 419 \d+ms$/m);
    expect(log).toMatch(/ 403 \d+ms$/m);
    for (const forbidden of [secret, value, measure, 'AWS4-HMAC-SHA256', 'Signature=', 'AKIDLOG']) {
      expect(log, forbidden).not.toContain(forbidden);
    }
  });
});
