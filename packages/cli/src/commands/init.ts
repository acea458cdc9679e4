/**
 * `tsbatch init DATA` (issue 19): proposes a CreateBatchLoadTask for CSV files (validator's inferTask), writes it
 * to stdout or --out, and a report of every choice to stderr or beside --out.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { resolveSource } from '@tsbatch/core';
import { inferTask, type InferOptions } from '@tsbatch/validator';
import { booleanOption, stringOption, UsageError, type CommandSpec } from '../internal/command.js';
import { formatInitReport } from '../internal/init-report.js';
import { writeOutputFile } from '../internal/output-file.js';

const TASK = 'The task (CreateBatchLoadTask members)';

export const initCommand: CommandSpec = {
  name: 'init',
  summary:
    'Propose a CreateBatchLoadTask for CSV files: time column and unit, dimensions, measures, CSV options.',
  positionals: [{ name: 'DATA', required: true }],
  description: [
    'DATA is a CSV file or a folder of them (every file under it, in key order). A sample of rows is read (every ' +
      "row with --full) with the dry run's own CSV reader; the separator (, | ; TAB space), quote, escape, " +
      'NullValue and TrimWhiteSpace are guessed; the time column and its TimeUnit are told apart by magnitude ' +
      '(epoch SECONDS, MILLISECONDS, MICROSECONDS, NANOSECONDS); text times are reported with the conversion they ' +
      'need, since batch load takes only epoch integers (R-TIME-1); text columns of few distinct values that are ' +
      'never null become dimensions, numbers, booleans and free text multi-measure attributes with their ' +
      'MeasureValueType; names are made legal (R-VAL-6).',
    'The task JSON, exactly in the API shape, goes to stdout (or --out FILE); the report, one comment per choice and ' +
      'every cell a dry run of the task would refuse, goes to stderr (or beside --out: FILE with .report.txt). The ' +
      'task passes `tsbatch validate` against the data.',
  ],
  options: [
    {
      name: 'out',
      type: 'string',
      value: 'FILE',
      description: 'Write the task to FILE and the report to FILE.report.txt (FILE without .json).',
      group: 'Output',
    },
    {
      name: 'database',
      type: 'string',
      value: 'NAME',
      description: 'TargetDatabaseName.',
      defaultText: 'my_database',
      group: TASK,
    },
    {
      name: 'table',
      type: 'string',
      value: 'NAME',
      description: 'TargetTableName.',
      defaultText: 'my_table',
      group: TASK,
    },
    {
      name: 'bucket',
      type: 'string',
      value: 'NAME',
      description: 'The S3 bucket the files are uploaded to.',
      defaultText: 'my-batch-load-bucket',
      group: TASK,
    },
    {
      name: 'prefix',
      type: 'string',
      value: 'KEY',
      description: 'ObjectKeyPrefix of the files in the bucket.',
      defaultText: "the file's name, or the folder's name and /",
      group: TASK,
    },
    {
      name: 'report-bucket',
      type: 'string',
      value: 'NAME',
      description: "The error report's bucket.",
      defaultText: 'the source bucket',
      group: TASK,
    },
    {
      name: 'measure-name',
      type: 'string',
      value: 'NAME',
      description: 'TargetMultiMeasureName of the records.',
      defaultText: 'metrics',
      group: TASK,
    },
    {
      name: 'time-column',
      type: 'string',
      value: 'COLUMN',
      description: 'The time column, instead of the one the data suggests.',
      group: TASK,
    },
    {
      name: 'full',
      type: 'boolean',
      description: 'Read every row: exact distinct counts, and a full dry run of the proposal.',
      group: 'Reading',
    },
    {
      name: 'sample-rows',
      type: 'string',
      value: 'N',
      description: 'Rows read over all files (at least 100 of each).',
      defaultText: '10000',
      group: 'Reading',
    },
  ],
  examples: [
    {
      command: 'tsbatch init examples/fleet/s3/test-batch-load-west-2/sample.csv',
      note: 'Print a task for the fleet example, and the report of its choices on stderr.',
    },
    {
      command:
        'tsbatch init data/ --database telemetry --table readings --bucket my-bucket --prefix 2024/05/ --out task.json',
      note: 'A task for every file under data/, written to task.json with task.report.txt beside it.',
    },
    {
      command: 'tsbatch init big.csv --full --out task.json && tsbatch dry-run task.json --source big.csv',
      note: 'Profile every row, then dry-run the proposal.',
    },
  ],
  exitCodes: [
    [0, 'a task was proposed'],
    [
      1,
      'no task could be proposed (no header, no time column, a file that fails as a whole), or its time column needs converting first',
    ],
    [2, 'usage error'],
  ],
  async run(args, io): Promise<number> {
    const data = path.resolve(io.cwd, args.positionals[0]!);
    const info = await stat(data).catch(() => undefined);
    if (info === undefined) throw new UsageError(`${args.positionals[0]!}: no such file or folder`);
    const sampleText = stringOption(args, 'sample-rows');
    const sampleRows = sampleText === undefined ? undefined : Number(sampleText);
    if (sampleRows !== undefined && (!/^\d+$/.test(sampleText!) || sampleRows < 1)) {
      throw new UsageError(`--sample-rows: expected a whole number >= 1, got '${sampleText!}'`);
    }
    const name = path.basename(data);
    // R-IN-3: a file's key is the prefix itself; a folder's files are keyed prefix + their path under it.
    const prefix = stringOption(args, 'prefix') ?? (info.isDirectory() ? `${keySafe(name)}/` : keySafe(name));
    const bucket = stringOption(args, 'bucket') ?? 'my-batch-load-bucket';
    const resolved = await resolveSource({ bucket, prefix }, { source: data });
    if (!resolved.ok) throw new UsageError(resolved.error.message);
    const options: InferOptions = { bucket, prefix, location: { source: data } };
    for (const [flag, key] of [
      ['database', 'database'],
      ['table', 'table'],
      ['report-bucket', 'reportBucket'],
      ['measure-name', 'measureName'],
      ['time-column', 'timeColumn'],
    ] as const) {
      const value = stringOption(args, flag);
      if (value !== undefined) options[key] = value;
    }
    if (booleanOption(args, 'full')) options.full = true;
    if (sampleRows !== undefined) options.sampleRows = sampleRows;
    const result = await inferTask(resolved.source, options);
    const report = formatInitReport(args.positionals[0]!, result);
    const out = stringOption(args, 'out');
    if (result.ok && result.request !== undefined) {
      const json = `${JSON.stringify(result.request, null, 2)}\n`;
      if (out === undefined) io.stdout.write(json);
      else {
        const file = path.resolve(io.cwd, out);
        const reportFile = `${file.replace(/\.json$/i, '')}.report.txt`;
        await writeOutputFile(file, json, '--out');
        await writeOutputFile(reportFile, report, '--out');
        io.stderr.write(`Task: ${out}\nReport: ${path.relative(io.cwd, reportFile)}\n`);
      }
    }
    if (out === undefined || !result.ok) io.stderr.write(report);
    return result.ok && result.conversion === null ? 0 : 1;
  },
};

/** A file or folder name as an S3 key the API's pattern accepts (R-VAL-1): other characters become '-'. */
function keySafe(name: string): string {
  const safe = name.replace(/[^a-zA-Z0-9!\-_*'()./]/g, '-').replace(/^[./]+/, '');
  return safe.length >= 2 ? safe : `${safe}data`.slice(0, 8);
}
