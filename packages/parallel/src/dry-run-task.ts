/**
 * The common path of an ETL job in one call (issue 18): a task (the CreateBatchLoadTask JSON, or a bare DataModel)
 * and where its data is → validated (R-VAL-*), its files resolved once (R-IN-3), and dry-run on every core.
 */
import type { DryRunResult, ResolvedSource, ResolvedTask, SourceLocation } from '@tsbatch/core';
import { LOCATION_CODES, validateTask, type ValidateOptions, type ValidationIssue } from '@tsbatch/validator';
import { parallelDryRun, type ParallelDryRunOptions } from './parallel-dry-run.js';

export interface TaskDryRunOptions extends ParallelDryRunOptions {
  /** What the JSON is. @default 'auto' (ValidateOptions.kind) */
  kind?: ValidateOptions['kind'];
  /** CSV options of a bare DataModel (R-IN-2). @default {} */
  csv?: ValidateOptions['csv'];
}

export type TaskDryRun =
  | {
      ran: true;
      task: ResolvedTask;
      source: ResolvedSource;
      /** The validation's issues: warnings, and errors about files the run counted as file failures. */
      issues: ValidationIssue[];
      result: DryRunResult;
    }
  | {
      ran: false;
      /** 'task': the task has errors; 'location': the data is not where `location` says (LOCATION_CODES). */
      reason: 'task' | 'location';
      issues: ValidationIssue[];
    };

/**
 * Validates `json` against its data at `location` and, when it can run, dry-runs it: never throws for bad input
 * (the issues are data, STYLE rule 6); rejects with core's LoadAbortedError (`partial` holds the counts) when
 * `options.signal` aborts.
 */
export async function dryRunTask(
  json: unknown,
  location: SourceLocation,
  options: TaskDryRunOptions = {},
): Promise<TaskDryRun> {
  const { kind, csv, ...run } = options;
  const validated = await validateTask(json, {
    location,
    ...(kind !== undefined && { kind }),
    ...(csv !== undefined && { csv }),
    ...(run.encoding !== undefined && { encoding: run.encoding }),
  });
  const { issues, task, source } = validated;
  if (task === undefined || source === undefined) {
    const misplaced = issues.some((i) => i.severity === 'error' && LOCATION_CODES.has(i.code));
    return { ran: false, reason: misplaced ? 'location' : 'task', issues };
  }
  const result = await parallelDryRun(task, source, run);
  return { ran: true, task, source, issues, result };
}
