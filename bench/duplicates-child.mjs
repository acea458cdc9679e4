// Child process: the real `tsbatch dry-run` as users install it (the compiled CLI's main, in-process, plain
// JavaScript), timed from inside. Prints {code, rows, seconds, maxRssKiB, tempMB, stderr}: the exit code, the rows
// processed, the wall time, the peak RSS of the whole process (workers included), the temporary disk the duplicate
// check used (from its stderr note; 0 when it stayed in memory) and the first lines of stderr.
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
const rows = /"RecordsProcessed": (\d+)/.exec(stdout.text());
const temp = /\(([\d.]+) MB of temporary files/.exec(stderr.text());
process.stdout.write(
  `${JSON.stringify({
    code,
    rows: rows === null ? -1 : Number(rows[1]),
    seconds,
    maxRssKiB: process.resourceUsage().maxRSS,
    tempMB: temp === null ? 0 : Number(temp[1]),
    stderr: stderr.text().split('\n').slice(0, 4).join('\n'),
  })}\n`,
);
