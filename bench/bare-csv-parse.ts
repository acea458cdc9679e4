// Child process: the floor of our parser — csv-parse streaming a file with the 'data' event and no work per row.
// `bare-csv-parse.ts FILE [ESCAPE]`: ESCAPE is the file's EscapeChar (default: a doubled quote).
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';

const file = process.argv[2]!;
const escape = process.argv[3] ?? '"';
const started = performance.now();
let rows = 0;
await new Promise<void>((resolve, reject) => {
  const parser = parse({ delimiter: ',', quote: '"', escape, record_delimiter: ['\n', '\r\n'] });
  parser.on('data', () => {
    rows++;
  });
  parser.on('end', resolve);
  parser.on('error', reject);
  createReadStream(file, { highWaterMark: 1 << 20 })
    .on('error', reject)
    .pipe(parser);
});
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ rows, seconds, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
