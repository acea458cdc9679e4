// The QLDB journal-export row of `pnpm bench` (issue 20, R-QLDB-1..4): a ledger's journal of N revisions (10M; quick:
// 20k) is exported by a `tsbatch serve` (its own process) in each format, while a WriteRecords client keeps writing
// to another table of the same endpoint. Goals: each export >= 100k revisions/s; WriteRecords during an export runs
// at >= 0.5x [choice] its rate alone, measured in the same run just before (never blocked: the export runs on a
// worker thread with its own SQLite connection); the server's RSS grows by at most 256 MiB [choice] while it
// exports (bounded memory). Beside each rate, the revisions per CPU-second of the export's worker thread (from /proc):
// on a shared machine the wall rate is the cores' share, that figure what the export costs.
//
// The journal is filled through a server without fsync (throwaway data, so the fill is fast) in a child process,
// through WriteRecords calls of 100 records: every block is a real write of the endpoint.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '@tsbatch/local';
import { procKiB, spawnServe, type ServeProcess } from './serve-process.js';
import { met, type TableRow } from './table.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
/** serve runs as installed: the compiled CLI (built first), its export worker the compiled one. */
const CLI = path.join(root, 'packages/cli/bin/tsbatch.js');
const LEDGER = 'journal_bench';
const BUCKET = 'exports';
const FULL_REVISIONS = 10_000_000;
const QUICK_REVISIONS = 20_000;
const CALLS_IN_FLIGHT = 8;
const FORMATS = ['JSON', 'ION_TEXT', 'ION_BINARY'] as const;
const EXPORT_GOAL = 100_000;
const WRITE_RATIO_GOAL = 0.5;
const RSS_GROWTH_GOAL_MIB = 256;
/** /proc's clock ticks a second (USER_HZ: 100 on Linux's usual builds). */
const CLOCK_TICKS = 100;

export interface JournalBenchOptions {
  quick: boolean;
  log: (line: string) => void;
  /** Revisions to fill the journal with instead of the profile's. */
  revisions?: number;
}

/** The bench's rows: [measure, figure, goal, met]. */
export async function journalBench(options: JournalBenchOptions): Promise<TableRow[]> {
  const revisions = options.revisions ?? (options.quick ? QUICK_REVISIONS : FULL_REVISIONS);
  const work = path.join(os.tmpdir(), `tsbatch-journal-bench-${process.pid}`);
  const dataDir = path.join(work, 'data');
  const s3Root = path.join(work, 's3');
  mkdirSync(path.join(s3Root, BUCKET), { recursive: true });
  try {
    options.log(`filling a journal of ${revisions.toLocaleString('en-US')} revisions`);
    const fillSeconds = await fillInChild(dataDir, revisions);
    // Every export ends here: the fill's blocks only. The `live` writes below go to the same ledger (one strand),
    // so a range ending at each export's start would also take the writes of the phases before it.
    await new Promise((r) => setTimeout(r, 5)); // after the last block's millisecond
    const fillEnd = Date.now() / 1000;
    options.log(`filled in ${fillSeconds.toFixed(1)} s`);
    buildCli();
    const serve = await startServe(dataDir, s3Root);
    try {
      const rows: TableRow[] = [];
      const aloneSeconds = options.quick ? 2 : 10;
      const alone = await writeFor(serve.url, () => aloneSeconds * 1000);
      options.log(`WriteRecords alone: ${Math.round(alone.rate)} records/s`);
      const rssBefore = rssKiB(serve.pid) ?? 0;
      let rssPeak = rssBefore;
      const label = `${(revisions / 1e6).toLocaleString('en-US')}M`;
      for (const format of FORMATS) {
        let done = false;
        const writing = writeFor(serve.url, () => (done ? 0 : Infinity));
        const threadsBefore = new Set(threadCpuSeconds(serve.pid).keys());
        const threadCpu = new Map<number, number>();
        const started = performance.now();
        const exportId = await startExport(serve.url, format, fillEnd);
        const status = await waitExport(serve.url, exportId, () => {
          rssPeak = Math.max(rssPeak, rssKiB(serve.pid) ?? 0);
          for (const [tid, cpu] of threadCpuSeconds(serve.pid))
            if (!threadsBefore.has(tid)) threadCpu.set(tid, cpu);
        });
        const seconds = (performance.now() - started) / 1000;
        done = true;
        const during = await writing;
        if (status !== 'COMPLETED') throw new Error(`the ${format} export ended ${status}`);
        const rate = revisions / seconds;
        options.log(
          `${format}: ${Math.round(rate)} revisions/s; WriteRecords meanwhile ${Math.round(during.rate)}/s`,
        );
        rows.push([
          `journal export ${format}, ${label} revisions`,
          `${Math.round(rate).toLocaleString('en-US')} revisions/s (${seconds.toFixed(1)} s)`,
          `>= ${EXPORT_GOAL.toLocaleString('en-US')} revisions/s`,
          met(rate >= EXPORT_GOAL),
        ]);
        // The export's worker thread is the busiest thread started with it; its CPU time as last sampled (up to one
        // poll before its end, so the rate is a little high): what it costs, whatever else shares the cores.
        const workerCpu = Math.max(0, ...threadCpu.values());
        if (workerCpu > 0) {
          rows.push([
            `journal export ${format}: revisions per CPU-second of its worker thread`,
            `${Math.round(revisions / workerCpu).toLocaleString('en-US')} (${workerCpu.toFixed(1)} CPU-s)`,
            '(the rate on a core of its own; load-independent)',
            '',
          ]);
        }
        const ratio = during.rate / alone.rate;
        rows.push([
          `WriteRecords during the ${format} export / alone`,
          `${ratio.toFixed(2)}x (${Math.round(during.rate)} vs ${Math.round(alone.rate)} records/s)`,
          `>= ${WRITE_RATIO_GOAL}x (never blocked)`,
          met(ratio >= WRITE_RATIO_GOAL),
        ]);
        rmSync(path.join(s3Root, BUCKET, format), { recursive: true, force: true });
      }
      const growth = (rssPeak - rssBefore) / 1024;
      rows.push([
        'serve RSS growth while exporting',
        `${growth.toFixed(0)} MiB (${(rssBefore / 1024).toFixed(0)} -> ${(rssPeak / 1024).toFixed(0)} MiB)`,
        `<= ${RSS_GROWTH_GOAL_MIB} MiB (bounded)`,
        met(growth <= RSS_GROWTH_GOAL_MIB),
      ]);
      return rows;
    } finally {
      await serve.stop();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function body(table: string, from: number, n: number, now: number): string {
  const records = [];
  for (let i = from; i < from + n; i++) {
    records.push({
      Dimensions: [{ Name: 'truck', Value: `T${i % 1000}` }],
      MeasureName: 'metrics',
      MeasureValueType: 'MULTI',
      MeasureValues: [
        { Name: 'speed', Value: String((i % 120) + 0.5), Type: 'DOUBLE' },
        { Name: 'miles', Value: String(i), Type: 'BIGINT' },
      ],
      // Distinct points: one millisecond apart, within the last 100 days (magnetic writes are on).
      Time: String(now - 8_640_000_000 + i),
    });
  }
  return JSON.stringify({ DatabaseName: LEDGER, TableName: table, Records: records });
}

async function call(url: string, op: string, payload: string): Promise<void> {
  const res = await fetch(`${url}/`, {
    method: 'POST',
    headers: { 'x-amz-target': `Timestream_20181101.${op}`, 'content-type': 'application/x-amz-json-1.0' },
    body: payload,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${op}: ${res.status} ${text.slice(0, 200)}`);
}

async function fill(dataDir: string, revisions: number): Promise<number> {
  const server = await startServer({ dataDir, sync: false });
  try {
    await call(server.url, 'CreateDatabase', JSON.stringify({ DatabaseName: LEDGER }));
    for (const table of ['history', 'live']) {
      await call(
        server.url,
        'CreateTable',
        JSON.stringify({
          DatabaseName: LEDGER,
          TableName: table,
          RetentionProperties: {
            MemoryStoreRetentionPeriodInHours: 1,
            MagneticStoreRetentionPeriodInDays: 73000,
          },
          MagneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
        }),
      );
    }
    const started = performance.now();
    const now = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CALLS_IN_FLIGHT }, async () => {
        while (next < revisions) {
          const from = next;
          next += 100;
          await call(server.url, 'WriteRecords', body('history', from, Math.min(100, revisions - from), now));
        }
      }),
    );
    return (performance.now() - started) / 1000;
  } finally {
    await server.close();
  }
}

/** The fill runs in a child process of its own, so its memory and CPU are not the bench's. */
async function fillInChild(dataDir: string, revisions: number): Promise<number> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--fill',
      dataDir,
      String(revisions),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`the journal fill exited with ${String(code)}`);
  return (JSON.parse(out.trim().split('\n').pop()!) as { seconds: number }).seconds;
}

/** Writes 100-record calls to the `live` table until `budgetMs()` of time has passed; answers its rate. */
async function writeFor(url: string, budgetMs: () => number): Promise<{ records: number; rate: number }> {
  const started = performance.now();
  const now = Date.now();
  let records = 0;
  let next = 1e9 + Math.floor(Math.random() * 1e6) * 1000; // a fresh range of points each run
  await Promise.all(
    Array.from({ length: CALLS_IN_FLIGHT }, async () => {
      while (performance.now() - started < budgetMs()) {
        const from = next;
        next += 100;
        await call(url, 'WriteRecords', body('live', from % 8e9, 100, now));
        records += 100;
      }
    }),
  );
  return { records, rate: records / ((performance.now() - started) / 1000) };
}

async function startExport(url: string, format: (typeof FORMATS)[number], end: number): Promise<string> {
  const res = await fetch(`${url}/ledgers/${LEDGER}/journal-s3-exports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      InclusiveStartTime: 0,
      // The fill's blocks only (the journal's `revisions`): the writes of the rate phases come later.
      ExclusiveEndTime: end,
      RoleArn: 'arn:aws:iam::000000000000:role/bench',
      OutputFormat: format,
      S3ExportConfiguration: {
        Bucket: BUCKET,
        Prefix: `${format}/`,
        EncryptionConfiguration: { ObjectEncryptionType: 'NO_ENCRYPTION' },
      },
    }),
  });
  const json = (await res.json()) as { ExportId?: string; Message?: string };
  if (json.ExportId === undefined) throw new Error(`ExportJournalToS3: ${res.status} ${json.Message ?? ''}`);
  return json.ExportId;
}

async function waitExport(url: string, id: string, sample: () => void): Promise<string> {
  for (;;) {
    sample();
    const res = await fetch(`${url}/ledgers/${LEDGER}/journal-s3-exports/${id}`);
    const d = ((await res.json()) as { ExportDescription: { Status: string } }).ExportDescription;
    if (d.Status !== 'IN_PROGRESS') return d.Status;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Compiles the CLI and the packages it loads (incremental: quick when nothing changed). */
function buildCli(): void {
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-b', path.join(root, 'packages/cli/tsconfig.build.json')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) throw new Error('building the CLI failed: tsc -b packages/cli/tsconfig.build.json');
}

if (process.argv[2] === '--fill') {
  const seconds = await fill(process.argv[3]!, Number(process.argv[4]));
  process.stdout.write(`${JSON.stringify({ seconds })}\n`);
}

function startServe(dataDir: string, s3Root: string): Promise<ServeProcess> {
  return spawnServe([CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--s3-root', s3Root, '--quiet'], {
    cwd: root,
  });
}
/** CPU seconds (user + system) of each thread of a process, by thread id (Linux /proc; empty elsewhere). */
function threadCpuSeconds(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // After the command name (in parentheses, which may hold spaces): field 3 onwards; utime, stime are 14, 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

function rssKiB(pid: number): number | null {
  return procKiB(pid, 'VmRSS');
}
