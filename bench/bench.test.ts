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
    // --quick takes under 2 minutes on 2 idle cores; the margin is for a loaded CI machine.
    { cwd: here, env: { ...process.env, FORCE_COLOR: '0' }, timeout: 170_000 },
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
  // The ingest half is appended (or named as missing while bench/ingest-bench.ts does not exist).
  const ingestMissingOrFailed = row(stdout, 'ingest bench');
  if (existsSync(path.join(here, 'ingest-bench.ts'))) {
    expect(ingestMissingOrFailed).toBeUndefined();
    expect(row(stdout, 'ingest ')).toBeDefined();
  } else {
    expect(ingestMissingOrFailed?.[1]).toBe('skipped: bench/ingest-bench.ts is not there yet');
  }
}, 180_000);

it('pnpm bench rejects a bad flag value with a one-line usage error and exit 2', async () => {
  const run = exec(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', path.join(here, 'run.ts'), '--only', 'ingestion'],
    { cwd: here, env: { ...process.env, FORCE_COLOR: '0' } },
  );
  await expect(run).rejects.toMatchObject({
    code: 2,
    stderr: "pnpm bench: --only: expected dry-run, ingest or s3, got 'ingestion'\n",
  });
});

describe('pandas peer', () => {
  it.skipIf(!existsSync(python))(
    'answers {skipped} instead of failing when pandas cannot be imported',
    async () => {
      // A `pandas` package that fails to import, first on the path: what a machine without pandas looks like.
      const dir = mkdtempSync(path.join(tmpdir(), 'tsbatch-bench-'));
      try {
        mkdirSync(path.join(dir, 'pandas'));
        writeFileSync(path.join(dir, 'pandas/__init__.py'), 'raise ImportError("no pandas here")\n');
        const { stdout } = await exec(python, [path.join(here, 'peers/pandas_peer.py'), 'unused.csv'], {
          env: { ...process.env, PYTHONPATH: dir },
        });
        expect(JSON.parse(stdout)).toEqual({
          skipped: expect.stringContaining('cannot import pandas (no pandas here)'),
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
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
