/**
 * `tsbatch init` end to end (issue 19): on each example, the task it writes passes `tsbatch validate` against the
 * data, and `tsbatch dry-run` of it fails exactly the rows the report names; --out writes the task and its report;
 * bad input is a clear message with exit 1 or 2.
 */
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExample } from './readme-examples.js';

let out: string;
beforeAll(async () => {
  out = await mkdtemp(path.join(os.tmpdir(), 'tsbatch-init-cli-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

const EXAMPLES = [
  { data: 'examples/fleet/s3/test-batch-load-west-2/sample.csv', parseFailures: 0 },
  { data: 'examples/fleet/s3-with-errors/test-batch-load-west-2/sample.csv', parseFailures: 4 },
  { data: 'examples/sensors/s3/sensor-archive/2024/05', parseFailures: 0 },
];

describe('tsbatch init', () => {
  it.each(EXAMPLES)(
    '$data: the task validates against the data and dry-runs with only the named bad rows',
    async ({ data, parseFailures }) => {
      const task = path.join(out, `${path.basename(data)}-task.json`);
      const init = await runExample([
        'init',
        data,
        '--out',
        task,
        '--database',
        'telemetry',
        '--table',
        'readings',
      ]);
      expect(init.exit, init.output).toBe(0);
      const report = await readFile(task.replace(/\.json$/, '.report.txt'), 'utf8');
      expect(report).toContain(`Check (the rows read): ${parseFailures} of `);
      const json = JSON.parse(await readFile(task, 'utf8')) as {
        TargetDatabaseName: string;
        TargetTableName: string;
      };
      expect([json.TargetDatabaseName, json.TargetTableName]).toEqual(['telemetry', 'readings']);

      const validate = await runExample(['validate', task, '--source', data]);
      expect(validate.exit, validate.output).toBe(0);
      const dry = await runExample(['dry-run', task, '--source', data, '--json']);
      const description = JSON.parse(dry.output.slice(dry.output.indexOf('{'))) as {
        BatchLoadTaskDescription: { ProgressReport: { ParseFailures: number } };
      };
      expect(description.BatchLoadTaskDescription.ProgressReport.ParseFailures).toBe(parseFailures);
      // Every failing line the dry run finds is named in the report.
      const rejects = path.join(out, `${path.basename(data)}-rejects`);
      await runExample(['dry-run', task, '--source', data, '--report-dir', rejects]);
      const lines = (await readFile(path.join(rejects, 'rejects.jsonl'), 'utf8'))
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { file: string; line: number; kind: string })
        .filter((r) => r.kind === 'parse');
      for (const r of lines) expect(report).toContain(`${r.file}:${r.line} `);
    },
  );

  it('prints the task on stdout and the report on stderr without --out; --full runs a dry run of every row', async () => {
    const full = await runExample([
      'init',
      'examples/fleet/s3-with-errors/test-batch-load-west-2/sample.csv',
      '--full',
    ]);
    expect(full.exit).toBe(0);
    expect(full.output).toMatch(/^\{\n {2}"TargetDatabaseName": "my_database"/);
    expect(full.output).toContain('Check (a dry run of every row): 4 of 14 rows would fail to parse.');
  });

  it('exits 1 with the reason when no task can be proposed, 2 for usage errors, and refuses to write through a link', async () => {
    const noHeader = path.join(out, 'no-header.csv');
    await writeFile(noHeader, '1714521600,a,1.5\n1714521601,b,2.5\n');
    const r1 = await runExample(['init', noHeader]);
    expect(r1.exit).toBe(1);
    expect(r1.output).toContain('looks like data: batch load reads the first line as the header (R-CSV-3)');
    expect(r1.output).toContain('[INIT_NO_HEADER]');

    const r2 = await runExample(['init', path.join(out, 'missing.csv')]);
    expect(r2.exit).toBe(2);
    expect(r2.output).toContain('no such file or folder');

    const target = path.join(out, 'victim.json');
    await writeFile(target, 'keep');
    const link = path.join(out, 'link.json');
    await symlink(target, link);
    const r3 = await runExample([
      'init',
      'examples/fleet/s3/test-batch-load-west-2/sample.csv',
      '--out',
      link,
    ]);
    expect(r3.exit).toBe(2);
    expect(r3.output).toContain('refusing to write there: it is a symbolic link');
    expect(await readFile(target, 'utf8')).toBe('keep');
  });
});
