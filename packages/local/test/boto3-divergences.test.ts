// Issue 16's divergences through boto3 (a second SDK family: botocore's model, serializer, endpoint discovery and
// error parser). Skipped, saying why, where no python3 has boto3 (`apt-get install -y python3-boto3`).
import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startTestServer, tempDir } from './helpers.js';

const exec = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const NOW = new Date('2024-05-01T12:00:00.000Z');

/** The first python3 that can import boto3: the one on PATH, else Debian's. */
function pythonWithBoto3(): string | null {
  for (const exe of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(exe, ['-c', 'import boto3'], { stdio: 'ignore' });
      return exe;
    } catch {
      // next
    }
  }
  return null;
}

const python = pythonWithBoto3();
if (python === null) {
  console.warn(
    'boto3 divergence tests skipped: no python3 can import boto3 (apt-get install -y python3-boto3).',
  );
}

interface Failure {
  status: number;
  code: string;
  message: string | null;
  rejected: { RecordIndex: number; Reason: string; ExistingVersion?: number }[] | null;
}

interface Summary {
  endpoint_url: string;
  kms: string;
  partition: Failure;
  higher_after_2_53: number;
  lower: Failure;
  ns_higher: number;
  ns_lower: Failure;
  too_big: Failure;
  max_ok: number;
  missing_table: Failure;
  window: Failure;
  conflict: Failure;
}

/** botocore's JSON parser keeps Python ints exact: the script's output carries them as JSON digits. */
function parseExact(text: string): Summary {
  return JSON.parse(text.replace(/"ExistingVersion": (\d{16,})/g, '"ExistingVersion": "$1"')) as Summary;
}

describe.skipIf(python === null)('issue 16 divergences through boto3 (R-LOCAL-1, R-LOCAL-2)', () => {
  it('works configured only through AWS_ENDPOINT_URL_TIMESTREAM_WRITE, with every divergence fixed', async () => {
    const seen: string[] = [];
    const t = await startTestServer({ clock: () => NOW, log: (line) => seen.push(line.split(' ')[0] ?? '') });
    const dir = tempDir('tsbatch-boto3-');
    const empty = path.join(dir, 'empty');
    writeFileSync(empty, '');
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
    Object.assign(env, {
      AWS_ENDPOINT_URL_TIMESTREAM_WRITE: t.server.url, // the only endpoint setting botocore gets
      AWS_ACCESS_KEY_ID: 'AKIDBOTO3',
      AWS_SECRET_ACCESS_KEY: 'boto3-secret',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: empty,
      AWS_SHARED_CREDENTIALS_FILE: empty,
    });
    try {
      const { stdout } = await exec(
        python!,
        [path.join(HERE, 'peers/boto3_divergences.py'), String(NOW.getTime())],
        { env, timeout: 60_000 },
      );
      const out = parseExact(stdout);
      // 1: discovery ran and came back here (before the fix botocore called https://127.0.0.1:443).
      expect(out.endpoint_url).toBe(t.server.url);
      expect(seen[0]).toBe('DescribeEndpoints');
      expect(seen).toContain('WriteRecords');
      // 2
      expect(out.partition).toMatchObject({ status: 419, code: 'RejectedRecordsException' });
      expect(out.partition.rejected).toEqual([
        {
          RecordIndex: 1,
          Reason:
            'The record is missing the dimension "host", which is the table\'s partition key and is REQUIRED in every record (EnforcementInRecord).',
        },
      ]);
      // 3: 2^53 + 1 is higher than 2^53; ExistingVersion comes back exact; 100 ns apart differ; 2^63 is refused.
      const two53 = 2n ** 53n;
      expect(out.higher_after_2_53).toBe(1);
      expect(out.lower.rejected).toEqual([
        {
          RecordIndex: 0,
          Reason: `The record version ${two53} is lower than the existing version ${two53 + 1n}. A higher version is required to update the measure value.`,
          ExistingVersion: String(two53 + 1n),
        },
      ]);
      const ns = BigInt(NOW.getTime()) * 1_000_000n;
      expect(out.ns_higher).toBe(1);
      expect(out.ns_lower.rejected?.[0]).toMatchObject({ ExistingVersion: String(ns + 100n) });
      expect(out.too_big).toMatchObject({ status: 400, code: 'ValidationException' });
      expect(out.too_big.message).toContain(
        'Member must have value less than or equal to 9223372036854775807',
      );
      expect(out.max_ok).toBe(1);
      // 4
      expect(out.kms).toMatch(/^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f-]{36}$/);
      expect(out.missing_table).toMatchObject({
        status: 400,
        code: 'ResourceNotFoundException',
        message: 'The table nope does not exist.',
      });
      expect(out.window.rejected?.[0]?.Reason).toBe(
        'The record timestamp is outside the time range [2024-04-30T12:00:00.000Z, 2024-05-01T12:15:00.000Z) of the memory store.',
      );
      // 5
      expect(out.conflict).toMatchObject({ status: 400, code: 'ConflictException' });
    } finally {
      await t.close();
    }
  }, 90_000);
});
