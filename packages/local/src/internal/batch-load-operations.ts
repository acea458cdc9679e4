/**
 * R-LOCAL-1: the four batch-load operations over the task store (R-TASK-1..3), validated by the validator and run
 * by the BatchLoadRunner over buckets mapped to folders (`--s3-root`, R-IN-3).
 */
import { resolveReportFolder, TASK_STATUSES, TaskStoreError, type StoredTask } from '@tsbatch/core';
import { formatIssue, validateTask } from '@tsbatch/validator';
import { ServiceError } from '../errors.js';
import type { RunnerState } from './batch-load-runner.js';
import { Constraints, type Json } from './constraints.js';
import { withEpochTimes, type Operation } from './operation.js';

const TASK_ID = { min: 3, max: 32, pattern: /^[A-Z0-9]+$/, patternText: '[A-Z0-9]+' };
const TASK_TIMES = ['CreationTime', 'LastUpdatedTime', 'ResumableUntil'] as const;

/** The service's answers to the task store's refusals. */
function serviceError(error: unknown): unknown {
  if (!(error instanceof TaskStoreError)) return error;
  switch (error.code) {
    case 'TASK_NOT_FOUND':
      return new ServiceError(
        'ResourceNotFoundException',
        `The batch load task ${error.taskId ?? ''} does not exist.`,
      );
    case 'TASK_ACTIVE_LIMIT_TABLE':
    case 'TASK_ACTIVE_LIMIT_STORE':
      return new ServiceError('ServiceQuotaExceededException', error.message);
    case 'TASK_INVALID_TRANSITION':
    case 'TASK_RESUME_EXPIRED':
    case 'TASK_INVALID_NEXT_TOKEN':
    case 'TASK_INVALID_MAX_RESULTS':
      return new ServiceError('ValidationException', error.message);
    default:
      return new ServiceError('InternalServerException', error.message);
  }
}

function taskId(input: Json): string {
  const c = new Constraints();
  const id = c.string('taskId', input['TaskId'], TASK_ID, true);
  c.done();
  return id!;
}

function summary(task: StoredTask): Json {
  const d = task.description;
  return withEpochTimes(
    {
      TaskId: d.TaskId,
      TaskStatus: d.TaskStatus,
      DatabaseName: d.TargetDatabaseName,
      TableName: d.TargetTableName,
      CreationTime: d.CreationTime,
      LastUpdatedTime: d.LastUpdatedTime,
      ...(d.ResumableUntil !== undefined && { ResumableUntil: d.ResumableUntil }),
    },
    TASK_TIMES,
  );
}

export const batchLoadOperations: Record<string, Operation> = {
  async CreateBatchLoadTask(input, { store, runner }) {
    const s3Root = runner.s3Root;
    const location = runner.location;
    if (location === null) {
      throw new ServiceError(
        'ValidationException',
        'This local endpoint was started without --s3-root, so it has no folder standing for S3 buckets.',
      );
    }
    // R-VAL-*: every issue of the request (and of the header of its first file) at once. A file the run fails as a
    // whole (SOURCE_FILE_FAILS) does not refuse the task: the run counts it as a file failure, as the service does.
    const result = await validateTask(input, { location, kind: 'task' });
    if (result.task === undefined) {
      const errors = result.issues.filter((i) => i.severity === 'error');
      throw new ServiceError(
        'ValidationException',
        `${errors.length} validation error${errors.length === 1 ? '' : 's'} detected: ${errors.map(formatIssue).join('; ')}`,
      );
    }
    if (result.task.report !== null && s3Root !== null) {
      // R-IN-3: the report location may not lead out of --s3-root either.
      const where = await resolveReportFolder(result.task.report, s3Root);
      if (!where.ok) {
        throw new ServiceError(
          'ValidationException',
          `1 validation error detected: /ReportConfiguration/ReportS3Configuration: ${where.error.message}`,
        );
      }
    }
    const { ClientToken, ...request } = result.task.request;
    const task = { ...result.task, request };
    store.getTable(task.database, task.table);
    const state: RunnerState = { task };
    try {
      const { task: stored, created } = await store.tasks.create({
        task,
        ...(ClientToken !== undefined && { clientToken: ClientToken }),
        state,
      });
      if (created) runner.start(stored.description.TaskId);
      return { TaskId: stored.description.TaskId };
    } catch (error) {
      throw serviceError(error);
    }
  },

  async DescribeBatchLoadTask(input, { store }) {
    const id = taskId(input);
    let task;
    try {
      task = await store.tasks.find(id);
    } catch (error) {
      throw serviceError(error);
    }
    if (task === null)
      throw new ServiceError('ResourceNotFoundException', `The batch load task ${id} does not exist.`);
    return { BatchLoadTaskDescription: withEpochTimes(task.description, TASK_TIMES) };
  },

  async ListBatchLoadTasks(input, { store }) {
    const c = new Constraints();
    const maxResults = c.integer('maxResults', input['MaxResults'], { min: 1, max: 100 });
    const status = c.string('taskStatus', input['TaskStatus'], { enum: TASK_STATUSES });
    const nextToken = c.string('nextToken', input['NextToken']);
    c.done();
    try {
      const page = await store.tasks.list({
        ...(maxResults !== undefined && { maxResults }),
        ...(status !== undefined && { status: status as (typeof TASK_STATUSES)[number] }),
        ...(nextToken !== undefined && { nextToken }),
      });
      return {
        BatchLoadTasks: page.tasks.map(summary),
        ...(page.nextToken !== undefined && { NextToken: page.nextToken }),
      };
    } catch (error) {
      throw serviceError(error);
    }
  },

  async ResumeBatchLoadTask(input, { store, runner }) {
    const id = taskId(input);
    try {
      const task = await store.tasks.get(id);
      const status = task.description.TaskStatus;
      if (status !== 'PROGRESS_STOPPED') {
        throw new ServiceError(
          'ValidationException',
          `The batch load task ${id} is ${status}; only a task in PROGRESS_STOPPED can be resumed.`,
        );
      }
      await store.tasks.update(id, { status: 'PENDING_RESUME' });
    } catch (error) {
      throw serviceError(error);
    }
    runner.start(id);
    return {};
  },
};
