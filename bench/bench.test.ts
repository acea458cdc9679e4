import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const exec = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

// A smoke test: the bench still runs end to end and prints its table (its figures are not judged here).
it('pnpm bench --quick runs both measurements and prints the ratio table', async () => {
  const { stdout } = await exec(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', path.join(here, 'run.ts'), '--quick'],
    { cwd: here, env: { ...process.env, FORCE_COLOR: '0' }, timeout: 120_000 },
  );
  expect(stdout).toMatch(/\| dry-run \/ bare csv-parse +\| \d+\.\d\dx/);
  expect(stdout).toMatch(/\| dry-run peak RSS +\| \d+ MiB/);
}, 150_000);
