/**
 * Issue 18.4: with a loopback --endpoint-url no AWS account is needed; SDK errors become what to do, with the
 * contract's exit codes; the SDK's Node-version warning never reaches the user. Real processes, the real SDK over
 * real HTTP to a real local endpoint (or to nothing at all).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type LocalServer } from '@tsbatch/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  awsClientConfig,
  awsPackageSettings,
  explainAwsError,
  isLoopbackEndpoint,
  PLACEHOLDER_CREDENTIALS,
} from '../src/internal/aws-settings.js';
import { runChild } from './helpers.js';

const dirs: string[] = [];
function temp(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A machine with no AWS configuration at all: an empty home, no AWS_* variable, no instance metadata. */
function bareEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: temp('tsbatch-home-'),
    AWS_EC2_METADATA_DISABLED: 'true',
    FORCE_COLOR: '0',
    ...extra,
  };
}

function ingestArgv(url: string, store: string, ...more: string[]): string[] {
  return [
    'ingest',
    'examples/fleet/task.json',
    '--s3-root',
    'examples/fleet/s3',
    '--endpoint-url',
    url,
    '--create-table',
    '--magnetic-writes',
    '--store',
    store,
    ...more,
  ];
}

const NODE_WARNING = /NodeVersionSupportWarning|will require node/;

describe('tsbatch ingest against a loopback endpoint', () => {
  let open: LocalServer;
  let verifying: LocalServer;
  beforeAll(async () => {
    open = await startServer({ dataDir: temp('tsbatch-open-'), port: 0, sync: false });
    // A server that checks signatures: only the configured key gets in, so the placeholder would be refused.
    verifying = await startServer({
      dataDir: temp('tsbatch-verify-'),
      port: 0,
      sync: false,
      credentials: [{ accessKeyId: 'AKIDFROMFILE', secretAccessKey: 'from-the-profile' }],
    });
  });
  afterAll(async () => {
    await open.close();
    await verifying.close();
  });

  it('needs no credentials, and shows no SDK Node-version warning (workers included)', async () => {
    const run = await runChild(ingestArgv(open.url, temp('tsbatch-store-'), '--threads', '2'), bareEnv());
    expect(run.stderr).not.toMatch(NODE_WARNING);
    expect(run.stderr).not.toMatch(/CredentialsProviderError|Region is missing/);
    expect(run.exit, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Ingest SUCCEEDED/);
  }, 60_000);

  it("signs with the profile's credentials when there are some (--profile), not the placeholder", async () => {
    const env = bareEnv();
    const file = path.join(env.HOME!, 'credentials');
    writeFileSync(
      file,
      '[loader]\naws_access_key_id = AKIDFROMFILE\naws_secret_access_key = from-the-profile\n',
    );
    const run = await runChild(ingestArgv(verifying.url, temp('tsbatch-store-'), '--profile', 'loader'), {
      ...env,
      AWS_SHARED_CREDENTIALS_FILE: file,
    });
    expect(run.exit, run.stderr).toBe(0);
    // Without the profile the placeholder is refused by this server: proof the profile's key signed above.
    const refused = await runChild(ingestArgv(verifying.url, temp('tsbatch-store-'), '--json'), bareEnv());
    expect(refused.exit).toBe(1);
    expect(refused.stderr).toMatch(/refused the request \(UnrecognizedClientException\)/);
    expect(JSON.parse(refused.stdout)).toMatchObject({ Error: { Code: 'AWS_REQUEST_REFUSED', ExitCode: 1 } });
  }, 60_000);

  it('says to start tsbatch serve when nothing listens there (exit 1, JSON with --json)', async () => {
    const url = 'http://127.0.0.1:9';
    const run = await runChild(ingestArgv(url, temp('tsbatch-store-'), '--json'), bareEnv());
    expect(run.exit).toBe(1);
    expect(run.stderr).toContain(
      `tsbatch ingest: cannot connect to ${url} (ECONNREFUSED): is \`tsbatch serve\` running at ${url}? [ENDPOINT_UNREACHABLE]`,
    );
    expect(run.stderr).not.toMatch(/\n\s+at |internal error/);
    expect(JSON.parse(run.stdout)).toMatchObject({ Error: { Code: 'ENDPOINT_UNREACHABLE', ExitCode: 1 } });
  }, 60_000);
});

describe('tsbatch ingest against AWS, on a machine without AWS configuration', () => {
  const argv = ['ingest', 'examples/fleet/task.json', '--s3-root', 'examples/fleet/s3', '--json'];

  it('says how to set a region when there is none (exit 2)', async () => {
    const run = await runChild([...argv, '--store', temp('tsbatch-store-')], bareEnv());
    expect(run.exit).toBe(2);
    expect(run.stderr).toMatch(
      /no AWS region: pass --region REGION, set AWS_REGION, or set `region` for the profile in ~\/\.aws\/config \[AWS_REGION_MISSING\]/,
    );
    expect(JSON.parse(run.stdout)).toMatchObject({ Error: { Code: 'AWS_REGION_MISSING', ExitCode: 2 } });
    expect(run.stderr).not.toMatch(NODE_WARNING);
  }, 60_000);

  it('says how to give credentials when there are none, naming the profile when one was asked (exit 2)', async () => {
    const none = await runChild(
      [...argv, '--region', 'eu-west-1', '--store', temp('tsbatch-store-')],
      bareEnv(),
    );
    expect(none.exit).toBe(2);
    expect(none.stderr).toMatch(/no AWS credentials for AWS in eu-west-1: set AWS_ACCESS_KEY_ID/);
    expect(JSON.parse(none.stdout)).toMatchObject({ Error: { Code: 'AWS_CREDENTIALS_MISSING' } });
    const profile = await runChild(
      [...argv, '--region', 'eu-west-1', '--profile', 'nope', '--store', temp('tsbatch-store-')],
      bareEnv(),
    );
    expect(profile.exit).toBe(2);
    expect(profile.stderr).toMatch(/check that the profile 'nope' exists in ~\/\.aws\/config/);
  }, 60_000);
});

describe('awsClientConfig and explainAwsError', () => {
  it('tells loopback endpoints apart', () => {
    for (const url of [
      'http://127.0.0.1:8000',
      'http://localhost:1',
      'http://[::1]:8000',
      'http://127.3.4.5',
    ])
      expect(isLoopbackEndpoint(url)).toBe(true);
    for (const url of [
      'http://10.0.0.1:8000',
      'https://ingest.timestream.us-east-1.amazonaws.com',
      undefined,
    ])
      expect(isLoopbackEndpoint(url)).toBe(false);
  });

  it('gives a loopback endpoint a region and the placeholder when nothing is configured', async () => {
    const saved = { ...process.env };
    try {
      for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
      process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(temp('tsbatch-none-'), 'credentials');
      process.env.AWS_CONFIG_FILE = path.join(temp('tsbatch-none-'), 'config');
      const config = awsClientConfig({ endpoint: 'http://127.0.0.1:8000' });
      expect(config.region).toBe('us-east-1');
      expect(await config.credentials!()).toEqual(PLACEHOLDER_CREDENTIALS);
      process.env.AWS_ACCESS_KEY_ID = 'AKIDENV';
      process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
      expect(await config.credentials!()).toMatchObject({ accessKeyId: 'AKIDENV' });
      // Against AWS the SDK's own chains decide: nothing is filled in.
      expect(awsClientConfig({ region: 'eu-west-1', profile: 'p' })).toEqual({
        region: 'eu-west-1',
        profile: 'p',
      });
    } finally {
      process.env = saved;
    }
  });

  it('looks through IngestError causes and leaves unknown errors alone', () => {
    const sdk = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const wrapped = Object.assign(new Error('DescribeTable failed'), { name: 'IngestError', cause: sdk });
    expect(explainAwsError(wrapped, { endpoint: 'http://10.1.2.3:8000' })).toMatchObject({
      code: 'ENDPOINT_UNREACHABLE',
      exitCode: 1,
      message:
        'cannot connect to http://10.1.2.3:8000 (ECONNREFUSED): check the URL, the network and the region',
    });
    expect(explainAwsError(new Error('ValidationException: bad'), {})).toBeNull();
  });
});

describe('S3 sources and the loopback rule (R-S3-1, issue 18)', () => {
  it('fails clearly without credentials for S3 on a non-loopback endpoint (nothing is sent: credentials first)', async () => {
    // 203.0.113.0/24 is TEST-NET-3: never routed. The credential chain fails before any connection is tried.
    const run = await runChild(
      ['dry-run', 'examples/fleet/task.json', '--s3-endpoint-url', 'http://203.0.113.9:9000'],
      bareEnv({ AWS_MAX_ATTEMPTS: '1' }),
    );
    expect(run.exit).toBe(2);
    expect(run.stderr).toContain(
      'No AWS credentials to read s3://test-batch-load-west-2: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile NAME, or run `aws sso login`',
    );
    expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  it('signs S3 on a loopback endpoint with placeholder credentials when none are configured', async () => {
    const saved = { ...process.env };
    try {
      for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE', 'AWS_ENDPOINT_URL_S3'])
        delete process.env[name];
      process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(temp('tsbatch-none-'), 'credentials');
      process.env.AWS_CONFIG_FILE = path.join(temp('tsbatch-none-'), 'config');
      const local = await awsPackageSettings({ s3Endpoint: 'http://127.0.0.1:9000' });
      expect(local).toMatchObject({ region: 'us-east-1', credentials: PLACEHOLDER_CREDENTIALS });
      // Elsewhere the SDK's chain decides (and fails as above when it is empty).
      expect(await awsPackageSettings({ s3Endpoint: 'http://203.0.113.9:9000' })).toEqual({
        s3Endpoint: 'http://203.0.113.9:9000',
      });
      // submit: both endpoints must be local for the placeholder.
      const mixed = await awsPackageSettings(
        { s3Endpoint: 'http://127.0.0.1:9000', endpoint: 'https://ingest.example.com' },
        true,
      );
      expect(mixed.credentials).toBeUndefined();
    } finally {
      process.env = saved;
    }
  });
});
