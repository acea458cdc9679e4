/**
 * `tsbatch submit TASK.json --plan` (R-SUBMIT-2): the plan's tasks each predicted alone, staged where needed, run
 * within the active quotas and resumed when they stop; one summed ProgressReport beside the summed prediction.
 */
import {
  compareOutcome,
  fetchErrorReport,
  formatComparison,
  formatPlan,
  formatPlanOutcome,
  plannedRun,
  runPlan,
  stageTask,
  sumProgress,
  type PlanEvent,
  type PlanOutcome,
} from '@tsbatch/aws';
import type { DryRunResult, ErrorReport } from '@tsbatch/core';
import { parallelDryRun } from '@tsbatch/parallel';

import { awsPackageSettings, awsSettings } from '../internal/aws-settings.js';
import { UsageError } from '../internal/cli-error.js';
import {
  booleanOption,
  stringOption,
  type CommandSpec,
  type Io,
  type OptionSpec,
  type ParsedArgs,
} from '../internal/command.js';
import { loadPlan, STAGE_PREFIX_OPTION } from '../internal/load-plan.js';
import { pollSeconds, resumeCommand, targetRetention } from '../internal/submit-common.js';

export const PLAN_OPTIONS: OptionSpec[] = [
  {
    name: 'plan',
    type: 'boolean',
    description:
      'Run the tasks `tsbatch plan` prints: at most 5 active on the table and 10 in the account, stopped ones resumed.',
    group: STAGE_PREFIX_OPTION.group!,
  },
  STAGE_PREFIX_OPTION,
];

function mergeReports(reports: readonly (ErrorReport | null)[]): ErrorReport | null {
  const present = reports.filter((r): r is ErrorReport => r !== null);
  if (present.length === 0) return null;
  return {
    taskId: present.map((r) => r.taskId).join(','),
    fileErrors: present.flatMap((r) => r.fileErrors),
    taskErrors: present.flatMap((r) => r.taskErrors),
  };
}

/** One line per event that changes something (plain lines: several tasks do not fit one bar). */
function eventLines(io: Io, total: number): (event: PlanEvent) => void {
  const seen = new Map<string, string>();
  let waiting = '';
  return (event) => {
    const n = (i: number): string => `task ${i}/${total}`;
    if (event.type === 'staging')
      io.stderr.write(`${n(event.task.index)}: copying ${event.task.copies.length} objects\n`);
    else if (event.type === 'created')
      io.stderr.write(
        `${n(event.task.index)}: ${event.taskId} created (s3://${event.task.bucket}/${event.task.prefix})\n`,
      );
    else if (event.type === 'resumed')
      io.stderr.write(
        `${n(event.task.index)}: ${event.taskId} PROGRESS_STOPPED, resumed (${event.resumes})\n`,
      );
    else if (event.type === 'status') {
      const p = event.description.ProgressReport?.RecordsProcessed ?? 0;
      const line = `${event.description.TaskStatus ?? '?'} ${p} rows processed`;
      if (seen.get(event.taskId) !== line)
        io.stderr.write(`${n(event.task.index)}: ${event.taskId} ${line}\n`);
      seen.set(event.taskId, line);
    } else {
      const line = `waiting: ${event.activeOnTable} tasks active on the table, ${event.activeInAccount} in the account; ${event.pending} to create`;
      if (line !== waiting) io.stderr.write(`${line}\n`);
      waiting = line;
    }
  };
}

export async function submitPlan(spec: CommandSpec, args: ParsedArgs, io: Io): Promise<number> {
  if (stringOption(args, 'upload') !== undefined)
    throw new UsageError('--upload and --plan do not go together: upload the files first, then plan');
  const cli = awsSettings(args);
  const settings = await awsPackageSettings(cli, true);
  const { endpoint: _timestream, ...s3 } = settings;
  const poll = pollSeconds(stringOption(args, 'poll-interval'));
  const loaded = await loadPlan(args, io);
  const { task, source, plan } = loaded;
  io.stderr.write(formatPlan(plan));
  if (!plan.ok) {
    io.stderr.write('The plan cannot run; nothing was submitted.\n');
    return 1;
  }
  if (plan.tasks.some((t) => t.copies.length > 0) && loaded.location.reader === undefined)
    throw new UsageError('--stage-prefix copies objects in S3: give no --source or --s3-root with it');
  const retention = await targetRetention(args, task, cli, io);

  let predictions: DryRunResult[] | null = null;
  if (!booleanOption(args, 'no-dry-run')) {
    predictions = [];
    for (const planned of plan.tasks) {
      const run = plannedRun(task, source, planned);
      predictions.push(
        await parallelDryRun(run.task, run.source, {
          now: new Date(),
          ...(retention !== null && { table: retention }),
        }),
      );
    }
    io.stderr.write(`Prediction: ${JSON.stringify(sumProgress(predictions.map((p) => p.progress)))}\n`);
  }

  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  let outcome: PlanOutcome;
  try {
    outcome = await runPlan(plan, settings, {
      intervalMs: poll * 1000,
      signal: abort.signal,
      beforeCreate: async (t) => {
        const staged = await stageTask(t, s3);
        if (staged.kept > 0) io.stderr.write(`task ${t.index}: ${staged.kept} copies already staged\n`);
      },
      onEvent: eventLines(io, plan.tasks.length),
    });
  } finally {
    process.off('SIGINT', onSignal);
  }
  return finishPlan(spec, args, io, outcome, predictions, task.report, s3);
}

async function finishPlan(
  spec: CommandSpec,
  args: ParsedArgs,
  io: Io,
  outcome: PlanOutcome,
  predictions: DryRunResult[] | null,
  report: { bucket: string; prefix: string } | null,
  s3: Omit<Awaited<ReturnType<typeof awsPackageSettings>>, 'endpoint'>,
): Promise<number> {
  if (outcome.status === null) {
    io.stderr.write(`Polling stopped; the tasks go on:\n${formatPlanOutcome(outcome)}`);
    return 130;
  }
  const reports: (ErrorReport | null)[] = [];
  for (const t of outcome.tasks) {
    const failed = t.description?.TaskStatus === 'FAILED' && report !== null && t.taskId !== null;
    reports.push(failed ? await fetchErrorReport(report, t.taskId!, s3) : null);
  }
  const predicted = predictions === null ? null : sumProgress(predictions.map((p) => p.progress));
  if (booleanOption(args, 'json')) {
    const out = {
      Tasks: outcome.tasks.map((t) => ({
        ObjectKeyPrefix: t.task.prefix,
        BucketName: t.task.bucket,
        Resumes: t.resumes,
        BatchLoadTaskDescription: t.description,
      })),
      ProgressReport: outcome.progress,
      DryRun: predicted === null ? null : { ProgressReport: predicted },
    };
    io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    io.stdout.write(
      `Plan of ${outcome.tasks.length} tasks: ${outcome.status}\n${formatPlanOutcome(outcome)}`,
    );
    if (predictions !== null && predicted !== null) {
      const comparison = compareOutcome(
        { progress: predicted, errorReport: mergeReports(predictions.map((p) => p.errorReport)) },
        { progress: outcome.progress, errorReport: mergeReports(reports) },
      );
      io.stdout.write(formatComparison(comparison));
    }
  }
  if (outcome.status === 'PROGRESS_STOPPED') {
    io.stderr.write(
      `Some tasks stopped; resume them and poll to the end with:\n  ${resumeCommand(spec, args)}\n`,
    );
    return 75;
  }
  return outcome.status === 'SUCCEEDED' ? 0 : 1;
}
