/**
 * R-S3-1: the range cache of S3 sources (the bytes read, kept for the rows the duplicate check reads again) goes
 * under `--temp-dir` when the command is given one, beside the duplicate check's own files, and under the OS
 * temporary folder otherwise; the result is the same either way.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { s3ServerMissing, startS3Server, type S3TestServer } from '../packages/aws/test/s3-server.js';
import { tsbatch } from './ingest-helpers.js';
import { ROOT } from './readme-examples.js';

const missing = s3ServerMissing();

describe.skipIf(missing !== null)(
  `the range cache under --temp-dir (R-S3-1)${missing === null ? '' : `: skipped, ${missing}`}`,
  () => {
    let s3: S3TestServer;
    const temps: string[] = [];

    beforeAll(async () => {
      s3 = await startS3Server();
      await s3.createBucket('test-batch-load-west-2');
      await s3.put(
        'test-batch-load-west-2',
        'sample.csv',
        readFileSync(path.join(ROOT, 'examples/fleet/s3/test-batch-load-west-2/sample.csv')),
      );
      for (const [name, value] of Object.entries(s3.env)) vi.stubEnv(name, value);
    }, 60_000);

    afterAll(async () => {
      vi.unstubAllEnvs();
      await s3?.close();
      for (const dir of temps) rmSync(dir, { recursive: true, force: true });
    });

    it('keeps the bytes read from S3 under --temp-dir, with the result of a run without it', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-temp-dir-'));
      temps.push(dir);
      const task = ['dry-run', 'examples/fleet/task.json', '--json'];
      const given = await tsbatch([...task, '--temp-dir', dir]);
      expect(given.exit).toBe(0);
      // The cache's folder lives until the process exits (this one: the CLI ran in it).
      expect(readdirSync(dir).filter((name) => name.startsWith('tsbatch-s3-ranges-'))).toHaveLength(1);
      const without = await tsbatch(task);
      expect(without.exit).toBe(0);
      // The same description but for its clock times.
      const timeless = (text: string): unknown =>
        JSON.parse(text.replace(/"(CreationTime|LastUpdatedTime)": "[^"]*"/g, '"$1": ""'));
      expect(timeless(given.stdout)).toEqual(timeless(without.stdout));
      expect(readdirSync(dir).filter((name) => name.startsWith('tsbatch-s3-ranges-'))).toHaveLength(1);
    }, 60_000);
  },
);
