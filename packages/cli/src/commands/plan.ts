/** `tsbatch plan TASK.json` (R-SUBMIT-2): the tasks that cover a source beyond one task's quotas. */
import { formatPlan } from '@tsbatch/aws';

import { booleanOption, type CommandSpec } from '../internal/command.js';
import { PROFILE_OPTION, REGION_OPTION } from '../internal/aws-settings.js';
import { JSON_OPTION } from '../internal/ingest-options.js';
import { loadPlan, planJson, STAGE_PREFIX_OPTION } from '../internal/load-plan.js';
import { SOURCE_OPTIONS } from '../internal/load-task.js';

export const planCommand: CommandSpec = {
  name: 'plan',
  summary: "Print the tasks that cover a source beyond one task's quotas (100 files, 5 GB a file, 100 GB).",
  positionals: [{ name: 'TASK.json', required: true }],
  description: [
    'The source prefix is listed (S3, or --source/--s3-root) and cut into sub-prefixes whose objects each fit one ' +
      "task's quotas, as few as prefixes allow. Objects that no prefix separates (a key that is the start of other " +
      'keys, or a prefix that is not a legal ObjectKeyPrefix) are named; --stage-prefix copies them server-side ' +
      'into one prefix per task when `submit --plan` runs. An object over 5 GB fits no task: split the file.',
    'Nothing is created or copied: `tsbatch submit TASK.json --plan` runs the plan.',
  ],
  options: [
    ...SOURCE_OPTIONS,
    REGION_OPTION,
    PROFILE_OPTION,
    STAGE_PREFIX_OPTION,
    {
      ...JSON_OPTION,
      description: 'Print the plan as JSON: each task with its prefix, objects, copies and request.',
    },
  ],
  examples: [
    { command: 'tsbatch plan backfill.json', note: 'Cut the S3 source into tasks over sub-prefixes.' },
    {
      command: 'tsbatch plan backfill.json --stage-prefix staging/backfill/',
      note: 'The same, with copies into staging/backfill/0001/, ... where prefixes cannot cut.',
    },
    {
      command: 'tsbatch plan backfill.json --s3-root ./buckets --json',
      note: 'Plan over local folders, as JSON.',
    },
  ],
  exitCodes: [
    [0, 'the plan covers every object (one task, or several)'],
    [1, 'it cannot: objects no prefix separates (give --stage-prefix), or objects over 5 GB'],
    [2, 'usage error, or the task is invalid or its source unreadable'],
  ],
  async run(args, io): Promise<number> {
    const loaded = await loadPlan(args, io);
    const { plan } = loaded;
    io.stdout.write(
      booleanOption(args, 'json') ? `${JSON.stringify(planJson(plan), null, 2)}\n` : formatPlan(plan),
    );
    return plan.ok ? 0 : 1;
  },
};
