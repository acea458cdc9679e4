/**
 * Soak run of issue 7 (not part of the test suite): `tsbatch ingest` of a generated fleet load against `tsbatch
 * serve` with faults on, while the endpoint is killed with SIGKILL and restarted on its data folder (and the client
 * killed too, if asked) several times; the load must end with exactly the dry run's records and ProgressReport
 * (R-ING-2, R-ING-3, R-TASK-1, R-LOCAL-3).
 *
 *   NODE_OPTIONS=--max-old-space-size=14000 \
 *     node --conditions=source --import tsx test/soak.ts --rows 10000000 --client-kills 1   # the acceptance run
 *   node --conditions=source --import tsx test/soak.ts --rows 200000 --client-kills 1     # a few minutes
 *
 * The acceptance run's heap is for `tsbatch serve` and for the read-back at the end: the endpoint keeps every
 * point's index in memory, about 6 GiB at 10M points. On a 2-core machine it takes about 50 minutes.
 *
 * Flags: --rows N (default 10,000,000), --files N (20), --restarts N (endpoint kills, 3), --client-kills N (0),
 * --fault SPEC (see `tsbatch serve --help`), --seed N, --threads N (2), --dir DIR (a fresh temporary folder; keep
 * room for the CSV, about 65 bytes a row, and the endpoint's store, about 4 times that). Exit 0 when everything
 * matches, 1 when not.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dryRun, resolveSource, type ProgressReport } from '@tsbatch/core';
import { ensureTargetTable } from '@tsbatch/ingest';
import { validateTask } from '@tsbatch/validator';
import { CHILD_ENV, RecordDigest, ROOT, spawnTsbatch, tsbatch, type Run } from './ingest-helpers.js';
import {
  CREDENTIALS,
  DB,
  generateFleet,
  restartServe,
  seconds,
  startServe,
  storedRecordsOf,
  TABLE,
  TASK,
  type Described,
  type ServeChild,
} from './soak-harness.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    files: { type: 'string', default: '20' },
    restarts: { type: 'string', default: '3' },
    'client-kills': { type: 'string', default: '0' },
    fault: { type: 'string', default: 'throttle=0.05,error=0.02,drop=0.01,lost=0.01,delay=100ms:0.01' },
    seed: { type: 'string', default: '7' },
    threads: { type: 'string', default: '2' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const ROWS = Number(values.rows);
const FILES = Number(values.files);
const RESTARTS = Number(values.restarts);
const CLIENT_KILLS = Number(values['client-kills']);
for (const [name, n] of Object.entries({ ROWS, FILES, RESTARTS, CLIENT_KILLS })) {
  if (!Number.isInteger(n) || n < 0) throw new Error(`soak: --${name.toLowerCase()} must be a whole number`);
}
Object.assign(process.env, CHILD_ENV);
const dir = values.dir ?? mkdtempSync(path.join(os.tmpdir(), 'tsbatch-soak-'));
const log = (line: string): void => console.log(`${new Date().toISOString().slice(11, 19)} soak: ${line}`);
const t0 = Date.now();

// 1. The data, and what the dry run says about it.
const source = path.join(dir, 's3', 'test-batch-load-west-2', 'fleet');
const rowsPerFile = Math.ceil(ROWS / FILES);
log(`generating ${FILES} files of ${rowsPerFile.toLocaleString('en-US')} rows in ${source}`);
await generateFleet(source, FILES, rowsPerFile);
const json: unknown = JSON.parse(readFileSync(path.join(ROOT, TASK), 'utf8'));
const location = { source };
const task = (await validateTask(json, { location })).task!;
const resolved = await resolveSource(task.source, location);
if (!resolved.ok) throw new Error(resolved.error.message);
const predicted = new RecordDigest();
let t = Date.now();
const dry = await dryRun(task, resolved.source, {
  onRecords: (_f, _l, records) => records.forEach((r) => predicted.add(r)),
});
log(`dry run: ${JSON.stringify(dry.progress)} in ${seconds(Date.now() - t)}`);

// 2. The endpoint, its table, its faults.
let serve: ServeChild = await startServe({ dataDir: path.join(dir, 'local') });
const faults = { fault: values.fault, seed: Number(values.seed) };
await ensureTargetTable(
  { endpoint: serve.url, credentials: CREDENTIALS, database: DB, table: TABLE },
  { enableMagneticStoreWrites: true },
);
const setFaults = async (s: ServeChild): Promise<void> => {
  const res = await fetch(`${s.url}/_tsbatch/faults`, {
    method: 'POST',
    body: JSON.stringify({ spec: faults.fault, seed: faults.seed }),
  });
  if (res.status !== 200) throw new Error(`soak: faults refused: ${await res.text()}`);
};
await setFaults(serve);
log(`tsbatch serve at ${serve.url} with --fault ${faults.fault}`);

// 3. The load, with the endpoint killed RESTARTS times and the client CLIENT_KILLS times at even intervals.
const store = path.join(dir, 'store');
const totalCalls = Math.ceil(dry.progress.RecordsIngested / 100);
const events: { at: number; kind: 'endpoint' | 'client' }[] = [];
// Interleaved (endpoint, client, endpoint, ...) at even intervals of the calls.
for (let e = RESTARTS, c = CLIENT_KILLS; e + c > 0;) {
  if (e > 0 && (e >= c || c === 0)) {
    events.push({ at: 0, kind: 'endpoint' });
    e--;
  }
  if (c > 0) {
    events.push({ at: 0, kind: 'client' });
    c--;
  }
}
events.forEach((e, i) => (e.at = Math.floor(((i + 1) * totalCalls) / (events.length + 1))));
let acknowledgedBefore = 0; // calls acknowledged by endpoints killed earlier
const acknowledged = (): number => acknowledgedBefore + serve.acknowledged();

let taskId: string | undefined;
let resumes = 0;
let endpointKills = 0;
let clientKills = 0;
let retries = 0;
t = Date.now();
let argv = [
  'ingest',
  TASK,
  '--source',
  source,
  '--endpoint-url',
  serve.url,
  '--store',
  store,
  '--threads',
  String(values.threads),
  '--json',
];
for (;;) {
  const client = spawnTsbatch(argv);
  let finished = false;
  void client.done.then(() => (finished = true));
  while (!finished) {
    const next = events[0];
    if (next !== undefined && acknowledged() >= next.at) {
      events.shift();
      if (next.kind === 'endpoint') {
        log(`kill -9 of tsbatch serve after ${acknowledged().toLocaleString('en-US')} acknowledged calls`);
        await serve.kill9();
        acknowledgedBefore += serve.acknowledged();
        await new Promise((r) => setTimeout(r, 500));
        const started = Date.now();
        serve = await restartServe(serve);
        await setFaults(serve);
        endpointKills++;
        log(`tsbatch serve restarted on its data folder in ${seconds(Date.now() - started)}`);
      } else {
        log(`kill -9 of tsbatch ingest after ${acknowledged().toLocaleString('en-US')} acknowledged calls`);
        client.kill('SIGKILL');
        clientKills++;
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const run: Run = await client.done;
  retries += Number((/([\d,]+) retries/.exec(run.stderr)?.[1] ?? '0').replace(/,/g, ''));
  if (taskId === undefined) {
    const list = JSON.parse((await tsbatch(['tasks', 'list', '--store', store])).stdout) as {
      BatchLoadTasks: { TaskId: string }[];
    };
    taskId = list.BatchLoadTasks[0]?.TaskId;
    if (taskId === undefined) throw new Error(`soak: no task was created:\n${run.stderr}`);
  }
  if (run.exit === 0 || run.exit === 1) break;
  if (![75, 130, 137].includes(run.exit)) throw new Error(`soak: tsbatch exited ${run.exit}:\n${run.stderr}`);
  log(`run ended with exit ${run.exit}; tsbatch tasks resume ${taskId}`);
  resumes++;
  argv = ['tasks', 'resume', taskId, '--store', store, '--json'];
}
const ingestTime = Date.now() - t;
const described = JSON.parse(
  (await tsbatch(['tasks', 'describe', taskId, '--store', store])).stdout,
) as Described;
const progress: ProgressReport = described.BatchLoadTaskDescription.ProgressReport;

// 4. What the endpoint stored, against the dry run.
await serve.stop();
const stored = new RecordDigest();
for await (const r of storedRecordsOf(serve.dataDir)) stored.add(r);
const same = (a: unknown, b: unknown): string => (JSON.stringify(a) === JSON.stringify(b) ? 'yes' : 'NO');
const rows: [string, string, string][] = [
  [
    'status',
    described.BatchLoadTaskDescription.TaskStatus,
    same(described.BatchLoadTaskDescription.TaskStatus, dry.status),
  ],
  ['ProgressReport', JSON.stringify(progress), same(progress, dry.progress)],
  ['stored records', stored.count.toLocaleString('en-US'), same(stored.value, predicted.value)],
];
console.log(
  [
    '',
    `tsbatch soak: ${ROWS.toLocaleString('en-US')} rows in ${FILES} files, --fault ${faults.fault}, seed ${faults.seed}`,
    `  ingest ${seconds(ingestTime)} (${Math.round(dry.progress.RecordsIngested / (ingestTime / 1000)).toLocaleString('en-US')} records/s) ` +
      `with ${endpointKills} endpoint kill(s), ${clientKills} client kill(s), ${resumes} resume(s), ${retries.toLocaleString('en-US')} retries`,
    `  dry run ProgressReport ${JSON.stringify(dry.progress)}`,
    ...rows.map(([k, v, ok]) => `  ${k.padEnd(15)} ${v}  equal to the dry run: ${ok}`),
    `  total ${seconds(Date.now() - t0)}; data in ${dir}${values.keep === true ? '' : ' (removed)'}`,
  ].join('\n'),
);
const ok =
  described.BatchLoadTaskDescription.TaskStatus === dry.status &&
  same(progress, dry.progress) === 'yes' &&
  stored.value === predicted.value &&
  endpointKills === RESTARTS;
if (values.keep !== true && ok) rmSync(dir, { recursive: true, force: true });
process.exitCode = ok ? 0 : 1;
