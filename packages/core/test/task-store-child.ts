/**
 * A separate process working on a task store, for the concurrency tests of task-store-processes.test.ts (run with
 * tsx). argv[2] is JSON: {dir, op, count?, taskId?, tag?}. Prints one JSON line with what it did.
 *   create     creates `count` tasks; prints their TaskIds and sequences
 *   increment  `count` read-modify-write updates of one task: state.counts[tag] += 1, progress.RecordsProcessed += 1
 *   hold       takes the store's lock (an update that never finishes), prints "holding", and waits to be killed
 */
import { openTaskStore, type StoredTask } from '../src/index.js';
import { fleetTask } from './dry-run-fixtures.js';

interface Job {
  dir: string;
  op: 'create' | 'increment' | 'hold';
  count?: number;
  taskId?: string;
  tag?: string;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const store = await openTaskStore({ dir: job.dir, maxActive: 1000, maxActivePerTable: 1000 });
const count = job.count ?? 1;

if (job.op === 'create') {
  const made: { id: string; sequence: number }[] = [];
  for (let i = 0; i < count; i++) {
    const { task } = await store.create({ task: fleetTask() });
    made.push({ id: task.description.TaskId, sequence: task.sequence });
  }
  process.stdout.write(`${JSON.stringify(made)}\n`);
} else if (job.op === 'increment') {
  const tag = job.tag ?? String(process.pid);
  for (let i = 0; i < count; i++) {
    await store.update(job.taskId!, (task: StoredTask) => {
      const state = (task.state ?? {}) as { counts?: Record<string, number> };
      const counts = { ...state.counts, [tag]: (state.counts?.[tag] ?? 0) + 1 };
      const p = task.description.ProgressReport;
      return { state: { counts }, progress: { ...p, RecordsProcessed: p.RecordsProcessed + 1 } };
    });
  }
  process.stdout.write(`${JSON.stringify({ tag, done: count })}\n`);
} else {
  await store.update(job.taskId!, async () => {
    process.stdout.write('holding\n');
    // Keeps the process (and the lock) until the test kills it.
    await new Promise(() => setInterval(() => undefined, 1_000));
    return {};
  });
}
