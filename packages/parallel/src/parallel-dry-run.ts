/**
 * The dry run across cores (issue 6): core's dryRunInRanges with its range jobs run by a piscina pool of worker
 * threads. Files of a source are read in parallel, and so are byte ranges of one big file; the result is the
 * sequential dry run's, exactly (core/src/load/range-load.ts says how, and its tests prove it).
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

import {
  dryRun,
  dryRunInRanges,
  type DryRunOptions,
  type DryRunResult,
  type RangeJob,
  type RangeOutcome,
  rangeReadExtent,
  type ResolvedSource,
  type ResolvedTask,
  runRangeJob,
  type StagedBytes,
} from '@tsbatch/core';
import { Piscina } from 'piscina';

export interface ParallelDryRunOptions extends DryRunOptions {
  /**
   * Worker threads. 1 runs the sequential engine on this thread. @default os.availableParallelism()
   */
  workers?: number;
  /** Nominal bytes per range of a file. @default 4 MiB */
  rangeBytes?: number;
  /** Sources smaller than this run on this thread: starting workers would cost more. @default 16 MiB */
  minParallelBytes?: number;
  /**
   * Each worker's V8 heap limits in MiB (young and old generation). A range that needs more (one holding a great
   * many failures at once) is read again on this thread, whose heap is Node's default: same result, never an
   * out-of-memory crash.
   * @default WORKER_HEAP
   */
  workerHeap?: WorkerHeap;
  /**
   * Told of each range read on this thread instead of a worker: its worker ran out of heap, or the workers could
   * not start (the error's text). The result is the same; only the memory bound and the speed-up are lost.
   */
  onMainThreadRange?: (range: MainThreadRange) => void;
}

/** A range read on the main thread: its file's key, its nominal start, and why. */
export interface MainThreadRange {
  file: string;
  nominal: number;
  reason: string;
}

export interface WorkerHeap {
  youngMb: number;
  oldMb: number;
}

/**
 * [choice] Worker heap limits. Node's defaults let each worker's heap reach about 100 MiB (a 32 MiB young
 * generation, garbage piling in the old one until its first full collection) and the 2-worker dry run 400 MiB.
 * These keep the whole run under 300 MB for any file size (issue 6; `pnpm bench` measures it: 236 MiB at 1 GB,
 * 258 MiB at 5 GB, 2.8-3.1x bare csv-parse); what does not fit falls back to the main thread (parallelDryRun).
 */
export const WORKER_HEAP: WorkerHeap = { youngMb: 24, oldMb: 96 };

/** [choice] Below this much data one thread finishes before workers have started (about 0.1-0.3 s each). */
const MIN_PARALLEL_BYTES = 16 * 1024 * 1024;

/** What a worker answers: its outcome, or its error as data. */
export type WorkerAnswer =
  { ok: true; outcome: RangeOutcome } | { ok: false; name: string; message: string; code?: string };

/** Whether a run can go to workers, and if not why (the sequential engine then runs it). */
export function parallelSupport(
  options: ParallelDryRunOptions,
  source?: ResolvedSource,
): { ok: true } | { ok: false; reason: string } {
  if (source?.reader !== undefined && !source.reader.rereads)
    return { ok: false, reason: 'the source reader cannot read rows again for the duplicate check' };
  if (options.onRecords !== undefined)
    return { ok: false, reason: 'records are streamed out in order (onRecords)' };
  if (options.encoding !== undefined)
    return { ok: false, reason: `files are decoded as ${options.encoding}` };
  return { ok: true };
}

/** The default worker count: every core. */
export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * Runs the dry run of `dryRun` on `workers` threads. Falls back to the sequential dryRun for one worker, and for
 * what ranges cannot do (parallelSupport). Never throws for bad input, as dryRun.
 */
export async function parallelDryRun(
  task: ResolvedTask,
  source: ResolvedSource,
  options: ParallelDryRunOptions = {},
): Promise<DryRunResult> {
  const workers = options.workers ?? defaultWorkers();
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    throw new RangeError(`workers must be an integer from 1 to 256, got ${String(workers)}`);
  }
  const { workers: _w, rangeBytes, minParallelBytes, workerHeap, onMainThreadRange, ...rest } = options;
  if (
    workers === 1 ||
    !parallelSupport(options, source).ok ||
    source.totalBytes < (minParallelBytes ?? MIN_PARALLEL_BYTES)
  ) {
    return dryRun(task, source, rest);
  }
  const { filename, execArgv } = workerFile();
  const heap = workerHeap ?? WORKER_HEAP;
  const pool = new Piscina<RangeJob, WorkerAnswer>({
    filename,
    ...(execArgv !== undefined && { execArgv }),
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 10_000,
    resourceLimits: { maxYoungGenerationSizeMb: heap.youngMb, maxOldGenerationSizeMb: heap.oldMb },
  });
  // A worker that fails outside a job (it cannot start: a heap too small to load in, a missing module) would
  // leave the jobs waiting forever: the pool is closed and this thread reads every range left.
  let broken: string | null = null;
  pool.on('error', (error: unknown) => {
    broken ??= error instanceof Error ? error.message : String(error);
    void pool.destroy();
  });
  const onThisThread = (job: RangeJob, reason: string): Promise<RangeOutcome> => {
    onMainThreadRange?.({ file: job.file.key, nominal: job.nominal, reason });
    return runRangeJob(job, source.reader);
  };
  const signal = options.signal;
  const reader = source.reader;
  const run = async (queued: RangeJob): Promise<RangeOutcome> => {
    let job = queued;
    // R-S3-1: this thread brings the range's bytes in (a ranged GET into memory the threads share) while the workers
    // parse the ranges before it; the worker then reads them locally, with no request and no SDK of its own.
    let staged: StagedBytes | null = null;
    if (reader?.stage !== undefined) {
      const extent = rangeReadExtent(job);
      if (extent.end > extent.start) staged = await reader.stage(job.file, extent.start, extent.end, signal);
      if (staged !== null) job = { ...job, staged };
    }
    try {
      return await runStaged(job);
    } finally {
      // The range is read (or failed): what was staged for it may be let go.
      if (staged !== null) reader?.unstage?.(job.file, staged);
    }
  };
  const runStaged = async (job: RangeJob): Promise<RangeOutcome> => {
    if (broken !== null) return onThisThread(job, broken);
    let answer: WorkerAnswer;
    try {
      answer = await pool.run(job, signal === undefined ? {} : { signal });
    } catch (error) {
      // Its worker ran out of heap (piscina starts another), or the pool was closed: this thread reads the range.
      if ((error as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY')
        return onThisThread(job, (error as Error).message);
      if (broken !== null && !(signal?.aborted ?? false)) return onThisThread(job, broken);
      throw error;
    }
    if (answer.ok) return answer.outcome;
    const error = new Error(answer.message) as Error & { code?: string };
    error.name = answer.name;
    if (answer.code !== undefined) error.code = answer.code;
    throw error;
  };
  try {
    return await dryRunInRanges(task, source, run, {
      ...rest,
      ...(rangeBytes !== undefined && { rangeBytes }),
      // Two ranges per worker: one running, one queued, so no worker waits for the main thread.
      inFlight: workers * 2,
      // The workers' heaps are not needed to resolve and replay what the duplicate check spilled (R-DUP-1).
      onRangesRead: () => pool.destroy(),
    });
  } finally {
    await pool.destroy();
  }
}

/** The worker module next to this one: `.ts` through tsx when running from source, the compiled `.js` otherwise. */
function workerFile(): { filename: string; execArgv: string[] | undefined } {
  const here = import.meta.url;
  const fromSource = here.endsWith('.ts');
  const filename = fileURLToPath(new URL(fromSource ? './worker.ts' : './worker.js', here));
  // Not `includes('tsx')`: under pnpm, vitest's own paths contain "_tsx@".
  const hasTsx = process.execArgv.some((a) => a === 'tsx' || /[\\/]tsx[\\/]dist[\\/]loader\.mjs$/.test(a));
  if (!fromSource) return { filename, execArgv: undefined };
  const execArgv = [...process.execArgv];
  // From source the workspace packages resolve through their `source` export condition.
  if (!execArgv.some((a) => a === '--conditions=source' || a === '-C=source'))
    execArgv.push('--conditions=source');
  if (!hasTsx) execArgv.push('--import', 'tsx');
  return { filename, execArgv };
}
