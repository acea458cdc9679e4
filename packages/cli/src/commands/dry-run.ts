import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveSource, type DryRunResult, type TimestreamRecord } from '@tsbatch/core';
import {
  defaultWorkers,
  parallelDryRun,
  parallelSupport,
  type ParallelDryRunOptions,
} from '@tsbatch/parallel';
import { booleanOption, stringOption, UsageError, type CommandSpec } from '../internal/command.js';
import { createLineWriter, type LineWriter } from '../internal/line-writer.js';
import { DATA_MODEL_OPTIONS, loadTask, SOURCE_OPTIONS } from '../internal/load-task.js';
import { createProgressBar } from '../internal/progress-bar.js';
import { nowOption, TABLE_OPTIONS, tableRetention } from '../internal/table-flags.js';
import { formatReport } from './validate.js';
import { formatDryRunSummary } from '../internal/dry-run-summary.js';
import { sourceProblem } from '../internal/load-task.js';
import { S3_REGION_OPTION } from '../internal/aws-flags.js';

export const dryRunCommand: CommandSpec = {
  name: 'dry-run',
  summary:
    'Run every row as batch load would and predict its ProgressReport, error report and metered bytes.',
  positionals: [{ name: 'TASK.json', required: true }],
  description: [
    'The task is validated first (as `tsbatch validate` does); an invalid task prints its issues and exits 2. ' +
      'Then every file under the source prefix is read in key order and every row is mapped to the WriteRecords ' +
      'records batch load would write: nothing is sent anywhere.',
    'Parse failures (bad CSV, bad values), ingestion failures (limits, the time window, conflicting duplicates) ' +
      'and file failures (BOM, bad header, invalid UTF-8) are counted exactly as the service counts them: ' +
      'RecordsProcessed = RecordsIngested + ParseFailures + RecordIngestionFailures.',
  ],
  options: [
    ...SOURCE_OPTIONS,
    S3_REGION_OPTION,
    ...TABLE_OPTIONS,
    {
      name: 'report-dir',
      type: 'string',
      value: 'DIR',
      description:
        "Write DIR/error-report.json (the service's error report, only when something failed) and " +
        'DIR/rejects.jsonl (one line per failed row: file, line, code, reason, cells).',
      group: 'Output',
    },
    {
      name: 'records',
      type: 'string',
      value: 'FILE',
      description: 'Write every record that would be written, one {"source", "record"} JSON object per line.',
      group: 'Output',
    },
    {
      name: 'json',
      type: 'boolean',
      description:
        'Print {"BatchLoadTaskDescription": ...} as DescribeBatchLoadTask would, instead of a summary.',
      group: 'Output',
    },
    {
      name: 'encoding',
      type: 'string',
      value: 'NAME',
      description:
        'Decode the files from this encoding (e.g. latin1, utf16le); the service itself needs UTF-8.',
      defaultText: 'UTF-8, as the service',
      group: 'Input',
    },
    {
      name: 'workers',
      type: 'string',
      value: 'N',
      description:
        'Worker threads that read, map and check the files: files in parallel, and byte ranges of a big file ' +
        "(results are exactly those of one thread). Each worker's heap is capped at about 120 MiB; a range that " +
        'needs more is read on the main thread. 1 reads on the main thread. Sources under 16 MiB, --records ' +
        'and --encoding read on one thread.',
      defaultText: 'the number of cores',
      group: 'Input',
    },
    {
      name: 'write-price',
      type: 'string',
      value: 'USD',
      description: 'Price of one million 1 KiB writes, for the cost estimate.',
      defaultText: '0.50 (us-east-1 list price)',
      group: 'Output',
    },
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
        'tsbatch dry-run task.json --source data/ --table table.json --now 2024-05-01T00:00:00Z --report-dir out --json',
      note: 'Check the time window against a described table, write the reports, print the description.',
    },
  ],
  exitCodes: [
    [0, 'the task would succeed'],
    [1, 'the task would fail (any parse, ingestion or file failure)'],
    [
      2,
      'usage error, the task is invalid or unreadable, or the source cannot be listed (S3: bucket, access, credentials)',
    ],
  ],
  async run(args, io): Promise<number> {
    const encoding = stringOption(args, 'encoding');
    const json = booleanOption(args, 'json');
    const price = writePrice(stringOption(args, 'write-price'));
    const table = await tableRetention(args, io.cwd);
    const now = nowOption(args);
    const workers = workersOption(stringOption(args, 'workers'));
    const { result, location } = await loadTask(args, io.cwd, encoding);
    if (!result.ok || result.task === undefined) {
      // The issues go to stderr: stdout stays reserved for the run's own output.
      io.stderr.write(formatReport(args.positionals[0]!, result.issues));
      io.stderr.write('The task is invalid; nothing was run.\n');
      return 2;
    }
    const task = result.task;
    const resolved = await resolveSource(task.source, location!);
    if (!resolved.ok) throw new UsageError(sourceProblem(resolved.error.message, location!));
    for (const issue of result.issues)
      io.stderr.write(`warning ${issue.path}: ${issue.message} [${issue.code}]\n`);

    const reportDir = stringOption(args, 'report-dir');
    const recordsFile = stringOption(args, 'records');
    let rejects: LineWriter | undefined;
    let records: LineWriter | undefined;
    if (reportDir !== undefined) {
      await mkdir(path.resolve(io.cwd, reportDir), { recursive: true });
      rejects = createLineWriter(path.resolve(io.cwd, reportDir, 'rejects.jsonl'));
    }
    if (recordsFile !== undefined) records = createLineWriter(path.resolve(io.cwd, recordsFile));

    const bar = createProgressBar(io.stderr, resolved.source.totalBytes);
    const abort = new AbortController();
    const onSignal = (): void => abort.abort();
    process.once('SIGINT', onSignal);
    let outcome: DryRunResult;
    let mainThreadRanges = 0;
    let mainThreadReason = '';
    try {
      const options: ParallelDryRunOptions = {
        workers,
        ...(table !== undefined && { table }),
        ...(now !== undefined && { now }),
        ...(encoding !== undefined && { encoding }),
        signal: abort.signal,
        ...(bar !== null && { onProgress: (p) => bar.update(p.bytesRead, p.report.RecordsProcessed) }),
        ...(records !== undefined && { onRecords: recordLines(records) }),
        ...(rejects !== undefined && { onReject: (entry) => rejects.write(JSON.stringify(entry)) }),
        onMainThreadRange: (range) => {
          mainThreadRanges++;
          mainThreadReason = range.reason;
        },
      };
      const support = parallelSupport(options, resolved.source);
      if (workers > 1 && !support.ok && stringOption(args, 'workers') !== undefined) {
        io.stderr.write(`note: reading on one thread: ${support.reason}\n`);
      }
      outcome = await parallelDryRun(task, resolved.source, options);
    } catch (error) {
      if (!abort.signal.aborted) throw error;
      io.stderr.write('Interrupted: the dry run stopped before the end of the data; no summary was made.\n');
      return 130;
    } finally {
      process.off('SIGINT', onSignal);
      bar?.stop();
      await rejects?.close();
      await records?.close();
    }
    if (reportDir !== undefined) {
      const reportFile = path.resolve(io.cwd, reportDir, 'error-report.json');
      // R-REP-2: written only when something failed; a stale one from an earlier run would mislead.
      if (outcome.errorReport === null) await rm(reportFile, { force: true });
      else await writeFile(reportFile, `${JSON.stringify(outcome.errorReport, null, 2)}\n`);
    }
    for (const warning of outcome.warnings) io.stderr.write(`note: ${warning}\n`);
    if (mainThreadRanges > 0) {
      // Same result; only the memory bound and part of the speed-up were lost.
      io.stderr.write(
        `note: ${mainThreadRanges} byte range(s) were read on the main thread instead of a worker (${mainThreadReason}).\n`,
      );
    }
    if (json) {
      io.stdout.write(`${JSON.stringify({ BatchLoadTaskDescription: outcome.description }, null, 2)}\n`);
    } else {
      io.stdout.write(formatDryRunSummary(outcome, resolved.source, { price, reportDir, recordsFile }));
    }
    return outcome.status === 'SUCCEEDED' ? 0 : 1;
  },
};

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
