import path from 'node:path';
import { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import type { ProgressReport, TimestreamRecord } from '@tsbatch/core';
import { ensureTargetTable } from '@tsbatch/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHILD_ENV,
  dryRunRecords,
  endpoint,
  seededRandom,
  sorted,
  spawnTsbatch,
  storedRecords,
  tempDir,
  tsbatch,
  writeBucket,
} from './ingest-helpers.js';

// R-TASK-1, R-ING-3: a load killed at any point, then resumed, ends exactly as an uninterrupted one.
const LONG = process.env.TSBATCH_LONG === '1';
const ROUNDS = LONG ? 12 : 3;
const ROWS_PER_FILE = LONG ? 20_000 : 4_000;
const FILES = 3;
const DB = 'BatchLoadExampleDatabase';
const TABLE = 'BatchLoadExampleTable';
const TASK = 'examples/fleet/task.json';
const saved = { ...process.env };

type Endpoint = Awaited<ReturnType<typeof endpoint>>;
type Described = { BatchLoadTaskDescription: { TaskStatus: string; ProgressReport: ProgressReport } };

let root: string;
let conflicts: TimestreamRecord[];
let reference: { progress: ProgressReport; stored: string[] };
const random = seededRandom('ingest-kill');
const open: Endpoint[] = [];

/** A fresh endpoint with the table, and records conflicting with some of the load written beforehand. */
async function target(): Promise<Endpoint> {
  const srv = await endpoint();
  open.push(srv);
  const where = { endpoint: srv.url, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } };
  await ensureTargetTable({ ...where, database: DB, table: TABLE }, { enableMagneticStoreWrites: true });
  const client = new TimestreamWriteClient({ ...where, region: 'us-east-1' });
  await client.send(new WriteRecordsCommand({ DatabaseName: DB, TableName: TABLE, Records: conflicts }));
  client.destroy();
  return srv;
}

function csv(file: number): string {
  const lines = ['timestamp,vehicle,registration,wgt,spd,fuel_consumption,miles'];
  for (let i = 0; i < ROWS_PER_FILE; i++) {
    const n = file * ROWS_PER_FILE + i;
    lines.push(
      n % 1_999 === 17
        ? `${1714521600 + n},Truck-${n},TX,heavy,1,1,1`
        : `${1714521600 + n},Truck-${n % 70},TX-${n % 9},${n}.5,${n % 90},1.${n % 10},${n}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function describeTask(store: string, id: string): Promise<Described['BatchLoadTaskDescription']> {
  const run = await tsbatch(['tasks', 'describe', id, '--store', store]);
  return (JSON.parse(run.stdout) as Described).BatchLoadTaskDescription;
}

async function onlyTask(store: string): Promise<string | undefined> {
  const list = JSON.parse((await tsbatch(['tasks', 'list', '--store', store])).stdout) as {
    BatchLoadTasks: { TaskId: string }[];
  };
  return list.BatchLoadTasks[0]?.TaskId;
}

/** Runs the CLI as a child until the endpoint has acknowledged `calls` more calls, then kills it. */
async function killAfter(
  srv: Endpoint,
  argv: string[],
  calls: number,
  signal: NodeJS.Signals,
): Promise<{ exit: number; stdout: string; stderr: string }> {
  const start = srv.written();
  const child = spawnTsbatch(argv);
  let finished = false;
  void child.done.then(() => (finished = true));
  while (!finished && srv.written() - start < calls) await new Promise((r) => setTimeout(r, 2));
  if (!finished) child.kill(signal);
  return child.done;
}

beforeAll(async () => {
  Object.assign(process.env, CHILD_ENV);
  root = tempDir('tsbatch-kill-s3-');
  const files: Record<string, string> = {};
  for (let f = 0; f < FILES; f++) files[`fleet/part-${f}.csv`] = csv(f);
  writeBucket(root, 'test-batch-load-west-2', files);
  const records = path.join(tempDir('tsbatch-kill-'), 'records.jsonl');
  await tsbatch([
    'dry-run',
    TASK,
    '--source',
    path.join(root, 'test-batch-load-west-2', 'fleet'),
    '--records',
    records,
  ]);
  // A higher version with other values for a few rows of each file: the service rejects those rows.
  conflicts = dryRunRecords(records)
    .filter((_, i) => i % 1_013 === 500)
    .map((r) => ({ ...r, Version: 3, MeasureValues: r.MeasureValues!.map((v) => ({ ...v, Value: '1' })) }));

  const srv = await target();
  const store = tempDir('tsbatch-kill-store-');
  const run = await tsbatch([
    'ingest',
    TASK,
    ...source(),
    '--endpoint-url',
    srv.url,
    '--store',
    store,
    '--json',
  ]);
  expect(run.exit).toBe(1);
  reference = {
    progress: (JSON.parse(run.stdout) as Described).BatchLoadTaskDescription.ProgressReport,
    stored: sorted(await storedRecords(srv, DB, TABLE)),
  };
  expect(reference.progress.RecordIngestionFailures).toBe(conflicts.length);
  expect(reference.progress.ParseFailures).toBeGreaterThan(0);
}, 120_000);

afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  process.env = saved;
});

function source(): string[] {
  return ['--source', path.join(root, 'test-batch-load-west-2', 'fleet')];
}

describe('kill -9 of tsbatch ingest at random points, then tasks resume (R-TASK-1, R-ING-3)', () => {
  const totalCalls = Math.ceil((FILES * ROWS_PER_FILE) / 100);
  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: ends with the uninterrupted run's stored records and ProgressReport`, async () => {
      const srv = await target();
      const store = tempDir('tsbatch-kill-store-');
      const argv = [
        'ingest',
        TASK,
        ...source(),
        '--endpoint-url',
        srv.url,
        '--store',
        store,
        '--threads',
        '2',
      ];
      const first = await killAfter(srv, argv, 1 + Math.floor(random() * totalCalls * 0.9), 'SIGKILL');
      expect(first.exit, first.stderr).toBe(137);
      const id = (await onlyTask(store))!;
      // A task whose process died shows PROGRESS_STOPPED (R-TASK-1).
      expect((await describeTask(store, id)).TaskStatus).toBe('PROGRESS_STOPPED');

      const resume = ['tasks', 'resume', id, '--store', store, '--json'];
      if (random() < 0.5) {
        // Killed again while resuming.
        const second = await killAfter(srv, resume, 1 + Math.floor(random() * totalCalls * 0.5), 'SIGKILL');
        if (second.exit === 137) expect((await describeTask(store, id)).TaskStatus).toBe('PROGRESS_STOPPED');
      }
      // Unless the second run got to the end before its kill, a last resume finishes the task.
      if ((await describeTask(store, id)).TaskStatus !== 'FAILED')
        expect((await spawnTsbatch(resume).done).exit).toBe(1);
      expect((await describeTask(store, id)).TaskStatus).toBe('FAILED');
      expect((await describeTask(store, id)).ProgressReport).toEqual(reference.progress);
      expect(sorted(await storedRecords(srv, DB, TABLE))).toEqual(reference.stored);
    }, 120_000);
  }

  it('Ctrl-C stops cleanly: PROGRESS_STOPPED, exit 130, and resume finishes it exactly', async () => {
    const srv = await target();
    const store = tempDir('tsbatch-kill-store-');
    const argv = ['ingest', TASK, ...source(), '--endpoint-url', srv.url, '--store', store, '--json'];
    const first = await killAfter(srv, argv, Math.floor(totalCalls / 3), 'SIGINT');
    expect(first.exit).toBe(130);
    const stopped = (JSON.parse(first.stdout) as Described).BatchLoadTaskDescription;
    expect(stopped.TaskStatus).toBe('PROGRESS_STOPPED');
    expect(stopped.ProgressReport.RecordsProcessed).toBeGreaterThan(0);
    expect(stopped.ProgressReport.RecordsProcessed).toBeLessThan(reference.progress.RecordsProcessed);
    const id = (await onlyTask(store))!;
    const resumed = await tsbatch(['tasks', 'resume', id, '--store', store, '--json']);
    expect(resumed.exit).toBe(1);
    expect((JSON.parse(resumed.stdout) as Described).BatchLoadTaskDescription.ProgressReport).toEqual(
      reference.progress,
    );
    expect(sorted(await storedRecords(srv, DB, TABLE))).toEqual(reference.stored);
  }, 120_000);
});
