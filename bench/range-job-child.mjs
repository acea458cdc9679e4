// Child process for profiling the worker's per-row work: `node [--cpu-prof] bench/range-job-child.mjs TASK FILE`
// runs core's runRangeJob (what a dry-run worker thread does) over FILE in ranges of 32 MB, in this thread, from
// the compiled dist/, reading chunks of HWM bytes (env; default 256 KiB, as range-load.ts's). Prints {rows, records, seconds, cpuSeconds, threadCpuSeconds, hash}: `hash` folds every outcome column, so two
// builds can be checked equal on a file.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { runRangeJob } from '@tsbatch/core';
import { validateTask } from '@tsbatch/validator';

const [taskFile, file] = process.argv.slice(2);
const size = statSync(file).size;
const validated = await validateTask(JSON.parse(readFileSync(taskFile, 'utf8')));
if (validated.task === undefined) throw new Error(`${taskFile} is invalid`);
const task = validated.task;
const RANGE = Number(process.env.RANGE ?? 32e6);
// STATS=1: gather the HTML report's statistics too (what `dry-run --html` asks of each worker).
const statistics = process.env.STATS === '1';
const started = performance.now();
const cpuStart = process.cpuUsage();
let rows = 0;
let records = 0;
let hash = 0;
/** CPU time (every thread of the process) inside runRangeJob alone: not the outcome's hashing here. */
let jobCpu = 0;
let header = null;
let start;
for (let nominal = 0; nominal < size; nominal += RANGE) {
  const limit = nominal + RANGE >= size ? Infinity : nominal + RANGE;
  const job = {
    task,
    taskKey: 't',
    file: { key: 'data.csv', path: file, size },
    header,
    nominal,
    ...(start !== undefined && { start }),
    limit,
    table: null,
    nowMs: 0,
    highWaterMark: Number(process.env.HWM ?? 256 * 1024),
    ...(statistics && { statistics: true }),
  };
  const before = process.cpuUsage();
  const out = await runRangeJob(job);
  const spent = process.cpuUsage(before);
  jobCpu += (spent.user + spent.system) / 1e6;
  if (header === null) {
    const fs = out.others.find((e) => e.type === 'file-start');
    header = fs?.header ?? null;
  }
  start = out.handoff === -1 ? undefined : out.handoff;
  rows += out.rows;
  records += out.recSize.length;
  for (const col of [
    out.kinds,
    out.rowLine,
    out.rowSpan,
    out.rowOffset,
    out.rowBytes,
    out.rowRecords,
    out.recSize,
    out.recHash,
    out.recHashHigh,
    out.recFailure,
  ]) {
    for (let i = 0; i < col.length; i++) hash = (Math.imul(hash, 31) + col[i]) | 0;
  }
  hash = (Math.imul(hash, 31) + out.failures.length + out.others.length * 7) | 0;
  if (out.rowTime !== undefined)
    for (let i = 0; i < out.rowTime.length; i++) hash = (Math.imul(hash, 31) + out.rowTime[i]) | 0;
  if (out.content !== undefined) {
    const text = JSON.stringify(out.content, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v) : v));
    for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  }
  if (out.handoff === -1) break;
}
const seconds = (performance.now() - started) / 1000;
// This thread's CPU alone (Linux), without the collector's helper threads: steadier on a loaded machine.
const threadStat = '/proc/thread-self/stat';
const fields = existsSync(threadStat) ? readFileSync(threadStat, 'utf8').split(') ')[1].split(' ') : null;
const threadCpuSeconds = fields === null ? null : (Number(fields[11]) + Number(fields[12])) / 100;
const cpu = process.cpuUsage(cpuStart);
process.stdout.write(
  `${JSON.stringify({ rows, records, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, threadCpuSeconds, jobCpuSeconds: jobCpu, hash })}\n`,
);
