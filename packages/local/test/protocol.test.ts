import { CreateDatabaseCommand, ListDatabasesCommand } from '@aws-sdk/client-timestream-write';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, CREDENTIALS, failure, startTestServer, type TestServer } from './helpers.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ maxBodyBytes: 4096 });
});
afterAll(async () => {
  await t.close();
});

/** A raw AWS JSON 1.0 call, as an SDK would send it (unsigned: the server accepts any signature by default). */
async function call(
  target: string | null,
  body: string,
  init: RequestInit = {},
): Promise<{ status: number; json: unknown; headers: Headers }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.0' };
  if (target !== null) headers['x-amz-target'] = target;
  const res = await fetch(t.server.url, { method: 'POST', headers, body, ...init });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

describe('AWS JSON 1.0 protocol (R-LOCAL-1)', () => {
  it('answers an operation with application/x-amz-json-1.0 and a request id', async () => {
    const res = await call('Timestream_20181101.ListDatabases', '{}');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.json).toEqual({ Databases: [] });
  });

  it('sends errors as {__type, message} with the model namespace and the x-amzn-errortype header', async () => {
    const res = await call('Timestream_20181101.DescribeDatabase', '{"DatabaseName":"nope"}');
    expect(res.status).toBe(400); // every client error is 400 (R-LOCAL-1)
    expect(res.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(res.json).toEqual({
      __type: 'com.amazonaws.timestream.v20181101#ResourceNotFoundException',
      message: 'The database nope does not exist.',
      Message: 'The database nope does not exist.',
    });
  });

  it('answers UnknownOperationException for an unknown or missing target, and for other paths', async () => {
    const unknown = await call('Timestream_20181101.DropEverything', '{}');
    expect(unknown.status).toBe(400);
    expect(unknown.json).toMatchObject({
      __type: 'com.amazon.coral.service#UnknownOperationException',
      message: 'Unknown operation Timestream_20181101.DropEverything',
    });
    const other = await call('DynamoDB_20120810.ListTables', '{}');
    expect(other.json).toMatchObject({ __type: 'com.amazon.coral.service#UnknownOperationException' });
    const missing = await call(null, '{}');
    expect(missing.json).toMatchObject({ message: 'Missing X-Amz-Target' });
    const get = await fetch(t.server.url);
    expect(get.status).toBe(400);
  });

  it('answers SerializationException (400) for malformed JSON and for members of the wrong type', async () => {
    const broken = await call('Timestream_20181101.CreateDatabase', '{"DatabaseName": ');
    expect(broken.status).toBe(400);
    expect(broken.json).toMatchObject({
      __type: 'com.amazon.coral.service#SerializationException',
      message: 'The request body is not valid JSON.',
    });
    const wrongType = await call('Timestream_20181101.CreateDatabase', '{"DatabaseName": 12}');
    expect(wrongType.status).toBe(400);
    expect(wrongType.json).toMatchObject({ message: "Expected a string at 'databaseName', found number." });
    const notObject = await call('Timestream_20181101.ListDatabases', '[1]');
    expect(notObject.json).toMatchObject({ message: 'The request body must be a JSON object.' });
  });

  it('refuses a body over the size limit with 413 and closes the connection', async () => {
    const res = await call(
      'Timestream_20181101.CreateDatabase',
      JSON.stringify({ DatabaseName: 'x'.repeat(5000) }),
    );
    expect(res.status).toBe(413);
    expect(res.headers.get('connection')).toBe('close');
    expect(res.json).toMatchObject({ message: 'The request body is larger than 4096 bytes.' });
  });

  it('refuses request headers over the header limit (431)', async () => {
    const res = await fetch(t.server.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'Timestream_20181101.ListDatabases', 'x-padding': 'p'.repeat(20_000) },
      body: '{}',
    });
    expect(res.status).toBe(431);
  });

  it('answers the health and fault admin calls under /_tsbatch/', async () => {
    expect(await (await fetch(`${t.server.url}/_tsbatch/health`)).json()).toEqual({ status: 'ok' });
    const faults = (await (await fetch(`${t.server.url}/_tsbatch/faults`)).json()) as Record<string, unknown>;
    expect(faults).toMatchObject({ throttle: 0, error: 0, drop: 0, delay: { ms: 0, rate: 0 } });
    const bad = await fetch(`${t.server.url}/_tsbatch/faults`, { method: 'POST', body: '{"throttle": 2}' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ message: 'fault throttle must be a fraction from 0 to 1, got 2' });
  });
});

describe('SigV4 verification (R-LOCAL-1)', () => {
  let signed: TestServer;
  beforeAll(async () => {
    signed = await startTestServer({
      credentials: [
        CREDENTIALS,
        { accessKeyId: 'AKIDREADONLY', secretAccessKey: 'ro', operations: ['ListDatabases'] },
      ],
    });
  });
  afterAll(async () => {
    await signed.close();
  });

  it('accepts requests signed by a configured key', async () => {
    const out = await signed.client.send(new CreateDatabaseCommand({ DatabaseName: 'signed' }));
    expect(out.Database?.DatabaseName).toBe('signed');
  });

  it('refuses a wrong secret with InvalidSignatureException (403)', async () => {
    const client = clientFor(signed.server.url, {
      credentials: { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: 'wrong' },
    });
    const e = await failure(client.send(new ListDatabasesCommand({})));
    client.destroy();
    expect(e.name).toBe('InvalidSignatureException');
    expect((e.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403);
    expect(e.message).toMatch(/^The request signature we calculated does not match/);
  });

  it('refuses an unknown key with UnrecognizedClientException and an unsigned request with MissingAuthenticationTokenException', async () => {
    const client = clientFor(signed.server.url, {
      credentials: { accessKeyId: 'AKIDOTHER', secretAccessKey: 'x' },
    });
    const e = await failure(client.send(new ListDatabasesCommand({})));
    client.destroy();
    expect(e.name).toBe('UnrecognizedClientException');
    const raw = await fetch(signed.server.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'Timestream_20181101.ListDatabases' },
      body: '{}',
    });
    expect(raw.status).toBe(403);
    expect(await raw.json()).toMatchObject({
      __type: 'com.amazon.coral.service#MissingAuthenticationTokenException',
    });
  });

  it('answers AccessDeniedException (400, as the API reference lists it) for an operation the key may not call', async () => {
    const client = clientFor(signed.server.url, {
      credentials: { accessKeyId: 'AKIDREADONLY', secretAccessKey: 'ro' },
    });
    const list = await client.send(new ListDatabasesCommand({}));
    const e = await failure(client.send(new CreateDatabaseCommand({ DatabaseName: 'denied' })));
    client.destroy();
    expect(list.Databases?.map((d) => d.DatabaseName)).toEqual(['signed']);
    expect(e.name).toBe('AccessDeniedException');
    expect((e.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
    expect(e.message).toBe(
      'User: arn:aws:iam::000000000000:user/AKIDREADONLY is not authorized to perform: timestream:CreateDatabase',
    );
  });
});
