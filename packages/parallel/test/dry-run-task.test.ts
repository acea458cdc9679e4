/**
 * Issue 18: the ETL path in one call: task JSON + data location → validated, resolved once, dry-run on every core;
 * bad input as data, never a throw; an abort stops the run with its counts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dryRun, isLoadAborted } from '@tsbatch/core';
import { afterAll, describe, expect, it } from 'vitest';
import { dryRunTask } from '../src/index.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));
const FLEET = JSON.parse(readFileSync(path.join(EXAMPLES, 'fleet/task.json'), 'utf8')) as {
  DataSourceConfiguration: { DataSourceS3Configuration: { BucketName: string; ObjectKeyPrefix: string } };
};
const BUCKET = FLEET.DataSourceConfiguration.DataSourceS3Configuration.BucketName;
const NOW = new Date('2024-05-01T01:30:00Z');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempRoot(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-dry-run-task-'));
  dirs.push(dir);
  return dir;
}

describe('dryRunTask', () => {
  it('validates, resolves and dry-runs in one call, with the result of validateTask + dryRun (R-IN-3)', async () => {
    const s3Root = path.join(EXAMPLES, 'fleet/s3-with-errors');
    const run = await dryRunTask(FLEET, { s3Root }, { now: NOW, workers: 2 });
    if (!run.ran) throw new Error(JSON.stringify(run.issues));
    expect(run.source.files.map((f) => f.key)).toEqual(['sample.csv']);
    const alone = await dryRun(run.task, run.source, { now: NOW });
    expect(run.result).toEqual(alone);
    expect(run.result.progress).toMatchObject({ RecordsProcessed: 14, ParseFailures: 4 });
    expect(run.result.warnings.map((w) => w.code)).toEqual(['TIME_WINDOW_NOT_CHECKED']);
  });

  it("answers reason 'task' with the issues when the task has errors, and runs nothing", async () => {
    const broken = JSON.parse(readFileSync(path.join(EXAMPLES, 'broken/typos.json'), 'utf8')) as unknown;
    const run = await dryRunTask(broken, { s3Root: path.join(EXAMPLES, 'fleet/s3') });
    expect(run.ran).toBe(false);
    expect(!run.ran && run.reason).toBe('task');
    expect(run.issues.map((i) => i.code)).toContain('TASK_UNKNOWN_MEMBER');
  });

  it("answers reason 'location' when the data is not where the location says (SOURCE_UNRESOLVED)", async () => {
    const run = await dryRunTask(FLEET, { s3Root: path.join(EXAMPLES, 'no-such-folder') });
    expect(run).toMatchObject({ ran: false, reason: 'location' });
    expect(run.issues.map((i) => `${i.severity} ${i.code}`)).toEqual(['error SOURCE_UNRESOLVED']);
  });

  it('runs a task whose file fails as a whole, with that error among the issues and the run counting it (R-COUNT-2)', async () => {
    const root = tempRoot();
    const prefix = path.join(root, BUCKET, 'sample.csv');
    mkdirSync(prefix, { recursive: true });
    const good = readFileSync(path.join(EXAMPLES, 'fleet/s3', BUCKET, 'sample.csv'));
    writeFileSync(path.join(prefix, 'a-bom.csv'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), good]));
    copyFileSync(path.join(EXAMPLES, 'fleet/s3', BUCKET, 'sample.csv'), path.join(prefix, 'b.csv'));
    const run = await dryRunTask(FLEET, { s3Root: root }, { now: NOW });
    if (!run.ran) throw new Error(JSON.stringify(run.issues));
    expect(run.issues.map((i) => [i.code, i.file])).toEqual([['SOURCE_FILE_FAILS', 'sample.csv/a-bom.csv']]);
    expect(run.result.progress.FileFailures).toBe(1);
    expect(run.result.status).toBe('FAILED');
  });

  it('rejects with the partial counts when its signal aborts (LoadAbortedError)', async () => {
    const abort = new AbortController();
    const error = await dryRunTask(
      FLEET,
      { s3Root: path.join(EXAMPLES, 'fleet/s3') },
      {
        signal: abort.signal,
        onReject: () => undefined,
        onRecords: () => {
          abort.abort();
        },
      },
    ).catch((e: unknown) => e);
    expect(isLoadAborted(error)).toBe(true);
    if (isLoadAborted(error)) expect(error.partial.progress.RecordsProcessed).toBe(1);
  });
});
