// The S3 row of the bench (issue 17): the same dry run of the same bytes read from local disk (`--s3-root`) and from
// S3 on loopback (s3rver, the tests' server, in its own process), each as the compiled CLI in its own process. The
// goal is S3 at >= 0.9x the speed of local disk with identical output (ProgressReport, TaskId, error report). The
// parallel dry run reads S3 objects in byte ranges on its workers (ranged GETs), rows read again for R-DUP-1 coming
// from the range cache; the `--workers 1` rows say what the threads add on each side. Programs are interleaved
// round by round (the machine is shared: a slow minute hits every program alike).
import { spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startS3Server, type S3TestServer } from '../packages/aws/test/s3-server.js';
import { generateFleetCsv } from './generate.js';
import { met } from './table.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
/**
 * [choice] A moderate default size: s3rver stores the object as a file under a temp folder, so disk use doubles.
 * Users' backfill files are GBs: `--size 100M,1G` adds the 1 GB rows, where a run's fixed costs no longer dominate.
 */
const FULL_BYTES = 1e8;
const QUICK_BYTES = 5e6;
const BUCKET = 'test-batch-load-west-2';
const KEY = 'sample.csv';

export interface S3BenchOptions {
  quick: boolean;
  log: (line: string) => void;
  /** File sizes, one set of rows each (`pnpm bench --only s3 --size 100M,1G`). @default [100 MB], quick: [5 MB] */
  sizes?: number[];
  seed?: number;
  runs?: number;
}

interface Child {
  code: number;
  seconds: number;
  /** CPU (user + system) of the dry run's process, all its threads. */
  cpuSeconds: number;
  /** CPU the S3 server spent during this run (0 for the local-disk runs). */
  serverCpuSeconds: number;
  maxRssKiB: number;
  output: unknown;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN where unreadable. */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, inside parentheses): utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    /** [choice] USER_HZ is 100 on every Linux this runs on (sysconf(_SC_CLK_TCK)). */
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
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
  return { serverCpuSeconds: 0, ...(JSON.parse(last) as Omit<Child, 'serverCpuSeconds'>) };
}

/** Each program once per round, round after round; the fastest run of each, and every run (by round) of each. */
function fastest(
  runs: number,
  programs: (() => Child)[],
  log: (line: string) => void,
): { best: Child[]; all: Child[][] } {
  const best: (Child | undefined)[] = programs.map(() => undefined);
  const all: Child[][] = programs.map(() => []);
  for (let i = 0; i < runs; i++) {
    log(`s3: round ${i + 1} of ${runs}`);
    programs.forEach((measure, p) => {
      const r = measure();
      if (r.code > 1) throw new Error(`dry run exited ${r.code}: ${JSON.stringify(r.output).slice(0, 300)}`);
      all[p]!.push(r);
      if (best[p] === undefined || r.seconds < best[p].seconds) best[p] = r;
    });
  }
  return { best: best as Child[], all };
}

/** The median of round-by-round ratios a/b (runs of one round share the machine's minute). */
function medianRatio(a: Child[], b: Child[]): number {
  const ratios = a.map((x, i) => x.seconds / b[i]!.seconds).sort((x, y) => x - y);
  const mid = Math.floor(ratios.length / 2);
  return ratios.length % 2 === 1 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
}

/** The error report a run wrote (the same file name on both sides). */
function report(dir: string): string {
  try {
    return readFileSync(path.join(dir, 'error-report.json'), 'utf8');
  } catch {
    return '(none)';
  }
}

/**
 * The rows of each size in `options.sizes`, one after the other on one s3rver (each size's object put in place of
 * the one before: s3rver keeps a copy on disk).
 */
export async function s3Bench(options: S3BenchOptions): Promise<string[][]> {
  const sizes = options.sizes ?? [options.quick ? QUICK_BYTES : FULL_BYTES];
  const s3Root = path.join(here, 'data', 's3-bench-root');
  options.log('s3: starting s3rver');
  const s3 = await startS3Server();
  try {
    await s3.createBucket(BUCKET);
    const rows: string[][] = [];
    for (const bytes of sizes) rows.push(...(await s3BenchSize(s3, s3Root, bytes, options)));
    return rows;
  } finally {
    await s3.close();
    rmSync(s3Root, { recursive: true, force: true });
  }
}

async function s3BenchSize(
  s3: S3TestServer,
  s3Root: string,
  bytes: number,
  options: S3BenchOptions,
): Promise<string[][]> {
  const runs = options.runs ?? 1;
  const file = await generateFleetCsv(path.join(here, 'data'), bytes, options.seed ?? 42);
  const mb = statSync(file).size / 1e6;
  const label = mb >= 1000 ? `${Number((mb / 1000).toFixed(1))} GB` : `${Number(mb.toFixed(1))} MB`;
  const log = (line: string): void => options.log(line.replace(/^s3: /, `s3 ${label}: `));
  // The local side: the same file as <s3-root>/<bucket>/<key> (a hard link, no copy).
  rmSync(s3Root, { recursive: true, force: true });
  mkdirSync(path.join(s3Root, BUCKET), { recursive: true });
  linkSync(file, path.join(s3Root, BUCKET, KEY));
  const reports = path.join(here, 'data', 's3-bench-reports');
  rmSync(reports, { recursive: true, force: true });

  log(`s3: putting ${mb.toFixed(1)} MB`);
  await s3.putFile(BUCKET, KEY, file);
  const task = path.join(root, 'examples/fleet/task.json');
  const local = (extra: string[], dir: string): Child =>
    dryRun(
      ['dry-run', task, '--s3-root', s3Root, '--json', '--report-dir', path.join(reports, dir), ...extra],
      {},
    );
  const remote = (extra: string[], dir: string): Child => {
    const before = processCpuSeconds(s3.pid);
    const child = dryRun(
      ['dry-run', task, '--json', '--report-dir', path.join(reports, dir), ...extra],
      s3.env,
    );
    return { ...child, serverCpuSeconds: processCpuSeconds(s3.pid) - before };
  };
  log('s3: dry runs from local disk and from S3 on loopback, default workers and --workers 1');
  const { best, all } = fastest(
    runs,
    [
      () => local([], 'disk'),
      () => local(['--workers', '1'], 'disk-1'),
      () => remote([], 's3'),
      () => remote(['--workers', '1'], 's3-1'),
    ],
    log,
  );
  const [disk, diskOne, fromS3, s3One] = best as [Child, Child, Child, Child];
  const same =
    JSON.stringify(fromS3.output) === JSON.stringify(disk.output) &&
    JSON.stringify(s3One.output) === JSON.stringify(disk.output) &&
    report(path.join(reports, 's3')) === report(path.join(reports, 'disk')) &&
    report(path.join(reports, 's3-1')) === report(path.join(reports, 'disk'));
  const rate = (c: Child): string => `${(mb / c.seconds).toFixed(1)} MB/s`;
  const ratio = disk.seconds / fromS3.seconds;
  const ratioOne = diskOne.seconds / s3One.seconds;
  const cpu = (c: Child): string => `${c.cpuSeconds.toFixed(2)} s`;
  for (const [name, c] of [
    ['disk', disk],
    ['disk --workers 1', diskOne],
    ['s3', fromS3],
    ['s3 --workers 1', s3One],
  ] as const)
    log(
      `s3: fastest ${name}: ${c.seconds.toFixed(2)} s wall, ${cpu(c)} CPU, server ${c.serverCpuSeconds.toFixed(2)} s CPU`,
    );
  return [
    [
      `dry-run ${label}: S3 (loopback) / local disk`,
      `${ratio.toFixed(2)}x (${rate(fromS3)} vs ${rate(disk)})`,
      '>= 0.9x',
      met(ratio >= 0.9),
    ],
    [
      `dry-run ${label}: S3 / local disk, both --workers 1`,
      `${ratioOne.toFixed(2)}x (${rate(s3One)} vs ${rate(diskOne)})`,
      '',
      '',
    ],
    [
      `dry-run ${label}: S3 / local disk, median of the ${runs} rounds' ratios`,
      `${medianRatio(all[0]!, all[2]!).toFixed(2)}x (--workers 1: ${medianRatio(all[1]!, all[3]!).toFixed(2)}x)`,
      '',
      '',
    ],
    [
      `dry-run ${label}: CPU of the S3 run (dry run + s3rver) / local disk`,
      `${cpu(fromS3)} + ${fromS3.serverCpuSeconds.toFixed(2)} s vs ${cpu(disk)}`,
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
}
