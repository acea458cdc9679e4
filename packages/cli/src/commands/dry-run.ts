import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  isLoadAborted,
  type DryRunResult,
  type PartialLoadResult,
  type ResolvedSource,
  type ResolvedTask,
  type TimestreamRecord,
} from '@tsbatch/core';
import {
  defaultWorkers,
  parallelDryRun,
  parallelSupport,
  type ParallelDryRunOptions,
} from '@tsbatch/parallel';
import { awsJson } from '../internal/aws-time.js';
import { UsageError } from '../internal/cli-error.js';
import { booleanOption, stringOption, type CommandSpec, type Io } from '../internal/command.js';
import { formatDryRunSummary } from '../internal/dry-run-summary.js';
import {
  DUPLICATE_EXIT_CODE,
  DUPLICATE_OPTIONS,
  duplicateCliError,
  duplicateOptions,
} from '../internal/duplicate-flags.js';
import { createLineWriter, type LineWriter } from '../internal/line-writer.js';
import {
  CLI_INPUT_JSON_OPTION,
  DATA_MODEL_OPTIONS,
  loadTask,
  runnable,
  SOURCE_OPTIONS,
  TASK_FLAGS,
  TASK_POSITIONAL,
} from '../internal/load-task.js';
import { createProgress } from '../internal/progress.js';
import { nowOption, TABLE_OPTIONS, tableRetention } from '../internal/table-flags.js';
import { DRY_RUN_ADVICE, formatRunIssues, formatWarning } from '../internal/warnings.js';
import { DRY_RUN_OPTIONS } from './dry-run-options.js';
import { writeOutputFile } from '../internal/output-file.js';
import { PROFILE_OPTION, REGION_OPTION } from '../internal/aws-settings.js';

export const dryRunCommand: CommandSpec = {
  name: 'dry-run',
  summary:
    'Run every row as batch load would and predict its ProgressReport, error report and metered bytes.',
  positionals: [TASK_POSITIONAL],
  positionalFlags: TASK_FLAGS,
  description: [
    'The task is validated first (as `tsbatch validate` does); an invalid task prints its issues and exits 2. ' +
      'Then every file under the source prefix is read in key order and every row is mapped to the WriteRecords ' +
      'records batch load would write: nothing is sent anywhere.',
    'Parse failures (bad CSV, bad values), ingestion failures (limits, the time window, conflicting duplicates) ' +
      'and file failures (BOM, bad header, invalid UTF-8) are counted exactly as the service counts them: ' +
      'RecordsProcessed = RecordsIngested + ParseFailures + RecordIngestionFailures.',
    'Progress goes to standard error: a bar on a terminal, otherwise a line every 5 seconds. Ctrl-C stops the ' +
      'run and prints the counts of the rows read so far (PROGRESS_STOPPED, exit 130).',
    'Duplicates and versions (R-DUP-1) are checked exactly at any size: past --max-duplicate-keys distinct keys ' +
      'the rest go to temporary files under --temp-dir and are compared there; nothing is ever left unchecked.',
  ],
  options: [
    CLI_INPUT_JSON_OPTION,
    ...SOURCE_OPTIONS,
    REGION_OPTION,
    PROFILE_OPTION,
    ...TABLE_OPTIONS,
    ...DRY_RUN_OPTIONS,
    ...DUPLICATE_OPTIONS,
    ...DATA_MODEL_OPTIONS,
  ],
  examples: [
    {
      command: 'tsbatch dry-run examples/fleet/task.json --s3-root examples/fleet/s3',
      note: 'Predict the outcome of the fleet example.',
    },
    {
      command: 'tsbatch dry-run task.json --profile prod --table table.json',
      note: "Without --source or --s3-root: read the task's objects from S3 in ranged GETs (R-S3-1).",
    },
    {
      command:
        'tsbatch dry-run file://task.json --source data/ --table table.json --now 2024-05-01T00:00:00Z --report-dir out --json',
      note: 'Check the time window against a described table, write the reports, print the description.',
    },
    {
      command:
        'tsbatch dry-run examples/fleet/task.json --s3-root examples/fleet/s3-with-errors --table examples/fleet/table.json --html report.html',
      note: 'Write report.html: open it in a browser to see where the failures are and how times sit in the window.',
    },
  ],
  exitCodes: [
    [0, 'the task would succeed'],
    [1, 'the task would fail (any parse, ingestion or file failure)'],
    [
      2,
      'usage error, the task is invalid or unreadable, or the data is not where --source or --s3-root says ' +
        '(S3: the bucket is missing, access is denied, no credentials)',
    ],
    DUPLICATE_EXIT_CODE,
    [130, 'interrupted (Ctrl-C): the counts so far are printed'],
  ],
  async run(args, io): Promise<number> {
    const encoding = stringOption(args, 'encoding');
    const price = writePrice(stringOption(args, 'write-price'));
    const table = await tableRetention(args, io);
    const now = nowOption(args);
    const workers = workersOption(stringOption(args, 'workers'));
    const duplicates = duplicateOptions(args, io.cwd, io);
    const { task, source, warnings, fileErrors } = runnable(await loadTask(args, io, encoding), 'dry-run');
    // Files the run will fail as a whole, and warnings: on stderr, stdout stays the run's own output.
    io.stderr.write(formatRunIssues([...fileErrors, ...warnings]));

    const htmlFile = stringOption(args, 'html');
    const reportDir = stringOption(args, 'report-dir');
    const recordsFile = stringOption(args, 'records');
    let rejects: LineWriter | undefined;
    let records: LineWriter | undefined;
    if (reportDir !== undefined) {
      await mkdir(path.resolve(io.cwd, reportDir), { recursive: true });
      rejects = createLineWriter(path.resolve(io.cwd, reportDir, 'rejects.jsonl'));
    }
    if (recordsFile !== undefined) records = createLineWriter(path.resolve(io.cwd, recordsFile));
    const options: ParallelDryRunOptions = {
      workers,
      ...duplicates,
      ...(table !== undefined && { table }),
      ...(now !== undefined && { now }),
      ...(encoding !== undefined && { encoding }),
      ...(htmlFile !== undefined && { statistics: true }),
      ...(records !== undefined && { onRecords: recordLines(records) }),
      ...(rejects !== undefined && { onReject: (entry) => rejects.write(JSON.stringify(entry)) }),
    };
    const support = parallelSupport(options, source);
    if (workers > 1 && !support.ok && stringOption(args, 'workers') !== undefined) {
      io.stderr.write(`note: reading on one thread: ${support.reason}\n`);
    }
    const started = Date.now();
    let run: Run;
    try {
      run = await runWithProgress(io, task, source, options);
    } finally {
      await rejects?.close();
      await records?.close();
    }
    const { outcome, mainThread } = run;
    if (reportDir !== undefined) await writeErrorReport(io, reportDir, outcome);
    if (htmlFile !== undefined) {
      // Loaded only here: a dry run without --html (and every other command) does not load the renderer.
      const { renderHtmlReport } = await import('@tsbatch/html-report');
      const html = renderHtmlReport(outcome, source, { price });
      await writeOutputFile(path.resolve(io.cwd, htmlFile), html, '--html');
    }
    for (const warning of outcome.warnings) io.stderr.write(formatWarning(warning, DRY_RUN_ADVICE));
    if (mainThread.ranges > 0) {
      // Same result; only the memory bound and part of the speed-up were lost.
      io.stderr.write(
        `note: ${mainThread.ranges} byte range(s) were read on the main thread instead of a worker (${mainThread.reason}).\n`,
      );
    }
    if (booleanOption(args, 'json')) {
      io.stdout.write(awsJson({ BatchLoadTaskDescription: outcome.description }));
    } else {
      const elapsedMs = Date.now() - started;
      io.stdout.write(
        formatDryRunSummary(outcome, source, { price, reportDir, recordsFile, htmlFile, elapsedMs }),
      );
    }
    if (outcome.status === 'PROGRESS_STOPPED') return 130;
    return outcome.status === 'SUCCEEDED' ? 0 : 1;
  },
};

interface Run {
  outcome: DryRunResult | PartialLoadResult;
  mainThread: { ranges: number; reason: string };
}

/** The dry run with progress on stderr; Ctrl-C stops it with the counts so far (issue 18: not "no summary"). */
async function runWithProgress(
  io: Io,
  task: ResolvedTask,
  source: ResolvedSource,
  options: ParallelDryRunOptions,
): Promise<Run> {
  const progress = createProgress(io.stderr, source.totalBytes);
  const abort = new AbortController();
  const onSignal = (): void => {
    progress.interrupt('SIGINT: stopping the dry run; the counts of the rows read so far follow.');
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  const mainThread = { ranges: 0, reason: '' };
  try {
    const outcome = await parallelDryRun(task, source, {
      ...options,
      signal: abort.signal,
      onProgress: (p) => progress.update(p.bytesRead, p.report.RecordsProcessed),
      onMainThreadRange: (range) => {
        mainThread.ranges++;
        mainThread.reason = range.reason;
      },
    });
    return { outcome, mainThread };
  } catch (error) {
    // R-DUP-1: a check that cannot finish is never a result (exit 75, no summary).
    if (!isLoadAborted(error))
      throw duplicateCliError(error, 'The dry run stopped before the end of the data; no summary was made.');
    return { outcome: error.partial, mainThread };
  } finally {
    process.off('SIGINT', onSignal);
    progress.stop();
  }
}

async function writeErrorReport(
  io: Io,
  reportDir: string,
  outcome: DryRunResult | PartialLoadResult,
): Promise<void> {
  const reportFile = path.resolve(io.cwd, reportDir, 'error-report.json');
  // R-REP-2: written only when something failed; a stale one from an earlier run would mislead.
  if (outcome.errorReport === null) await rm(reportFile, { force: true });
  else await writeFile(reportFile, `${JSON.stringify(outcome.errorReport, null, 2)}\n`);
}

function writePrice(text: string | undefined): number {
  if (text === undefined) return 0.5;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0)
    throw new UsageError(`--write-price must be a number, got '${text}'`);
  return value;
}

function recordLines(
  writer: LineWriter,
): (file: string, line: number, records: TimestreamRecord[]) => Promise<void> | undefined {
  return (file, line, records) => {
    let wait: Promise<void> | undefined;
    for (const record of records) {
      wait = writer.write(JSON.stringify({ source: { file, line }, record })) ?? wait;
    }
    return wait;
  };
}

function workersOption(text: string | undefined): number {
  if (text === undefined) return defaultWorkers();
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(n) || n < 1 || n > 256) {
    throw new UsageError(`--workers: expected a whole number from 1 to 256, got '${text}'`);
  }
  return n;
}
