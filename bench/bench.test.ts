import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { formatTable } from './table.js';

const exec = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const python = '/usr/bin/python3';

/** The table's row whose measure starts with `measure` (columns trimmed), or undefined. */
function row(stdout: string, measure: string): string[] | undefined {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('| '))
    .map((line) =>
      line
        .slice(2, -2)
        .split(' | ')
        .map((cell) => cell.trim()),
    )
    .find((cells) => cells[0]!.startsWith(measure));
}

const rate = /^\d+\.\d MB\/s, [\d,]+ rows\/s$/;
const rateOrSkipped = /^(\d+\.\d MB\/s, [\d,]+ rows\/s|skipped: .+)$/;

// A smoke test: the bench still runs end to end and prints its table (its figures are not judged here). DuckDB and
// pandas rows may say "skipped: ..." on machines without them; every other row must carry a figure.
it('pnpm bench --quick measures every program on a 5 MB file and prints the ratio table', async () => {
  const { stdout } = await exec(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', path.join(here, 'run.ts'), '--quick'],
    // --quick takes under 3 minutes on 2 idle cores; the margin is for a loaded CI machine.
    { cwd: here, env: { ...process.env, FORCE_COLOR: '0' }, timeout: 290_000 },
  );
  expect(stdout).toMatch(/^\| measure +\| figure +\| goal +\| met \|$/m);
  expect(row(stdout, 'bare csv-parse (1 thread), 5 MB')?.[1]).toMatch(rate);
  expect(row(stdout, 'tsbatch reader alone (1 thread, no mapping), 5 MB')?.[1]).toMatch(rate);
  expect(row(stdout, 'tsbatch dry-run (default')?.[1]).toMatch(rate);
  expect(row(stdout, 'tsbatch dry-run --workers 1, 5 MB')?.[1]).toMatch(rateOrSkipped);
  expect(row(stdout, 'DuckDB count(*)')?.[1]).toMatch(rateOrSkipped);
  expect(row(stdout, 'pandas peer (awswrangler per-row work), 5 MB')?.[1]).toMatch(rateOrSkipped);
  expect(row(stdout, 'dry-run / bare csv-parse, 5 MB')?.[1]).toMatch(/^\d+\.\d\dx$/);
  expect(row(stdout, 'dry-run / DuckDB count(*), 5 MB')?.[1]).toMatch(/^(\d+\.\d\dx|skipped: .+)$/);
  expect(row(stdout, 'dry-run / pandas peer, 5 MB')?.slice(1, 3)).toEqual([
    expect.stringMatching(/^(\d+\.\d\dx|skipped: .+)$/),
    '> 1x',
  ]);
  expect(row(stdout, 'dry-run peak RSS, 5 MB')?.slice(1, 3)).toEqual([
    expect.stringMatching(/^\d+ MiB$/),
    '< 300 MiB',
  ]);
  // The HTML report's cost (bench/html-bench.ts), on the same 5 MB file.
  expect(row(stdout, 'dry-run --html / dry-run time, 5 MB')?.slice(1, 3)).toEqual([
    expect.stringMatching(/^\d+\.\d\dx$/),
    '(goal at 1 GB)',
  ]);
  expect(row(stdout, 'dry-run --html peak RSS added, 5 MB')?.[1]).toMatch(/^-?\d+ MiB$/);
  // The serve half (issue 16): every row carries a figure; goals are judged at 10M points only.
  expect(row(stdout, 'serve 20k points: WriteRecords on the endpoint')?.[1]).toMatch(
    /^[\d,]+ records\/s \(\d+\.\d s\)$/,
  );
  expect(row(stdout, 'serve 20k points: tsbatch serve peak RSS')?.slice(1, 3)).toEqual([
    expect.stringMatching(/^\d+ MiB$/),
    '(< 300 MiB at 10M)',
  ]);
  expect(row(stdout, 'serve 20k points: restart (start -> URL), after a clean stop')?.[1]).toMatch(
    /^\d+\.\d\d s$/,
  );
  expect(row(stdout, 'serve 20k points: restart (start -> URL), after kill -9')?.[1]).toMatch(
    /^\d+\.\d\d s$/,
  );
  for (const format of ['JSON Lines', 'Ion binary', 'Ion text']) {
    expect(row(stdout, `serve 20k points: tsbatch export, ${format}`)?.[1]).toMatch(/^[\d,]+ records\/s \(/);
  }
  // The duplicate check at size: the planted conflict, found through the disk path (a forced small budget).
  expect(row(stdout, 'duplicates: planted conflict, 0.3M rows')?.slice(1, 4)).toEqual([
    expect.stringMatching(/^only the planted one: RECORD_VERSION_CONFLICT at sample\.csv:300,002$/),
    'exactly the planted conflict, line 300,002',
    'yes',
  ]);
  expect(row(stdout, 'duplicates: dry-run peak RSS, 0.3M rows')?.[1]).toMatch(/^\d+ MiB$/);
  expect(row(stdout, 'duplicates: temporary disk used, 0.3M rows')?.[1]).toMatch(/^0\.0\d GB$/);
  // The ingest half is appended (or named as missing while bench/ingest-bench.ts does not exist).
  const ingestMissingOrFailed = row(stdout, 'ingest bench');
  if (existsSync(path.join(here, 'ingest-bench.ts'))) {
    expect(ingestMissingOrFailed).toBeUndefined();
    expect(row(stdout, 'ingest ')).toBeDefined();
  } else {
    expect(ingestMissingOrFailed?.[1]).toBe('skipped: bench/ingest-bench.ts is not there yet');
  }
}, 300_000);

it('pnpm bench --quick --only shapes measures every program on every CSV shape and prints ratios and RSS', async () => {
  const { stdout } = await exec(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', path.join(here, 'run.ts'), '--quick', '--only', 'shapes'],
    { cwd: here, env: { ...process.env, FORCE_COLOR: '0' }, timeout: 170_000 },
  );
  const shapeRate = /^\d+\.\d MB\/s, \d+ MiB peak RSS$/;
  for (const shape of ['plain', 'quoted-some', 'quoted-all', 'utf8', 'escape']) {
    const at = `, ${shape}, 5 MB`;
    for (const program of [
      'bare csv-parse (1 thread)',
      'papaparse (1 thread, step callback)',
      'tsbatch reader alone (1 thread, no mapping)',
      'tsbatch dry-run (default',
      'tsbatch dry-run --workers 1',
    ]) {
      const found =
        row(stdout, program) && stdout.split('\n').find((l) => l.includes(program) && l.includes(at));
      expect(found, `${program}${at}`).toBeDefined();
      expect(found!.split(' | ')[1]!.trim()).toMatch(shapeRate);
    }
    expect(row(stdout, `dry-run / bare csv-parse${at}`)?.[1]).toMatch(/^\d+\.\d\dx$/);
    expect(row(stdout, `dry-run / papaparse${at}`)?.[1]).toMatch(/^\d+\.\d\dx$/);
    expect(row(stdout, `dry-run peak RSS${at}`)?.[1]).toMatch(/^\d+ MiB$/);
  }
}, 180_000);

it('pnpm bench rejects a bad flag value with a one-line usage error and exit 2', async () => {
  const run = exec(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', path.join(here, 'run.ts'), '--only', 'serve,ingestion'],
    { cwd: here, env: { ...process.env, FORCE_COLOR: '0' } },
  );
  await expect(run).rejects.toMatchObject({
    code: 2,
    // --only gained `duplicates` (bench/duplicates-bench.ts) and `journal` (issue 20's rows, bench/journal-bench.ts),
    // then lists (`serve,ingest`: issue 16's goals in one table); the bad half of a list is the one named.
    stderr:
      "pnpm bench: --only: expected dry-run, shapes, html, ingest, serve, duplicates, journal or s3 (or several, comma-separated), got 'ingestion'\n",
  });
});

describe('pandas peer', () => {
  /** Runs the peer with `modules` (name -> __init__.py text) first on the path: a machine without those packages. */
  async function peerWith(modules: Record<string, string>): Promise<unknown> {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsbatch-bench-'));
    try {
      for (const [name, text] of Object.entries(modules)) {
        mkdirSync(path.join(dir, name));
        writeFileSync(path.join(dir, name, '__init__.py'), text);
      }
      const { stdout } = await exec(python, [path.join(here, 'peers/pandas_peer.py'), 'unused.csv'], {
        env: { ...process.env, PYTHONPATH: dir },
      });
      return JSON.parse(stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it.skipIf(!existsSync(python))(
    'answers {skipped} instead of failing when pandas cannot be imported, numpy or not',
    async () => {
      // numpy hidden too: the peer must look for pandas first, whatever else the machine lacks.
      const modules = {
        pandas: 'raise ImportError("no pandas here")\n',
        numpy: 'raise ModuleNotFoundError("No module named \'numpy\'")\n',
      };
      expect(await peerWith(modules)).toEqual({
        skipped: expect.stringContaining('cannot import pandas (no pandas here)'),
      });
    },
  );

  // Issue 18: on a python3 without numpy the peer failed on `import numpy` before it looked for pandas.
  it.skipIf(!existsSync(python))(
    'answers {skipped} too when numpy is missing (pandas imports it: the first import to fail names it)',
    async () => {
      const answer = await peerWith({
        numpy: 'raise ModuleNotFoundError("No module named \'numpy\'")\n',
        pandas: 'import numpy\n',
      });
      expect(answer).toEqual({
        skipped: expect.stringContaining("cannot import pandas (No module named 'numpy')"),
      });
    },
  );
});

describe('formatTable', () => {
  it('pads every column to its widest cell under a markdown header', () => {
    const text = formatTable([
      ['dry-run / bare csv-parse, 1 GB', '1.62x', '>= 1.5x', 'yes'],
      ['a|b', '1', '', ''],
    ]);
    expect(text.split('\n')).toEqual([
      '| measure                        | figure | goal    | met |',
      '|--------------------------------|--------|---------|-----|',
      '| dry-run / bare csv-parse, 1 GB | 1.62x  | >= 1.5x | yes |',
      '| a\\|b                           | 1      |         |     |',
      '',
    ]);
  });
});
