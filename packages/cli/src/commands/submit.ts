/** `tsbatch submit TASK.json` (R-SUBMIT-1): predict, hand the task to the service, poll, compare. */
import path from 'node:path';
import {
  BatchLoadClient,
  clientTokenFor,
  compareOutcome,
  fetchErrorReport,
  formatComparison,
  uploadSource,
  type BatchLoadTaskDescription,
} from '@tsbatch/aws';
import { resolveSource, type DryRunResult, type ErrorReport, type SourceFile } from '@tsbatch/core';
import { describeTargetTable, ensureTargetTable } from '@tsbatch/ingest';
import { parallelDryRun } from '@tsbatch/parallel';

import { awsSettingsOf } from '../internal/aws-flags.js';
import { booleanOption, stringOption, UsageError, type CommandSpec } from '../internal/command.js';
import {
  CREATE_TABLE_OPTIONS,
  createTableFlags,
  ENDPOINT_OPTION,
  JSON_OPTION,
  REGION_OPTION,
} from '../internal/ingest-run.js';
import { DATA_MODEL_OPTIONS, loadTask, SOURCE_OPTIONS, sourceProblem } from '../internal/load-task.js';
import { formatReport } from './validate.js';

const SUBMIT = 'Submit (R-SUBMIT-1)';
/** [choice] DescribeBatchLoadTask every 10 s by default: a task takes minutes, the API's rate is modest. */
const DEFAULT_POLL_SECONDS = 10;

export const submitCommand: CommandSpec = {
  name: 'submit',
  summary:
    'Hand a task to the managed batch-load service: predict, create, poll, and compare with the outcome.',
  positionals: [{ name: 'TASK.json', required: true }],
  description: [
    'The task is validated and dry-run (the prediction, read from S3 or --source/--s3-root), then given to ' +
      "CreateBatchLoadTask with a ClientToken (the task file's, or a hash of the request and the objects' ETags), " +
      'so a retried submit never creates a second task. DescribeBatchLoadTask is polled until a final status; ' +
      'then the error report is fetched from the report bucket and the predicted and actual ProgressReport are ' +
      'printed side by side, with the reasons that differ.',
    'Ctrl-C stops the polling, never the task. --endpoint-url sends it to another endpoint (e.g. `tsbatch serve`).',
  ],
  options: [
    ...SOURCE_OPTIONS,
    ENDPOINT_OPTION,
    REGION_OPTION,
    {
      name: 'upload',
      type: 'string',
      value: 'DIR',
      description: 'Put the files of DIR under the source prefix first (keys as --source DIR gives them).',
      group: SUBMIT,
    },
    { name: 'no-dry-run', type: 'boolean', description: 'Skip the prediction.', group: SUBMIT },
    {
      name: 'poll-interval',
      type: 'string',
      value: 'SECONDS',
      description: 'Seconds between two DescribeBatchLoadTask calls.',
      defaultText: String(DEFAULT_POLL_SECONDS),
      group: SUBMIT,
    },
    ...CREATE_TABLE_OPTIONS,
    {
      ...JSON_OPTION,
      description:
        'Print {"BatchLoadTaskDescription": <final describe>, "DryRun": {"ProgressReport": <predicted>}}.',
    },
    ...DATA_MODEL_OPTIONS,
  ],
  examples: [
    {
      command: 'tsbatch submit task.json --region eu-west-1',
      note: 'Predict from S3, load with the service, compare.',
    },
    {
      command: 'tsbatch submit task.json --upload data/ --endpoint-url http://127.0.0.1:8000 --create-table',
      note: 'Upload data/ to the source prefix and load it with `tsbatch serve` (reading the same S3).',
    },
  ],
  exitCodes: [
    [0, 'the task SUCCEEDED'],
    [1, 'the task FAILED, or S3 or the service refused a call'],
    [2, 'usage error, or the task is invalid or unreadable'],
    [75, 'the task is PROGRESS_STOPPED: the resume command is printed'],
    [130, 'Ctrl-C: the polling stopped, the task goes on (its TaskId is printed)'],
  ],
  async run(args, io): Promise<number> {
    const settings = awsSettingsOf(args);
    const poll = pollSeconds(stringOption(args, 'poll-interval'));
    const upload = stringOption(args, 'upload');
    if (
      upload !== undefined &&
      (stringOption(args, 'source') ?? stringOption(args, 's3-root')) !== undefined
    ) {
      throw new UsageError(
        '--upload DIR is the source of the prediction: give no --source or --s3-root with it',
      );
    }
    const argsForTask =
      upload === undefined
        ? args
        : { ...args, values: { ...args.values, source: path.resolve(io.cwd, upload) } };
    const { result, location } = await loadTask(argsForTask, io.cwd);
    if (!result.ok || result.task === undefined) {
      io.stderr.write(formatReport(args.positionals[0]!, result.issues));
      io.stderr.write('The task is invalid; nothing was submitted.\n');
      return 2;
    }
    const task = result.task;
    const resolved = await resolveSource(task.source, location!);
    if (!resolved.ok) throw new UsageError(sourceProblem(resolved.error.message, location!));

    const create = await createTableFlags(args, io.cwd);
    const where = {
      ...(settings.endpoint !== undefined && { endpoint: settings.endpoint }),
      ...(settings.region !== undefined && { region: settings.region }),
      database: task.database,
      table: task.table,
    };
    const table = create === null ? await describeTargetTable(where) : await ensureTargetTable(where, create);
    for (const warning of table.warnings) io.stderr.write(`note: ${warning}\n`);

    let prediction: DryRunResult | null = null;
    if (!booleanOption(args, 'no-dry-run')) {
      prediction = await parallelDryRun(task, resolved.source, {
        now: new Date(),
        ...(table.retention !== null && { table: table.retention }),
      });
      io.stderr.write(`Prediction: ${prediction.status} ${JSON.stringify(prediction.progress)}\n`);
    }
    let files: SourceFile[] = resolved.source.files;
    if (upload !== undefined) {
      const { endpoint: _t, ...s3 } = settings;
      files = await uploadSource(resolved.source, task.source.bucket, task.source.prefix, s3, (f) =>
        io.stderr.write(`upload ${f.key} (${f.size} bytes)\n`),
      );
    }
    const request = {
      ...task.request,
      ClientToken: task.request.ClientToken ?? clientTokenFor(task.request, files),
    };
    const client = new BatchLoadClient(settings);
    const abort = new AbortController();
    const onSignal = (): void => abort.abort();
    process.once('SIGINT', onSignal);
    try {
      const taskId = await client.create(request);
      io.stderr.write(
        `Task ${taskId} created; polling every ${poll} s (Ctrl-C stops polling, not the task)\n`,
      );
      let last = '';
      const final = await client.waitForFinal(taskId, {
        intervalMs: poll * 1000,
        signal: abort.signal,
        onPoll: (d) => {
          const line = `${d.TaskStatus ?? '?'} ${d.ProgressReport?.RecordsProcessed ?? 0} rows processed`;
          if (line !== last) io.stderr.write(`${line}\n`);
          last = line;
        },
      });
      if (final === null) {
        io.stderr.write(`Polling stopped; task ${taskId} goes on.\n`);
        return 130;
      }
      return await finish(final, taskId, prediction, task.report, settings, booleanOption(args, 'json'), io);
    } finally {
      process.off('SIGINT', onSignal);
      client.close();
    }
  },
};

async function finish(
  final: BatchLoadTaskDescription,
  taskId: string,
  prediction: DryRunResult | null,
  report: { bucket: string; prefix: string } | null,
  settings: ReturnType<typeof awsSettingsOf>,
  json: boolean,
  io: Parameters<CommandSpec['run']>[1],
): Promise<number> {
  const { endpoint: _t, ...s3 } = settings;
  let actualReport: ErrorReport | null = null;
  if (report !== null && final.TaskStatus === 'FAILED')
    actualReport = await fetchErrorReport(report, taskId, s3);
  if (json) {
    const out = {
      BatchLoadTaskDescription: final,
      DryRun: prediction === null ? null : { ProgressReport: prediction.progress },
    };
    io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    io.stdout.write(`Task ${taskId}: ${final.TaskStatus ?? '?'}\n`);
    if (prediction !== null) {
      const comparison = compareOutcome(prediction, {
        progress: final.ProgressReport ?? {},
        errorReport: actualReport,
      });
      io.stdout.write(formatComparison(comparison));
    }
  }
  if (final.TaskStatus === 'SUCCEEDED') return 0;
  if (final.TaskStatus === 'PROGRESS_STOPPED') {
    io.stderr.write(`resume with: aws timestream-write resume-batch-load-task --task-id ${taskId}\n`);
    return 75;
  }
  return 1;
}

function pollSeconds(text: string | undefined): number {
  if (text === undefined) return DEFAULT_POLL_SECONDS;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > 3600) {
    throw new UsageError(`--poll-interval must be a number of seconds from 0 to 3600, got '${text}'`);
  }
  return n;
}
