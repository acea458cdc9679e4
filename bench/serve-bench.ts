// The serve half of `pnpm bench` (issue 16): `tsbatch serve` at backfill scale, each program in its own process.
// For each size, a fresh `tsbatch serve` is loaded with that many new points by bench/serve-blaster.ts (raw HTTP,
// 100-record calls, 8 in flight: the endpoint's own WriteRecords rate), then its peak RSS is read, it is stopped and
// started again on its folder (process start -> URL printed, after a clean stop and after kill -9), and the table is
// exported by `tsbatch export` (a child process, stdout to /dev/null) as JSON Lines, Ion binary and Ion text. serve
// and export run as installed (the compiled CLI, no TypeScript loader): start-up time is part of the restart goal.
// Goals at 10M points: WriteRecords >= 50k records/s, serve peak RSS < 300 MB, restart < 2 s, export JSON Lines
// >= 300k records/s and Ion binary >= 100k records/s.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { procKiB, spawnServe, type ServeProcess } from './serve-process.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
/** The installed command: the compiled CLI (built first by serveBench). */
const CLI = path.join(root, 'packages/cli/bin/tsbatch.js');
const NODE_ARGS = ['--conditions=source', '--import', 'tsx'];
const DATABASE = 'BatchLoadExampleDatabase';
const TABLE = 'BatchLoadExampleTable';
const FULL_SIZES = [1_000_000, 10_000_000];
const QUICK_SIZE = 20_000;
const GOAL_AT = 10_000_000;
const ENV = {
  ...process.env,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  FORCE_COLOR: '0',
};

export interface ServeBenchOptions {
  quick: boolean;
  log: (line: string) => void;
  /** Point counts to measure instead of the profile's (1M and 10M; quick: 20k). */
  sizes?: readonly number[];
}

function startServe(dataDir: string): Promise<ServeProcess> {
  return spawnServe([CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--quiet'], { cwd: root, env: ENV });
}

function peakRssKiB(pid: number): number | null {
  return procKiB(pid, 'VmHWM');
}

/** Runs a child to its end; its last stdout line is JSON. */
async function child(args: string[]): Promise<unknown> {
  const proc = spawn(process.execPath, [...NODE_ARGS, ...args], {
    cwd: root,
    env: ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  proc.stderr.setEncoding('utf8').on('data', (t: string) => (stderr = (stderr + t).slice(-4000)));
  const [code] = (await once(proc, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${path.basename(args[0] ?? '')} failed (exit ${code}): ${stderr.trim()}`);
  return JSON.parse(stdout.trimEnd().split('\n').pop() ?? '') as unknown;
}

async function createTable(url: string): Promise<void> {
  const { ensureTargetTable } = await import('@tsbatch/ingest');
  await ensureTargetTable(
    {
      endpoint: url,
      credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'secret' },
      database: DATABASE,
      table: TABLE,
      region: 'us-east-1',
    },
    { enableMagneticStoreWrites: true },
  );
}

interface Measured {
  seconds: number;
  maxRssKiB: number;
}

/** `tsbatch export` of the whole table in a child process, its records to /dev/null. */
async function exportTable(dataDir: string, format: string, work: string): Promise<Measured> {
  const result = path.join(work, `export-${format}.json`);
  const argv = [
    ...['export', '--data-dir', dataDir, '--database', DATABASE, '--table', TABLE],
    ...[
      '--start',
      '1970-01-01T00:00:00Z',
      '--end',
      new Date().toISOString(),
      '--format',
      format,
      '--out',
      '-',
    ],
  ];
  const proc = spawn(process.execPath, [path.join(here, 'export-child.mjs'), result, ...argv], {
    cwd: root,
    env: ENV,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (t: string) => (stderr = (stderr + t).slice(-4000)));
  const [code] = (await once(proc, 'exit')) as [number | null];
  const r = JSON.parse(readFileSync(result, 'utf8')) as { code: number } & Measured;
  if (code !== 0 || r.code !== 0)
    throw new Error(`tsbatch export --format ${format} failed (exit ${code}): ${stderr.trim()}`);
  const exported = /Exported (\d+) records/.exec(stderr);
  if (exported === null)
    throw new Error(`tsbatch export --format ${format} printed no summary: ${stderr.trim()}`);
  return { seconds: r.seconds, maxRssKiB: r.maxRssKiB };
}

const rate = (n: number, seconds: number): string =>
  `${Math.round(n / seconds).toLocaleString('en-US')} records/s`;
const mib = (kib: number | null): string => (kib === null ? 'n/a' : `${Math.round(kib / 1024)} MiB`);
const compact = (n: number): string => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);

/** Rows of one size: [measure, figure, goal, met]; the goals are judged at 10M points only. */
async function measureSize(size: number, log: (line: string) => void): Promise<string[][]> {
  const label = `serve ${compact(size)} points`;
  const judged = size >= GOAL_AT;
  const goal = (text: string, ok: boolean): [string, string] =>
    judged ? [text, ok ? 'yes' : 'NO'] : [`(${text} at 10M)`, ''];
  const work = path.join(here, 'data', `serve-run-${process.pid}-${size}`);
  rmSync(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const dataDir = path.join(work, 'serve');
  const rows: string[][] = [];
  try {
    let serve = await startServe(dataDir);
    try {
      await createTable(serve.url);
      log(`${label}: WriteRecords, 100-record calls, 8 in flight`);
      const load = (await child([
        path.join(here, 'serve-blaster.ts'),
        '--endpoint',
        serve.url,
        '--records',
        String(size),
      ])) as {
        records: number;
        seconds: number;
      };
      const perSecond = load.records / load.seconds;
      rows.push([
        `${label}: WriteRecords on the endpoint`,
        `${rate(load.records, load.seconds)} (${load.seconds.toFixed(1)} s)`,
        ...goal('>= 50,000 records/s', perSecond >= 50_000),
      ]);
      const rss = peakRssKiB(serve.pid);
      rows.push([
        `${label}: tsbatch serve peak RSS`,
        mib(rss),
        ...goal('< 300 MiB', rss !== null && rss / 1024 < 300),
      ]);
    } finally {
      await serve.stop('SIGINT');
    }
    serve = await startServe(dataDir);
    const clean = serve.startMs;
    await serve.stop('SIGKILL');
    serve = await startServe(dataDir);
    const afterKill = serve.startMs;
    await serve.stop('SIGINT');
    rows.push([
      `${label}: restart (start -> URL), after a clean stop`,
      `${(clean / 1000).toFixed(2)} s`,
      ...goal('< 2 s', clean < 2000),
    ]);
    rows.push([
      `${label}: restart (start -> URL), after kill -9`,
      `${(afterKill / 1000).toFixed(2)} s`,
      '(context)',
      '',
    ]);
    for (const [format, name, floor] of [
      ['json', 'JSON Lines', 300_000],
      ['ion-binary', 'Ion binary', 100_000],
      ['ion-text', 'Ion text', 100_000],
    ] as const) {
      log(`${label}: export as ${name}`);
      const r = await exportTable(dataDir, format, work);
      rows.push([
        `${label}: tsbatch export, ${name}`,
        `${rate(size, r.seconds)} (${r.seconds.toFixed(1)} s, ${mib(r.maxRssKiB)})`,
        ...goal(`>= ${floor.toLocaleString('en-US')} records/s`, size / r.seconds >= floor),
      ]);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

/** Compiles the CLI and the packages it loads (incremental: quick when nothing changed). */
function buildCli(): void {
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-b', path.join(root, 'packages/cli/tsconfig.build.json')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) throw new Error('building the CLI failed: tsc -b packages/cli/tsconfig.build.json');
}

export async function serveBench(options: ServeBenchOptions): Promise<string[][]> {
  const sizes = options.sizes ?? (options.quick ? [QUICK_SIZE] : FULL_SIZES);
  buildCli();
  const rows: string[][] = [];
  for (const size of sizes) {
    try {
      rows.push(...(await measureSize(size, options.log)));
    } catch (error) {
      process.exitCode = 1;
      const why = (error as Error).message.split('\n')[0]!.slice(0, 300);
      options.log(`serve ${compact(size)} points: failed: ${why}`);
      rows.push([`serve ${compact(size)} points`, `failed: ${why}`, '', 'NO']);
    }
  }
  return rows;
}
