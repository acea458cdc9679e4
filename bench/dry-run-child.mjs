// Child process: the real `tsbatch dry-run` command as users install it (the compiled CLI's main, in-process; plain
// JavaScript, so neither this process nor its workers load a TypeScript loader), timed from inside. Prints
// {code, rows, seconds, cpuSeconds, mainCpuSeconds, maxRssKiB} and, when the command printed no ProgressReport (a usage error, e.g. a flag this
// build does not know), `message`: the first line it wrote to stderr.
import { existsSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { main } from '@tsbatch/cli';

function sink() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

const args = process.argv.slice(2);
const stdout = sink();
const stderr = sink();
const started = performance.now();
const code = await main(args, { stdout: stdout.stream, stderr: stderr.stream, cwd: process.cwd() });
const seconds = (performance.now() - started) / 1000;
const match = /"RecordsProcessed": (\d+)/.exec(stdout.text());
// This thread's CPU alone (Linux): the main thread's half of the run (replay, duplicate table, spill, report).
const threadStat = '/proc/thread-self/stat';
const fields = existsSync(threadStat) ? readFileSync(threadStat, 'utf8').split(') ')[1].split(' ') : null;
process.stdout.write(
  `${JSON.stringify({
    code,
    rows: match === null ? -1 : Number(match[1]),
    seconds,
    // Every thread's CPU time (workers included): on a loaded machine a steadier measure than the wall clock.
    cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    mainCpuSeconds: fields === null ? null : (Number(fields[11]) + Number(fields[12])) / 100,
    maxRssKiB: process.resourceUsage().maxRSS,
    ...(match === null ? { message: stderr.text().split('\n')[0] ?? '' } : {}),
  })}\n`,
);
