/**
 * `tsbatch dry-run` with the default workers and with `--workers 1` prints, writes and exits the same on every CSV
 * shape of the bench (bench/csv-shapes.ts: plain, some fields quoted with separators and newlines inside, every
 * field quoted, UTF-8 text, EscapeChar): the JSON description (ProgressReport), the error report and rejects.jsonl,
 * byte for byte. Each file is a little over the 16 MiB the parallel run needs, with a bad line now and then.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generateShapeCsv, SHAPES, shapeSpec } from '../bench/csv-shapes.js';
import { runExampleStreams } from './readme-examples.js';

const BYTES = 17_500_000; // over the 16 MiB threshold of the parallel dry run
let dir: string;

/** Every 499th line broken one of several ways: a stray quote, a lost field, a value of the wrong type. */
function damage(text: string): string {
  const lines = text.split('\n');
  for (let i = 1; i < lines.length - 1; i += 499) {
    const line = lines[i]!;
    const kind = i % 4;
    if (kind === 0) lines[i] = `${line.slice(0, 14)}"${line.slice(14)}`;
    else if (kind === 1) lines[i] = line.slice(0, line.lastIndexOf(','));
    else if (kind === 2) lines[i] = line.replace(/,(\d+)\.(\d)/, ',x$1.$2');
    else lines[i] = `\n${line}\r`;
  }
  return lines.join('\n');
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tsbatch-shapes-cli-'));
  for (const shape of SHAPES) {
    const file = await generateShapeCsv(path.join(dir, 'gen'), shape, BYTES, 7);
    await writeFile(path.join(dir, `${shape}.csv`), damage(await readFile(file, 'utf8')));
  }
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tsbatch dry-run: the default workers and --workers 1 agree on every CSV shape', () => {
  for (const shape of SHAPES) {
    it(`gives the same description, error report and rejects on the ${shape} shape (R-REP-1..3)`, async () => {
      const run = async (workers: string[]) => {
        const reportDir = path.join(dir, `out-${shape}-${workers.length}`);
        const { exit, stdout: output } = await runExampleStreams([
          'dry-run',
          shapeSpec(shape).task,
          '--source',
          path.join(dir, `${shape}.csv`),
          '--memory-retention-hours',
          '72',
          '--now',
          '2024-05-01T01:30:00Z',
          '--json',
          '--report-dir',
          reportDir,
          ...workers,
        ]);
        return {
          exit,
          output,
          report: await readFile(path.join(reportDir, 'error-report.json'), 'utf8'),
          rejects: await readFile(path.join(reportDir, 'rejects.jsonl'), 'utf8'),
        };
      };
      const one = await run(['--workers', '1']);
      const parallel = await run([]);
      expect(parallel).toEqual(one);
      expect(one.exit).toBe(1);
      const progress = (
        JSON.parse(one.output.slice(one.output.indexOf('{'))) as {
          BatchLoadTaskDescription: { ProgressReport: Record<string, number> };
        }
      ).BatchLoadTaskDescription.ProgressReport;
      expect(progress.RecordsProcessed).toBeGreaterThan(100_000);
      expect(progress.ParseFailures).toBeGreaterThan(100);
      expect(one.rejects.split('\n').length - 1).toBe(
        progress.ParseFailures! + progress.RecordIngestionFailures!,
      );
    }, 180_000);
  }
});
