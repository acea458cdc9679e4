/**
 * The task store (R-TASK-1..3): batch-load tasks as JSON files in one folder, one file per task, each written
 * atomically (write-then-rename, R-TASK-3). Creates and updates run under a lock file of the folder, so several
 * processes (two `tasks` commands, a command and `tsbatch serve`) never lose an update or hand out a sequence
 * twice. A plain on-disk library with no HTTP: the local endpoint serves it and the `tasks`/`ingest` commands use it
 * directly. Every task is kept as the DescribeBatchLoadTask description (R-TASK-2) plus an opaque `state` owned by
 * whoever runs the task (a checkpoint, say).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { emptyProgressReport } from '../report/progress.js';
import { describeTask, type TaskStatus } from '../report/task-description.js';
import {
  decodeToken,
  encodeToken,
  FILE_SUFFIX,
  FORMAT,
  hashToken,
  newestFirst,
  parseTask,
  TASK_ID,
} from './task-file.js';
import {
  ACTIVE_TASK_STATUSES,
  resolveTaskStoreOptions,
  TaskStoreError,
  type CreateTaskInput,
  type ListTasksOptions,
  type ResolvedTaskStoreOptions,
  type StoredTask,
  type TaskPage,
  type TaskStore,
  type TaskStoreOptions,
  type TaskUpdate,
} from './task-store-types.js';
import {
  listNames,
  LockTimeoutError,
  processAlive,
  readTextIfExists,
  withFileLock,
  writeFileAtomic,
} from './task-store-files.js';

export { writeFileAtomic };
export * from './task-store-types.js';

/** R-TASK-1: the status arrows. A status may also be "updated" to itself (progress while IN_PROGRESS). */
const TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  CREATED: ['IN_PROGRESS', 'FAILED', 'PROGRESS_STOPPED'],
  IN_PROGRESS: ['SUCCEEDED', 'FAILED', 'PROGRESS_STOPPED'],
  PROGRESS_STOPPED: ['PENDING_RESUME'],
  PENDING_RESUME: ['IN_PROGRESS', 'FAILED', 'PROGRESS_STOPPED'],
  SUCCEEDED: [],
  FAILED: [],
};

/** R-TASK-3: the lock of creates and updates; a dot name, so never a task. */
const LOCK_FILE = '.tasks.lock';
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
