// Child process: the real `tsbatch dry-run` command (the CLI's main, in-process), timed from inside.
import { Writable } from 'node:stream';
import { main } from '@tsbatch/cli';

const args = process.argv.slice(2);
let stdout = '';
const sink = new Writable({
  write(chunk: Buffer, _enc, done): void {
    stdout += chunk.toString();
    done();
  },
});
const started = performance.now();
const code = await main(args, { stdout: sink, stderr: sink, cwd: process.cwd() });
const seconds = (performance.now() - started) / 1000;
const match = /"RecordsProcessed": (\d+)/.exec(stdout);
process.stdout.write(
  `${JSON.stringify({ code, rows: match === null ? -1 : Number(match[1]), seconds, maxRssKiB: process.resourceUsage().maxRSS })}\n`,
);
