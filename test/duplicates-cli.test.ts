/**
 * R-DUP-1 exact at any size, at the CLI: with the in-memory key budget forced small (--max-duplicate-keys), a
 * conflict far past it is found at its line by `tsbatch dry-run` on one thread and on workers, byte for byte alike,
 * and by `tsbatch ingest` into `tsbatch serve` (the dry run and the real load agree: the scenario); a
 * temporary folder that fills up stops the run with exit 75 and a clear message, never a SUCCEEDED, and leaves no
 * file behind (a real 64 KiB tmpfs, mounted in a private mount namespace: root only, else skipped).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHILD_ENV, endpoint, ROOT, tempDir, tsbatch } from './ingest-helpers.js';

const HEADER = 'timestamp,vehicle,registration,wgt,spd,fuel_consumption,miles';
const T0 = 1714521600;
const TASK = path.join(ROOT, 'examples/fleet/task.json');
const saved = { ...process.env };
let dir: string;
const made: string[] = [];

/** `n` rows with distinct keys, then one with the point of row `conflictWith` (1-based) and another weight. */
function distinctThenConflict(n: number, conflictWith: number): string {
  const rows: string[] = [HEADER];
  for (let i = 0; i < n; i++) rows.push(`${T0 + i},truck-${i % 1000},REG-${i % 1000},${i}.5,12.5,3.25,${i}`);
  const i = conflictWith - 1;
  rows.push(`${T0 + i},truck-${i % 1000},REG-${i % 1000},${i}.75,12.5,3.25,${i}`);
  return `${rows.join('\n')}\n`;
}

/** Whether this process may mount a tmpfs in a private mount namespace (root, with unshare and mount). */
function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = spawnSync('unshare', ['--mount', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt'], {
    encoding: 'utf8',
  });
  return probe.status === 0;
}

const BIG_ROWS = 260_000; // about 17 MiB: over the 16 MiB under which the dry run stays on one thread

beforeAll(() => {
  Object.assign(process.env, CHILD_ENV);
  dir = tempDir('tsbatch-dup-cli-');
  writeFileSync(path.join(dir, 'big.csv'), distinctThenConflict(BIG_ROWS, Math.floor((BIG_ROWS * 2) / 3)));
  writeFileSync(path.join(dir, 'small.csv'), distinctThenConflict(30_000, 20_000));
});
afterAll(() => {
  process.env = saved;
  for (const d of [dir, ...made]) rmSync(d, { recursive: true, force: true });
});

describe('the duplicate check past its in-memory budget, at the CLI (R-DUP-1)', () => {
  it('dry-run finds the conflict at its line, on one thread and on workers, byte for byte alike', async () => {
    const run = async (workers: string) => {
      const reportDir = path.join(dir, `out-${workers}`);
      const result = await tsbatch([
        'dry-run',
        TASK,
        '--source',
        path.join(dir, 'big.csv'),
        '--json',
        '--report-dir',
        reportDir,
        '--max-duplicate-keys',
        '20000',
        '--memory-retention-hours',
        '100',
        '--now',
        '2024-05-04T01:00:00Z',
        '--workers',
        workers,
      ]);
      return {
        ...result,
        report: readFileSync(path.join(reportDir, 'error-report.json'), 'utf8'),
        rejects: readFileSync(path.join(reportDir, 'rejects.jsonl'), 'utf8'),
      };
    };
    const one = await run('1');
    const two = await run('2');
    expect(one.exit).toBe(1);
    expect({ ...two, stderr: '' }).toEqual({ ...one, stderr: '' });
    for (const r of [one, two])
      expect(r.stderr).toMatch(/held 20,000 record keys in memory and checked the rest on disk/);
    const rejects = one.rejects
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; code: string });
    expect(rejects.map((r) => [r.line, r.code])).toEqual([[BIG_ROWS + 2, 'RECORD_VERSION_CONFLICT']]);
    const progress = (JSON.parse(one.stdout) as { BatchLoadTaskDescription: { ProgressReport: object } })
      .BatchLoadTaskDescription.ProgressReport;
    expect(progress).toMatchObject({ RecordsIngested: BIG_ROWS, RecordIngestionFailures: 1 });
  }, 180_000);

  it('the dry run and the real load into tsbatch serve agree: the same one conflict, at the same line', async () => {
    const srv = await endpoint();
    try {
      const out = tempDir('tsbatch-dup-ingest-');
      made.push(out);
      const source = ['--source', path.join(dir, 'small.csv'), '--max-duplicate-keys', '5000'];
      const dry = await tsbatch([
        'dry-run',
        TASK,
        ...source,
        '--json',
        '--report-dir',
        path.join(out, 'dry'),
      ]);
      const load = await tsbatch([
        'ingest',
        TASK,
        ...source,
        '--endpoint-url',
        srv.url,
        '--create-table',
        '--magnetic-writes',
        '--store',
        path.join(out, 'store'),
        '--report-dir',
        path.join(out, 'ingest'),
        '--json',
      ]);
      expect([dry.exit, load.exit]).toEqual([1, 1]);
      const report = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
      const dryReport = report(path.join(out, 'dry', 'error-report.json')) as { fileErrors: unknown };
      const loadReport = report(path.join(out, 'ingest', 'error-report.json')) as { fileErrors: unknown };
      expect(loadReport.fileErrors).toEqual(dryReport.fileErrors);
      expect(dryReport.fileErrors).toEqual([
        {
          fileName: 'sample.csv',
          errors: [
            { reason: expect.stringMatching(/^A record already exists/), lineRanges: [[30_002, 30_002]] },
          ],
        },
      ]);
      const progressOf = (r: { stdout: string }): object =>
        (JSON.parse(r.stdout) as { BatchLoadTaskDescription: { ProgressReport: object } })
          .BatchLoadTaskDescription.ProgressReport;
      expect(progressOf(load)).toEqual(progressOf(dry));
    } finally {
      await srv.close();
    }
  }, 180_000);

  it('refuses a --temp-dir that is not a writable folder (exit 2)', async () => {
    const run = await tsbatch([
      'dry-run',
      TASK,
      '--source',
      path.join(dir, 'small.csv'),
      '--temp-dir',
      path.join(dir, 'small.csv'),
    ]);
    expect(run.exit).toBe(2);
    expect(run.stderr).toMatch(/--temp-dir .*small\.csv: not a writable folder/);
  });

  it.skipIf(!canMount())(
    'stops with exit 75 and a clear message when the temporary folder fills up, and leaves nothing in it',
    () => {
      for (const workers of ['1', '2']) {
        const mount = tempDir('tsbatch-dup-tmpfs-');
        made.push(mount);
        // The CLI runs inside a private mount namespace holding a 64 KiB tmpfs: nothing outlives the test.
        const script =
          'mount -t tmpfs -o size=64k tmpfs "$1" || exit 99; shift; "$@"; code=$?; ' +
          'echo "left: $(ls -A "$MNT" | wc -l)" >&2; exit $code';
        const node = [
          process.execPath,
          '--conditions=source',
          '--import',
          'tsx',
          path.join(ROOT, 'packages/cli/src/cli.ts'),
        ];
        const args = [
          'dry-run',
          TASK,
          '--source',
          path.join(dir, 'big.csv'),
          '--max-duplicate-keys',
          '1000',
          '--temp-dir',
          mount,
          '--workers',
          workers,
        ];
        const run = spawnSync(
          'unshare',
          ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', mount, ...node, ...args],
          {
            cwd: ROOT,
            env: { ...CHILD_ENV, MNT: mount },
            encoding: 'utf8',
          },
        );
        expect(run.status, run.stderr).toBe(75);
        expect(run.stderr).toMatch(/ran out of disk space in .*tsbatch-dup-tmpfs-/);
        expect(run.stderr).toContain('--temp-dir');
        expect(run.stderr).toContain('[DUPLICATES_TEMP_FULL]');
        expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
        expect(run.stdout).not.toMatch(/SUCCEEDED|FAILED/);
        expect(run.stderr).toContain('left: 0');
        // The mount point outside the namespace never had the tmpfs.
        expect(execFileSync('ls', ['-A', mount], { encoding: 'utf8' })).toBe('');
      }
    },
    180_000,
  );
});
