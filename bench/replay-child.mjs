// Child process for profiling the main thread's half of the parallel dry run: `node [--cpu-prof]
// bench/replay-child.mjs TASK FILE [RUNS]` reads every range of FILE once in this thread (runRangeJob, untimed),
// then times dryRunInRanges replaying those outcomes RUNS times (default 3): the replay, duplicate table, spill and
// report, without the workers. Prints {records, seconds: [...], cpuSeconds: [...], ingested, failed}.
import { readFileSync, statSync } from 'node:fs';
import { validateTask } from '@tsbatch/validator';
import { runRangeJob } from '../packages/core/dist/load/range-job.js';
import { dryRunInRanges } from '../packages/core/dist/load/range-load.js';

const [taskFile, file, runsText] = process.argv.slice(2);
const size = statSync(file).size;
const validated = await validateTask(JSON.parse(readFileSync(taskFile, 'utf8')));
if (validated.task === undefined) throw new Error(`${taskFile} is invalid`);
const task = validated.task;
const source = { files: [{ key: 'data.csv', path: file, size }], totalBytes: size };
const cache = new Map();
const keyOf = (job) => `${job.nominal}:${job.start}:${job.lineBase}`;
const reading = (job) => runRangeJob(job).then((o) => (cache.set(keyOf(job), o), o));
const cached = async (job) => cache.get(keyOf(job)) ?? reading(job);
// STATS=1: with the HTML report's statistics (what `dry-run --html` asks).
const statistics = process.env.STATS === '1';
await dryRunInRanges(task, source, reading, { inFlight: 1, statistics });
const seconds = [];
const cpuSeconds = [];
let report;
for (let r = 0; r < Number(runsText ?? 3); r++) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  report = await dryRunInRanges(task, source, cached, {
    inFlight: 1,
    statistics,
    ...(process.env.SPILL_LOG && { onDuplicateSpill: (e) => process.stderr.write(`${JSON.stringify(e)}\n`) }),
  });
  const used = process.cpuUsage(cpu);
  seconds.push(Number(((performance.now() - started) / 1000).toFixed(3)));
  cpuSeconds.push(Number(((used.user + used.system) / 1e6).toFixed(3)));
}
const p = report.progress;
process.stdout.write(
  `${JSON.stringify({ records: p.RecordsProcessed, seconds, cpuSeconds, ingested: p.RecordsIngested, failed: p.RecordIngestionFailures })}\n`,
);
