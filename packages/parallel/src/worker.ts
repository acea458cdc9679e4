/** The worker thread of the parallel dry run: one range job in, its outcomes out (core's runRangeJob). */
import { runRangeJob, type RangeJob } from '@tsbatch/core';

import type { WorkerAnswer } from './index.js';

/** Errors lose their class and code crossing threads: they come back as data. */
export default async function run(job: RangeJob): Promise<WorkerAnswer> {
  try {
    return { ok: true, outcome: await runRangeJob(job) };
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
