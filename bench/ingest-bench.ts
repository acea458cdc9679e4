// The ingest half of `pnpm bench` (issue 6, bench items 4 and 5): for each size, the fleet CSV is loaded into a
// `tsbatch serve` started afresh (its own process and data folder) by three programs in turn:
// - `tsbatch ingest` (the real CLI, in a child process, timed from inside its main);
// - the raw blaster (blaster.ts): pre-built 100-record WriteRecords requests, the same SDK clients and calls in flight;
// - a boto3 thread pool as awswrangler writes (peers/boto3_ingest.py), when a python3 with boto3 is there.
// Each run must leave exactly the CSV's records in the store (counted through the server's export), or the bench
// fails. Goals: tsbatch >= 0.8x the blaster's records/s, >= 2x boto3's.
//
// Run as a script with `--ingest-child ARGS...`, this file is that child: it runs `tsbatch ARGS...` in-process and
// prints {code, seconds, maxRssKiB, progress}.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { generateFleetCsv } from './generate.js';
import { procKiB, spawnServe, type ServeProcess } from './serve-process.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const CLI = path.join(root, 'packages/cli/src/cli.ts');
const TASK = path.join(root, 'examples/fleet/task.json');
const NODE_ARGS = ['--conditions=source', '--import', 'tsx'];
const DATABASE = 'BatchLoadExampleDatabase';
const TABLE = 'BatchLoadExampleTable';
const SEED = 42;
const FULL_SIZES = [100_000, 1_000_000, 10_000_000];
const QUICK_SIZE = 20_000;
/** Source files of generate.ts reused when they hold enough rows (the dry-run half makes the same ones). */
const SOURCE_BYTES = [5e6, 3e7, 1e8, 1e9];
/** The boto3 peer is skipped where it would take longer than this (from its rate at the sizes before). */
const BOTO3_MAX_SECONDS = 600;
/** The clients sign with these; `tsbatch serve` without --verify-sigv4 takes any key. */
const ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'AKIDBENCH',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  FORCE_COLOR: '0',
};

export interface IngestBenchOptions {
  quick: boolean;
  log: (line: string) => void;
  /** Record counts to measure instead of the profile's (100k, 1M, 10M; quick: 20k). */
  sizes?: readonly number[];
}

interface Run {
  records: number;
  seconds: number;
  /** Peak RSS of the client process, KiB (null when the peer cannot say). */
  clientRssKiB: number | null;
  serveRssKiB: number | null;
  /** Calls sent again after a transient failure, where the program says (logged, not judged). */
  retries?: number;
}

type Outcome = Run | { skipped: string };

export async function ingestBench(options: IngestBenchOptions): Promise<string[][]> {
  const { log } = options;
  const sizes = options.sizes ?? (options.quick ? [QUICK_SIZE] : FULL_SIZES);
  const python = findPython();
  const rows: string[][] = [];
  let boto3Rate: number | null = null;
  for (const size of sizes) {
    const csv = await fleetRows(size, log);
    const label = `ingest ${compact(size)} records`;
    const ts = await failedAsRow('tsbatch ingest', log, () =>
      measured('tsbatch ingest', size, log, (url, work) => runTsbatch(url, work, csv)),
    );
    const blaster = await failedAsRow('blaster', log, () =>
      measured('blaster', size, log, async (url, work) => {
        await createTable(url);
        return runBlaster(url, work, csv);
      }),
    );
    let boto3: Outcome | Failed;
    if ('skipped' in python) boto3 = python;
    else if (boto3Rate !== null && size / boto3Rate > BOTO3_MAX_SECONDS) {
      boto3 = {
        skipped: `skipped: ~${Math.round(size / boto3Rate / 60)} min at ${rate(boto3Rate)} (limit ${BOTO3_MAX_SECONDS / 60} min)`,
      };
    } else {
      boto3 = await failedAsRow('boto3 peer', log, () =>
        measured('boto3 peer', size, log, async (url) => {
          await createTable(url);
          return runBoto3(python.exe, url, csv);
        }),
      );
      if (!('skipped' in boto3) && !('failed' in boto3)) boto3Rate = boto3.records / boto3.seconds;
    }
    log(`${label}: done`);
    rows.push(...rowsOf(label, size, ts, blaster, boto3));
  }
  return rows;
}

/**
 * One measurement's failure is a row of the table, not the end of the bench: the other sizes and programs are still
 * measured (a single reset connection at 10M once cost the whole ingest half). The run then exits 1.
 */
async function failedAsRow<T extends Outcome>(
  name: string,
  log: (line: string) => void,
  run: () => Promise<T>,
): Promise<T | Failed> {
  try {
    return await run();
  } catch (error) {
    process.exitCode = 1;
    const why = oneLine((error as Error).message);
    log(`${name}: failed: ${why}`);
    return { failed: why };
  }
}

interface Failed {
  failed: string;
}

function rowsOf(
  label: string,
  size: number,
  ts: Run | Failed,
  blaster: Run | Failed,
  boto3: Outcome | Failed,
): string[][] {
  const figure = (r: Run | Failed): string =>
    'failed' in r ? `failed: ${r.failed}` : `${rate(size / r.seconds)} (${r.seconds.toFixed(1)} s)`;
  /** Rate of a over rate of b, or a NO where either run failed: a run that did not finish meets no goal. */
  const ratio = (what: string, a: Run | Failed, b: Run | Failed, goal: string, min: number): string[] => {
    if ('failed' in a || 'failed' in b) return [`${label}: ${what}`, 'n/a: a run failed', goal, 'NO'];
    const x = b.seconds / a.seconds;
    return [`${label}: ${what}`, `${x.toFixed(2)}x`, goal, x >= min ? 'yes' : 'NO'];
  };
  const out = [
    [`${label}: tsbatch ingest`, figure(ts), '', ''],
    [`${label}: raw SDK blaster`, figure(blaster), '(baseline)', ''],
    ratio('tsbatch / blaster', ts, blaster, '>= 0.8x', 0.8),
  ];
  if ('skipped' in boto3) {
    out.push([`${label}: boto3 thread pool`, boto3.skipped, '(peer)', '']);
  } else {
    out.push(
      [`${label}: boto3 thread pool`, figure(boto3), '(peer)', ''],
      ratio('tsbatch / boto3', ts, boto3, '>= 2x', 2),
    );
  }
  const rss = (kib: (r: Run) => number | null): string => ('failed' in ts ? 'n/a' : mib(kib(ts)));
  out.push([`${label}: tsbatch ingest peak RSS`, rss((r) => r.clientRssKiB), '(context)', '']);
  out.push([`${label}: tsbatch serve peak RSS holding them`, rss((r) => r.serveRssKiB), '(context)', '']);
  return out;
}

/** An error for a table cell: its first line, then the line that names the error when a child's stack came between. */
function oneLine(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const named = lines.findLast((l) => /^\w*Error\b/.test(l));
  const head = lines[0] ?? '';
  return (named !== undefined && named !== head ? `${head} ${named}` : head).slice(0, 300);
}

/** One measured run against a fresh `tsbatch serve`; checks the store holds exactly `size` records, then cleans up. */
async function measured<T extends Outcome>(
  name: string,
  size: number,
  log: (line: string) => void,
  run: (url: string, work: string) => Promise<T>,
): Promise<T> {
  const work = path.join(here, 'data', `ingest-run-${process.pid}-${name.replace(/\W+/g, '-')}-${size}`);
  rmSync(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const serve = await startServe(path.join(work, 'serve'));
  try {
    log(`${name}, ${size.toLocaleString('en-US')} records: running`);
    const outcome = await run(serve.url, work);
    if ('skipped' in outcome) return outcome;
    if (outcome.records !== size) throw new Error(`${name} reported ${outcome.records} records of ${size}`);
    const stored = await storedCount(serve.url);
    if (stored !== size) {
      throw new Error(`${name}: tsbatch serve stored ${stored} records of the ${size} of the CSV`);
    }
    const serveRssKiB = peakRssKiB(serve.pid);
    const retried =
      outcome.retries === undefined ? '' : `, ${outcome.retries.toLocaleString('en-US')} calls retried`;
    log(
      `${name}: ${rate(size / outcome.seconds)}, ${stored.toLocaleString('en-US')} records stored${retried}`,
    );
    return { ...outcome, serveRssKiB };
  } finally {
    await serve.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Records of the table, counted by the server itself (its export of every time up to now). */
async function storedCount(url: string): Promise<number> {
  const res = await fetch(new URL('/_tsbatch/export', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      Database: DATABASE,
      Table: TABLE,
      Start: '1970-01-01T00:00:00Z',
      End: new Date().toISOString(),
    }),
  });
  if (!res.ok || res.body === null) throw new Error(`export failed: ${res.status} ${await res.text()}`);
  let tail = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    tail = (tail + decoder.decode(chunk as Uint8Array, { stream: true })).slice(-4096);
  }
  const last = tail.trimEnd().split('\n').pop() ?? '';
  const summary = (JSON.parse(last) as { ExportSummary?: { Records: number } }).ExportSummary;
  if (summary === undefined) throw new Error(`export did not complete: ${last}`);
  return summary.Records;
}

async function createTable(url: string): Promise<void> {
  const { ensureTargetTable } = await import('@tsbatch/ingest');
  await ensureTargetTable(
    {
      endpoint: url,
      credentials: { accessKeyId: ENV.AWS_ACCESS_KEY_ID, secretAccessKey: ENV.AWS_SECRET_ACCESS_KEY },
      database: DATABASE,
      table: TABLE,
    },
    // What `tsbatch ingest --create-table --magnetic-writes` creates: the 2024 data goes to the magnetic store.
    { enableMagneticStoreWrites: true },
  );
}

/** Runs a child to its end; its last stdout line is JSON. */
async function child(command: string, args: string[]): Promise<{ code: number | null; last: unknown }> {
  const proc = spawn(command, args, { cwd: root, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  proc.stderr.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-4000)));
  const [code] = (await once(proc, 'exit')) as [number | null];
  const line = stdout.trimEnd().split('\n').pop() ?? '';
  try {
    return { code, last: JSON.parse(line) as unknown };
  } catch {
    throw new Error(
      `${path.basename(args[NODE_ARGS.length] ?? command)} failed (exit ${code}): ${stderr.trim()}`,
    );
  }
}

async function runTsbatch(url: string, work: string, csv: string): Promise<Run> {
  const args = [
    ...[TASK, '--source', csv, '--endpoint-url', url, '--create-table', '--magnetic-writes'],
    ...['--store', path.join(work, 'store'), '--json'],
  ];
  const { code, last } = await child(process.execPath, [
    ...NODE_ARGS,
    fileURLToPath(import.meta.url),
    '--ingest-child',
    'ingest',
    ...args,
  ]);
  const r = last as {
    code: number;
    seconds: number;
    maxRssKiB: number;
    progress: Record<string, number> | null;
    retries: number | null;
  };
  if (code !== 0 || r.code !== 0 || r.progress === null) {
    throw new Error(`tsbatch ingest did not succeed: exit ${r.code}, ${JSON.stringify(last)}`);
  }
  return {
    records: r.progress['RecordsIngested']!,
    seconds: r.seconds,
    clientRssKiB: r.maxRssKiB,
    serveRssKiB: null,
    ...(r.retries === null ? {} : { retries: r.retries }),
  };
}

async function runBlaster(url: string, work: string, csv: string): Promise<Run> {
  const { code, last } = await child(process.execPath, [
    ...NODE_ARGS,
    path.join(here, 'blaster.ts'),
    ...['--endpoint', url, '--task', TASK, '--source', csv, '--work', path.join(work, 'batches')],
  ]);
  const r = last as { records: number; seconds: number; retries: number };
  if (code !== 0) throw new Error(`blaster failed (exit ${code}): ${JSON.stringify(last)}`);
  return {
    records: r.records,
    seconds: r.seconds,
    clientRssKiB: null,
    serveRssKiB: null,
    retries: r.retries,
  };
}

async function runBoto3(python: string, url: string, csv: string): Promise<Outcome> {
  const { code, last } = await child(python, [
    path.join(here, 'peers/boto3_ingest.py'),
    ...['--endpoint', url, '--csv', csv, '--database', DATABASE, '--table', TABLE],
  ]);
  const r = last as { records?: number; seconds?: number; skipped?: string };
  if (code === 3 && r.skipped !== undefined) return { skipped: `skipped: ${r.skipped}` };
  if (code !== 0 || r.records === undefined || r.seconds === undefined) {
    throw new Error(`boto3 peer failed (exit ${code}): ${JSON.stringify(last)}`);
  }
  return { records: r.records, seconds: r.seconds, clientRssKiB: null, serveRssKiB: null };
}

/** The first python3 on PATH that has boto3, else /usr/bin/python3 if it has it. */
function findPython(): { exe: string } | { skipped: string } {
  for (const exe of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(exe, ['-c', 'import boto3'], { stdio: 'ignore' });
    if (probe.status === 0) return { exe };
  }
  return { skipped: 'skipped: no python3 with boto3 (pip install boto3)' };
}

/** A fleet CSV of exactly `rows` data rows: the head of a generate.ts file, kept in bench/data. */
async function fleetRows(rows: number, log: (line: string) => void): Promise<string> {
  const dir = path.join(here, 'data');
  const file = path.join(dir, `fleet-rows-${rows}-${SEED}.csv`);
  if (existsSync(file)) return file;
  const need = rows * 64 + 100; // rows average about 60 bytes
  const source = await generateFleetCsv(dir, SOURCE_BYTES.find((b) => b >= need) ?? need, SEED);
  log(`writing ${path.relative(root, file)} from ${path.relative(root, source)}`);
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp);
  let lines = 0;
  for await (const chunk of createReadStream(source, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let end = chunk.length;
    for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) {
      if (++lines === rows + 1) {
        end = at + 1;
        break;
      }
    }
    if (!out.write(chunk.subarray(0, end))) await once(out, 'drain');
    if (lines === rows + 1) break;
  }
  out.end();
  await once(out, 'close');
  if (lines !== rows + 1) throw new Error(`${source} has fewer than ${rows} rows`);
  renameSync(tmp, file);
  return file;
}

function rate(perSecond: number): string {
  return `${Math.round(perSecond).toLocaleString('en-US')} records/s`;
}

function mib(kib: number | null): string {
  return kib === null ? 'n/a' : `${Math.round(kib / 1024)} MiB`;
}

function compact(n: number): string {
  return n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`;
}

/** The child: `tsbatch ARGS...` in-process (the CLI's main), timed from inside. */
async function ingestChild(args: string[]): Promise<void> {
  const { main } = await import('@tsbatch/cli');
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _enc, done): void {
        append(chunk.toString());
        done();
      },
    });
  const started = performance.now();
  const code = await main(args, {
    stdout: sink((t) => (stdout += t)),
    stderr: sink((t) => (stderr = (stderr + t).slice(-4000))),
    cwd: process.cwd(),
  });
  const seconds = (performance.now() - started) / 1000;
  let progress: unknown = null;
  try {
    progress = (JSON.parse(stdout) as { BatchLoadTaskDescription: { ProgressReport: unknown } })
      .BatchLoadTaskDescription.ProgressReport;
  } catch {
    process.stderr.write(stderr);
  }
  // The CLI's summary line on stderr: "WriteRecords: N calls, M retries".
  const retried = /WriteRecords: [\d,]+ calls, ([\d,]+) retries/.exec(stderr);
  const retries = retried === null ? null : Number(retried[1]!.replaceAll(',', ''));
  process.stdout.write(
    `${JSON.stringify({ code, seconds, maxRssKiB: process.resourceUsage().maxRSS, progress, retries })}\n`,
  );
}

if (process.argv[2] === '--ingest-child' && process.argv[1] === fileURLToPath(import.meta.url)) {
  await ingestChild(process.argv.slice(3));
}

function startServe(dataDir: string): Promise<ServeProcess> {
  return spawnServe([...NODE_ARGS, CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--quiet'], {
    cwd: root,
    env: ENV,
  });
}
function peakRssKiB(pid: number): number | null {
  return procKiB(pid, 'VmHWM');
}
