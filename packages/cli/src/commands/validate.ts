import { LOCATION_CODES } from '@tsbatch/validator';
import { booleanOption, type CommandSpec } from '../internal/command.js';
import {
  CLI_INPUT_JSON_OPTION,
  DATA_MODEL_OPTIONS,
  loadTask,
  runnable,
  SOURCE_OPTIONS,
  TASK_FLAGS,
  TASK_POSITIONAL,
} from '../internal/load-task.js';
import { formatReport } from '../internal/validation-report.js';
import { PROFILE_OPTION, REGION_OPTION, S3_ENDPOINT_OPTION } from '../internal/aws-settings.js';

export const validateCommand: CommandSpec = {
  name: 'validate',
  summary: 'Check a CreateBatchLoadTask request (or a bare DataModel) against the service rules, offline.',
  positionals: [TASK_POSITIONAL],
  positionalFlags: TASK_FLAGS,
  description: [
    'TASK is the very file you would give `aws timestream-write create-batch-load-task --cli-input-json`: ' +
      'file://task.json, a path, - for standard input, or the JSON text.',
    'Every problem is reported at once, each with the JSON Pointer of the member at fault and a stable code ' +
      '(the codes and their fixes are listed in packages/validator/README.md). With --source or --s3-root the ' +
      "header of every CSV file is read too: the mapped columns are checked against the first one, the source's " +
      'size limits are checked, and a file the batch load would fail as a whole (a byte-order mark, invalid ' +
      'UTF-8, a bad header) is an error, as the dry run counts it.',
  ],
  options: [
    CLI_INPUT_JSON_OPTION,
    ...SOURCE_OPTIONS,
    {
      name: 's3',
      type: 'boolean',
      description:
        "Read the task's buckets from S3 (headers, size limits, DataModelS3Configuration); implied by " +
        '--s3-endpoint-url and --profile.',
      group: S3_ENDPOINT_OPTION.group!,
    },
    REGION_OPTION,
    PROFILE_OPTION,
    {
      name: 'json',
      type: 'boolean',
      description:
        'Print one JSON object: {"valid", "issues": [...]}; an error as {"Error": {"Code", "Message"}}.',
    },
    ...DATA_MODEL_OPTIONS,
  ],
  examples: [
    { command: 'tsbatch validate examples/fleet/task.json', note: 'Check the task file alone.' },
    {
      command: 'tsbatch validate file://examples/fleet/task.json --s3-root examples/fleet/s3',
      note: 'Also check the CSV headers under s3/<bucket>/<prefix>.',
    },
    {
      command: 'tsbatch validate task.json --s3 --profile prod',
      note: 'Check the headers and sizes of the objects in S3 itself (R-S3-1).',
    },
    {
      command: 'cat model.json | tsbatch validate - --source data.csv --column-separator tab',
      note: 'A bare DataModel from standard input, with its CSV options as flags.',
    },
  ],
  exitCodes: [
    [0, 'no errors (warnings allowed)'],
    [1, 'at least one error'],
    [
      2,
      'usage error: the task file cannot be read or is not JSON, or the data is not where --source or --s3-root says',
    ],
  ],
  async run(args, io): Promise<number> {
    const loaded = await loadTask(args, io, undefined, { s3: 'when-asked' });
    const { result } = loaded;
    // A wrong location is not an invalid task (issue 18): its own code, wording and exit code.
    if (result.issues.some((i) => i.severity === 'error' && LOCATION_CODES.has(i.code)))
      runnable(loaded, 'validate');
    if (booleanOption(args, 'json')) {
      io.stdout.write(`${JSON.stringify({ valid: result.ok, issues: result.issues })}\n`);
    } else {
      io.stdout.write(formatReport(loaded.file, result.issues));
    }
    return result.ok ? 0 : 1;
  },
};

export { formatReport };
