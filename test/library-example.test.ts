import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { README, ROOT } from './readme-examples.js';

const run = promisify(execFile);
const EXAMPLE = path.join(ROOT, 'examples/library/dry-run.ts');

// STYLE rule 10, issue 18.8: the README's library example is examples/library/dry-run.ts, at most 10 lines, and runs.
describe("the README's library example", () => {
  const file = readFileSync(EXAMPLE, 'utf8');

  it('is the file examples/library/dry-run.ts, word for word, in at most 10 lines', () => {
    const block = /^## Using it as a library\n[\s\S]*?^```ts\n([\s\S]*?)^```$/m.exec(
      readFileSync(README, 'utf8'),
    )?.[1];
    expect(block).toBe(file);
    expect(file.trimEnd().split('\n').length).toBeLessThanOrEqual(10);
  });

  it('prints what the README says it prints', async () => {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', EXAMPLE],
      { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' } },
    );
    expect(stderr).toBe('');
    expect(stdout).toBe(
      [
        'FAILED {',
        '  RecordsProcessed: 14,',
        '  RecordsIngested: 9,',
        '  ParseFailures: 4,',
        '  RecordIngestionFailures: 1,',
        '  FileFailures: 0,',
        '  BytesMetered: 1130',
        '}',
        "TIME_WINDOW_NOT_CHECKED Time window not checked: the target table's retention is unknown (R-IN-4).",
        '',
      ].join('\n'),
    );
  });
});
