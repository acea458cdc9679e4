/**
 * R-SUBMIT-1: the managed batch-load service's calls (or `--endpoint-url`, e.g. `tsbatch serve`): create with a
 * ClientToken, describe until a final status, resume. Errors come back as AwsError SUBMIT_REQUEST_FAILED.
 */
import { createHash } from 'node:crypto';
import {
  CreateBatchLoadTaskCommand,
  DescribeBatchLoadTaskCommand,
  ListBatchLoadTasksCommand,
  ResumeBatchLoadTaskCommand,
  TimestreamWriteClient,
  type BatchLoadTask,
  type BatchLoadTaskDescription,
  type CreateBatchLoadTaskCommandInput,
} from '@aws-sdk/client-timestream-write';
import type { SourceFile } from '@tsbatch/core';

import { timestreamClientConfig, type AwsSettings } from '../aws-settings.js';
import { AwsError } from '../errors.js';

export type { BatchLoadTask, BatchLoadTaskDescription } from '@aws-sdk/client-timestream-write';

/** The statuses that count against the active-task quotas (R-SUBMIT-2; DG-LIMITS). */
export const ACTIVE_STATUSES = ['CREATED', 'IN_PROGRESS', 'PENDING_RESUME'] as const;

/** [choice] Polls in a row that may fail (a restarting endpoint) before polling gives up. */
export const MAX_POLL_FAILURES = 5;

/** Statuses after which nothing changes without a resume (R-SUBMIT-1). */
export const FINAL_STATUSES = new Set(['SUCCEEDED', 'FAILED', 'PROGRESS_STOPPED']);

/**
 * [choice] The ClientToken of a request that has none: a hash of the request and of the objects it reads (key,
 * size, ETag), so that submitting the same load again returns the task already made instead of a second one.
 */
export function clientTokenFor(request: object, files: readonly SourceFile[]): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(request));
  for (const file of files) hash.update(`\n${file.key}\t${file.size}\t${file.etag ?? ''}`);
  return `tsbatch-${hash.digest('hex').slice(0, 55)}`;
}

function failed(operation: string, error: unknown): AwsError {
  const e = error as { name?: string; message?: string };
  return new AwsError(
    e.name === 'ServiceQuotaExceededException' ? 'SUBMIT_QUOTA_EXCEEDED' : 'SUBMIT_REQUEST_FAILED',
    `${operation}: ${e.name ?? 'Error'}: ${e.message ?? String(error)}`,
    { cause: error },
  );
}

export class BatchLoadClient {
  private readonly client: TimestreamWriteClient;

  constructor(settings: AwsSettings) {
    this.client = new TimestreamWriteClient(timestreamClientConfig(settings));
  }

  async create(request: CreateBatchLoadTaskCommandInput, signal?: AbortSignal): Promise<string> {
    try {
      const out = await this.client.send(
        new CreateBatchLoadTaskCommand(request),
        signal === undefined ? {} : { abortSignal: signal },
      );
      return out.TaskId!;
    } catch (error) {
      throw failed('CreateBatchLoadTask', error);
    }
  }

  async describe(taskId: string, signal?: AbortSignal): Promise<BatchLoadTaskDescription> {
    try {
      const out = await this.client.send(
        new DescribeBatchLoadTaskCommand({ TaskId: taskId }),
        signal === undefined ? {} : { abortSignal: signal },
      );
      return out.BatchLoadTaskDescription!;
    } catch (error) {
      throw failed('DescribeBatchLoadTask', error);
    }
  }

  /**
   * Every task of the account (or endpoint) that counts against the active quotas, all pages, each once: one listing
   * per status, so a task that changes status between two of them (CREATED, then IN_PROGRESS) is seen twice and
   * counted once, as it is now.
   */
  async listActive(signal?: AbortSignal): Promise<BatchLoadTask[]> {
    const out = new Map<string, BatchLoadTask>();
    for (const status of ACTIVE_STATUSES) {
      let token: string | undefined;
      do {
        let page;
        try {
          page = await this.client.send(
            new ListBatchLoadTasksCommand({
              TaskStatus: status,
              MaxResults: 100,
              ...(token !== undefined && { NextToken: token }),
            }),
            signal === undefined ? {} : { abortSignal: signal },
          );
        } catch (error) {
          throw failed('ListBatchLoadTasks', error);
        }
        for (const task of page.BatchLoadTasks ?? []) {
          out.delete(task.TaskId!);
          out.set(task.TaskId!, task);
        }
        token = page.NextToken;
      } while (token !== undefined);
    }
    return [...out.values()];
  }

  async resume(taskId: string): Promise<void> {
    try {
      await this.client.send(new ResumeBatchLoadTaskCommand({ TaskId: taskId }));
    } catch (error) {
      throw failed('ResumeBatchLoadTask', error);
    }
  }

  /**
   * Describes the task every `intervalMs` until a final status; `onPoll` sees every answer. Resolves null when
   * `signal` aborts (Ctrl-C stops the polling, never the task).
   */
  async waitForFinal(
    taskId: string,
    options: { intervalMs: number; signal?: AbortSignal; onPoll?: (d: BatchLoadTaskDescription) => void },
  ): Promise<BatchLoadTaskDescription | null> {
    const { signal } = options;
    let failures = 0;
    for (;;) {
      if (aborted(signal)) return null;
      let description: BatchLoadTaskDescription;
      try {
        description = await this.describe(taskId, signal);
        failures = 0;
      } catch (error) {
        if (aborted(signal)) return null;
        // A few failed polls in a row (an endpoint restarting) are waited out; the task goes on meanwhile.
        if (++failures >= MAX_POLL_FAILURES) throw error;
        await sleep(options.intervalMs, signal);
        continue;
      }
      options.onPoll?.(description);
      if (FINAL_STATUSES.has(description.TaskStatus ?? '')) return description;
      await sleep(options.intervalMs, signal);
    }
  }

  close(): void {
    this.client.destroy();
  }
}

function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted ?? false;
}

/** Waits `ms`, or less when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
