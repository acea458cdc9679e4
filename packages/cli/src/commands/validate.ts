import { formatIssue, type ValidationIssue } from '@tsbatch/validator';
import { booleanOption, type CommandSpec } from '../internal/command.js';
import { DATA_MODEL_OPTIONS, loadTask, SOURCE_OPTIONS } from '../internal/load-task.js';
import { S3_REGION_OPTION } from '../internal/aws-flags.js';

export const validateCommand: CommandSpec = {
  name: 'validate',
  summary: 'Check a CreateBatchLoadTask request (or a bare DataModel) against the service rules, offline.',
  positionals: [{ name: 'TASK.json', required: true }],
  description: [
    'TASK.json is the very file you would give `aws timestream-write create-batch-load-task --cli-input-json`.',
    'Every problem is reported at once, each with the JSON Pointer of the member at fault and a stable code ' +
      '(the codes and their fixes are listed in packages/validator/README.md). With --source or --s3-root the ' +
      "mapped columns are also checked against the header of the first CSV file, and the source's size limits.",
  ],
  options: [
    ...SOURCE_OPTIONS,
    {
      name: 's3',
      type: 'boolean',
      description:
        "Read the task's buckets from S3 (header, size limits, DataModelS3Configuration); implied by " +
        '--s3-endpoint-url and --profile.',
      group: S3_REGION_OPTION.group!,
    },
    S3_REGION_OPTION,
    { name: 'json', type: 'boolean', description: 'Print one JSON object: {"valid", "issues": [...]}.' },
    ...DATA_MODEL_OPTIONS,
  ],
  examples: [
    { command: 'tsbatch validate examples/fleet/task.json', note: 'Check the task file alone.' },
    {
      command: 'tsbatch validate examples/fleet/task.json --s3-root examples/fleet/s3',
      note: 'Also check the mapped columns against the CSV header under s3/<bucket>/<prefix>.',
    },
    {
      command: 'tsbatch validate task.json --s3 --profile prod',
      note: 'Check the header and sizes of the objects in S3 itself (R-S3-1).',
    },
    {
      command: 'tsbatch validate model.json --source data.csv --column-separator tab',
      note: 'A bare DataModel file, with its CSV options as flags.',
    },
  ],
  exitCodes: [
    [0, 'no errors (warnings allowed)'],
    [1, 'at least one error'],
    [2, 'usage error, or the task file cannot be read or is not JSON'],
  ],
  async run(args, io): Promise<number> {
    const { result } = await loadTask(args, io.cwd, undefined, 'when-asked');
    if (booleanOption(args, 'json')) {
      io.stdout.write(`${JSON.stringify({ valid: result.ok, issues: result.issues })}\n`);
    } else {
      io.stdout.write(formatReport(args.positionals[0]!, result.issues));
    }
    return result.ok ? 0 : 1;
  },
};

export function formatReport(file: string, issues: readonly ValidationIssue[]): string {
  const errors = issues.filter((i) => i.severity === 'error');
  const warnings = issues.filter((i) => i.severity === 'warning');
  const lines = [
    ...errors.map((i) => `error   ${formatIssue(i)}`),
    ...warnings.map((i) => `warning ${formatIssue(i)}`),
  ];
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  lines.push(
    errors.length === 0
      ? `${file}: valid${warnings.length > 0 ? ` (${plural(warnings.length, 'warning')})` : ''}`
      : `${file}: invalid: ${plural(errors.length, 'error')}, ${plural(warnings.length, 'warning')}`,
  );
  return `${lines.join('\n')}\n`;
}
