/**
 * R-SUBMIT-1 end to end: `tsbatch submit` against `tsbatch serve`'s engine reading the same S3 (moto on loopback):
 * the task ends with exactly the predicted ProgressReport, the error report is read back from the report bucket
 * (R-S3-2), and --json has the shape the issue gives.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { BatchLoadClient, createS3Reader, createS3Writer } from '@tsbatch/aws';
import { main } from '@tsbatch/cli';
import { startServer, type LocalServer } from '@tsbatch/local';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { startS3Proxy } from '../packages/aws/test/s3-proxy.js';
import { s3ServerMissing, startS3Server, type S3TestServer } from '../packages/aws/test/s3-server.js';
import { ROOT } from './readme-examples.js';

const missing = s3ServerMissing();

async function run(argv: string[], tty = false): Promise<{ exit: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _e, done): void {
        add(chunk.toString());
        done();
      },
    });
  const err = Object.assign(
    sink((s) => (stderr += s)),
    tty ? { isTTY: true, columns: 100 } : {},
  );
  const exit = await main(argv, { stdout: sink((s) => (stdout += s)), stderr: err, cwd: ROOT });
  return { exit, stdout, stderr };
}

describe.skipIf(missing !== null)(
  `tsbatch submit (R-SUBMIT-1)${missing === null ? '' : `: skipped, ${missing}`}`,
  () => {
    let s3: S3TestServer;
    let serve: LocalServer;

    beforeAll(async () => {
      s3 = await startS3Server();
      for (const [name, value] of Object.entries(s3.env)) vi.stubEnv(name, value);
      await s3.createBucket('test-batch-load-west-2');
      await s3.createBucket('test-batch-load-report-west-2');
      await s3.createBucket('sensor-archive');
      await s3.createBucket('sensor-archive-reports');
      serve = await startServer({
        dataDir: mkdtempSync(path.join(os.tmpdir(), 'tsbatch-submit-')),
        objects: { reader: createS3Reader(s3.settings), writer: createS3Writer(s3.settings) },
      });
    }, 120_000);

    afterAll(async () => {
      await serve?.close();
      await s3?.close();
      vi.unstubAllEnvs();
    });

    const flags = (): string[] => [
      '--endpoint-url',
      serve.url,
      '--poll-interval',
      '0.05',
      '--create-table',
      '--magnetic-writes',
    ];

    it('ends a failing load with exactly the predicted ProgressReport and reads its error report back (R-SUBMIT-1, R-S3-2)', async () => {
      await s3.put(
        'test-batch-load-west-2',
        'sample.csv',
        readFileSync(path.join(ROOT, 'examples/fleet/s3-with-errors/test-batch-load-west-2/sample.csv')),
      );
      const json = await run(['submit', 'examples/fleet/task.json', ...flags(), '--json']);
      expect(json.stderr).not.toMatch(/internal error/);
      const out = JSON.parse(json.stdout) as {
        BatchLoadTaskDescription: {
          TaskStatus: string;
          ProgressReport: Record<string, number>;
          TaskId: string;
        };
        DryRun: { ProgressReport: Record<string, number> };
      };
      expect(json.exit).toBe(1);
      expect(out.BatchLoadTaskDescription.TaskStatus).toBe('FAILED');
      expect(out.DryRun.ProgressReport.ParseFailures).toBeGreaterThan(0);
      expect(out.BatchLoadTaskDescription.ProgressReport).toEqual(out.DryRun.ProgressReport);
      // The same submit again: the ClientToken returns the task already made, with its outcome.
      const again = await run(['submit', 'examples/fleet/task.json', ...flags()]);
      expect(again.stdout).toContain(`Task ${out.BatchLoadTaskDescription.TaskId}: FAILED`);
      expect(again.stdout).toContain('The outcome is the prediction.');
      expect(again.exit).toBe(1);
    }, 120_000);

    it('ends a load whose files --upload put under the prefix with exactly the prediction (R-SUBMIT-1)', async () => {
      const result = await run([
        'submit',
        'examples/sensors/task.json',
        '--upload',
        'examples/sensors/s3/sensor-archive/2024/05',
        ...flags(),
      ]);
      expect(result.stderr).not.toMatch(/internal error/);
      expect(result.stdout).toMatch(/: (SUCCEEDED|FAILED)\n/);
      expect(result.stdout).toContain('The outcome is the prediction.');
    }, 120_000);

    it('prints a resume command for a stopped task that resumes it and polls it to the prediction; a bar on a TTY (R-SUBMIT-1)', async () => {
      await s3.createBucket('stop-src');
      const rows = (from: number): string =>
        ['timestamp,vehicle,registration,wgt,spd,fuel_consumption,miles']
          .concat(
            Array.from({ length: 50 }, (_, i) => `${1714521600 + from + i},Truck-1,TX-1,1.5,2.5,3.5,${i}`),
          )
          .join('\n');
      await s3.put('stop-src', 'stop/a.csv', rows(0));
      await s3.put('stop-src', 'stop/b.csv', rows(100));
      const task = JSON.parse(readFileSync(path.join(ROOT, 'examples/fleet/task.json'), 'utf8')) as Record<
        string,
        unknown
      > & { DataSourceConfiguration: { DataSourceS3Configuration: object } };
      task.DataSourceConfiguration.DataSourceS3Configuration = {
        BucketName: 'stop-src',
        ObjectKeyPrefix: 'stop/',
      };
      task['TargetTableName'] = 'stop_table';
      const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'tsbatch-stop-')), 'task.json');
      writeFileSync(file, JSON.stringify(task));

      // serve reads through a proxy that holds b.csv: the task stays IN_PROGRESS until serve restarts.
      // The first GET of each held file is CreateBatchLoadTask's header check (every file's header, R-VAL-8 since
      // issue 18): it passes; the run's reads are held.
      const proxy = await startS3Proxy(s3.endpoint, { hold: /\/b\.csv$/, holdAfter: 1 });
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-stop-serve-'));
      const held = await startServer({
        dataDir,
        objects: {
          reader: createS3Reader({ ...s3.settings, s3Endpoint: proxy.endpoint }),
          writer: createS3Writer(s3.settings),
        },
      });
      const port = Number(new URL(held.url).port);
      const submitFlags = [
        '--endpoint-url',
        held.url,
        '--poll-interval',
        '0.05',
        '--create-table',
        '--magnetic-writes',
      ];
      const first = run(['submit', file, ...submitFlags], true);
      const client = new BatchLoadClient({ ...s3.settings, endpoint: held.url });
      let restarted: LocalServer | undefined;
      try {
        for (let i = 0; i < 600 && (await client.listActive()).length === 0; i++)
          await new Promise((resolve) => setTimeout(resolve, 50));
        await new Promise((resolve) => setTimeout(resolve, 300));
        await held.close();
        restarted = await startServer({
          dataDir,
          port,
          objects: { reader: createS3Reader(s3.settings), writer: createS3Writer(s3.settings) },
        });
        const stopped = await first;
        expect(stopped.exit).toBe(75);
        expect(stopped.stdout).toMatch(/: PROGRESS_STOPPED\n/);
        // On a TTY the polling shows the CLI's bar (rows of the predicted 100), not plain lines.
        expect(stopped.stderr).toMatch(/\d+% \| \d+ rows \/ 100 rows \|/);
        expect(stopped.stderr).not.toMatch(/IN_PROGRESS \d+ rows processed/);
        const command = /resume it and poll to the end with:\n {2}(tsbatch submit [^\n]+)\n/.exec(
          stopped.stderr,
        )?.[1];
        expect(command).toBe(`tsbatch submit ${file} ${submitFlags.join(' ')}`);
        const resumed = await run(command!.split(' ').slice(1));
        expect(resumed.stderr).toMatch(/was PROGRESS_STOPPED: resumed/);
        expect(resumed.stdout).toMatch(/: SUCCEEDED\n/);
        expect(resumed.stdout).toContain('The outcome is the prediction.');
        expect(resumed.exit).toBe(0);
      } finally {
        proxy.release();
        client.close();
        await restarted?.close();
        await proxy.close();
      }
    }, 120_000);
  },
);
