/**
 * The piscina worker (R-ING-1): each thread holds one SDK client (its own keep-alive agent) and writes the batches
 * it is given, with the retries of R-ING-2. Answers are plain data; errors cross as `{code, message, details}`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { threadId, workerData } from 'node:worker_threads';
import type { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { encodedRecords, writeRecordsRequestText, type EncodedWriteRecords } from './common-attributes.js';
import { createClient, type ClientSettings, type StaticCredentials } from './connection.js';
import type { ResolvedRetryOptions } from './retry.js';
import { sendWriteRecordsText, usePrebuiltBodies } from './internal/prebuilt-body.js';
import { writeRecordParts, type BatchResult } from './internal/write-batch.js';

/** `workerData` of every worker of the pool. */
export interface WorkerInit {
  client: ClientSettings;
  retry: ResolvedRetryOptions;
  /** Int32Array over it: [0] turns 1 when the load stops (no new attempt, no more backoff). */
  stop: SharedArrayBuffer;
}

export interface WorkerTask {
  database: string;
  table: string;
  /**
   * The batch as JSON texts (`encodeWriteRecords`, made on the main thread): two strings cross the thread boundary
   * much faster than structured clone copies a hundred record objects, and they are the request body's very pieces.
   */
  batch: EncodedWriteRecords;
  /** Fresh credentials from the main thread's provider, when it has one. */
  credentials?: StaticCredentials;
}

const init = workerData as WorkerInit;
const stopFlag = new Int32Array(init.stop);
let credentials: StaticCredentials | null = init.client.credentials;
let client: TimestreamWriteClient | null = null;

function clientOf(task: WorkerTask): TimestreamWriteClient {
  if (client !== null) {
    if (task.credentials !== undefined) credentials = task.credentials;
    return client;
  }
  if (task.credentials !== undefined) {
    credentials = task.credentials;
    // The client asks for credentials through this function, so later tasks refresh them without a new client.
    client = createClient(init.client, () => Promise.resolve(credentials!));
  } else {
    client = createClient(init.client);
  }
  usePrebuiltBodies(client);
  return client;
}

const stopped = (): boolean => Atomics.load(stopFlag, 0) !== 0;

/** Waits in slices, so a stop ends the backoff within 50 ms. */
async function backoff(ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!stopped()) {
    const left = until - Date.now();
    if (left <= 0) return;
    await sleep(Math.min(left, 50));
  }
}

/** A batch's result, with the thread that wrote it. */
export type WorkerResult = BatchResult & { thread: number };

export default async function writeTask(task: WorkerTask): Promise<WorkerResult> {
  const c = clientOf(task);
  const { database, table, batch } = task;
  // Parts are runs of record positions: the whole batch, or halves of a refused call (R-ING-2).
  const positions = Array.from(batch.ends, (_, i) => i);
  const send = (part: readonly number[]): Promise<unknown> => {
    const records = encodedRecords(batch, part[0]!, part[part.length - 1]! + 1);
    return sendWriteRecordsText(
      c,
      database,
      table,
      writeRecordsRequestText(database, table, batch.common, records),
    );
  };
  const result = await writeRecordParts(send, positions, { retry: init.retry, stopped, sleep: backoff });
  return { ...result, thread: threadId };
}
