/** The task store's types, options and error (task-store.ts is the store itself). */
import path from 'node:path';
import type { ProgressReport } from '../report/progress.js';
import type { BatchLoadTaskDescription, TaskStatus } from '../report/task-description.js';
import type { ResolvedTask } from '../task.js';

export const TASK_STORE_ERROR_CODES = [
  'TASK_NOT_FOUND',
  'TASK_ACTIVE_LIMIT_TABLE',
  'TASK_ACTIVE_LIMIT_STORE',
  'TASK_INVALID_TRANSITION',
  'TASK_RESUME_EXPIRED',
  'TASK_INVALID_NEXT_TOKEN',
  'TASK_INVALID_MAX_RESULTS',
  'TASK_FILE_CORRUPT',
  'TASK_STORE_LOCKED',
] as const;
export type TaskStoreErrorCode = (typeof TASK_STORE_ERROR_CODES)[number];

/** The one error of the task store; match on `code`, not on the class (STYLE rule 5). */
export class TaskStoreError extends Error {
  override readonly name = 'TaskStoreError';
  constructor(
    readonly code: TaskStoreErrorCode,
    message: string,
    readonly taskId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A task as stored. */
export interface StoredTask {
  /** DescribeBatchLoadTask's description, times as ISO strings (R-TASK-2). */
  description: BatchLoadTaskDescription;
  /** SHA-256 of the ClientToken the task was created with (the token itself is secret), or null. */
  clientTokenHash: string | null;
  /** Creation order in this store (1, 2, ...): orders tasks created within one clock tick. */
  sequence: number;
  /** Whatever the runner keeps with the task (JSON): a checkpoint, the source location. Opaque to the store. */
  state?: unknown;
}

export interface TaskStoreOptions {
  /** The folder holding one `<TaskId>.json` per task; created when missing. */
  dir: string;
  /** R-TASK-2: active tasks per target table. @default 5 */
  maxActivePerTable?: number;
  /** R-TASK-2: active tasks in the store (the service's per-account quota). @default 10 */
  maxActive?: number;
  /** R-TASK-1 [choice]: how long a stopped task stays resumable. @default 7 days */
  resumeWindowMs?: number;
  /** The clock of CreationTime, LastUpdatedTime and ResumableUntil. @default () => new Date() */
  clock?: () => Date;
  /** How long a create or update waits for another process holding the store's lock. @default 30_000 */
  lockTimeoutMs?: number;
  /**
   * A lock held longer than this is stale and broken (a lock of a dead process of this machine is broken at once).
   * @default 30_000
   */
  staleLockMs?: number;
}

export interface ResolvedTaskStoreOptions {
  dir: string;
  maxActivePerTable: number;
  maxActive: number;
  resumeWindowMs: number;
  clock: () => Date;
  lockTimeoutMs: number;
  staleLockMs: number;
}

export interface CreateTaskInput {
  /** The validated task; its request is echoed by Describe. */
  task: ResolvedTask;
  /** R-TASK-2: a repeated ClientToken returns the existing task instead of creating one. */
  clientToken?: string;
  /** @default a fresh random TaskId (32 upper-case hex characters, R-TASK-1) */
  taskId?: string;
  state?: unknown;
}

export interface TaskUpdate {
  status?: TaskStatus;
  progress?: ProgressReport;
  errorMessage?: string;
  /** Replaces the runner's state. */
  state?: unknown;
}

export interface ListTasksOptions {
  /** Only tasks in this status. */
  status?: TaskStatus;
  /** 1-100. @default 100 */
  maxResults?: number;
  /** The `nextToken` of the previous page. */
  nextToken?: string;
}

export interface TaskPage {
  /** Newest first (creation order) [choice]. */
  tasks: StoredTask[];
  /** Present when more tasks follow; opaque. */
  nextToken?: string;
}

export interface TaskStore {
  readonly options: ResolvedTaskStoreOptions;
  /** Creates a task in status CREATED, or returns the task of a repeated ClientToken (`created: false`). */
  create(input: CreateTaskInput): Promise<{ task: StoredTask; created: boolean }>;
  /** The task, or a TASK_NOT_FOUND error. */
  get(taskId: string): Promise<StoredTask>;
  /** The task, or null. */
  find(taskId: string): Promise<StoredTask | null>;
  list(options?: ListTasksOptions): Promise<TaskPage>;
  /**
   * Changes a task's status (only along R-TASK-1's arrows), progress, error message or state. Given a function, the
   * update is computed from the task as stored, under the store's lock: a read-modify-write no other process splits.
   */
  update(
    taskId: string,
    update: TaskUpdate | ((task: StoredTask) => TaskUpdate | Promise<TaskUpdate>),
  ): Promise<StoredTask>;
}

/** [choice] Tasks that count against the R-TASK-2 quotas: the ones that hold or wait for resources. */
export const ACTIVE_TASK_STATUSES: readonly TaskStatus[] = ['CREATED', 'IN_PROGRESS', 'PENDING_RESUME'];

const DAY_MS = 86_400_000;

export function resolveTaskStoreOptions(options: TaskStoreOptions): ResolvedTaskStoreOptions {
  const positive = (name: string, value: number): number => {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`task store: ${name} must be a positive integer, got ${value}`);
    }
    return value;
  };
  return {
    dir: path.resolve(options.dir),
    maxActivePerTable: positive('maxActivePerTable', options.maxActivePerTable ?? 5),
    maxActive: positive('maxActive', options.maxActive ?? 10),
    resumeWindowMs: positive('resumeWindowMs', options.resumeWindowMs ?? 7 * DAY_MS),
    clock: options.clock ?? ((): Date => new Date()),
    lockTimeoutMs: positive('lockTimeoutMs', options.lockTimeoutMs ?? 30_000),
    staleLockMs: positive('staleLockMs', options.staleLockMs ?? 30_000),
  };
}
