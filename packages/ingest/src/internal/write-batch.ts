/**
 * One batch of at most 100 records written by one worker (R-ING-1, R-ING-2): the call is retried with jittered
 * exponential backoff while the failure is transient, up to the bound; a call answered by ValidationException is
 * split in halves until the refused records are alone; RejectedRecords come back by their index in the batch.
 * Pure logic over a `send` function, so tests drive it without threads or HTTP.
 */
import type { TimestreamRecord } from '@tsbatch/core';
import { writeRecordsBody, type WriteRecordsBody } from '../common-attributes.js';
import type { SerializedIngestError } from '../errors.js';
import type { TargetRejection } from '../rejections.js';
import { backoffDelay, classifyFailure, type ResolvedRetryOptions } from '../retry.js';

export type WriteRecordsInput = WriteRecordsBody & { DatabaseName: string; TableName: string };

/** Sends one WriteRecords call; resolves when the service stored every record, rejects with the SDK's error. */
export type SendWriteRecords = (input: WriteRecordsInput) => Promise<unknown>;

export interface BatchInput {
  database: string;
  table: string;
  records: TimestreamRecord[];
}

export interface BatchRejection {
  /** Index of the record in the batch. */
  index: number;
  rejection: TargetRejection;
}

/** What a worker answers for one batch; plain data (it crosses the thread boundary). */
export type BatchResult =
  | { ok: true; rejected: BatchRejection[]; calls: number; retries: number }
  | { ok: false; error: SerializedIngestError; calls: number; retries: number };

export interface BatchControl {
  retry: ResolvedRetryOptions;
  /** True once the load is stopping: no new attempt starts (R-TASK-1). */
  stopped(): boolean;
  /** Waits `ms`, or less when the load stops meanwhile. */
  sleep(ms: number): Promise<void>;
  random?: () => number;
}

export async function writeBatch(
  send: SendWriteRecords,
  input: BatchInput,
  control: BatchControl,
): Promise<BatchResult> {
  return writeRecordParts(
    (records) => send({ DatabaseName: input.database, TableName: input.table, ...writeRecordsBody(records) }),
    input.records,
    control,
  );
}

/**
 * `writeBatch` over records in any form (objects, or their JSON texts from a worker's task): `send` gets the batch,
 * or a part of it when a refused call is split, and builds the request itself.
 */
export async function writeRecordParts<T>(
  send: (records: readonly T[]) => Promise<unknown>,
  batch: readonly T[],
  control: BatchControl,
): Promise<BatchResult> {
  let calls = 0;
  let retries = 0;

  async function write(
    records: readonly T[],
    offset: number,
  ): Promise<BatchRejection[] | SerializedIngestError> {
    for (let attempt = 1; ; attempt++) {
      if (control.stopped()) {
        return { code: 'INGEST_STOPPED', message: 'The load stopped before this call was acknowledged.' };
      }
      calls++;
      try {
        await send(records);
        return [];
      } catch (error) {
        const kind = classifyFailure(error);
        if (kind === 'rejected') return rejectedOf(error, offset, records.length);
        if (kind === 'invalid') {
          if (records.length === 1) {
            return [{ index: offset, rejection: { reason: messageOf(error), invalid: true } }];
          }
          // R-ING-2: split the call to isolate the records the service refuses.
          const mid = Math.ceil(records.length / 2);
          const left = await write(records.slice(0, mid), offset);
          if (!Array.isArray(left)) return left;
          const right = await write(records.slice(mid), offset + mid);
          if (!Array.isArray(right)) return right;
          return [...left, ...right];
        }
        if (kind === 'fatal') return fatal(error);
        if (attempt >= control.retry.maxAttempts) {
          return {
            code: 'INGEST_RETRIES_EXHAUSTED',
            message: `WriteRecords failed ${attempt} times in a row (last: ${nameOf(error)}: ${messageOf(error)}); the load stops here and can be resumed.`,
            details: { attempts: attempt, error: nameOf(error), status: statusOf(error) },
          };
        }
        retries++;
        await control.sleep(backoffDelay(attempt, control.retry, control.random));
      }
    }
  }

  const outcome = await write(batch, 0);
  return Array.isArray(outcome)
    ? { ok: true, rejected: outcome, calls, retries }
    : { ok: false, error: outcome, calls, retries };
}

function rejectedOf(error: unknown, offset: number, count: number): BatchRejection[] {
  const list = (error as { RejectedRecords?: unknown }).RejectedRecords;
  const out: BatchRejection[] = [];
  if (!Array.isArray(list)) return out;
  for (const item of list as { RecordIndex?: unknown; Reason?: unknown; ExistingVersion?: unknown }[]) {
    const index = item.RecordIndex;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count) continue;
    const rejection: TargetRejection = {
      reason: typeof item.Reason === 'string' ? item.Reason : 'The record was rejected.',
    };
    if (typeof item.ExistingVersion === 'number') rejection.existingVersion = item.ExistingVersion;
    out.push({ index: offset + index, rejection });
  }
  return out;
}

function fatal(error: unknown): SerializedIngestError {
  const name = nameOf(error);
  const details = { error: name, status: statusOf(error) };
  if (name === 'ResourceNotFoundException') {
    return { code: 'INGEST_TABLE_NOT_FOUND', message: `WriteRecords: ${messageOf(error)}`, details };
  }
  return {
    code: 'INGEST_REQUEST_FAILED',
    message: `WriteRecords failed: ${name}: ${messageOf(error)}`,
    details,
  };
}

function nameOf(error: unknown): string {
  const e = error as { name?: unknown; code?: unknown };
  if (typeof e?.code === 'string' && (e.name === 'Error' || e.name === undefined)) return e.code;
  return typeof e?.name === 'string' ? e.name : 'Error';
}

function messageOf(error: unknown): string {
  const m = (error as { message?: unknown })?.message;
  return typeof m === 'string' && m !== '' ? m : String(error);
}

function statusOf(error: unknown): number | null {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } })?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : null;
}
