/**
 * `tsbatch dry-run --workers 2` on a source big enough to be cut into ranges prints, writes and exits exactly as
 * `--workers 1` (the sequential engine): the description JSON, the error report and rejects.jsonl, byte for byte.
 * The data has quoted newlines, blank lines, bad rows, out-of-window times and conflicting rewrites.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runExample, withoutProgress } from './readme-examples.js';

const HEADER = 'timestamp,vehicle,registration,wgt,spd,fuel_consumption,miles';
const T0 = 1714521600;
let dir: string;

/** About `bytes` of fleet rows with a failure every ~40 rows and a quoted newline every ~10. */
function hostileCsv(bytes: number): string {
  const out: string[] = [HEADER];
  let size = 0;
  let n = 7;
  for (let i = 0; size < bytes; i++) {
    n = (n * 1103515245 + 12345) & 0x7fffffff;
    const t = T0 - (n % 300_000);
    const reg = n % 10 === 0 ? `"R\n${i}"` : `R${i % 997}`;
    const kind = (n >>> 8) % 40;
    let row: string;
    if (kind === 0) row = `${t},v${i % 13},${reg},x,1,2,3`;
    else if (kind === 1) row = `${t},v${i % 13},${reg},1,2`;
    else if (kind === 2) row = `${T0 - (i % 50)},v0,R0,${i},1,1,1`;
    else if (kind === 3) row = '';
    else row = `${t},v${i % 13},${reg},${i},${n % 120}.5,${n % 9},${i * 7}`;
    out.push(row);
    size += row.length + 1;
  }
  return `${out.join('\n')}\n`;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tsbatch-parallel-cli-'));
  await writeFile(path.join(dir, 'big.csv'), hostileCsv(18 * 1024 * 1024)); // over the 16 MiB threshold
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tsbatch dry-run --workers', () => {
  it('gives the sequential run byte for byte: JSON description, error report, rejects (R-REP-1..3)', async () => {
    const run = async (
      workers: string,
    ): Promise<{ exit: number; output: string; report: string; rejects: string }> => {
      const reportDir = path.join(dir, `out-${workers}`);
      const { exit, output } = await runExample([
        'dry-run',
        path.join(ROOT, 'examples/fleet/task.json'),
        '--source',
        path.join(dir, 'big.csv'),
        '--memory-retention-hours',
        '72',
        '--now',
        '2024-05-01T01:30:00Z',
        '--json',
        '--report-dir',
        reportDir,
        '--workers',
        workers,
      ]);
      return {
        exit,
        // A long run prints progress lines on stderr (issue 18); they differ between two runs, nothing else does.
        output: withoutProgress(output),
        report: await readFile(path.join(reportDir, 'error-report.json'), 'utf8'),
        rejects: await readFile(path.join(reportDir, 'rejects.jsonl'), 'utf8'),
      };
    };
    const one = await run('1');
    const two = await run('2');
    expect(two).toEqual(one);
    expect(one.exit).toBe(1);
    const progress = (
      JSON.parse(one.output.slice(one.output.indexOf('{'))) as {
        BatchLoadTaskDescription: { ProgressReport: Record<string, number> };
      }
    ).BatchLoadTaskDescription.ProgressReport;
    expect(progress.RecordsProcessed).toBeGreaterThan(200_000);
    expect(progress.ParseFailures).toBeGreaterThan(1000);
    expect(progress.RecordIngestionFailures).toBeGreaterThan(1000);
    expect(one.rejects.split('\n').length - 1).toBe(
      progress.ParseFailures! + progress.RecordIngestionFailures!,
    );
  }, 180_000);

  it('refuses a worker count that is not a whole number from 1 to 256 (usage error, exit 2)', async () => {
    const { exit, output } = await runExample([
      'dry-run',
      path.join(ROOT, 'examples/fleet/task.json'),
      '--source',
      path.join(dir, 'big.csv'),
      '--workers',
      'many',
    ]);
    expect(exit).toBe(2);
    expect(output).toContain("--workers: expected a whole number from 1 to 256, got 'many'");
  });
});
