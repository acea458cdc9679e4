/**
 * Issue 18.5 and 18.6 through the CLI: Ctrl-C during a dry run prints the counts so far and clears the bar; validate
 * and dry-run give one verdict for a file the service fails as a whole.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { ROOT, runMain, sink } from './helpers.js';

const BUCKET = 'test-batch-load-west-2';
const SAMPLE = path.join(ROOT, 'examples/fleet/s3', BUCKET, 'sample.csv');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** An s3 root whose prefix folder `sample.csv/` holds `files`. */
function s3Root(files: Record<string, Buffer | string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-verdict-'));
  dirs.push(root);
  const prefix = path.join(root, BUCKET, 'sample.csv');
  mkdirSync(prefix, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(prefix, name), content);
  return root;
}

describe('one verdict for validate and dry-run (issue 18.6)', () => {
  it('a file with a byte-order mark: an error of validate (exit 1) and a file failure of the dry run (exit 1)', async () => {
    const good = readFileSync(SAMPLE);
    const root = s3Root({
      'a-bom.csv': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), good]),
      'b.csv': good,
    });
    const validate = await runMain(['validate', 'examples/fleet/task.json', '--s3-root', root]);
    expect(validate.exit).toBe(1);
    expect(validate.stdout).toMatch(
      /^error {3}\/DataSourceConfiguration\/DataSourceS3Configuration: sample\.csv\/a-bom\.csv: The file starts with the UTF-8 byte-order mark; a batch load fails this file as a whole and loads none of its rows \(FILE_BOM\) \[SOURCE_FILE_FAILS\]\n/,
    );
    expect(validate.stdout).toMatch(/: invalid: 1 error, 0 warnings\n$/);
    const dry = await runMain(['dry-run', 'examples/fleet/task.json', '--s3-root', root, '--json']);
    expect(dry.exit).toBe(1);
    expect(dry.stderr).toContain('[SOURCE_FILE_FAILS]');
    const d = (
      JSON.parse(dry.stdout) as { BatchLoadTaskDescription: { ProgressReport: Record<string, number> } }
    ).BatchLoadTaskDescription;
    expect(d.ProgressReport.FileFailures).toBe(1);
  });
});

describe('Ctrl-C during a dry run (issue 18.5, 18.8)', () => {
  it('stops within the read chunk, prints the counts read so far, exit 130, and the bar never covers the message', async () => {
    const root = s3Root({});
    const header = readFileSync(SAMPLE, 'utf8').split('\n')[0]!;
    const rows: string[] = [header];
    for (let i = 0; i < 200_000; i++) rows.push(`${1714521600 + i},Truck-${i % 9},R-${i},12.5,40.1,6.2,${i}`);
    const file = path.join(root, BUCKET, 'sample.csv');
    rmSync(file, { recursive: true, force: true });
    writeFileSync(file, `${rows.join('\n')}\n`);
    copyFileSync(path.join(ROOT, 'examples/fleet/table.json'), path.join(root, 'table.json'));

    const stdout = sink();
    const stderr = sink(true); // a terminal: the bar is drawn
    let signalled = false;
    const onWrite = (): void => {
      // The first frame of the bar: the run is reading; a user presses Ctrl-C.
      if (signalled) return;
      signalled = true;
      setImmediate(() => process.emit('SIGINT', 'SIGINT'));
    };
    const write = stderr.write.bind(stderr);
    stderr.write = ((chunk: never, ...rest: never[]) => {
      onWrite();
      return write(chunk, ...rest);
    }) as typeof stderr.write;
    const exit = await main(
      [
        'dry-run',
        'examples/fleet/task.json',
        '--s3-root',
        root,
        '--workers',
        '1',
        '--now',
        '2024-05-01T01:30:00Z',
      ],
      { stdout, stderr, cwd: ROOT },
    );
    expect(exit).toBe(130);
    expect(stdout.text).toMatch(
      /^Dry run PROGRESS_STOPPED \(TaskId [0-9A-F]{32}\): interrupted, the counts of the rows read so far\n/,
    );
    const processed = Number(/rows +([\d,]+) processed/.exec(stdout.text)![1]!.replace(/,/g, ''));
    expect(processed).toBeGreaterThanOrEqual(0);
    expect(processed).toBeLessThan(200_000);
    const at = stderr.writes.indexOf(
      'SIGINT: stopping the dry run; the counts of the rows read so far follow.\n',
    );
    expect(at).toBeGreaterThan(0);
    // After the message: only the run's own notes, no frame of the bar.
    expect(stderr.writes.slice(at + 1).every((w) => w.startsWith('note: '))).toBe(true);
  }, 60_000);
});
