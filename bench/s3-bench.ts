// The S3 row of the bench (issue 17): the same dry run of the same bytes read from local disk (`--s3-root`) and from
// S3 on loopback (s3rver, the tests' server, in its own process), each as the compiled CLI in its own process. The
// goal is S3 at >= 0.9x the speed of local disk with identical output (ProgressReport, TaskId, error report). The
// S3 reader re-reads no rows (R-DUP-1), so the parallel dry run of S3 objects runs on one thread: the row with
// `--workers 1` on disk says how much of the gap that is.
import { spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startS3Server } from '../packages/aws/test/s3-server.js';
import { generateFleetCsv } from './generate.js';
import { met } from './table.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
/** [choice] A moderate size: s3rver stores the object as a file under a temp folder, so disk use doubles. */
const FULL_BYTES = 1e8;
const QUICK_BYTES = 5e6;
const BUCKET = 'test-batch-load-west-2';
const KEY = 'sample.csv';

export interface S3BenchOptions {
  quick: boolean;
  log: (line: string) => void;
  /** @default 100 MB, quick: 5 MB */
  bytes?: number;
  seed?: number;
  runs?: number;
}

interface Child {
  code: number;
  seconds: number;
  maxRssKiB: number;
  output: unknown;
}

function dryRun(args: string[], env: Record<string, string>): Child {
  const result = spawnSync(process.execPath, [path.join(here, 's3-dry-run-child.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: {
      ...process.env,
      FORCE_COLOR: '0',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
  });
  const last = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || last === '')
    throw new Error(`dry-run child failed (exit ${result.status}): ${result.stderr.slice(-500)}`);
  return JSON.parse(last) as Child;
}

function fastest(runs: number, measure: () => Child): Child {
  let best: Child | undefined;
  for (let i = 0; i < runs; i++) {
    const r = measure();
    if (r.code > 1) throw new Error(`dry run exited ${r.code}: ${JSON.stringify(r.output).slice(0, 300)}`);
    if (best === undefined || r.seconds < best.seconds) best = r;
  }
  return best!;
}

/** The error report a run wrote (the same file name on both sides). */
function report(dir: string): string {
  try {
    return readFileSync(path.join(dir, 'error-report.json'), 'utf8');
  } catch {
    return '(none)';
  }
}

export async function s3Bench(options: S3BenchOptions): Promise<string[][]> {
  const { log } = options;
  const bytes = options.bytes ?? (options.quick ? QUICK_BYTES : FULL_BYTES);
  const runs = options.runs ?? 1;
  const file = await generateFleetCsv(path.join(here, 'data'), bytes, options.seed ?? 42);
  const mb = statSync(file).size / 1e6;
  // The local side: the same file as <s3-root>/<bucket>/<key> (a hard link, no copy).
  const s3Root = path.join(here, 'data', 's3-bench-root');
  rmSync(s3Root, { recursive: true, force: true });
  mkdirSync(path.join(s3Root, BUCKET), { recursive: true });
  linkSync(file, path.join(s3Root, BUCKET, KEY));
  const reports = path.join(here, 'data', 's3-bench-reports');
  rmSync(reports, { recursive: true, force: true });

  log(`s3: starting s3rver and putting ${mb.toFixed(1)} MB`);
  const s3 = await startS3Server();
  try {
    await s3.createBucket(BUCKET);
    await s3.put(BUCKET, KEY, readFileSync(file));
    const task = path.join(root, 'examples/fleet/task.json');
    const local = (extra: string[], dir: string): Child =>
      dryRun(
        ['dry-run', task, '--s3-root', s3Root, '--json', '--report-dir', path.join(reports, dir), ...extra],
        {},
      );
    log('s3: dry run from local disk (default workers)');
    const disk = fastest(runs, () => local([], 'disk'));
    log('s3: dry run from local disk (--workers 1)');
    const diskOne = fastest(runs, () => local(['--workers', '1'], 'disk-1'));
    log('s3: dry run from S3 on loopback');
    const fromS3 = fastest(runs, () =>
      dryRun(['dry-run', task, '--json', '--report-dir', path.join(reports, 's3')], s3.env),
    );
    const same =
      JSON.stringify(fromS3.output) === JSON.stringify(disk.output) &&
      report(path.join(reports, 's3')) === report(path.join(reports, 'disk'));
    const rate = (c: Child): string => `${(mb / c.seconds).toFixed(1)} MB/s`;
    const ratio = disk.seconds / fromS3.seconds;
    const ratioOne = diskOne.seconds / fromS3.seconds;
    const label = `${Number(mb.toFixed(1))} MB`;
    return [
      [
        `dry-run ${label}: S3 (loopback) / local disk`,
        `${ratio.toFixed(2)}x (${rate(fromS3)} vs ${rate(disk)})`,
        '>= 0.9x',
        met(ratio >= 0.9),
      ],
      [
        `dry-run ${label}: S3 / local disk --workers 1 (S3 reads on one thread, R-DUP-1)`,
        `${ratioOne.toFixed(2)}x (${rate(fromS3)} vs ${rate(diskOne)})`,
        '',
        '',
      ],
      [
        `dry-run ${label}: S3 output = local disk output`,
        same ? 'identical' : 'DIFFERENT',
        'identical',
        met(same),
      ],
    ];
  } finally {
    await s3.close();
    rmSync(s3Root, { recursive: true, force: true });
  }
}
