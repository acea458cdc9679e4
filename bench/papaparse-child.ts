// Child process: papaparse streaming a file on one thread with no work per row, the peer the issue measured (`step`
// callback; `--chunk` gives each chunk's rows at once instead). `papaparse-child.ts FILE [ESCAPE] [--chunk]`: ESCAPE
// is the EscapeChar of the shape (default: a doubled quote). Prints {rows, seconds, maxRssKiB}; rows counts records,
// the header included.
import { createReadStream } from 'node:fs';
import Papa from 'papaparse';

const args = process.argv.slice(2);
const chunkMode = args.includes('--chunk');
const [file, escape] = args.filter((a) => a !== '--chunk') as [string, string | undefined];
const started = performance.now();
let rows = 0;
await new Promise<void>((resolve, reject) => {
  const input = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  input.on('error', reject);
  Papa.parse(input, {
    delimiter: ',',
    quoteChar: '"',
    escapeChar: escape ?? '"',
    newline: '\n',
    ...(chunkMode
      ? {
          chunk: (results: Papa.ParseResult<unknown>) => {
            rows += results.data.length;
          },
        }
      : {
          step: () => {
            rows++;
          },
        }),
    complete: () => resolve(),
    error: (error: Error) => reject(error),
  });
});
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ rows, seconds, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
