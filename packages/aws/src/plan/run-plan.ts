/**
 * R-SUBMIT-2: running a plan against the service (or `--endpoint-url`): tasks are created in plan order while fewer
 * than 5 are active on the table and fewer than 10 in the account, counting every active task ListBatchLoadTasks
 * shows (others' too); a task that stops (PROGRESS_STOPPED) is resumed while it is resumable; the run ends when
 * every task is final, with one summed ProgressReport. Ctrl-C (the signal) stops the run, never the tasks.
 */
import { emptyProgressReport, type ProgressReport } from '@tsbatch/core';

import type { AwsSettings } from '../aws-settings.js';
import { isAwsError } from '../errors.js';
import {
  BatchLoadClient,
  MAX_POLL_FAILURES,
  sleep,
  type BatchLoadTaskDescription,
} from '../submit/batch-load-client.js';
import { PROGRESS_MEMBERS } from '../submit/compare-outcome.js';
import type { PlannedTask, TaskPlan } from './plan-tasks.js';

/** [choice] R-SUBMIT-2: the service's quotas (DG-LIMITS), 5 active tasks per table and 10 per account. */
export const ACTIVE_TASK_LIMITS = { perTable: 5, perAccount: 10 } as const;
/** [choice] Resumes of one task before the run leaves it stopped (a task that keeps stopping needs a person). */
export const DEFAULT_MAX_RESUMES = 3;

export type PlanEvent =
  | { type: 'staging'; task: PlannedTask }
  | { type: 'created'; task: PlannedTask; taskId: string }
  | { type: 'status'; task: PlannedTask; taskId: string; description: BatchLoadTaskDescription }
  | { type: 'resumed'; task: PlannedTask; taskId: string; resumes: number }
  | { type: 'waiting'; pending: number; activeOnTable: number; activeInAccount: number };

export interface RunPlanOptions {
  /** Between two rounds of DescribeBatchLoadTask. */
  intervalMs: number;
  signal?: AbortSignal;
  /** @default ACTIVE_TASK_LIMITS.perTable */
  maxActivePerTable?: number;
  /** @default ACTIVE_TASK_LIMITS.perAccount */
  maxActivePerAccount?: number;
  /** @default DEFAULT_MAX_RESUMES */
  maxResumes?: number;
  /** Called before a task is created (staging its copies). */
  beforeCreate?: (task: PlannedTask) => Promise<void>;
  onEvent?: (event: PlanEvent) => void;
}

export interface PlanRunTask {
  task: PlannedTask;
  taskId: string | null;
  description: BatchLoadTaskDescription | null;
  resumes: number;
}

export interface PlanOutcome {
  tasks: PlanRunTask[];
  /** The ProgressReports of the tasks, member by member summed. */
  progress: ProgressReport;
  /** PROGRESS_STOPPED when any task is left stopped, else FAILED when any failed; null: interrupted. */
  status: 'SUCCEEDED' | 'FAILED' | 'PROGRESS_STOPPED' | null;
}

/** Sums ProgressReports member by member (absent members count 0). */
export function sumProgress(
  reports: readonly ({ [K in keyof ProgressReport]?: number | undefined } | undefined)[],
): ProgressReport {
  const out = emptyProgressReport();
  for (const report of reports) for (const m of PROGRESS_MEMBERS) out[m] += report?.[m] ?? 0;
  return out;
}

function resumable(d: BatchLoadTaskDescription, now: number): boolean {
  return d.ResumableUntil === undefined || new Date(d.ResumableUntil).getTime() > now;
}

class PlanRun {
  readonly tasks: PlanRunTask[];
  private readonly client: BatchLoadClient;
  private failures = 0;

  constructor(
    private readonly plan: TaskPlan,
    settings: AwsSettings,
    private readonly options: RunPlanOptions,
  ) {
    this.tasks = plan.tasks.map((task) => ({ task, taskId: null, description: null, resumes: 0 }));
    this.client = new BatchLoadClient(settings);
  }

  private get maxResumes(): number {
    return this.options.maxResumes ?? DEFAULT_MAX_RESUMES;
  }

  /** Final for the run: SUCCEEDED, FAILED, or stopped with no resume left. */
  private done(t: PlanRunTask): boolean {
    const status = t.description?.TaskStatus;
    if (status === 'SUCCEEDED' || status === 'FAILED') return true;
    return (
      status === 'PROGRESS_STOPPED' &&
      (t.resumes >= this.maxResumes || !resumable(t.description!, Date.now()))
    );
  }

  async run(): Promise<PlanOutcome> {
    const { signal } = this.options;
    try {
      for (;;) {
        if (signal?.aborted === true) return this.outcome(null);
        if (!(await this.round())) continue;
        if (this.tasks.every((t) => t.taskId !== null && this.done(t))) return this.outcome(this.status());
        await sleep(this.options.intervalMs, signal);
      }
    } finally {
      this.client.close();
    }
  }

  /** One round: describe ours, then resume and create within the free slots. False: a poll failed, try again. */
  private async round(): Promise<boolean> {
    const { signal } = this.options;
    let active;
    try {
      for (const t of this.tasks) {
        if (t.taskId === null || this.done(t)) continue;
        t.description = await this.client.describe(t.taskId, signal);
        this.options.onEvent?.({
          type: 'status',
          task: t.task,
          taskId: t.taskId,
          description: t.description,
        });
      }
      active = await this.client.listActive(signal);
      this.failures = 0;
    } catch (error) {
      if (signal?.aborted === true) return true;
      if (++this.failures >= MAX_POLL_FAILURES) throw error;
      await sleep(this.options.intervalMs, signal);
      return false;
    }
    const { TargetDatabaseName: database, TargetTableName: table } = this.plan.tasks[0]!.request;
    const slots = {
      table: active.filter((a) => a.DatabaseName === database && a.TableName === table).length,
      account: active.length,
    };
    const free = (): boolean =>
      slots.table < (this.options.maxActivePerTable ?? ACTIVE_TASK_LIMITS.perTable) &&
      slots.account < (this.options.maxActivePerAccount ?? ACTIVE_TASK_LIMITS.perAccount);
    const take = (): void => {
      slots.table++;
      slots.account++;
    };
    for (const t of this.tasks) {
      if (t.description?.TaskStatus !== 'PROGRESS_STOPPED' || this.done(t) || !free()) continue;
      if (!(await this.quota(() => this.client.resume(t.taskId!)))) break;
      t.resumes++;
      t.description = { ...t.description, TaskStatus: 'PENDING_RESUME' };
      take();
      this.options.onEvent?.({ type: 'resumed', task: t.task, taskId: t.taskId!, resumes: t.resumes });
    }
    for (const t of this.tasks) {
      if (t.taskId !== null) continue;
      if (!free() || signal?.aborted === true) break;
      if (t.task.copies.length > 0) this.options.onEvent?.({ type: 'staging', task: t.task });
      await this.options.beforeCreate?.(t.task);
      let id: string | undefined;
      if (!(await this.quota(async () => void (id = await this.client.create(t.task.request, signal)))))
        break;
      t.taskId = id!;
      take();
      this.options.onEvent?.({ type: 'created', task: t.task, taskId: t.taskId });
    }
    const pending = this.tasks.filter((t) => t.taskId === null).length;
    if (pending > 0)
      this.options.onEvent?.({
        type: 'waiting',
        pending,
        activeOnTable: slots.table,
        activeInAccount: slots.account,
      });
    return true;
  }

  /** Runs a create or resume; false when the service answered that too many tasks are active (try next round). */
  private async quota(call: () => Promise<void>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (error) {
      if (isAwsError(error) && error.code === 'SUBMIT_QUOTA_EXCEEDED') return false;
      throw error;
    }
  }

  private status(): PlanOutcome['status'] {
    const statuses = this.tasks.map((t) => t.description?.TaskStatus);
    if (statuses.includes('PROGRESS_STOPPED')) return 'PROGRESS_STOPPED';
    return statuses.includes('FAILED') ? 'FAILED' : 'SUCCEEDED';
  }

  private outcome(status: PlanOutcome['status']): PlanOutcome {
    return {
      tasks: this.tasks,
      progress: sumProgress(this.tasks.map((t) => t.description?.ProgressReport)),
      status,
    };
  }
}

/** Runs the plan until every task is final (or the signal aborts: the tasks go on). */
export function runPlan(
  plan: TaskPlan,
  settings: AwsSettings,
  options: RunPlanOptions,
): Promise<PlanOutcome> {
  return new PlanRun(plan, settings, options).run();
}
