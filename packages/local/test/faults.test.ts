import {
  CreateDatabaseCommand,
  CreateTableCommand,
  ListDatabasesCommand,
  WriteRecordsCommand,
} from '@aws-sdk/client-timestream-write';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultInjector, parseFaultSpec } from '../src/index.js';
import { clientFor, failure, startTestServer, type TestServer } from './helpers.js';

let t: TestServer;
let n = 0;

beforeAll(async () => {
  t = await startTestServer();
  await t.client.send(new CreateDatabaseCommand({ DatabaseName: 'faults' }));
  await t.client.send(new CreateTableCommand({ DatabaseName: 'faults', TableName: 'calls' }));
});
afterAll(async () => {
  await t.close();
});

/** One WriteRecords call; its outcome as the client sees it. */
async function writeOnce(client = t.client): Promise<string> {
  try {
    await client.send(
      new WriteRecordsCommand({
        DatabaseName: 'faults',
        TableName: 'calls',
        Records: [
          {
            Dimensions: [{ Name: 'n', Value: String(++n) }],
            MeasureName: 'm',
            MeasureValue: '1',
            Time: String(Date.now()),
          },
        ],
      }),
    );
    return 'ok';
  } catch (error) {
    return (error as Error).name;
  }
}

async function setFaults(body: unknown): Promise<unknown> {
  const res = await fetch(`${t.server.url}/_tsbatch/faults`, { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return res.json();
}

describe('fault injection', () => {
  it('parses the CLI spec: throttle=F,error=F,drop=F,delay=MS:F', () => {
    expect(parseFaultSpec('throttle=0.3,error=0.05, drop=0.02,delay=200ms:0.1')).toEqual({
      throttle: 0.3,
      error: 0.05,
      drop: 0.02,
      delay: { ms: 200, rate: 0.1 },
    });
    expect(parseFaultSpec('delay=2s:1', { throttle: 0.1 })).toEqual({
      throttle: 0.1,
      delay: { ms: 2000, rate: 1 },
    });
    expect(() => parseFaultSpec('slow=1')).toThrow("unknown fault 'slow'");
    expect(() => parseFaultSpec('delay=fast')).toThrow('fault delay must read like 200ms:0.1');
    expect(() => new FaultInjector({ throttle: 0.6, error: 0.6 })).toThrow('must not exceed 1');
  });

  it('is off by default', async () => {
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => writeOnce()));
    expect(outcomes.every((o) => o === 'ok')).toBe(true);
  });

  it('answers a seeded fraction of WriteRecords calls with ThrottlingException and InternalServerException', async () => {
    await setFaults({ throttle: 0.3, error: 0.1, seed: 7 });
    const outcomes: string[] = [];
    for (let i = 0; i < 400; i++) outcomes.push(await writeOnce());
    const count = (name: string): number => outcomes.filter((o) => o === name).length / outcomes.length;
    expect(count('ThrottlingException')).toBeGreaterThan(0.23);
    expect(count('ThrottlingException')).toBeLessThan(0.37);
    expect(count('InternalServerException')).toBeGreaterThan(0.05);
    expect(count('InternalServerException')).toBeLessThan(0.15);
    // The same seed gives the same faults on the same calls.
    await setFaults({ throttle: 0.3, error: 0.1, seed: 7 });
    const again: string[] = [];
    for (let i = 0; i < 40; i++) again.push(await writeOnce());
    expect(again).toEqual(outcomes.slice(0, 40));
    await setFaults({});
  });

  it('sends the service statuses: 400 for throttling (as the API reference lists it), 500 for an internal error', async () => {
    await setFaults({ spec: 'throttle=1' });
    const throttled = await failure(
      t.client.send(
        new WriteRecordsCommand({
          DatabaseName: 'faults',
          TableName: 'calls',
          Records: [
            { Dimensions: [{ Name: 'a', Value: 'b' }], MeasureName: 'm', MeasureValue: '1', Time: '1' },
          ],
        }),
      ),
    );
    expect(throttled.name).toBe('ThrottlingException');
    expect((throttled.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(400);
    await setFaults({ spec: 'error=1' });
    const internal = await failure(
      t.client.send(
        new WriteRecordsCommand({
          DatabaseName: 'faults',
          TableName: 'calls',
          Records: [
            { Dimensions: [{ Name: 'a', Value: 'b' }], MeasureName: 'm', MeasureValue: '1', Time: '1' },
          ],
        }),
      ),
    );
    expect(internal.name).toBe('InternalServerException');
    expect((internal.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(500);
    // Only WriteRecords is faulted.
    expect((await t.client.send(new ListDatabasesCommand({}))).Databases).toHaveLength(1);
    await setFaults({});
  });

  it('lets the SDK retry a throttled call as it would against the service', async () => {
    await setFaults({ throttle: 1 });
    const client = clientFor(t.server.url, { maxAttempts: 2 });
    const e = await failure(
      client.send(
        new WriteRecordsCommand({
          DatabaseName: 'faults',
          TableName: 'calls',
          Records: [
            { Dimensions: [{ Name: 'a', Value: 'b' }], MeasureName: 'm', MeasureValue: '1', Time: '1' },
          ],
        }),
      ),
    );
    client.destroy();
    expect(e.name).toBe('ThrottlingException');
    expect((e.$metadata as { attempts: number }).attempts).toBe(2);
    await setFaults({});
  });

  it('drops the connection of a faulted call: the client sees a network error, and the next call works', async () => {
    await setFaults({ drop: 1 });
    const client = clientFor(t.server.url);
    const e = await failure(
      client.send(
        new WriteRecordsCommand({
          DatabaseName: 'faults',
          TableName: 'calls',
          Records: [
            { Dimensions: [{ Name: 'a', Value: 'b' }], MeasureName: 'm', MeasureValue: '1', Time: '1' },
          ],
        }),
      ),
    );
    // No HTTP answer at all: no status, only the socket error.
    expect((e['$metadata'] as { httpStatusCode?: number }).httpStatusCode).toBeUndefined();
    expect(`${e['code'] as string} ${e.message}`).toMatch(/ECONNRESET|socket hang up/);
    await setFaults({});
    expect(await writeOnce(client)).toBe('ok');
    client.destroy();
  });

  it('applies a lost call and then drops its connection: the record is stored, the client sees no answer', async () => {
    expect(parseFaultSpec('lost=0.25')).toEqual({ lost: 0.25 });
    expect(() => new FaultInjector({ drop: 0.5, lost: 0.6 })).toThrow('must not exceed 1');
    await setFaults({ lost: 1 });
    const client = clientFor(t.server.url);
    const record = {
      Dimensions: [{ Name: 'lost', Value: 'yes' }],
      MeasureName: 'm',
      MeasureValue: '42',
      Time: String(Date.now()),
    };
    const e = await failure(
      client.send(new WriteRecordsCommand({ DatabaseName: 'faults', TableName: 'calls', Records: [record] })),
    );
    expect((e['$metadata'] as { httpStatusCode?: number }).httpStatusCode).toBeUndefined();
    expect(`${e['code'] as string} ${e.message}`).toMatch(/ECONNRESET|socket hang up/);
    const stored: unknown[] = [];
    for await (const r of t.server.store.records('faults', 'calls')) {
      if (r.Dimensions?.[0]?.Name === 'lost') stored.push(r);
    }
    expect(stored).toEqual([expect.objectContaining({ MeasureValue: '42', Time: record.Time })]);
    // Sent again, the same record is accepted as identical (R-ING-3): a retry after a lost answer is safe.
    await setFaults({});
    await client.send(
      new WriteRecordsCommand({ DatabaseName: 'faults', TableName: 'calls', Records: [record] }),
    );
    client.destroy();
  });

  it('delays a chosen fraction of calls', async () => {
    await setFaults({ spec: 'delay=150ms:1' });
    const started = Date.now();
    expect(await writeOnce()).toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await setFaults({});
    expect(await (await fetch(`${t.server.url}/_tsbatch/faults`)).json()).toMatchObject({
      delay: { ms: 0, rate: 0 },
    });
  });
});
