/**
 * The dry run across cores (issue 6): core's dryRunInRanges with its range jobs run by a piscina pool of worker
 * threads. Files of a source are read in parallel, and so are byte ranges of one big file; the result is the
 * sequential dry run's, exactly (core/src/range-load.ts says how, and its tests prove it).
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
  type ResolvedSource,
  type ResolvedTask,
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
}

/** [choice] Below this much data one thread finishes before workers have started (about 0.1-0.3 s each). */
const MIN_PARALLEL_BYTES = 16 * 1024 * 1024;

/** What a worker answers: its outcome, or its error as data. */
export type WorkerAnswer =
  { ok: true; outcome: RangeOutcome } | { ok: false; name: string; message: string; code?: string };

/** Whether a run can go to workers, and if not why (the sequential engine then runs it). */
export function parallelSupport(
  options: ParallelDryRunOptions,
): { ok: true } | { ok: false; reason: string } {
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
  const { workers: _w, rangeBytes, minParallelBytes, ...rest } = options;
  if (
    workers === 1 ||
    !parallelSupport(options).ok ||
    source.totalBytes < (minParallelBytes ?? MIN_PARALLEL_BYTES)
  ) {
    return dryRun(task, source, rest);
  }
  const { filename, execArgv } = workerFile();
  const pool = new Piscina<RangeJob, WorkerAnswer>({
    filename,
    ...(execArgv !== undefined && { execArgv }),
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 10_000,
  });
  const signal = options.signal;
  const run = async (job: RangeJob): Promise<RangeOutcome> => {
    const answer = await pool.run(job, signal === undefined ? {} : { signal });
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
