/**
 * R-S3-1 on a real S3 server when things go wrong, and DataModelS3Configuration: a body cut off midway is asked for
 * again from where it broke; S3's own 412 for a stale If-Match stops the run (SOURCE_CHANGED); an unknown access key
 * and missing credentials are named with their fix; the data model is read from S3 like the source.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dryRun, isSourceChanged, resolveSource } from '@tsbatch/core';
import { validateTask } from '@tsbatch/validator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { FLEET_HEADER, fleetTask } from '../../core/test/dry-run-fixtures.js';
import { createS3Reader, isAwsError, s3SourceLocation } from '../src/index.js';
import { heldBlocks } from '../src/staged-memory.js';
import { startS3Proxy } from './s3-proxy.js';
import { S3_SERVER_KIND, s3ServerMissing, startS3Server, type S3TestServer } from './s3-server.js';

const missing = s3ServerMissing();
const ROOT = path.resolve(import.meta.dirname, '../../..');
const T0 = 1714521600;

function rows(n: number): string {
  const lines = [FLEET_HEADER];
  for (let i = 0; i < n; i++) lines.push(`${T0 - i},v${i % 13},R${i % 7},${i}.5,${i % 90}.25,${i % 11},${i}`);
  return `${lines.join('\n')}\n`;
}

describe.skipIf(missing !== null)(
  `S3 failures and the S3 data model (R-S3-1)${missing === null ? '' : `: skipped, ${missing}`}`,
  () => {
    let s3: S3TestServer;
    const body = Buffer.from(rows(120_000)); // about 5 MB: several 1 MiB parts

    beforeAll(async () => {
      s3 = await startS3Server();
      await s3.createBucket('fleet-data');
      await s3.put('fleet-data', 'data/part-1.csv', body);
    }, 60_000);

    afterAll(async () => {
      await s3?.close();
      vi.unstubAllEnvs();
    });

    it('asks again, from the byte where it broke, for a body cut off midway (R-S3-1)', async () => {
      const proxy = await startS3Proxy(s3.endpoint, { cutBodies: 3 });
      try {
        const reader = createS3Reader({ ...s3.settings, s3Endpoint: proxy.endpoint, partBytes: 1024 * 1024 });
        const [file] = await reader.list('fleet-data', 'data/');
        const parts: Buffer[] = [];
        for await (const chunk of reader.read(file!, { highWaterMark: 65536 })) parts.push(chunk);
        expect(Buffer.concat(parts).equals(body)).toBe(true);
        const gets = proxy.requests.filter((r) => r.startsWith('GET /fleet-data/data/part-1.csv'));
        // One GET per 1 MiB part, plus one per cut body (the rest of that part).
        expect(gets.length).toBe(Math.ceil(body.length / (1024 * 1024)) + 3);
      } finally {
        await proxy.close();
      }
    });

    it('stages a block whose body is cut off midway by asking again from the byte where it broke; fails past bodyRetries (R-S3-1)', async () => {
      const stageBytes = 2 * 1024 * 1024;
      const proxy = await startS3Proxy(s3.endpoint, { cutBodies: 2 });
      try {
        const reader = createS3Reader({ ...s3.settings, s3Endpoint: proxy.endpoint, stageBytes });
        const [file] = await reader.list('fleet-data', 'data/');
        const release = reader.retain!([file!]);
        const blocks = Math.ceil(body.length / stageBytes);
        for (let k = 0; k < blocks; k++) {
          const end = Math.min(body.length, (k + 1) * stageBytes);
          const staged = await reader.stage!(file!, k * stageBytes, end);
          expect(staged).not.toBeNull();
          const block = heldBlocks(staged!.held).find((h) => h.start === k * stageBytes)!;
          expect(Buffer.from(block.bytes, 0, end - block.start).equals(body.subarray(block.start, end))).toBe(
            true,
          );
          reader.unstage!(file!, staged!);
        }
        const gets = proxy.requests.filter((r) => r.startsWith('GET /fleet-data/data/part-1.csv'));
        // One GET per block, and one per cut body (the rest of that block).
        expect(gets.length).toBe(blocks + 2);
        release();
      } finally {
        await proxy.close();
      }
      const failing = await startS3Proxy(s3.endpoint, { cutBodies: 100 });
      try {
        const reader = createS3Reader({
          ...s3.settings,
          s3Endpoint: failing.endpoint,
          stageBytes,
          bodyRetries: 2,
        });
        const [file] = await reader.list('fleet-data', 'data/');
        const release = reader.retain!([file!]);
        await expect(reader.stage!(file!, 0, stageBytes)).rejects.toThrow(
          /^GetObject s3:\/\/fleet-data\/data\/part-1\.csv: /,
        );
        release();
      } finally {
        await failing.close();
      }
    });

    it('fails a read after more cut bodies than bodyRetries, naming the object (R-S3-1)', async () => {
      const proxy = await startS3Proxy(s3.endpoint, { cutBodies: 100 });
      try {
        const reader = createS3Reader({ ...s3.settings, s3Endpoint: proxy.endpoint, bodyRetries: 2 });
        const [file] = await reader.list('fleet-data', 'data/');
        const read = async (): Promise<void> => {
          for await (const _chunk of reader.read(file!, { highWaterMark: 65536 })) void _chunk;
        };
        await expect(read()).rejects.toMatchObject({ code: 'S3_REQUEST_FAILED' });
        await expect(read()).rejects.toThrow(/^GetObject s3:\/\/fleet-data\/data\/part-1\.csv: /);
      } finally {
        await proxy.close();
      }
    });

    it("stops the run on S3's 412 for a stale If-Match, naming the object (SOURCE_CHANGED, R-S3-1)", async () => {
      await s3.put('fleet-data', 'changing/data.csv', rows(2000));
      const proxy = await startS3Proxy(s3.endpoint, { ifMatch: true });
      try {
        const resolved = await resolveSource(
          { bucket: 'fleet-data', prefix: 'changing/' },
          s3SourceLocation({ ...s3.settings, s3Endpoint: proxy.endpoint }),
        );
        if (!resolved.ok) throw new Error(resolved.error.message);
        await s3.put('fleet-data', 'changing/data.csv', rows(2001));
        const run = dryRun(fleetTask(), resolved.source, { now: new Date('2024-05-01T01:30:00Z') });
        const error: unknown = await run.catch((e: unknown) => e);
        expect(isSourceChanged(error)).toBe(true);
        // The 412 itself stopped it (no body came to compare ETags with, so the message names none).
        expect((error as Error).message).toBe(
          's3://fleet-data/changing/data.csv changed during the run (its ETag is no longer the one listed); run again on the new version [SOURCE_CHANGED]',
        );
      } finally {
        await proxy.close();
      }
    });

    it.skipIf(S3_SERVER_KIND !== 's3rver')(
      'names an access key the server does not know as access denied (S3_ACCESS_DENIED, R-S3-1)',
      async () => {
        const reader = createS3Reader({
          ...s3.settings,
          credentials: { accessKeyId: 'AKIA-NOT-KNOWN', secretAccessKey: 'x' },
        });
        const error: unknown = await reader.list('fleet-data', '').catch((e: unknown) => e);
        expect(isAwsError(error) && error.code).toBe('S3_ACCESS_DENIED');
        expect((error as Error).message).toMatch(
          /^Access denied to s3:\/\/fleet-data \(ListObjectsV2 s3:\/\/fleet-data: InvalidAccessKeyId \(HTTP 403\)\)/,
        );
      },
    );

    it('names missing credentials with the ways to give them (S3_CREDENTIALS_MISSING, R-S3-1)', async () => {
      // An empty credential chain: no variables, no profile files, no instance role.
      const empty = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-nocreds-'));
      for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
        vi.stubEnv(name, undefined);
      for (const name of ['AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI'])
        vi.stubEnv(name, undefined);
      vi.stubEnv('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', undefined);
      vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', path.join(empty, 'credentials'));
      vi.stubEnv('AWS_CONFIG_FILE', path.join(empty, 'config'));
      vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
      try {
        const { credentials: _none, ...settings } = s3.settings;
        const resolved = await resolveSource(
          { bucket: 'fleet-data', prefix: 'data/' },
          s3SourceLocation(settings),
        );
        expect(resolved).toMatchObject({ ok: false, error: { code: 'SOURCE_UNREADABLE' } });
        expect(!resolved.ok && resolved.error.message).toBe(
          'No AWS credentials to read s3://fleet-data: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile NAME, or run `aws sso login`',
        );
      } finally {
        vi.unstubAllEnvs();
      }
    });

    it('reads DataModelS3Configuration from S3: the same task as the model given inline (R-S3-1, R-VAL-2)', async () => {
      const inline = JSON.parse(readFileSync(path.join(ROOT, 'examples/fleet/task.json'), 'utf8')) as {
        DataModelConfiguration: { DataModel?: unknown; DataModelS3Configuration?: unknown };
        DataSourceConfiguration: {
          DataSourceS3Configuration: { BucketName: string; ObjectKeyPrefix: string };
        };
      };
      inline.DataSourceConfiguration.DataSourceS3Configuration = {
        BucketName: 'fleet-data',
        ObjectKeyPrefix: 'data/',
      };
      await s3.put(
        'fleet-data',
        'models/fleet.json',
        JSON.stringify(inline.DataModelConfiguration.DataModel),
      );
      const fromS3 = structuredClone(inline);
      fromS3.DataModelConfiguration = {
        DataModelS3Configuration: { BucketName: 'fleet-data', ObjectKey: 'models/fleet.json' },
      };
      const location = s3SourceLocation(s3.settings);
      const a = await validateTask(inline, { location });
      const b = await validateTask(fromS3, { location });
      expect(a.ok).toBe(true);
      expect(b.issues).toEqual(a.issues);
      expect(b.task?.model).toEqual(a.task!.model);

      const gone = structuredClone(fromS3);
      gone.DataModelConfiguration = {
        DataModelS3Configuration: { BucketName: 'fleet-data', ObjectKey: 'models/none.json' },
      };
      const c = await validateTask(gone, { location });
      expect(c.ok).toBe(false);
      expect(c.issues.map((i) => [i.code, i.path])).toContainEqual([
        'MODEL_S3_UNRESOLVED',
        '/DataModelConfiguration/DataModelS3Configuration',
      ]);
      expect(c.issues.find((i) => i.code === 'MODEL_S3_UNRESOLVED')!.message).toContain(
        's3://fleet-data/models/none.json',
      );
    });
  },
);
