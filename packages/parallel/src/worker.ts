/** The worker thread of the parallel dry run: one range job in, its outcomes out (core's runRangeJob). */
import { rangeOutcomeBuffers, runRangeJob, type RangeJob } from '@tsbatch/core';
import { move, transferableSymbol, valueSymbol } from 'piscina';

import type { WorkerAnswer } from './parallel-dry-run.js';

/**
 * Errors lose their class and code crossing threads: they come back as data. An outcome's typed columns are moved,
 * not copied: the worker keeps no second copy waiting for its garbage collector.
 */
export default async function run(job: RangeJob): Promise<WorkerAnswer> {
  try {
    const outcome = await runRangeJob(job);
    const answer: WorkerAnswer = { ok: true, outcome };
    return move({
      [transferableSymbol]: rangeOutcomeBuffers(outcome),
      [valueSymbol]: answer,
    }) as unknown as WorkerAnswer;
  } catch (error) {
    const e = error as { name?: unknown; message?: unknown; code?: unknown };
    return {
      ok: false,
      name: typeof e.name === 'string' ? e.name : 'Error',
      message: typeof e.message === 'string' ? e.message : String(error),
      ...(typeof e.code === 'string' && { code: e.code }),
    };
  }
}
