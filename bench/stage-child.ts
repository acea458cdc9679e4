// Child process for stages.ts and run.ts: `stage-child.ts STAGE FILE` runs one stage of the dry run over FILE (the
// fleet task, loaded before the clock starts) and prints {stage, rows, seconds, cpuSeconds, maxRssKiB}. Stages: bare
// (csv-parse 'data' event, as bare-csv-parse.ts), read (readRows), map (readRows + mapRows), full (dryRun), cli (the
// CLI main, as dry-run-child.mjs). `rows` counts data rows.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse';
import { compileTask, dryRun, mapRows, readRows, type ResolvedTask } from '@tsbatch/core';
import { main } from '@tsbatch/cli';
import { validateTask } from '@tsbatch/validator';

const [stage, file] = process.argv.slice(2) as [string, string];
const size = statSync(file).size;
const source = { files: [{ key: 'fleet.csv', path: file, size }], totalBytes: size };
let task: ResolvedTask | undefined;
if (stage !== 'bare' && stage !== 'cli') {
  const validated = await validateTask(JSON.parse(readFileSync('examples/fleet/task.json', 'utf8')));
  if (validated.task === undefined) throw new Error('examples/fleet/task.json is invalid');
  task = validated.task;
}

const started = performance.now();
const cpuStart = process.cpuUsage();
let rows = 0;
switch (stage) {
  case 'bare':
    await new Promise<void>((resolve, reject) => {
      const parser = parse({ delimiter: ',', quote: '"', record_delimiter: ['\n', '\r\n'] });
      parser.on('data', () => {
        rows++;
      });
      parser.on('end', resolve);
      parser.on('error', reject);
      createReadStream(file, { highWaterMark: 1 << 20 })
        .on('error', reject)
        .pipe(parser);
    });
    break;
  case 'read':
    for await (const batch of readRows(source, task!.csv)) {
      for (const event of batch) if (event.type === 'row' || event.type === 'row-failure') rows++;
    }
    break;
  case 'map':
    for await (const batch of mapRows(readRows(source, task!.csv), compileTask(task!))) {
      for (const event of batch) if (event.type === 'records' || event.type === 'row-failure') rows++;
    }
    break;
  case 'full':
    rows = (await dryRun(task!, source)).progress.RecordsProcessed;
    break;
  case 'cli': {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done): void {
        out += chunk.toString();
        done();
      },
    });
    const args = ['dry-run', 'examples/fleet/task.json', '--source', file, '--json'];
    await main(args, { stdout: sink, stderr: sink, cwd: process.cwd() });
    rows = Number(/"RecordsProcessed": (\d+)/.exec(out)?.[1] ?? -1);
    break;
  }
  default:
    throw new Error(`unknown stage ${stage}`);
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
process.stdout.write(
  `${JSON.stringify({ stage, rows, seconds, cpuSeconds, maxRssKiB: process.resourceUsage().maxRSS })}\n`,
);
