import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function sink(): Writable & { text: string } {
  const out = new Writable({
    write(chunk: Buffer, _enc, done): void {
      out.text += chunk.toString('utf8');
      done();
    },
  }) as Writable & { text: string };
  out.text = '';
  return out;
}

async function runMain(argv: string[]): Promise<{ exit: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const exit = await main(argv, { stdout, stderr, cwd: ROOT });
  return { exit, stdout: stdout.text, stderr: stderr.text };
}

/** `tsbatch serve` as a process: resolves with its URL (the first line of stdout) and a way to stop it. */
function serve(
  args: string[],
  env: Record<string, string> = {},
): Promise<{
  url: string;
  /** What stderr held when the URL came out (less the "listening on" line written after it). */
  stderrBeforeUrl: string;
  stop(signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string }>;
}> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', 'packages/cli/src/cli.ts', 'serve', ...args],
    { cwd: ROOT, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env } },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
      const nl = stdout.indexOf('\n');
      if (nl >= 0) {
        const url = stdout.slice(0, nl);
        resolve({
          url,
          // The line serve writes to stderr just after the URL can come first: stdout and stderr are two pipes.
          stderrBeforeUrl: stderr
            .split(/(?<=\n)/)
            .filter((line) => !line.startsWith(`tsbatch serve: listening on ${url},`))
            .join(''),
          async stop(signal) {
            child.kill(signal);
            return { code: await exited, stderr };
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
}

/** One AWS JSON 1.0 call as an SDK sends it (the SDK itself is exercised in packages/local/test). */
async function call(
  url: string,
  operation: string,
  body: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `Timestream_20181101.${operation}`,
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDCLI/20240501/us-east-1/timestream/aws4_request, SignedHeaders=host, Signature=cli-secret',
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe('tsbatch serve (R-LOCAL-1, R-LOCAL-3)', () => {
  it('prints its URL first, serves AWS JSON calls, stops cleanly on SIGTERM and keeps the data for the next start', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-serve-'));
    const first = await serve(['--port', '0', '--data-dir', dataDir]);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await call(first.url, 'CreateDatabase', { DatabaseName: 'from_cli' })).status).toBe(200);
    const stopped = await first.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    // Issue 18: requests are summed up by default (the last summary when the server stops), not one line each.
    expect(stopped.stderr).not.toMatch(/CreateDatabase 200 \d+ms/);
    expect(stopped.stderr).toMatch(
      /SIGTERM: stopping\n\S+ requests: 1 in \d+\.\d s: CreateDatabase 1; status 200 1; slowest \d+ ms\ntsbatch serve: stopped; the store is flushed\n$/,
    );
    expect(stopped.stderr).not.toContain('cli-secret');
    expect(stopped.stderr).not.toContain('warning'); // loopback: nothing to warn about

    const second = await serve(['--port', '0', '--data-dir', dataDir, '--quiet']);
    const list = await call(second.url, 'ListDatabases', {});
    expect(list.json).toMatchObject({ Databases: [{ DatabaseName: 'from_cli' }] });
    const end = await second.stop('SIGINT');
    expect(end.code).toBe(0);
    expect(end.stderr).not.toMatch(/ListDatabases/);

    const third = await serve(['--port', '0', '--data-dir', dataDir, '--log-requests']);
    await call(third.url, 'ListDatabases', {});
    await call(third.url, 'DescribeDatabase', { DatabaseName: 'nope' });
    const last = await third.stop('SIGTERM');
    expect(last.stderr).toMatch(/ListDatabases 200 \d+ms\n.*DescribeDatabase \d{3} \d+ms\n/);
    expect(last.stderr).not.toMatch(/requests: /);
  }, 30_000);

  it('says on stderr that it opens the store and how many points it holds, before its URL (issue 16)', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-serve-'));
    const first = await serve(['--port', '0', '--data-dir', dataDir, '--quiet']);
    expect(first.stderrBeforeUrl).toBe(
      `tsbatch serve: opening the store in ${dataDir}: 0 points in 0 tables\n`,
    );
    await call(first.url, 'CreateDatabase', { DatabaseName: 'sized' });
    await call(first.url, 'CreateTable', { DatabaseName: 'sized', TableName: 'points' });
    const records = [1, 2, 3].map((i) => ({
      Dimensions: [{ Name: 'host', Value: `h${i}` }],
      MeasureName: 'cpu',
      MeasureValue: '1',
      Time: String(Date.now() - i * 1000),
    }));
    expect(
      (
        await call(first.url, 'WriteRecords', {
          DatabaseName: 'sized',
          TableName: 'points',
          Records: records,
        })
      ).status,
    ).toBe(200);
    await first.stop('SIGTERM');
    const second = await serve(['--port', '0', '--data-dir', dataDir, '--quiet']);
    expect(second.stderrBeforeUrl).toBe(
      `tsbatch serve: opening the store in ${dataDir}: 3 points in 1 table\n`,
    );
    await second.stop('SIGTERM');
  }, 30_000);

  it('shows its flags in --help from the option table', async () => {
    const { exit, stdout } = await runMain(['serve', '--help']);
    expect(exit).toBe(0);
    expect(stdout).toMatch(/^Usage: tsbatch serve \[options\]/);
    for (const flag of [
      '--host HOST',
      '--port N',
      '--data-dir DIR',
      '--s3-root DIR',
      '--fault SPEC[,...]',
      '--verify-sigv4',
      '--access-key-id KEYID',
      '--secret-access-key SECRET',
      '--max-body-bytes N',
      '--headers-timeout MS',
      '--request-timeout MS',
      '--idle-timeout MS',
    ]) {
      expect(stdout).toContain(flag);
    }
  });

  it.each([
    [['--fault', 'throttle=2'], '--fault: fault throttle must be a fraction from 0 to 1, got 2'],
    [
      ['--fault', 'throttle=0.6,error=0.6'],
      '--fault: fault fractions throttle + error + drop + lost must not exceed 1',
    ],
    [['--port', 'x'], "--port must be a whole number from 0 to 65535, got 'x'"],
    [
      ['--access-key-id', 'AKID'],
      '--access-key-id and --secret-access-key are only used with --verify-sigv4',
    ],
    [['--max-body-bytes', '0'], "--max-body-bytes must be a positive whole number, got '0'"],
    [
      ['--headers-timeout', '5000', '--request-timeout', '1000'],
      '--headers-timeout must not exceed --request-timeout',
    ],
  ])('refuses %j as a usage error (exit 2)', async (argv, message) => {
    const { exit, stderr } = await runMain(['serve', ...argv]);
    expect(exit).toBe(2);
    expect(stderr).toContain(`tsbatch serve: ${message}`);
  });

  it('warns on stderr when listening beyond loopback, and verifies SigV4 with the key from the environment', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-serve-'));
    const secret = 'env-secret-4b1d';
    const running = await serve(
      ['--port', '0', '--data-dir', dataDir, '--host', '0.0.0.0', '--verify-sigv4'],
      {
        AWS_ACCESS_KEY_ID: 'AKIDENV',
        AWS_SECRET_ACCESS_KEY: secret,
      },
    );
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // The real SDK's signatures are checked in packages/local/test/security.test.ts; here, the flag's wiring:
    // the key from the environment is known (a bad signature by it, not an unknown key), others are not.
    const signedBy = async (keyId: string): Promise<unknown> => {
      const res = await fetch(running.url, {
        method: 'POST',
        headers: {
          'x-amz-target': 'Timestream_20181101.ListDatabases',
          'x-amz-date': '20240501T000000Z',
          authorization: `AWS4-HMAC-SHA256 Credential=${keyId}/20240501/us-east-1/timestream/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
        },
        body: '{}',
      });
      expect(res.status).toBe(403);
      return ((await res.json()) as { __type: string }).__type;
    };
    expect(await signedBy('AKIDENV')).toBe('com.amazon.coral.service#InvalidSignatureException');
    expect(await signedBy('AKIDOTHER')).toBe('com.amazon.coral.service#UnrecognizedClientException');
    const { code, stderr } = await running.stop('SIGTERM');
    expect(code).toBe(0);
    expect(stderr).toContain(
      'tsbatch serve: warning: listening on 0.0.0.0, not loopback: other machines can call',
    );
    expect(stderr).not.toContain(secret);
  }, 30_000);

  it('asks for a key when --verify-sigv4 has none', async () => {
    const saved = [process.env['AWS_ACCESS_KEY_ID'], process.env['AWS_SECRET_ACCESS_KEY']];
    delete process.env['AWS_ACCESS_KEY_ID'];
    delete process.env['AWS_SECRET_ACCESS_KEY'];
    try {
      const { exit, stderr } = await runMain(['serve', '--verify-sigv4', '--access-key-id', 'AKID']);
      expect(exit).toBe(2);
      expect(stderr).toContain(
        'tsbatch serve: --verify-sigv4 needs a key: --access-key-id and --secret-access-key',
      );
    } finally {
      if (saved[0] !== undefined) process.env['AWS_ACCESS_KEY_ID'] = saved[0];
      if (saved[1] !== undefined) process.env['AWS_SECRET_ACCESS_KEY'] = saved[1];
    }
  });

  it('exits 1 when the data folder is in use', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-serve-'));
    const running = await serve(['--port', '0', '--data-dir', dataDir, '--quiet']);
    try {
      const { exit, stderr } = await runMain(['serve', '--port', '0', '--data-dir', dataDir]);
      expect(exit).toBe(1);
      expect(stderr).toMatch(/^tsbatch serve: cannot start: The data folder .* is in use by process \d+/);
    } finally {
      await running.stop('SIGTERM');
    }
  }, 30_000);
});
