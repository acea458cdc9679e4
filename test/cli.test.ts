import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ROOT, runExample } from './readme-examples.js';

const exec = promisify(execFile);
let out: string;
beforeAll(async () => {
  out = await mkdtemp(path.join(os.tmpdir(), 'tsbatch-cli-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

const FLEET = ['examples/fleet/task.json'];
const WITH_ERRORS = [
  ...FLEET,
  '--s3-root',
  'examples/fleet/s3-with-errors',
  '--table',
  'examples/fleet/table.json',
  '--now',
  '2024-05-01T01:30:00Z',
];

describe('pnpm -s tsbatch', () => {
  it('prints nothing but the command output, so --json output parses as one JSON object', async () => {
    const { stdout, stderr } = await exec('pnpm', ['-s', 'tsbatch', 'validate', ...FLEET, '--json'], {
      cwd: ROOT,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    expect(JSON.parse(stdout)).toEqual({ valid: true, issues: [] });
    expect(stderr).toBe('');
  });
});

describe('tsbatch validate', () => {
  it('exits 0 and reports valid for the AWS CLI guide fleet task', async () => {
    const { exit, output } = await runExample(['validate', ...FLEET, '--json']);
    expect(exit).toBe(0);
    expect(JSON.parse(output)).toEqual({ valid: true, issues: [] });
  });

  it('exits 1 and lists every issue at once with path and code', async () => {
    const { exit, output } = await runExample(['validate', 'examples/broken/typos.json', '--json']);
    expect(exit).toBe(1);
    const result = JSON.parse(output) as { valid: boolean; issues: { code: string; path: string }[] };
    expect(result.valid).toBe(false);
    const paths = result.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/DataModelConfiguration/DataModel/Timecolumn',
        '/DataModelConfiguration/DataModel/DimensionMapping',
        '/DataModelConfiguration/DataModel/TimeUnit',
        '/DataSourceConfiguration/DataSourceS3Configuration/BucketName',
        '/DataModelConfiguration/DataModel/MultiMeasureMappings/MultiMeasureAttributeMappings/0/MeasureValueType',
      ]),
    );
  });

  it('exits 2 with file, line and column when the task is not JSON (R-IN-5)', async () => {
    const { exit, output } = await runExample(['validate', 'examples/broken/not-json.json']);
    expect(exit).toBe(2);
    expect(output).toMatch(/^tsbatch validate: examples\/broken\/not-json\.json:4:3: not valid JSON/);
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('exits 2 for a missing file, an unknown flag (with a did-you-mean) and a missing argument', async () => {
    expect((await runExample(['validate', 'examples/nope.json'])).output).toMatch(
      /cannot read task file .*no such file/,
    );
    const flag = await runExample(['validate', ...FLEET, '--s3root', 'x']);
    expect(flag.exit).toBe(2);
    expect(flag.output).toMatch(/unknown option '--s3root' \(did you mean '--s3-root'\?\)/);
    const missing = await runExample(['validate']);
    expect(missing.exit).toBe(2);
    // Issue 18: the argument is TASK (a path, file://path, - or the JSON text), no longer TASK.json.
    expect(missing.output).toMatch(/missing TASK\n/);
  });

  it('teaches with --help: usage, every flag, examples and exit codes', async () => {
    const { exit, output } = await runExample(['validate', '--help']);
    expect(exit).toBe(0);
    for (const text of [
      'Usage: tsbatch validate TASK [options]',
      '--cli-input-json TASK',
      '--s3-root DIR',
      '--column-separator C',
      'Exit codes:',
    ]) {
      expect(output).toContain(text);
    }
  });
});

describe('tsbatch dry-run', () => {
  it('prints a DescribeBatchLoadTask-shaped description whose counts balance (R-REP-1, R-COUNT-1)', async () => {
    const { exit, output } = await runExample(['dry-run', ...WITH_ERRORS, '--json']);
    expect(exit).toBe(1);
    const { BatchLoadTaskDescription: d } = JSON.parse(output) as {
      BatchLoadTaskDescription: Record<string, unknown> & { ProgressReport: Record<string, number> };
    };
    expect(Object.keys(d.ProgressReport).sort()).toEqual(
      [
        'BytesMetered',
        'FileFailures',
        'ParseFailures',
        'RecordIngestionFailures',
        'RecordsIngested',
        'RecordsProcessed',
      ].sort(),
    );
    expect(d.TaskStatus).toBe('FAILED');
    expect(d.TaskId).toMatch(/^[0-9A-F]{32}$/);
    const p = d.ProgressReport;
    expect(p.RecordsProcessed).toBe(14);
    expect(p.RecordsProcessed).toBe(p.RecordsIngested! + p.ParseFailures! + p.RecordIngestionFailures!);
    expect(p).toMatchObject({
      ParseFailures: 4,
      RecordIngestionFailures: 2,
      FileFailures: 0,
      RecordsIngested: 8,
    });
    expect(d.TargetDatabaseName).toBe('BatchLoadExampleDatabase');
    expect(d.RecordVersion).toBe(1);
  });

  it('writes the error report with merged line ranges and one reject per failed row (R-REP-2, R-REP-3)', async () => {
    const dir = path.join(out, 'report');
    const { exit } = await runExample(['dry-run', ...WITH_ERRORS, '--report-dir', dir]);
    expect(exit).toBe(1);
    const report = JSON.parse(await readFile(path.join(dir, 'error-report.json'), 'utf8')) as {
      taskErrors: unknown[];
      fileErrors: { fileName: string; errors: { reason: string; lineRanges: number[][] }[] }[];
    };
    expect(report.taskErrors).toEqual([]);
    expect(report.fileErrors).toHaveLength(1);
    expect(report.fileErrors[0]!.fileName).toBe('sample.csv');
    const ranges = report.fileErrors[0]!.errors.map((e) => e.lineRanges);
    expect(ranges).toEqual(expect.arrayContaining([[[4, 5]], [[7, 7]], [[9, 9]], [[11, 11]], [[15, 15]]]));
    expect(report.fileErrors[0]!.errors).toContainEqual({
      reason: 'The record timestamp is outside the time range of the data ingestion window.',
      lineRanges: [[11, 11]],
    });
    const rejects = (await readFile(path.join(dir, 'rejects.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; kind: string });
    expect(rejects.map((r) => [r.line, r.kind])).toEqual([
      [4, 'parse'],
      [5, 'parse'],
      [7, 'parse'],
      [9, 'parse'],
      [11, 'ingestion'],
      [15, 'ingestion'],
    ]);
  });

  it('writes every record that would be written with its source line (--records)', async () => {
    const file = path.join(out, 'records.jsonl');
    const { exit } = await runExample([
      'dry-run',
      ...FLEET,
      '--s3-root',
      'examples/fleet/s3',
      '--records',
      file,
    ]);
    expect(exit).toBe(0);
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { source: { file: string; line: number }; record: Record<string, unknown> },
      );
    expect(lines).toHaveLength(12);
    expect(lines[0]).toEqual({
      source: { file: 'sample.csv', line: 2 },
      record: {
        Dimensions: [
          { Name: 'vehicle', Value: 'Truck-1', DimensionValueType: 'VARCHAR' },
          { Name: 'license', Value: 'TX-1A2B3C', DimensionValueType: 'VARCHAR' },
        ],
        MeasureName: 'mva_measure_name',
        MeasureValues: [
          { Name: 'weight', Value: '4266.8', Type: 'DOUBLE' },
          { Name: 'speed', Value: '30.6', Type: 'DOUBLE' },
          { Name: 'fuel', Value: '14.76', Type: 'DOUBLE' },
          { Name: 'miles', Value: '1000', Type: 'BIGINT' },
        ],
        MeasureValueType: 'MULTI',
        Time: '1714521600',
        TimeUnit: 'SECONDS',
        Version: 1,
      },
    });
  });

  it('exits 2 and runs nothing for an invalid task', async () => {
    const { exit, output } = await runExample([
      'dry-run',
      'examples/broken/typos.json',
      '--s3-root',
      'examples/fleet/s3',
    ]);
    expect(exit).toBe(2);
    expect(output).toContain('The task is invalid; nothing was run.');
  });

  // R-S3-1 changed this: without --source or --s3-root the task's buckets are read from S3. Here S3 is a loopback
  // port with nothing behind it (no request leaves the machine): exit 2, naming the bucket and the cause. Since
  // issue 18 a source that cannot be listed is SOURCE_NOT_FOUND (the data is not where the location says).
  it('exits 2 when S3 cannot be reached without a source, naming the bucket and the cause (R-S3-1)', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_S3', 'http://127.0.0.1:9');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('AWS_MAX_ATTEMPTS', '1');
    try {
      const { exit, output } = await runExample(['dry-run', ...FLEET]);
      expect(exit).toBe(2);
      expect(output).toMatch(
        /ListObjectsV2 s3:\/\/test-batch-load-west-2: .*ECONNREFUSED 127\.0\.0\.1:9 \[SOURCE_NOT_FOUND\]/,
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
