// Child process for profiling: `inproc-child.ts TASK FILE` runs the parallel dry run's ranges in this one thread
// (runRangeJob in-process, no workers), so one CPU profile shows reading, mapping, checks and the replay together.
import { readFileSync, statSync } from 'node:fs';
import { dryRunInRanges, runRangeJob } from '@tsbatch/core';
import { validateTask } from '@tsbatch/validator';

const [taskFile, file] = process.argv.slice(2) as [string, string];
const size = statSync(file).size;
const source = { files: [{ key: 'data.csv', path: file, size }], totalBytes: size };
const validated = await validateTask(JSON.parse(readFileSync(taskFile, 'utf8')));
if (validated.task === undefined) throw new Error(`${taskFile} is invalid`);
const started = performance.now();
const cpu = process.cpuUsage();
const result = await dryRunInRanges(validated.task, source, runRangeJob);
const used = process.cpuUsage(cpu);
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify({ rows: result.progress.RecordsProcessed, seconds, cpuSeconds: (used.user + used.system) / 1e6, maxRssKiB: process.resourceUsage().maxRSS })}\n`,
);
