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
import type { DryRunResult, ErrorReport, SourceFile } from '@tsbatch/core';
import { parallelDryRun } from '@tsbatch/parallel';

import {
  awsPackageSettings,
  awsSettings,
  ENDPOINT_OPTION,
  PROFILE_OPTION,
  REGION_OPTION,
} from '../internal/aws-settings.js';
import { UsageError } from '../internal/cli-error.js';
import {
  booleanOption,
  stringOption,
  type CommandSpec,
  type Io,
  type ParsedArgs,
} from '../internal/command.js';
import { CREATE_TABLE_OPTIONS, JSON_OPTION } from '../internal/ingest-options.js';
import { DATA_MODEL_OPTIONS, loadTask, runnable, SOURCE_OPTIONS } from '../internal/load-task.js';
import { formatRunIssues } from '../internal/warnings.js';
import { createProgressBar } from '../internal/progress-bar.js';
import {
  awsResumeCommand,
  DEFAULT_POLL_SECONDS,
  pollSeconds,
  resumeCommand,
  targetRetention,
} from '../internal/submit-common.js';
import { PLAN_OPTIONS, submitPlan } from './submit-plan.js';

const SUBMIT = 'Submit (R-SUBMIT-1)';

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
    'Ctrl-C stops the polling, never the task. --endpoint-url sends it to another endpoint (e.g. `tsbatch serve`). ' +
      'The same submit run again finds its task through the ClientToken: a PROGRESS_STOPPED task is resumed and ' +
      'polled to its end, a finished one is reported.',
    "With --plan, a source beyond one task's quotas (100 files, 5 GB a file, 100 GB a task) is run as the tasks " +
      '`tsbatch plan` prints (R-SUBMIT-2): each predicted alone, at most 5 active on the table and 10 in the account, ' +
      'stopped ones resumed; it ends with the list of tasks and one summed ProgressReport.',
  ],
  options: [
    ...SOURCE_OPTIONS,
    ENDPOINT_OPTION,
    REGION_OPTION,
    PROFILE_OPTION,
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
    ...PLAN_OPTIONS,
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
    {
      command: 'tsbatch submit backfill.json --plan --stage-prefix staging/backfill/',
      note: 'Run a source beyond the quotas as several tasks, copying what prefixes cannot cut.',
    },
  ],
  exitCodes: [
    [0, 'the task SUCCEEDED (with --plan: every task)'],
    [
      1,
      'the task FAILED (with --plan: one did, or the plan cannot run), or S3 or the service refused a call',
    ],
    [2, 'usage error, or the task is invalid or unreadable'],
    [75, 'the task is PROGRESS_STOPPED (with --plan: one is left so): the command that resumes is printed'],
    [130, 'Ctrl-C: the polling stopped, the task goes on (its TaskId is printed)'],
  ],
  async run(args, io): Promise<number> {
    if (booleanOption(args, 'plan')) return submitPlan(submitCommand, args, io);
    if (stringOption(args, 'stage-prefix') !== undefined)
      throw new UsageError('--stage-prefix belongs to --plan: give both');
    const cli = awsSettings(args);
    const settings = await awsPackageSettings(cli, true);
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
    const loaded = runnable(await loadTask(argsForTask, io), 'submit');
    const { task, source } = loaded;
    io.stderr.write(formatRunIssues([...loaded.fileErrors, ...loaded.warnings]));
    const resolved = { source };
    const retention = await targetRetention(args, task, cli, io);

    let prediction: DryRunResult | null = null;
    if (!booleanOption(args, 'no-dry-run')) {
      prediction = await parallelDryRun(task, resolved.source, {
        now: new Date(),
        ...(retention !== null && { table: retention }),
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
      // A submit run again finds its task through the ClientToken: a stopped one is resumed (R-SUBMIT-1).
      const found = await client.describe(taskId);
      if (found.TaskStatus === 'PROGRESS_STOPPED') {
        await client.resume(taskId);
        io.stderr.write(`Task ${taskId} was PROGRESS_STOPPED: resumed\n`);
      }
      io.stderr.write(
        `Task ${taskId} created; polling every ${poll} s (Ctrl-C stops polling, not the task)\n`,
      );
      const final = await client.waitForFinal(taskId, {
        intervalMs: poll * 1000,
        signal: abort.signal,
        onPoll: progressOf(io, prediction),
      });
      if (final === null) {
        io.stderr.write(`Polling stopped; task ${taskId} goes on.\n`);
        return 130;
      }
      return await finish({ final, taskId, prediction, report: task.report, settings, args, io });
    } finally {
      process.off('SIGINT', onSignal);
      client.close();
    }
  },
};

/** R-SUBMIT-1: a bar of rows processed (of the predicted total) on a TTY, plain lines of the status otherwise. */
function progressOf(io: Io, prediction: DryRunResult | null): (d: BatchLoadTaskDescription) => void {
  const total = prediction?.progress.RecordsProcessed ?? 0;
  const rows = (n: number): string => `${n.toLocaleString('en-US')} rows`;
  let bar: ReturnType<typeof createProgressBar> | undefined;
  let last = '';
  return (d) => {
    const processed = d.ProgressReport?.RecordsProcessed ?? 0;
    const final = FINAL.has(d.TaskStatus ?? '');
    if (bar === undefined) bar = createProgressBar(io.stderr, Math.max(total, processed), rows);
    if (bar !== null) {
      bar.update(processed, processed);
      if (final) bar.stop();
      return;
    }
    const line = `${d.TaskStatus ?? '?'} ${processed} rows processed`;
    if (line !== last) io.stderr.write(`${line}\n`);
    last = line;
  };
}

const FINAL = new Set(['SUCCEEDED', 'FAILED', 'PROGRESS_STOPPED']);

async function finish(done: {
  final: BatchLoadTaskDescription;
  taskId: string;
  prediction: DryRunResult | null;
  report: { bucket: string; prefix: string } | null;
  settings: Awaited<ReturnType<typeof awsPackageSettings>>;
  args: ParsedArgs;
  io: Io;
}): Promise<number> {
  const { final, taskId, prediction, report, settings, args, io } = done;
  const { endpoint: _t, ...s3 } = settings;
  let actualReport: ErrorReport | null = null;
  if (report !== null && final.TaskStatus === 'FAILED')
    actualReport = await fetchErrorReport(report, taskId, s3);
  if (booleanOption(args, 'json')) {
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
    io.stderr.write(
      `Task ${taskId} stopped; resume it and poll to the end with:\n  ${resumeCommand(submitCommand, args)}\n` +
        `(or, without polling: ${awsResumeCommand(taskId, settings)})\n`,
    );
    return 75;
  }
  return 1;
}
