/**
 * R-S3-1 with R-TASK-1: an ingest that reads its source from S3 (s3rver) stops at the retry bound against an endpoint
 * that throttles every write; `tasks resume` rebuilds the S3 reader from the task store (its spec, credentials from
 * the environment again, never stored) and finishes it against a healthy endpoint: every row stored once.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { s3ServerMissing, startS3Server, type S3TestServer } from '../packages/aws/test/s3-server.js';
import { endpoint, storedRecords, tempDir, tsbatch } from './ingest-helpers.js';

const missing = s3ServerMissing();

describe.skipIf(missing !== null)(
  `ingest from S3, stopped and resumed (R-S3-1, R-TASK-1)${missing === null ? '' : `: skipped, ${missing}`}`,
  () => {
    let s3: S3TestServer;
    const open: { close(): Promise<void> }[] = [];

    beforeAll(async () => {
      s3 = await startS3Server();
      for (const [name, value] of Object.entries(s3.env)) vi.stubEnv(name, value);
      await s3.createBucket('test-batch-load-west-2');
      const rows = ['timestamp,vehicle,registration,wgt,spd,fuel_consumption,miles'];
      for (let i = 0; i < 3000; i++)
        rows.push(`${1714521600 + i},Truck-${i % 60},TX-${i % 9},${i}.25,${i % 80},3.${i % 10},${i}`);
      await s3.put('test-batch-load-west-2', 'sample.csv', `${rows.join('\n')}\n`);
    }, 60_000);

    afterAll(async () => {
      for (const o of open.reverse()) await o.close().catch(() => undefined);
      await s3?.close();
      vi.unstubAllEnvs();
    });

    it('resumes an S3 ingest stopped at the retry bound, from the stored reader spec (R-S3-1, R-TASK-1)', async () => {
      const throttling = await endpoint({ faults: { throttle: 1, seed: 3 } });
      open.push(throttling);
      const store = tempDir('tsbatch-s3-ingest-store-');
      const first = await tsbatch([
        'ingest',
        'examples/fleet/task.json',
        '--endpoint-url',
        throttling.url,
        '--create-table',
        '--magnetic-writes',
        '--store',
        store,
      ]);
      expect(first.stderr).not.toMatch(/internal error/);
      expect(first.exit).toBe(75);
      const id = /TaskId ([0-9A-F]{32})/.exec(first.stdout + first.stderr)?.[1];
      expect(id).toBeDefined();
      // The stored task names the S3 reader by its module, with no credentials in it.
      const stored = readdirSync(store, { recursive: true })
        .map((f) => path.join(store, String(f)))
        .filter((f) => f.endsWith('.json'))
        .map((f) => readFileSync(f, 'utf8'))
        .join('\n');
      expect(stored).toContain('s3-reader-module');
      expect(stored).not.toContain(s3.env['AWS_SECRET_ACCESS_KEY']!);

      // The same endpoint healthy again (same port and data), and the task finished from its checkpoint.
      const port = Number(new URL(throttling.url).port);
      const dataDir = throttling.dataDir;
      await throttling.close();
      const healthy = await endpoint({ port, dataDir });
      open.push(healthy);
      const resumed = await tsbatch(['tasks', 'resume', id!, '--store', store, '--json']);
      expect(resumed.stderr).not.toMatch(/internal error/);
      expect(resumed.exit).toBe(0);
      const description = (
        JSON.parse(resumed.stdout) as { BatchLoadTaskDescription: { ProgressReport: Record<string, number> } }
      ).BatchLoadTaskDescription;
      expect(description.ProgressReport).toMatchObject({ RecordsProcessed: 3000, RecordsIngested: 3000 });
      expect(await storedRecords(healthy, 'BatchLoadExampleDatabase', 'BatchLoadExampleTable')).toHaveLength(
        3000,
      );
    }, 240_000);
  },
);
