import { createHash } from 'node:crypto';
import type { ProgressReport } from './progress.js';
import type { ResolvedSource } from '../source/source.js';
import type {
  CreateBatchLoadTaskRequest,
  DataModelConfiguration,
  DataSourceConfiguration,
  ReportConfiguration,
  ResolvedTask,
} from '../task.js';

export const TASK_STATUSES = [
  'CREATED',
  'IN_PROGRESS',
  'FAILED',
  'SUCCEEDED',
  'PROGRESS_STOPPED',
  'PENDING_RESUME',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** DescribeBatchLoadTask's `BatchLoadTaskDescription`, member for member (R-TASK-2); times as ISO strings in JSON. */
export interface BatchLoadTaskDescription {
  TaskId: string;
  ErrorMessage?: string;
  DataSourceConfiguration: DataSourceConfiguration;
  ProgressReport: ProgressReport;
  ReportConfiguration: ReportConfiguration;
  DataModelConfiguration: DataModelConfiguration;
  TargetDatabaseName: string;
  TargetTableName: string;
  TaskStatus: TaskStatus;
  RecordVersion: number;
  CreationTime: string;
  LastUpdatedTime: string;
  ResumableUntil?: string;
}

/**
 * A dry run's TaskId: 32 upper-case hex characters (R-TASK-1) derived from the task and its files, so the same
 * run prints the same id and reports can be compared byte for byte [choice].
 */
export function dryRunTaskId(request: CreateBatchLoadTaskRequest, source: ResolvedSource): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(request));
  for (const file of source.files) hash.update(`\n${file.key}\t${file.size}`);
  return hash.digest('hex').slice(0, 32).toUpperCase();
}

export function describeTask(
  task: ResolvedTask,
  fields: {
    taskId: string;
    status: TaskStatus;
    progress: ProgressReport;
    creationTime: Date;
    lastUpdatedTime: Date;
    errorMessage?: string;
    resumableUntil?: Date;
  },
): BatchLoadTaskDescription {
  const r = task.request;
  const description: BatchLoadTaskDescription = {
    TaskId: fields.taskId,
    DataSourceConfiguration: r.DataSourceConfiguration,
    ProgressReport: { ...fields.progress },
    ReportConfiguration: r.ReportConfiguration,
    DataModelConfiguration: r.DataModelConfiguration ?? {},
    TargetDatabaseName: r.TargetDatabaseName,
    TargetTableName: r.TargetTableName,
    TaskStatus: fields.status,
    RecordVersion: task.recordVersion,
    CreationTime: fields.creationTime.toISOString(),
    LastUpdatedTime: fields.lastUpdatedTime.toISOString(),
  };
  if (fields.errorMessage !== undefined) description.ErrorMessage = fields.errorMessage;
  if (fields.resumableUntil !== undefined) description.ResumableUntil = fields.resumableUntil.toISOString();
  return description;
}
