import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { OUTSIDE_WINDOW_REASON, VERSION_CONFLICT_REASON, type TimestreamRecord } from '@tsbatch/core';
import type { LocalServer } from '@tsbatch/local';
import { afterEach, describe, expect, it } from 'vitest';
import { createWriter, ingest, type IngestCheckpoint, type RecordedRejection } from '../src/index.js';
import {
  createTable,
  CREDENTIALS,
  expectedOf,
  FAST_RETRY,
  fleet,
  loadTask,
  ROOT,
  server,
  sorted,
  storedRecords,
} from './helpers.js';

const servers: LocalServer[] = [];
async function endpoint(...args: Parameters<typeof server>): Promise<LocalServer> {
  const srv = await server(...args);
  servers.push(srv);
  return srv;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const connection = (srv: LocalServer) => ({ endpoint: srv.url, credentials: CREDENTIALS, threads: 2 });

/** Writes `records` straight through the SDK, as another writer would have before the load (seeded conflicts). */
async function seed(
  srv: LocalServer,
  database: string,
  table: string,
  records: TimestreamRecord[],
): Promise<void> {
  const client = new TimestreamWriteClient({
    endpoint: srv.url,
    region: 'us-east-1',
    credentials: CREDENTIALS,
  });
  await client.send(new WriteRecordsCommand({ DatabaseName: database, TableName: table, Records: records }));
  client.destroy();
}

describe('ingest (R-ING-1..3)', () => {
  it.each([
    ['examples/fleet/task.json', 'examples/fleet/s3'],
    ['examples/fleet/task.json', 'examples/fleet/s3-with-errors'],
    ['examples/sensors/task.json', 'examples/sensors/s3'],
  ])(
    'stores exactly the records the dry run predicts and reports alike: %s over %s (R-ING-1)',
    async (file, root) => {
      const { task, source } = await loadTask(file, path.join(ROOT, root));
      const srv = await endpoint();
      await createTable(srv, task);
      const result = await ingest(task, source, { ...connection(srv), taskId: 'E'.repeat(32) });
      const expected = await expectedOf(task, source, 'E'.repeat(32));
      expect(sorted(await storedRecords(srv, task))).toEqual(sorted(expected.records));
      expect(result.progress).toEqual(expected.result.progress);
      expect(result.errorReport).toEqual(expected.result.errorReport);
      expect(result.status).toBe(expected.result.status);
    },
  );

  it('loses and repeats no row under 30% throttling, 5% 500s and dropped connections, from real worker threads (R-ING-2)', async () => {
    const { task, source } = await fleet(6_000, (i) =>
      i % 997 === 3
        ? `${1714521600 + i},Truck-${i},TX,bad,1,1,1`
        : `${1714521600 + i},Truck-${i % 50},TX-${i % 7},${i}.5,${i % 90},1.${i % 100},${i}`,
    );
    const srv = await endpoint({ faults: { throttle: 0.3, error: 0.05, drop: 0.05, seed: 42 } });
    await createTable(srv, task);
    const result = await ingest(task, source, { ...connection(srv), retry: FAST_RETRY });
    const expected = await expectedOf(task, source);
    expect(result.status).toBe('FAILED'); // the bad rows, nothing else
    expect(result.progress).toEqual(expected.result.progress);
    expect(sorted(await storedRecords(srv, task))).toEqual(sorted(expected.records));
    expect(result.stats.retries).toBeGreaterThan(result.stats.batches / 4);
    expect(result.stats.threads).toBe(2);
  });

  it('reports records the service refuses (version conflicts seeded beforehand, times outside the window) with their lines (R-ING-2, R-REP-2)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const timeOf = (i: number): number => (i === 20 || i === 21 ? now - 7200 : now - 600 + i);
    const data = await fleet(30, (i) => `${timeOf(i)},Truck-${i},TX-${i},${i}.5,1,2,${i}`);
    const { task, source } = data;
    const conflicts = (await expectedOf(task, source)).records.slice(10, 15).map((r) => ({
      ...r,
      MeasureValues: r.MeasureValues!.map((v) => ({ ...v, Value: v.Name === 'miles' ? '999' : v.Value })),
    }));
    const expectedReport = [
      { reason: VERSION_CONFLICT_REASON, lineRanges: [[12, 16]] },
      { reason: OUTSIDE_WINDOW_REASON, lineRanges: [[22, 23]] },
    ];
    // Checked before sending (the table is described) and left to the service (table: null): the same report.
    for (const table of [undefined, null] as const) {
      const srv = await endpoint();
      await createTable(srv, task, {
        memoryStoreRetentionPeriodInHours: 1,
        enableMagneticStoreWrites: false,
      });
      await seed(srv, task.database, task.table, conflicts);
      const rejects: { line: number; code: string; reason: string }[] = [];
      const result = await ingest(task, source, {
        ...connection(srv),
        ...(table === null && { table }),
        onReject: (e) => void rejects.push(e),
      });
      expect(result.progress).toMatchObject({
        RecordsProcessed: 30,
        RecordsIngested: 23,
        RecordIngestionFailures: 7,
      });
      expect(result.errorReport?.fileErrors).toEqual([{ fileName: 'sample.csv', errors: expectedReport }]);
      expect(rejects.map((r) => [r.line, r.code])).toEqual([
        ...[12, 13, 14, 15, 16].map((l) => [l, 'RECORD_VERSION_CONFLICT']),
        [22, 'TIME_OUTSIDE_WINDOW'],
        [23, 'TIME_OUTSIDE_WINDOW'],
      ]);
      expect((await storedRecords(srv, task)).length).toBe(23 + 5);
    }
  });

  it('resumes a stopped load from its checkpoint: no row written or counted twice, the same ProgressReport (R-ING-3)', async () => {
    const { task, source } = await fleet(
      6_000,
      (i) => `${1714521600 + i},Truck-${i % 40},TX-${i % 7},${i}.5,1,2,${i}`,
    );
    const expected = await expectedOf(task, source);
    const conflicts = expected.records
      .slice(100, 110)
      .map((r) => ({ ...r, Version: 5, MeasureValues: r.MeasureValues!.map((v) => ({ ...v, Value: '7' })) }));
    const srv = await endpoint();
    await createTable(srv, task);
    await seed(srv, task.database, task.table, conflicts);

    const abort = new AbortController();
    const recorded: RecordedRejection[] = [];
    const first = await ingest(task, source, {
      ...connection(srv),
      signal: abort.signal,
      // At most 500 rows in flight: acknowledgements can then never all arrive before the abort (a loaded machine
      // once settled all 6,000 rows in one burst, and the load ended before it could be stopped).
      maxPendingRows: 500,
      onTargetRejection: (r) => void recorded.push(r),
      onCheckpoint: (c) => {
        if (c.progress.RecordsProcessed >= 1_500) abort.abort(new Error('stop for the test'));
      },
    });
    expect(first.status).toBe('PROGRESS_STOPPED');
    expect(first.stopped?.code).toBe('INGEST_STOPPED');
    const acknowledged = first.checkpoint.files[0]!.line - 1;
    expect(acknowledged).toBeGreaterThanOrEqual(1_500);
    expect(first.checkpoint.progress.RecordsProcessed).toBe(acknowledged);

    const second = await ingest(task, source, {
      ...connection(srv),
      resume: { files: first.checkpoint.files, rejections: recorded },
    });
    const uninterrupted = await (async () => {
      const other = await endpoint();
      await createTable(other, task);
      await seed(other, task.database, task.table, conflicts);
      return ingest(task, source, connection(other));
    })();
    expect(second.status).toBe('FAILED');
    expect(second.progress).toEqual(uninterrupted.progress);
    expect(second.progress.RecordIngestionFailures).toBe(10);
    expect(second.errorReport).toEqual(uninterrupted.errorReport);
    // Only the rows after the checkpoint went out again.
    expect(second.stats.recordsSent).toBeLessThanOrEqual(6_000 - acknowledged);
    const stored = sorted(await storedRecords(srv, task));
    expect(stored).toEqual(sorted([...expected.records.filter((_, i) => i < 100 || i >= 110), ...conflicts]));
  });

  it('stops as PROGRESS_STOPPED when the retry bound is hit, never skipping rows, and resumes (R-ING-2)', async () => {
    const { task, source } = await fleet(500);
    const srv = await endpoint();
    await createTable(srv, task);
    srv.faults.set({ throttle: 1, seed: 1 });
    const checkpoints: IngestCheckpoint[] = [];
    const first = await ingest(task, source, {
      ...connection(srv),
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
      onCheckpoint: (c) => void checkpoints.push(c),
    });
    expect(first.status).toBe('PROGRESS_STOPPED');
    expect(first.stopped).toMatchObject({ code: 'INGEST_RETRIES_EXHAUSTED', details: { attempts: 3 } });
    expect(first.progress.RecordsProcessed).toBe(0);
    expect(await storedRecords(srv, task)).toEqual([]);

    srv.faults.set({});
    const second = await ingest(task, source, {
      ...connection(srv),
      resume: { files: first.checkpoint.files, rejections: [] },
    });
    expect(second.status).toBe('SUCCEEDED');
    expect(second.progress.RecordsIngested).toBe(500);
    expect((await storedRecords(srv, task)).length).toBe(500);
  });
});

describe('ingest: duplicates within the load past the in-memory budget (R-DUP-1)', () => {
  // 4,000 rows on 40 points repeating far apart (other values, the same version), 10 keys in memory: the rest
  // of the source is read once more for its keys and decided on disk, before anything after the budget is sent.
  const row = (i: number): string => `${1714521600 + (i % 40)},Truck-${i % 40},TX,${i % 3}.5,1,2,${i % 40}`;

  it('sends exactly what the dry run would store, refusing the same rows before they are sent', async () => {
    const { task, source } = await fleet(4_000, row);
    const expected = await expectedOf(task, source);
    const srv = await endpoint();
    await createTable(srv, task);
    const rejects: { line: number; code: string }[] = [];
    const spilled: string[] = [];
    const result = await ingest(task, source, {
      ...connection(srv),
      maxDuplicateKeys: 10,
      onReject: (e) => void rejects.push(e),
      onDuplicateSpill: (e) => void spilled.push(e.type),
    });
    expect(spilled).toEqual(['spill-start', 'resolve-start', 'spill-end']);
    expect(result.progress).toEqual(expected.result.progress);
    expect(result.errorReport).toEqual(expected.result.errorReport);
    expect(rejects.map((r) => [r.line, r.code])).toEqual(expected.rejects.map((r) => [r.line, r.code]));
    expect(result.progress.RecordIngestionFailures).toBeGreaterThan(2_000);
    // Refused locally, never sent: the service saw no conflict.
    expect(result.stats.recordsSent).toBe(result.progress.RecordsIngested);
    // The dry run's records repeat identical ones (idempotent): the table holds each point once.
    expect(sorted(await storedRecords(srv, task))).toEqual([...new Set(sorted(expected.records))]);
  });

  it('stops as PROGRESS_STOPPED when its temporary folder cannot be written, and resumes to the same result', async () => {
    const { task, source } = await fleet(4_000, row);
    const expected = await expectedOf(task, source);
    const srv = await endpoint();
    await createTable(srv, task);
    const first = await ingest(task, source, {
      ...connection(srv),
      maxDuplicateKeys: 10,
      tempDir: path.join(source.files[0]!.path, 'not-a-folder'),
    });
    expect(first.status).toBe('PROGRESS_STOPPED');
    expect(first.stopped).toMatchObject({
      code: 'INGEST_DUPLICATES_FAILED',
      details: { reason: 'DUPLICATES_TEMP_UNWRITABLE' },
    });
    const second = await ingest(task, source, {
      ...connection(srv),
      maxDuplicateKeys: 10,
      resume: { files: first.checkpoint.files, rejections: [] },
    });
    expect(second.progress).toEqual(expected.result.progress);
    expect(second.errorReport).toEqual(expected.result.errorReport);
    expect(sorted(await storedRecords(srv, task))).toEqual([...new Set(sorted(expected.records))]);
  });
});

describe('ingest under backpressure', () => {
  it('keeps memory flat when the endpoint stops answering: the reader waits, nothing piles up on the main thread', async () => {
    // A stand-in endpoint over real HTTP that holds every WriteRecords call until released, then answers at once.
    const held: ServerResponse[] = [];
    let released = false;
    const answer = (res: ServerResponse): void => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end('{"RecordsIngested":{"Total":0,"MemoryStore":0,"MagneticStore":0}}');
    };
    const stall = createServer((req, res) => {
      req.resume();
      req.on('end', () => (released ? answer(res) : held.push(res)));
    });
    await new Promise<void>((resolve) => stall.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(stall.address() as AddressInfo).port}`;
    try {
      const rows = 40_000;
      const { task, source } = await fleet(rows);
      const chunk = 1024 * 1024; // the reader's chunk (core's default highWaterMark)
      expect(source.totalBytes).toBeGreaterThan(chunk);
      let mostAhead = 0;
      let bytesRead = 0;
      const run = ingest(task, source, {
        endpoint: url,
        credentials: CREDENTIALS,
        threads: 1,
        callsPerThread: 2,
        table: null,
        onProgress: (p) => {
          // Rows read but not yet answered, at the end of each chunk read.
          mostAhead = Math.max(mostAhead, p.rows - p.report.RecordsProcessed);
          bytesRead = p.bytesRead;
        },
      });
      while (held.length < 2) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 500));
      // Every call is held: exactly the two allowed are out, and the reader has not got past its first chunk.
      expect(held.length).toBe(2);
      expect(bytesRead).toBeLessThanOrEqual(chunk);
      released = true;
      for (const res of held.splice(0)) answer(res);
      const result = await run;
      expect(result.status).toBe('SUCCEEDED');
      expect(result.progress.RecordsIngested).toBe(rows);
      // Never more than the two calls of 100 in flight and the batch being filled.
      expect(mostAhead).toBeLessThanOrEqual(2 * 100 + 100);
    } finally {
      stall.closeAllConnections();
      await new Promise((resolve) => stall.close(resolve));
    }
  }, 30_000);
});

describe('createWriter', () => {
  it('keeps memory flat: records are taken no faster than calls in flight are answered (backpressure)', async () => {
    const srv = await endpoint({ faults: { delay: { ms: 20, rate: 1 } } });
    const { task } = await fleet(1);
    await createTable(srv, task);
    const writer = createWriter({
      ...connection(srv),
      database: task.database,
      table: task.table,
      callsPerThread: 2,
    });
    const bound = 2 * 2 * 100 + 100; // calls in flight × records per call, plus the batch being filled
    let answered = 0;
    let most = 0;
    for (let i = 0; i < 3_000; i++) {
      const record: TimestreamRecord = {
        Dimensions: [{ Name: 'host', Value: `h${i}`, DimensionValueType: 'VARCHAR' }],
        MeasureName: 'cpu',
        MeasureValue: '1',
        MeasureValueType: 'DOUBLE',
        Time: `${1714521600 + i}`,
        TimeUnit: 'SECONDS',
        Version: 1,
      };
      const wait = writer.add(record, () => void answered++);
      most = Math.max(most, i + 1 - answered);
      if (wait !== undefined) await wait;
    }
    await writer.flush();
    await writer.idle();
    await writer.close();
    expect(answered).toBe(3_000);
    expect(most).toBeLessThanOrEqual(bound);
    expect(writer.stats).toMatchObject({ batches: 30, recordsSent: 3_000, threads: 2 });
  });

  it('splits a call refused as a whole (ValidationException) until the bad record is alone, from real worker threads (R-ING-2)', async () => {
    const srv = await endpoint();
    const { task } = await fleet(1);
    await createTable(srv, task);
    const records = (await expectedOf(task, (await fleet(40)).source)).records;
    // An empty dimension value makes the service refuse the whole call, not just the record.
    const bad = {
      ...records[13]!,
      Dimensions: [{ Name: 'vehicle', Value: '', DimensionValueType: 'VARCHAR' as const }],
    };
    const sent = records.map((r, i) => (i === 13 ? bad : r));
    const refused: number[] = [];
    const writer = createWriter({ ...connection(srv), database: task.database, table: task.table });
    const summary = await writer.write(sent, {
      onRejected: (_record, rejection, index) => {
        expect(rejection.invalid).toBe(true);
        refused.push(index);
      },
    });
    await writer.close();
    expect(summary).toMatchObject({ records: 40, stored: 39, rejected: 1 });
    expect(refused).toEqual([13]);
    expect(summary.stats.calls).toBeGreaterThan(2); // the call, then its halves down to the one record
    expect(sorted(await storedRecords(srv, task))).toEqual(sorted(records.filter((_, i) => i !== 13)));
  });

  it('signs the body it builds itself: an endpoint that verifies SigV4 stores every record (R-ING-4)', async () => {
    const srv = await endpoint({ credentials: [CREDENTIALS] });
    const data = await fleet(250);
    await createTable(srv, data.task);
    const records = (await expectedOf(data.task, data.source)).records;
    const writer = createWriter({ ...connection(srv), database: data.task.database, table: data.task.table });
    expect(await writer.write(records)).toMatchObject({ records: 250, stored: 250, rejected: 0 });
    await writer.close();
    expect(sorted(await storedRecords(srv, data.task))).toEqual(sorted(records));
    // A wrong secret is refused: the server does check the signature over the body.
    const wrong = createWriter({
      endpoint: srv.url,
      credentials: { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' },
      database: data.task.database,
      table: data.task.table,
    });
    await expect(wrong.write(records.slice(0, 5))).rejects.toMatchObject({ code: 'INGEST_REQUEST_FAILED' });
    await wrong.close();
  });

  it('writes any iterable of records, and answers queued records INGEST_STOPPED after stop()', async () => {
    const srv = await endpoint();
    const { task } = await fleet(1);
    await createTable(srv, task);
    const data = await fleet(250);
    const records = (await expectedOf(data.task, data.source)).records;
    const writer = createWriter({ ...connection(srv), database: task.database, table: task.table });
    const summary = await writer.write(records);
    expect(summary).toMatchObject({ records: 250, stored: 250, rejected: 0 });
    const outcomes: unknown[] = [];
    void writer.add(records[0]!, (o) => void outcomes.push(o));
    writer.stop(new Error('enough'));
    expect(outcomes).toEqual([expect.objectContaining({ code: 'INGEST_STOPPED' })]);
    expect(writer.stopReason?.message).toBe('The load was stopped: enough');
    await writer.close();
  });

  it('abandons calls still in flight when the stop grace period runs out, answering their records INGEST_ABANDONED', async () => {
    const srv = await endpoint({ faults: { delay: { ms: 3_000, rate: 1 } } });
    const { task } = await fleet(1);
    await createTable(srv, task);
    const records = (await expectedOf(task, (await fleet(150)).source)).records;
    const writer = createWriter({
      ...connection(srv),
      database: task.database,
      table: task.table,
      stopGraceMs: 100,
    });
    const outcomes: string[] = [];
    for (const record of records)
      void writer.add(
        record,
        (o) => void outcomes.push(o === null ? 'stored' : 'code' in o ? o.code : 'rejected'),
      );
    const started = Date.now();
    writer.stop(new Error('now'));
    await writer.idle();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(outcomes.filter((o) => o === 'INGEST_ABANDONED')).toHaveLength(100);
    expect(outcomes.filter((o) => o === 'INGEST_STOPPED')).toHaveLength(50);
    await writer.close();
  });
});
