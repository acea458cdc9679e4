// Child process for bench/s3-bench.ts: the compiled `tsbatch dry-run` (as installed), timed from inside. Prints
// {code, seconds, cpuSeconds, maxRssKiB, output} (cpuSeconds: user + system of every thread of this process): `output` is the --json answer without its clock fields, so two runs over the
// same bytes (local disk, S3) can be compared member for member.
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

const stdout = sink();
const stderr = sink();
const started = performance.now();
const code = await main(process.argv.slice(2), {
  stdout: stdout.stream,
  stderr: stderr.stream,
  cwd: process.cwd(),
});
const seconds = (performance.now() - started) / 1000;
const usage = process.resourceUsage();
let output = null;
try {
  output = JSON.parse(stdout.text());
  for (const d of [output.BatchLoadTaskDescription ?? {}])
    for (const clock of ['CreationTime', 'LastUpdatedTime', 'ResumableUntil']) delete d[clock];
} catch {
  output = { stderr: stderr.text().split('\n').slice(0, 3).join('\n') };
}
process.stdout.write(
  `${JSON.stringify({ code, seconds, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, userSeconds: usage.userCPUTime / 1e6, systemSeconds: usage.systemCPUTime / 1e6, maxRssKiB: usage.maxRSS, output })}\n`,
);
