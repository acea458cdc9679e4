import { readFile } from 'node:fs/promises';
import { dryRunTask } from '@tsbatch/parallel';
import { formatIssue } from '@tsbatch/validator';

const task: unknown = JSON.parse(await readFile('examples/fleet/task.json', 'utf8'));
const run = await dryRunTask(task, { s3Root: 'examples/fleet/s3-with-errors' });
if (!run.ran) throw new Error(run.issues.map(formatIssue).join('\n'));
console.log(run.result.status, run.result.progress);
for (const warning of run.result.warnings) console.log(warning.code, warning.message);
