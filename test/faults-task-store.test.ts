import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openTaskStore } from '@tsbatch/core';
import { validateTask } from '@tsbatch/validator';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir, tsbatch } from './ingest-helpers.js';

// R-TASK-3: a damaged task file is the state of the disk, not a bug of ours: the CLI names the file, exits 1 and
// prints no stack trace.
describe('tsbatch tasks on a store with a damaged task file (R-TASK-3)', () => {
  const damages: [string, string, RegExp][] = [
    ['a torn write', '{"format":1,"descr', /is not valid JSON \(.+\): it is torn or damaged/],
    ['zero bytes', '', /is empty \(0 bytes\): it was cut off/],
  ];
  for (const [name, text, reason] of damages) {
    it(`names the file of ${name} in tasks list and tasks describe, exit 1`, async () => {
      const dir = tempDir('tsbatch-faults-store-');
      const json: unknown = JSON.parse(readFileSync(path.join(ROOT, 'examples/fleet/task.json'), 'utf8'));
      const { task } = await validateTask(json);
      const store = await openTaskStore({ dir });
      const id = (await store.create({ task: task! })).task.description.TaskId;
      const file = path.join(dir, `${id}.json`);
      writeFileSync(file, text);
      for (const argv of [
        ['tasks', 'list', '--store', dir],
        ['tasks', 'describe', id, '--store', dir],
      ]) {
        const run = await tsbatch(argv);
        expect(run.exit, run.stderr).toBe(1);
        expect(run.stdout).toBe('');
        // Issue 18: each subcommand names itself (tasks list, tasks describe).
        expect(run.stderr).toContain(`tsbatch ${argv.slice(0, 2).join(' ')}: The task file ${file} `);
        expect(run.stderr).toMatch(reason);
        expect(run.stderr).toContain('[TASK_FILE_CORRUPT]');
        expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
      }
    });
  }
});
