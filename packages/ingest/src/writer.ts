/**
 * The WriteRecords writer (R-ING-1, R-ING-2): records in, batches of at most 100 out, written by a piscina pool of
 * worker threads that each hold their own SDK client. At most `threads × callsPerThread` calls are in flight; a full
 * batch waiting for room makes `add` return a promise (backpressure into whatever feeds it), so memory stays flat
 * however fast the records come. Every record gets exactly one answer: stored, rejected, or an IngestError.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { TimestreamRecord } from '@tsbatch/core';
import { encodeWriteRecords } from './common-attributes.js';
import { clientSettings, type ConnectionOptions, type StaticCredentials } from './connection.js';
import { IngestError, isIngestError } from './errors.js';
import type { TargetRejection } from './rejections.js';
import { resolveRetryOptions, type RetryOptions } from './retry.js';
import type { BatchResult } from './internal/write-batch.js';
import type { WorkerInit, WorkerResult, WorkerTask } from './worker.js';

export interface WriterOptions extends ConnectionOptions {
  database: string;
  table: string;
  /** Worker threads, each with its own SDK client. @default min(4, available parallelism) */
  threads?: number;
  /** WriteRecords calls in flight per thread. @default 8 */
  callsPerThread?: number;
  /** Records per call, 1-100 (the API's maximum). @default 100 */
  batchSize?: number;
  retry?: RetryOptions;
  /** After a stop, how long calls in flight may take to finish before they are abandoned. @default 10_000 */
  stopGraceMs?: number;
}

export interface ResolvedWriterOptions {
  database: string;
  table: string;
  threads: number;
  callsPerThread: number;
  batchSize: number;
  stopGraceMs: number;
}

/** The answer for one record: stored (null), refused by the service, or not written (the writer stopped). */
export type RecordOutcome = null | TargetRejection | IngestError;

export interface WriterStats {
  /** WriteRecords calls made, retries and split halves included. */
  calls: number;
  /** Attempts after a transient failure (R-ING-2). */
  retries: number;
  batches: number;
  recordsSent: number;
  /** Worker threads that answered at least one batch. */
  threads: number;
}

export interface WriteOptions {
  signal?: AbortSignal;
  /** A record the service refused, with its position in the iterable. */
  onRejected?: (record: TimestreamRecord, rejection: TargetRejection, index: number) => void;
}

export interface WriteSummary {
  records: number;
  stored: number;
  rejected: number;
  stats: WriterStats;
}

export interface Writer {
  readonly options: ResolvedWriterOptions;
  readonly stats: Readonly<WriterStats>;
  /** Why the writer stopped (stop() or a call that failed for good), or null while it runs. */
  readonly stopReason: IngestError | null;
  /**
   * Queues one record; `done` is called once with its outcome. A returned promise means the queue is full: wait for
   * it before adding more (adding anyway is safe, but nothing bounds the memory then).
   */
  add(record: TimestreamRecord, done: (outcome: RecordOutcome) => void): void | Promise<void>;
  /** Sends the partial batch now. */
  flush(): void | Promise<void>;
  /**
   * Stops: no new call, no further retry; queued records are answered with INGEST_STOPPED at once, calls in flight
   * finish within `stopGraceMs` or are abandoned (INGEST_ABANDONED).
   */
  stop(reason?: unknown): void;
  /** Resolves when no call is in flight and nothing is queued. */
  idle(): Promise<void>;
  /** Waits until idle, then ends the worker threads. */
  close(): Promise<void>;
  /**
   * Writes every record of an iterable (any order of tables is not supported: one writer, one table) and resolves
   * when all are answered; rejects with the IngestError that stopped the writer.
   */
  write(
    records: AsyncIterable<TimestreamRecord> | Iterable<TimestreamRecord>,
    options?: WriteOptions,
  ): Promise<WriteSummary>;
}

interface Batch {
  records: TimestreamRecord[];
  done: ((outcome: RecordOutcome) => void)[];
}

export function resolveWriterOptions(options: WriterOptions): ResolvedWriterOptions {
  const int = (name: string, value: number, min: number, max: number): number => {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new IngestError(
        'INGEST_INVALID_OPTION',
        `${name} must be an integer from ${min} to ${max}, got ${value}`,
        {
          option: name,
        },
      );
    }
    return value;
  };
  return {
    database: options.database,
    table: options.table,
    threads: int('threads', options.threads ?? Math.max(1, Math.min(4, availableParallelism())), 1, 64),
    callsPerThread: int('callsPerThread', options.callsPerThread ?? 8, 1, 256),
    batchSize: int('batchSize', options.batchSize ?? 100, 1, 100),
    stopGraceMs: int('stopGraceMs', options.stopGraceMs ?? 10_000, 0, 3_600_000),
  };
}

/** The worker module next to this one: `.ts` through tsx when running from source, the compiled `.js` otherwise. */
function workerFile(): { filename: string; execArgv: string[] | undefined } {
  const here = import.meta.url;
  const fromSource = here.endsWith('.ts');
  const filename = fileURLToPath(new URL(fromSource ? './worker.ts' : './worker.js', here));
  // Not `includes('tsx')`: under pnpm, vitest's own paths contain "_tsx@".
  const hasTsx = process.execArgv.some((a) => a === 'tsx' || /[\\/]tsx[\\/]dist[\\/]loader\.mjs$/.test(a));
  return { filename, execArgv: !fromSource || hasTsx ? undefined : [...process.execArgv, '--import', 'tsx'] };
}

export function createWriter(options: WriterOptions): Writer {
  const o = resolveWriterOptions(options);
  let settings;
  let retry;
  try {
    settings = clientSettings(options, o.callsPerThread);
    retry = resolveRetryOptions(options.retry);
  } catch (error) {
    throw new IngestError('INGEST_INVALID_OPTION', (error as Error).message);
  }
  const provider = typeof options.credentials === 'function' ? options.credentials : null;
  const stopBuffer = new SharedArrayBuffer(4);
  const stopFlag = new Int32Array(stopBuffer);
  const { filename, execArgv } = workerFile();
  const init: WorkerInit = { client: settings, retry, stop: stopBuffer };
  const pool = new Piscina<WorkerTask, WorkerResult>({
    filename,
    ...(execArgv !== undefined && { execArgv }),
    minThreads: o.threads,
    maxThreads: o.threads,
    concurrentTasksPerWorker: o.callsPerThread,
    idleTimeout: 60_000,
    workerData: init,
  });
  return new PoolWriter(o, pool, stopFlag, provider);
}

class PoolWriter implements Writer {
  readonly stats: WriterStats = { calls: 0, retries: 0, batches: 0, recordsSent: 0, threads: 0 };
  private readonly threadIds = new Set<number>();
  stopReason: IngestError | null = null;
  private current: Batch = { records: [], done: [] };
  private readonly ready: Batch[] = [];
  private inFlight = 0;
  private readonly maxInFlight: number;
  private roomWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private abandoned = false;
  private graceTimer: NodeJS.Timeout | null = null;
  private closed: Promise<void> | null = null;

  constructor(
    readonly options: ResolvedWriterOptions,
    private readonly pool: Piscina<WorkerTask, WorkerResult>,
    private readonly stopFlag: Int32Array,
    private readonly provider: (() => Promise<StaticCredentials>) | null,
  ) {
    this.maxInFlight = options.threads * options.callsPerThread;
  }

  add(record: TimestreamRecord, done: (outcome: RecordOutcome) => void): void | Promise<void> {
    if (this.stopReason !== null) return void done(this.stoppedError());
    const batch = this.current;
    batch.records.push(record);
    batch.done.push(done);
    if (batch.records.length < this.options.batchSize) return;
    this.ready.push(batch);
    this.current = { records: [], done: [] };
    return this.pump();
  }

  flush(): void | Promise<void> {
    if (this.current.records.length > 0 && this.stopReason === null) {
      this.ready.push(this.current);
      this.current = { records: [], done: [] };
    }
    return this.pump();
  }

  stop(reason?: unknown): void {
    if (this.stopReason !== null) return;
    this.stopReason = isIngestError(reason)
      ? reason
      : new IngestError('INGEST_STOPPED', stopMessage(reason), {}, { cause: reason });
    Atomics.store(this.stopFlag, 0, 1);
    const unsent = [...this.ready.splice(0), this.current];
    this.current = { records: [], done: [] };
    const error = this.stoppedError();
    for (const batch of unsent) for (const done of batch.done) done(error);
    this.wake();
    if (this.inFlight > 0) {
      this.graceTimer = setTimeout(() => {
        this.abandoned = true;
        void this.pool.destroy().catch(() => undefined);
      }, this.options.stopGraceMs);
      this.graceTimer.unref();
    }
  }

  idle(): Promise<void> {
    if (this.inFlight === 0 && this.ready.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      if (this.stopReason === null) await this.flush();
      await this.idle();
      if (this.graceTimer !== null) clearTimeout(this.graceTimer);
      await this.pool.destroy().catch(() => undefined);
    })();
    return this.closed;
  }

  async write(
    records: AsyncIterable<TimestreamRecord> | Iterable<TimestreamRecord>,
    options: WriteOptions = {},
  ): Promise<WriteSummary> {
    const { signal, onRejected } = options;
    let count = 0;
    let stored = 0;
    let rejected = 0;
    let failure: IngestError | null = null;
    const onAbort = (): void => this.stop(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal?.aborted === true) this.stop(signal.reason);
      for await (const record of records) {
        if (this.stopReason !== null) break;
        const index = count++;
        const wait = this.add(record, (outcome) => {
          if (outcome === null) stored++;
          else if (outcome instanceof IngestError) failure ??= outcome;
          else {
            rejected++;
            onRejected?.(record, outcome, index);
          }
        });
        if (wait !== undefined) await wait;
      }
      if (this.stopReason === null) await this.flush();
      await this.idle();
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    const stop = this.stopReason ?? failure;
    if (stop !== null) {
      throw new IngestError(stop.code, stop.message, {
        ...stop.details,
        records: count,
        unacknowledged: count - stored - rejected,
      });
    }
    return { records: count, stored, rejected, stats: { ...this.stats } };
  }

  /** Starts calls for full batches while there is room; resolves once nothing waits for room. */
  private pump(): void | Promise<void> {
    while (this.ready.length > 0 && this.inFlight < this.maxInFlight && this.stopReason === null) {
      this.dispatch(this.ready.shift()!);
    }
    if (this.ready.length === 0 || this.stopReason !== null) return;
    return new Promise<void>((resolve) => this.roomWaiters.push(resolve)).then(() => this.pump());
  }

  private dispatch(batch: Batch): void {
    this.inFlight++;
    this.stats.batches++;
    this.stats.recordsSent += batch.records.length;
    const task: WorkerTask = {
      database: this.options.database,
      table: this.options.table,
      batch: encodeWriteRecords(batch.records),
    };
    batch.records = []; // only the texts are needed from here on: the record objects can go

    const run = async (): Promise<WorkerResult> => {
      if (this.provider !== null) {
        try {
          task.credentials = await this.provider();
        } catch (error) {
          const message = `Could not get credentials: ${(error as Error)?.message ?? String(error)}`;
          return {
            ok: false,
            error: { code: 'INGEST_REQUEST_FAILED', message },
            calls: 0,
            retries: 0,
            thread: -1,
          };
        }
      }
      return this.pool.run(task);
    };
    run().then(
      (result) => this.finish(batch, result),
      (error: unknown) =>
        this.finish(batch, {
          ok: false,
          error: this.abandoned
            ? {
                code: 'INGEST_ABANDONED',
                message: 'The call was abandoned when the stop grace period ran out.',
              }
            : {
                code: 'INGEST_WORKER_FAILED',
                message: `A worker thread failed: ${(error as Error)?.message ?? String(error)}`,
              },
          calls: 0,
          retries: 0,
        }),
    );
  }

  private finish(batch: Batch, result: BatchResult & { thread?: number }): void {
    this.inFlight--;
    if (result.thread !== undefined && result.thread >= 0 && !this.threadIds.has(result.thread)) {
      this.threadIds.add(result.thread);
      this.stats.threads = this.threadIds.size;
    }
    this.stats.calls += result.calls;
    this.stats.retries += result.retries;
    if (result.ok) {
      const refused = new Map<number, TargetRejection>();
      for (const r of result.rejected) refused.set(r.index, r.rejection);
      batch.done.forEach((done, i) => done(refused.get(i) ?? null));
    } else {
      const error = IngestError.from(result.error);
      // A call that failed for good stops the writer: nothing after it may be written out of order (R-ING-2).
      if (error.code !== 'INGEST_STOPPED' && error.code !== 'INGEST_ABANDONED') this.stop(error);
      for (const done of batch.done) done(error);
    }
    this.wake();
  }

  private wake(): void {
    const room = this.roomWaiters;
    this.roomWaiters = [];
    for (const resolve of room) resolve();
    if (this.inFlight === 0 && (this.ready.length === 0 || this.stopReason !== null)) {
      const idle = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of idle) resolve();
    }
  }

  private stoppedError(): IngestError {
    const reason = this.stopReason;
    return new IngestError('INGEST_STOPPED', 'The load stopped before this record was sent.', {
      ...(reason !== null && { cause: reason.code }),
    });
  }
}

function stopMessage(reason: unknown): string {
  if (reason instanceof Error && reason.message !== '') return `The load was stopped: ${reason.message}`;
  return 'The load was stopped.';
}
