/**
 * The task store (R-TASK-1..3): batch-load tasks as JSON files in one folder, one file per task, each written
 * atomically (write-then-rename, R-TASK-3). Creates and updates run under a lock file of the folder, so several
 * processes (two `tasks` commands, a command and `tsbatch serve`) never lose an update or hand out a sequence
 * twice. A plain on-disk library with no HTTP: the local endpoint serves it and the `tasks`/`ingest` commands use it
 * directly. Every task is kept as the DescribeBatchLoadTask description (R-TASK-2) plus an opaque `state` owned by
 * whoever runs the task (a checkpoint, say).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ProgressReport } from '../report/progress.js';
import { emptyProgressReport } from '../report/progress.js';
import {
  describeTask,
  TASK_STATUSES,
  type BatchLoadTaskDescription,
  type TaskStatus,
} from '../report/task-description.js';
import type { ResolvedTask } from '../task.js';
import {
  listNames,
  LockTimeoutError,
  processAlive,
  readTextIfExists,
  withFileLock,
  writeFileAtomic,
} from './task-store-files.js';

export { writeFileAtomic };

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

/** R-TASK-1: the status arrows. A status may also be "updated" to itself (progress while IN_PROGRESS). */
const TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  CREATED: ['IN_PROGRESS', 'FAILED', 'PROGRESS_STOPPED'],
  IN_PROGRESS: ['SUCCEEDED', 'FAILED', 'PROGRESS_STOPPED'],
  PROGRESS_STOPPED: ['PENDING_RESUME'],
  PENDING_RESUME: ['IN_PROGRESS', 'FAILED', 'PROGRESS_STOPPED'],
  SUCCEEDED: [],
  FAILED: [],
};

/** [choice] Tasks that count against the R-TASK-2 quotas: the ones that hold or wait for resources. */
export const ACTIVE_TASK_STATUSES: readonly TaskStatus[] = ['CREATED', 'IN_PROGRESS', 'PENDING_RESUME'];

/** The API's BatchLoadTaskId pattern (3-32 of [A-Z0-9]): nothing else can name a file of the store. */
const TASK_ID = /^[A-Z0-9]{3,32}$/;
const FILE_SUFFIX = '.json';
/** R-TASK-3: the lock of creates and updates; a dot name, so never a task. */
const LOCK_FILE = '.tasks.lock';
const FORMAT = 1;
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

/** A new TaskId: 32 upper-case hex characters (R-TASK-1). */
export function newTaskId(): string {
  return randomBytes(16).toString('hex').toUpperCase();
}

/**
 * Opens (creating when needed) the store in `options.dir`, and clears temporary files a crashed process left
 * behind. A temporary file of a live process is a write in progress in another command: it is left alone.
 */
export async function openTaskStore(options: TaskStoreOptions): Promise<TaskStore> {
  const resolved = resolveTaskStoreOptions(options);
  await mkdir(resolved.dir, { recursive: true });
  for (const name of await readdir(resolved.dir)) {
    const temp = /^\..*\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name);
    if (temp !== null && !processAlive(Number(temp[1]))) {
      await rm(path.join(resolved.dir, name), { force: true });
    }
  }
  return new FileTaskStore(resolved);
}

class FileTaskStore implements TaskStore {
  /** In-process serialisation (the lock file serialises processes): quota checks and updates never interleave. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly options: ResolvedTaskStoreOptions) {}

  create(input: CreateTaskInput): Promise<{ task: StoredTask; created: boolean }> {
    return this.serial(async () => {
      const all = await this.readAll();
      const tokenHash = input.clientToken === undefined ? null : hashToken(input.clientToken);
      if (tokenHash !== null) {
        const existing = all.find((t) => t.clientTokenHash === tokenHash);
        if (existing !== undefined) return { task: existing, created: false };
      }
      this.checkQuota(all, input.task.database, input.task.table);
      const taskId = input.taskId ?? newTaskId();
      if (!TASK_ID.test(taskId)) throw new RangeError(`task store: invalid TaskId ${JSON.stringify(taskId)}`);
      const now = this.options.clock();
      const sequence = all.reduce((max, t) => Math.max(max, t.sequence), 0) + 1;
      const task: StoredTask = {
        description: describeTask(input.task, {
          taskId,
          status: 'CREATED',
          progress: emptyProgressReport(),
          creationTime: now,
          lastUpdatedTime: now,
        }),
        clientTokenHash: tokenHash,
        sequence,
      };
      if (input.state !== undefined) task.state = input.state;
      await this.write(task);
      return { task, created: true };
    });
  }

  async get(taskId: string): Promise<StoredTask> {
    const task = await this.find(taskId);
    if (task === null) throw new TaskStoreError('TASK_NOT_FOUND', `Task ${taskId} does not exist.`, taskId);
    return task;
  }

  async find(taskId: string): Promise<StoredTask | null> {
    if (!TASK_ID.test(taskId)) return null;
    const file = this.file(taskId);
    const text = await readTextIfExists(file);
    return text === null ? null : parseTask(text, taskId, file);
  }

  async list(options: ListTasksOptions = {}): Promise<TaskPage> {
    const maxResults = options.maxResults ?? 100;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 100) {
      throw new TaskStoreError(
        'TASK_INVALID_MAX_RESULTS',
        `MaxResults must be from 1 to 100, got ${maxResults}.`,
      );
    }
    const after = options.nextToken === undefined ? null : decodeToken(options.nextToken);
    let tasks = (await this.readAll()).sort(newestFirst);
    if (options.status !== undefined)
      tasks = tasks.filter((t) => t.description.TaskStatus === options.status);
    if (after !== null) tasks = tasks.filter((t) => newestFirst(t, after) > 0);
    const page: TaskPage = { tasks: tasks.slice(0, maxResults) };
    const last = page.tasks[page.tasks.length - 1];
    if (tasks.length > maxResults && last !== undefined) page.nextToken = encodeToken(last);
    return page;
  }

  update(
    taskId: string,
    change: TaskUpdate | ((task: StoredTask) => TaskUpdate | Promise<TaskUpdate>),
  ): Promise<StoredTask> {
    return this.serial(async () => {
      const task = await this.get(taskId);
      const update = typeof change === 'function' ? await change(structuredClone(task)) : change;
      const d = task.description;
      const now = this.options.clock();
      const next = update.status;
      if (next !== undefined && next !== d.TaskStatus) {
        if (!TRANSITIONS[d.TaskStatus].includes(next)) {
          throw new TaskStoreError(
            'TASK_INVALID_TRANSITION',
            `Task ${taskId} is ${d.TaskStatus} and cannot become ${next}.`,
            taskId,
          );
        }
        if (next === 'PENDING_RESUME') {
          // R-TASK-1: resumable until stop time + the resume window.
          if (d.ResumableUntil !== undefined && Date.parse(d.ResumableUntil) <= now.getTime()) {
            throw new TaskStoreError(
              'TASK_RESUME_EXPIRED',
              `Task ${taskId} was resumable until ${d.ResumableUntil}.`,
              taskId,
            );
          }
          this.checkQuota(await this.readAll(), d.TargetDatabaseName, d.TargetTableName);
        }
        if (next === 'PROGRESS_STOPPED') {
          d.ResumableUntil = new Date(now.getTime() + this.options.resumeWindowMs).toISOString();
        }
        d.TaskStatus = next;
      }
      if (update.progress !== undefined) d.ProgressReport = { ...update.progress };
      if (update.errorMessage !== undefined) d.ErrorMessage = update.errorMessage;
      if (update.state !== undefined) task.state = update.state;
      d.LastUpdatedTime = now.toISOString();
      await this.write(task);
      return task;
    });
  }

  private checkQuota(all: StoredTask[], database: string, table: string): void {
    const active = all.filter((t) => ACTIVE_TASK_STATUSES.includes(t.description.TaskStatus));
    if (active.length >= this.options.maxActive) {
      throw new TaskStoreError(
        'TASK_ACTIVE_LIMIT_STORE',
        `At most ${this.options.maxActive} batch load tasks can be active at once; ${active.length} are.`,
      );
    }
    const onTable = active.filter(
      (t) => t.description.TargetDatabaseName === database && t.description.TargetTableName === table,
    );
    if (onTable.length >= this.options.maxActivePerTable) {
      throw new TaskStoreError(
        'TASK_ACTIVE_LIMIT_TABLE',
        `At most ${this.options.maxActivePerTable} batch load tasks can be active on table ${database}.${table}; ${onTable.length} are.`,
      );
    }
  }

  private async readAll(): Promise<StoredTask[]> {
    const tasks: StoredTask[] = [];
    for (const name of await listNames(this.options.dir, FILE_SUFFIX)) {
      const taskId = name.slice(0, -FILE_SUFFIX.length);
      if (!TASK_ID.test(taskId)) continue;
      const file = this.file(taskId);
      const text = await readTextIfExists(file);
      if (text !== null) tasks.push(parseTask(text, taskId, file));
    }
    return tasks;
  }

  private file(taskId: string): string {
    return path.join(this.options.dir, `${taskId}${FILE_SUFFIX}`);
  }

  private async write(task: StoredTask): Promise<void> {
    const body = { format: FORMAT, ...task };
    await writeFileAtomic(this.file(task.description.TaskId), `${JSON.stringify(body, null, 2)}\n`);
  }

  /** Runs `work` after this store's earlier calls, holding the folder's lock against other processes. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const { dir, staleLockMs, lockTimeoutMs } = this.options;
    const locked = (): Promise<T> =>
      withFileLock(path.join(dir, LOCK_FILE), { staleMs: staleLockMs, timeoutMs: lockTimeoutMs }, work).catch(
        (error: unknown) => {
          if (!(error instanceof LockTimeoutError)) throw error;
          const by = error.holder === null ? '' : ` by process ${error.holder.pid} on ${error.holder.host}`;
          throw new TaskStoreError(
            'TASK_STORE_LOCKED',
            `The task store ${dir} is locked${by} (lock file ${error.file}) for more than ${lockTimeoutMs} ms; ` +
              'retry, or remove the lock file if that process is hung.',
            undefined,
            { cause: error },
          );
        },
      );
    const run = this.queue.then(locked, locked);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A task file's text as a task; a torn, empty or foreign file is TASK_FILE_CORRUPT naming the file (R-TASK-3). */
function parseTask(text: string, taskId: string, file: string): StoredTask {
  const damaged = (what: string, cause?: unknown): TaskStoreError =>
    new TaskStoreError(
      'TASK_FILE_CORRUPT',
      `The task file ${file} ${what}; move it out of the store or restore it from a backup.`,
      taskId,
      cause === undefined ? undefined : { cause },
    );
  if (text.trim() === '') throw damaged(`is empty (${Buffer.byteLength(text)} bytes): it was cut off`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw damaged(`is not valid JSON (${why}): it is torn or damaged`, error);
  }
  const t = (typeof json === 'object' && json !== null ? json : {}) as Partial<StoredTask> & {
    format?: unknown;
  };
  const d = t.description;
  if (
    t.format !== FORMAT ||
    typeof d !== 'object' ||
    d === null ||
    d.TaskId !== taskId ||
    !TASK_STATUSES.includes(d.TaskStatus)
  ) {
    throw damaged(`is JSON but not a task of this store (format ${FORMAT}, TaskId ${taskId})`);
  }
  const task: StoredTask = {
    description: d,
    clientTokenHash: t.clientTokenHash ?? null,
    sequence: typeof t.sequence === 'number' ? t.sequence : 0,
  };
  if (t.state !== undefined) task.state = t.state;
  return task;
}

interface Position {
  sequence: number;
  description: Pick<BatchLoadTaskDescription, 'TaskId'>;
}

/** Newest first by creation order, then by TaskId, so every task has one place in the listing. */
function newestFirst(a: Position, b: Position): number {
  if (a.sequence !== b.sequence) return b.sequence - a.sequence;
  const ia = a.description.TaskId;
  const ib = b.description.TaskId;
  return ia === ib ? 0 : ia < ib ? -1 : 1;
}

/** The NextToken is the position of the last task returned, opaque to callers (base64url JSON). */
function encodeToken(task: StoredTask): string {
  return Buffer.from(JSON.stringify({ s: task.sequence, i: task.description.TaskId }), 'utf8').toString(
    'base64url',
  );
}

function decodeToken(token: string): Position {
  try {
    const json = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s?: unknown; i?: unknown };
    if (typeof json.s === 'number' && typeof json.i === 'string') {
      return { sequence: json.s, description: { TaskId: json.i } };
    }
  } catch {
    // falls through to the error below
  }
  throw new TaskStoreError('TASK_INVALID_NEXT_TOKEN', 'The NextToken is not one this store returned.');
}
