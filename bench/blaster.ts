// Child process: the raw blaster of bench 4. `blaster.ts --endpoint URL --task TASK.json --source CSV --work DIR`
// maps the CSV with the dry-run engine and pre-builds every 100-record WriteRecords request (CommonAttributes as
// tsbatch groups them) into one JSON-lines file per client, all before the clock starts; then, on the clock, as many
// worker threads as `tsbatch ingest` uses by default start, each with one SDK client (the same keep-alive agent
// settings) and as many calls in flight as tsbatch allows per thread, and send them through the stock
// `client.send(new WriteRecordsCommand(input))`.
// Prints {records, calls, retries, seconds, prepareSeconds, threads, callsPerThread} as its last line.
// [choice] The requests wait on disk, not in memory (10M records would need gigabytes of heap): each worker reads
// and JSON.parses its next line while sending, about a microsecond per record.
import { createWriteStream, mkdirSync, readFileSync, statSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { dryRun, type TimestreamRecord } from '@tsbatch/core';
import { resolveWriterOptions, writeRecordsBody } from '@tsbatch/ingest';
import { validateTask } from '@tsbatch/validator';
import type { BlasterDone, BlasterWorkerData } from './blaster-worker.js';

const { values } = parseArgs({
  options: {
    endpoint: { type: 'string' },
    task: { type: 'string' },
    source: { type: 'string' },
    work: { type: 'string' },
  },
});
const { endpoint, task: taskFile, source: csv, work } = values;
if (endpoint === undefined || taskFile === undefined || csv === undefined || work === undefined) {
  throw new Error('usage: blaster.ts --endpoint URL --task TASK.json --source CSV --work DIR');
}

const validated = await validateTask(JSON.parse(readFileSync(taskFile, 'utf8')));
if (validated.task === undefined) throw new Error(`${taskFile} is invalid`);
const task = validated.task;
// The writer's defaults: the same number of clients (one per thread) and calls in flight as `tsbatch ingest`.
const { threads, callsPerThread } = resolveWriterOptions({ database: task.database, table: task.table });

const prepareStarted = performance.now();
mkdirSync(work, { recursive: true });
const files = Array.from({ length: threads }, (_, i) => path.join(work, `batches-${i}.jsonl`));
const outs = files.map((f) => createWriteStream(f));
let batch: TimestreamRecord[] = [];
let batches = 0;
let records = 0;
async function emit(): Promise<void> {
  const body = { DatabaseName: task.database, TableName: task.table, ...writeRecordsBody(batch) };
  records += batch.length;
  batch = [];
  const out = outs[batches++ % threads]!;
  if (!out.write(`${JSON.stringify(body)}\n`)) await once(out, 'drain');
}
const size = statSync(csv).size;
const result = await dryRun(
  task,
  { files: [{ key: path.basename(csv), path: csv, size }], totalBytes: size },
  {
    onRecords: async (_file, _line, rowRecords) => {
      for (const r of rowRecords) {
        batch.push(r);
        if (batch.length === 100) await emit();
      }
    },
  },
);
if (batch.length > 0) await emit();
for (const out of outs) out.end();
await Promise.all(outs.map((out) => once(out, 'close')));
if (result.progress.RecordsIngested !== result.progress.RecordsProcessed) {
  throw new Error(`blaster: ${csv} has rows the dry run does not ingest; the blaster needs clean data`);
}
const prepareSeconds = (performance.now() - prepareStarted) / 1000;

// The clock starts before the threads: like tsbatch's worker threads, the blaster's start and load the SDK on it.
const started = performance.now();
const workerFile = fileURLToPath(new URL('./blaster-worker.ts', import.meta.url));
const workers = files.map(
  (file) =>
    // The tsx hooks of this process do not reach a worker's own imports: it registers them first.
    new Worker(
      `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(workerFile).href)}); })`,
      { eval: true, workerData: { file, endpoint, calls: callsPerThread } satisfies BlasterWorkerData },
    ),
);
const failed = new Promise<never>((_, reject) => {
  for (const w of workers) w.once('error', reject);
});
const answers = await Promise.race([
  Promise.all(workers.map((w) => once(w, 'message') as Promise<[BlasterDone]>)),
  failed,
]);
const seconds = (performance.now() - started) / 1000;
await Promise.all(workers.map((w) => w.terminate()));

let sent = 0;
let calls = 0;
let retries = 0;
for (const [answer] of answers) {
  if (answer.error !== null) throw new Error(`blaster: a call failed: ${answer.error}`);
  sent += answer.records;
  calls += answer.calls;
  retries += answer.retries;
}
if (sent !== records) throw new Error(`blaster: sent ${sent} records of ${records}`);
process.stdout.write(
  `${JSON.stringify({ records, calls, retries, seconds, prepareSeconds, threads, callsPerThread, batches })}\n`,
);
