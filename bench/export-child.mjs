// Child process of bench/serve-bench.ts: the real `tsbatch export` as users install it (the compiled CLI's main,
// in-process, no TypeScript loader), its records to this process's stdout, timed from inside. Writes
// {code, seconds, maxRssKiB} to the file named by the first argument; the rest are the CLI's arguments.
import { writeFileSync } from 'node:fs';
import { main } from '@tsbatch/cli';

const [result, ...args] = process.argv.slice(2);
const started = performance.now();
const code = await main(args, { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
const seconds = (performance.now() - started) / 1000;
writeFileSync(result, JSON.stringify({ code, seconds, maxRssKiB: process.resourceUsage().maxRSS }));
