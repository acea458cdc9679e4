/**
 * R-SUBMIT-2 end to end against a real S3 server (s3rver) and `tsbatch serve` reading it: `tsbatch plan` cuts a
 * source of 140 objects into 7 tasks over sub-prefixes, names what it cannot cut and an object over 5 GB (listing
 * metadata); `submit --plan` keeps at most 5 tasks active on the table (serve's quota, observed while the source is
 * held), resumes the tasks a restart of serve stopped, stages what prefixes cannot cut, and ends with the summed
 * ProgressReport equal to the summed prediction.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { BatchLoadClient, createS3Reader, createS3Writer } from '@tsbatch/aws';
import { main } from '@tsbatch/cli';
import { startServer, type LocalServer } from '@tsbatch/local';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { startS3Proxy, type S3Proxy } from '../packages/aws/test/s3-proxy.js';
import { s3ServerMissing, startS3Server, type S3TestServer } from '../packages/aws/test/s3-server.js';
import { ROOT } from './readme-examples.js';

const missing = s3ServerMissing();
/** The second file of each planned task (part-001, -021, ...): serve's validation reads only the first one's header. */
const SECOND_FILES = /part-\d[02468]1\.csv$/;
const HEADER = 'timestamp,vehicle,registration,wgt,spd,fuel_consumption,miles';

async function run(argv: string[]): Promise<{ exit: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _e, done): void {
        add(chunk.toString());
        done();
      },
    });
  const exit = await main(argv, {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    cwd: ROOT,
  });
  return { exit, stdout, stderr };
}

/** A fleet file whose points are its own (no two files share one), with a bad row now and then. */
function fleetFile(n: number): string {
  const lines = [HEADER];
  for (let i = 0; i < 5; i++) lines.push(`${1714521600 + n * 10 + i},truck-${n},R-${i},1.5,2.5,3.5,${n}`);
  if (n % 50 === 0) lines.push(`${1714521600},truck-bad,R,not-a-number,1,1,1`);
  return `${lines.join('\n')}\n`;
}

function writeTask(dir: string, bucket: string, prefix: string): string {
  const task = JSON.parse(readFileSync(path.join(ROOT, 'examples/fleet/task.json'), 'utf8')) as {
    DataSourceConfiguration: { DataSourceS3Configuration: object };
    ReportConfiguration: { ReportS3Configuration: object };
    TargetTableName: string;
  };
  task.DataSourceConfiguration.DataSourceS3Configuration = { BucketName: bucket, ObjectKeyPrefix: prefix };
  task.ReportConfiguration.ReportS3Configuration = { BucketName: 'plan-reports', ObjectKeyPrefix: 'reports' };
  task.TargetTableName = `plan_${prefix.replace(/\W/g, '')}`;
  const file = path.join(dir, `${prefix.replace(/\W/g, '')}.json`);
  writeFileSync(file, JSON.stringify(task));
  return file;
}

interface PlanJson {
  Tasks: { ObjectKeyPrefix: string; Resumes: number; BatchLoadTaskDescription: { TaskStatus: string } }[];
  ProgressReport: Record<string, number>;
  DryRun: { ProgressReport: Record<string, number> };
}

describe.skipIf(missing !== null)(
  `tsbatch plan and submit --plan (R-SUBMIT-2)${missing === null ? '' : `: skipped, ${missing}`}`,
  () => {
    let s3: S3TestServer;
    let dir: string;
    const open: { close(): Promise<void> }[] = [];

    beforeAll(async () => {
      s3 = await startS3Server();
      for (const [name, value] of Object.entries(s3.env)) vi.stubEnv(name, value);
      await s3.createBucket('plan-src');
      await s3.createBucket('plan-reports');
      dir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-plan-'));
      // 140 objects, 20 in each of d1/ .. d7/: beyond 100 files, cut by the folders.
      for (let n = 0; n < 140; n++) {
        const key = `days/d${Math.floor(n / 20) + 1}/part-${String(n).padStart(3, '0')}.csv`;
        await s3.put('plan-src', key, fleetFile(n));
        await s3.put('plan-src', `again/${key}`, fleetFile(n));
      }
      // 111 objects under a key that starts every other: no prefix cuts them.
      await s3.put('plan-src', 'tangle/x.csv', fleetFile(1000));
      for (let n = 1; n <= 110; n++) await s3.put('plan-src', `tangle/x.csv.${n}`, fleetFile(1000 + n));
    }, 180_000);

    afterAll(async () => {
      for (const o of open.reverse()) await o.close().catch(() => undefined);
      await s3?.close();
      vi.unstubAllEnvs();
    });

    async function serve(proxy?: S3Proxy, port?: number, dataDir?: string): Promise<LocalServer> {
      const settings = proxy === undefined ? s3.settings : { ...s3.settings, s3Endpoint: proxy.endpoint };
      const server = await startServer({
        dataDir: dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'tsbatch-plan-serve-')),
        ...(port !== undefined && { port }),
        objects: { reader: createS3Reader(settings), writer: createS3Writer(s3.settings) },
      });
      open.push(server);
      return server;
    }

    const flags = (url: string): string[] => [
      '--endpoint-url',
      url,
      '--poll-interval',
      '0.05',
      '--create-table',
      '--magnetic-writes',
    ];

    it('plans 140 objects as 7 tasks over their folders (R-SUBMIT-2)', async () => {
      const result = await run(['plan', writeTask(dir, 'plan-src', 'days/')]);
      expect(result.exit).toBe(0);
      expect(result.stdout).toContain('s3://plan-src/days/: 140 objects');
      expect(result.stdout).toContain('7 tasks over sub-prefixes:');
      for (let d = 1; d <= 7; d++) expect(result.stdout).toContain(`. s3://plan-src/days/d${d}/  20 files`);
    });

    it('says what prefixes cannot cut, and plans copies with --stage-prefix (PLAN_UNSPLITTABLE)', async () => {
      const task = writeTask(dir, 'plan-src', 'tangle/');
      const plain = await run(['plan', task]);
      expect(plain.exit).toBe(1);
      expect(plain.stdout).toContain('111 objects cannot be cut into tasks by prefixes');
      expect(plain.stdout).toContain('[PLAN_UNSPLITTABLE]');
      const staged = await run(['plan', task, '--stage-prefix', 'staged/tangle', '--json']);
      expect(staged.exit).toBe(0);
      const plan = JSON.parse(staged.stdout) as { Tasks: { ObjectKeyPrefix: string; Copies: unknown[] }[] };
      expect(plan.Tasks.map((t) => [t.ObjectKeyPrefix, t.Copies.length])).toEqual([
        ['staged/tangle/0001/', 100],
        ['staged/tangle/0002/', 11],
      ]);
    });

    it('names an object over 5 GB, which no task reads (listing metadata; PLAN_OBJECT_TOO_LARGE, R-VAL-9)', async () => {
      const proxy = await startS3Proxy(s3.endpoint, { sizes: { 'days/d3/part-041.csv': 6 * 1024 ** 3 } });
      open.push(proxy);
      const task = writeTask(dir, 'plan-src', 'days/');
      const result = await run(['plan', task, '--s3-endpoint-url', proxy.endpoint]);
      expect(result.exit).toBe(1);
      expect(result.stdout).toMatch(
        /1 objects are over 5\.00 GiB, which no task reads: days\/d3\/part-041\.csv \(6\.00 GiB\)\..*\[PLAN_OBJECT_TOO_LARGE\]/,
      );
      const validate = await run(['validate', task, '--s3', '--s3-endpoint-url', proxy.endpoint]);
      expect(validate.exit).toBe(1);
      expect(validate.stderr + validate.stdout).toContain('SOURCE_FILE_TOO_LARGE');
    });

    it('keeps at most 5 tasks active on the table and ends with the summed prediction (R-SUBMIT-2)', async () => {
      // The first GET of each held file is CreateBatchLoadTask's header check (every file's header, R-VAL-8 since
      // issue 18): it passes; the run's reads are held.
      const proxy = await startS3Proxy(s3.endpoint, { hold: SECOND_FILES, holdAfter: 1 });
      open.push(proxy);
      const server = await serve(proxy);
      const submitted = run([
        'submit',
        writeTask(dir, 'plan-src', 'days/'),
        '--plan',
        '--json',
        ...flags(server.url),
      ]);
      const client = new BatchLoadClient({ ...s3.settings, endpoint: server.url });
      try {
        // The source is held: the first tasks stay IN_PROGRESS, and no sixth is created however long we wait.
        let active: unknown[] = [];
        for (let i = 0; i < 600 && active.length < 5; i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          active = await client.listActive();
        }
        expect(active).toHaveLength(5);
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(await client.listActive()).toHaveLength(5);
        proxy.release();
        const result = await submitted;
        expect(result.stderr).toMatch(/waiting: 5 tasks active on the table/);
        const out = JSON.parse(result.stdout) as PlanJson;
        expect(out.Tasks).toHaveLength(7);
        // Files 0, 50 and 100 (in d1, d3, d6) hold a bad row each.
        expect(out.Tasks.map((t) => t.BatchLoadTaskDescription.TaskStatus)).toEqual([
          'FAILED',
          'SUCCEEDED',
          'FAILED',
          'SUCCEEDED',
          'SUCCEEDED',
          'FAILED',
          'SUCCEEDED',
        ]);
        expect(out.ProgressReport.RecordsProcessed).toBe(140 * 5 + 3);
        expect(out.ProgressReport).toEqual(out.DryRun.ProgressReport);
        expect(result.exit).toBe(1); // some tasks read bad rows: FAILED
      } finally {
        proxy.release();
        client.close();
      }
    }, 180_000);

    it('resumes the tasks a restart of serve stopped, and ends with the summed prediction (R-SUBMIT-2)', async () => {
      // The first GET of each held file is CreateBatchLoadTask's header check (every file's header, R-VAL-8 since
      // issue 18): it passes; the run's reads are held.
      const proxy = await startS3Proxy(s3.endpoint, { hold: SECOND_FILES, holdAfter: 1 });
      open.push(proxy);
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-plan-restart-'));
      const first = await serve(proxy, undefined, dataDir);
      const port = Number(new URL(first.url).port);
      const submitted = run([
        'submit',
        writeTask(dir, 'plan-src', 'again/'),
        '--plan',
        '--json',
        ...flags(first.url),
      ]);
      const client = new BatchLoadClient({ ...s3.settings, endpoint: first.url });
      try {
        let active: unknown[] = [];
        for (let i = 0; i < 600 && active.length < 5; i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          active = await client.listActive();
        }
        expect(active).toHaveLength(5);
        // A restart: the running tasks become PROGRESS_STOPPED; the plan's next polls find them so and resume them.
        await first.close();
        await serve(undefined, port, dataDir);
        const result = await submitted;
        const out = JSON.parse(result.stdout) as PlanJson;
        expect(out.Tasks.filter((t) => t.Resumes > 0)).toHaveLength(5);
        expect(result.stderr).toMatch(/PROGRESS_STOPPED, resumed \(1\)/);
        expect(out.Tasks.map((t) => t.BatchLoadTaskDescription.TaskStatus)).not.toContain('PROGRESS_STOPPED');
        expect(out.ProgressReport).toEqual(out.DryRun.ProgressReport);
      } finally {
        proxy.release();
        client.close();
      }
    }, 180_000);

    it('stages what prefixes cannot cut with CopyObject and ends with the summed prediction (R-SUBMIT-2)', async () => {
      const server = await serve();
      const task = writeTask(dir, 'plan-src', 'tangle/');
      const result = await run([
        'submit',
        task,
        '--plan',
        '--stage-prefix',
        'staged/tangle/',
        ...flags(server.url),
      ]);
      expect(result.stderr).not.toMatch(/internal error/);
      expect(result.stdout).toContain('Plan of 2 tasks: ');
      expect(result.stdout).toContain('The outcome is the prediction.');
      const staged = await createS3Reader(s3.settings).list('plan-src', 'staged/tangle/');
      // (s3rver lists these out of byte order, see s3-server.ts: sorted here as core sorts them.)
      expect(
        staged
          .map((f) => f.key)
          .sort()
          .slice(0, 2),
      ).toEqual(['staged/tangle/0001/x.csv', 'staged/tangle/0001/x.csv.1']);
      expect(staged).toHaveLength(111);
      // Run again: the copies are kept, the ClientTokens find the two tasks, nothing is made twice.
      const again = await run([
        'submit',
        task,
        '--plan',
        '--stage-prefix',
        'staged/tangle/',
        ...flags(server.url),
      ]);
      expect(again.stdout).toContain('The outcome is the prediction.');
      const client = new BatchLoadClient({ ...s3.settings, endpoint: server.url });
      try {
        expect(await client.listActive()).toEqual([]);
      } finally {
        client.close();
      }
    }, 180_000);
  },
);
