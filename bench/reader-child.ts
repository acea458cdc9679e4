// Child process: `reader-child.ts STAGE TASK FILE` times one stage of tsbatch over FILE with the CSV options and model
// of TASK (loaded before the clock starts): `read` (the CSV reader alone, readRows) or `map` (readRows + mapRows).
// Prints {rows, seconds, maxRssKiB}; rows counts data rows.
import { readFileSync, statSync } from 'node:fs';
import { compileTask, mapRows, readRows } from '@tsbatch/core';
import { validateTask } from '@tsbatch/validator';

const [stage, taskFile, file] = process.argv.slice(2) as [string, string, string];
const size = statSync(file).size;
const source = { files: [{ key: 'data.csv', path: file, size }], totalBytes: size };
const validated = await validateTask(JSON.parse(readFileSync(taskFile, 'utf8')));
if (validated.task === undefined) throw new Error(`${taskFile} is invalid`);
const task = validated.task;

const started = performance.now();
let rows = 0;
if (stage === 'read') {
  for await (const batch of readRows(source, task.csv)) {
    for (const event of batch) if (event.type === 'row' || event.type === 'row-failure') rows++;
  }
} else if (stage === 'map') {
  for await (const batch of mapRows(readRows(source, task.csv), compileTask(task))) {
    for (const event of batch) if (event.type === 'records' || event.type === 'row-failure') rows++;
  }
} else throw new Error(`unknown stage ${stage}`);
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ rows, seconds, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
