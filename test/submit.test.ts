/**
 * R-SUBMIT-1 end to end: `tsbatch submit` against `tsbatch serve`'s engine reading the same S3 (moto on loopback):
 * the task ends with exactly the predicted ProgressReport, the error report is read back from the report bucket
 * (R-S3-2), and --json has the shape the issue gives.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createS3Reader, createS3Writer } from '@tsbatch/aws';
import { main } from '@tsbatch/cli';
import { startServer, type LocalServer } from '@tsbatch/local';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { s3ServerMissing, startS3Server, type S3TestServer } from '../packages/aws/test/s3-server.js';
import { ROOT } from './readme-examples.js';

const missing = s3ServerMissing();

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
  },
);
