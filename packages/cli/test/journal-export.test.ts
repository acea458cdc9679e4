import { mkdirSync, mkdtempSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { startServer, type LocalServer } from '@tsbatch/local';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';

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

async function run(argv: string[]): Promise<{ exit: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const exit = await main(argv, { stdout, stderr, cwd: os.tmpdir() });
  return { exit, stdout: stdout.text, stderr: stderr.text };
}

let server: LocalServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function serveWithJournal(): Promise<{ url: string; s3Root: string }> {
  const s3Root = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-journal-cli-'));
  mkdirSync(path.join(s3Root, 'exports'));
  server = await startServer({ dataDir: path.join(s3Root, '.data'), s3Root, sync: false });
  // The Timestream-Write protocol spoken directly (this package has no SDK client): AWS JSON 1.0.
  const call = async (op: string, body: object): Promise<void> => {
    const res = await fetch(`${server!.url}/`, {
      method: 'POST',
      headers: { 'x-amz-target': `Timestream_20181101.${op}`, 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  };
  await call('CreateDatabase', { DatabaseName: 'fleet' });
  await call('CreateTable', { DatabaseName: 'fleet', TableName: 'trucks' });
  for (let i = 0; i < 3; i++) {
    await call('WriteRecords', {
      DatabaseName: 'fleet',
      TableName: 'trucks',
      Records: [
        {
          Dimensions: [{ Name: 'truck', Value: `T${i}` }],
          MeasureName: 'speed',
          MeasureValue: '1',
          MeasureValueType: 'DOUBLE',
          Time: String(Date.now()),
        },
      ],
    });
  }
  await new Promise((r) => setTimeout(r, 5));
  return { url: server.url, s3Root };
}

describe('tsbatch journal-export (R-QLDB-1..4)', () => {
  it('starts an export on a running endpoint, waits for it and says what it wrote', async () => {
    const { url, s3Root } = await serveWithJournal();
    const r = await run([
      'journal-export',
      '--endpoint-url',
      url,
      '--ledger',
      'fleet',
      '--bucket',
      'exports',
      '--prefix',
      'j',
      '--format',
      'json',
    ]);
    // Without a terminal, progress comes as plain lines on stderr (one now and then).
    for (const line of r.stderr.split('\n').filter((l) => l !== ''))
      expect(line).toMatch(/^export [0-9A-Za-z]{22} of fleet: IN_PROGRESS, \d+ blocks/);
    expect(r.exit).toBe(0);
    expect(r.stdout).toMatch(
      /^Journal export [0-9A-Za-z]{22} of fleet \[.*\): COMPLETED, 3 blocks, 3 revisions in 1 objects under s3:\/\/exports\/j\n$/,
    );
    const files = await readdir(path.join(s3Root, 'exports', 'j'), { recursive: true });
    const data = files.find((f) => String(f).endsWith('.1-3.json'))!;
    const lines = (await readFile(path.join(s3Root, 'exports', 'j', String(data)), 'utf8'))
      .trimEnd()
      .split('\n');
    expect(
      lines.map(
        (l) =>
          (JSON.parse(l) as { revisions: { data: { Dimensions: { Value: string }[] } }[] }).revisions[0]!.data
            .Dimensions[0]!.Value,
      ),
    ).toEqual(['T0', 'T1', 'T2']);
  });

  it('exits 2 with the endpoint’s reason when a rule refuses the export (R-QLDB-3)', async () => {
    const { url } = await serveWithJournal();
    const r = await run([
      'journal-export',
      '--endpoint-url',
      url,
      '--ledger',
      'fleet',
      '--bucket',
      'exports',
      '--end',
      '2999-01-01T00:00:00Z',
    ]);
    expect(r.exit).toBe(2);
    expect(r.stderr).toMatch(
      /ExclusiveEndTime .* must be less than or equal to the current date and time .*\[InvalidParameterException\]/,
    );
    const missing = await run([
      'journal-export',
      '--endpoint-url',
      url,
      '--ledger',
      'nope',
      '--bucket',
      'exports',
    ]);
    expect(missing.exit).toBe(2);
    expect(missing.stderr).toContain('[ResourceNotFoundException]');
  });

  it('exits 1 with the reason when the export is CANCELLED, and 2 on a bad flag', async () => {
    const { url } = await serveWithJournal();
    const r = await run([
      'journal-export',
      '--endpoint-url',
      url,
      '--ledger',
      'fleet',
      '--bucket',
      'no-such-bucket',
    ]);
    expect(r.exit).toBe(1);
    expect(r.stderr).toMatch(/CANCELLED: The bucket no-such-bucket does not exist/);
    const bad = await run([
      'journal-export',
      '--endpoint-url',
      url,
      '--ledger',
      'fleet',
      '--bucket',
      'b',
      '--start',
      'yesterday',
    ]);
    expect(bad.exit).toBe(2);
    expect(bad.stderr).toContain('--start must be an ISO 8601 date-time with a zone');
  });
});
