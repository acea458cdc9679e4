import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { openTaskStore, type TaskStore } from '@tsbatch/core';
import type { LocalServer } from '@tsbatch/local';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createIngestTask,
  ingestTaskState,
  recoverIngestTasks,
  runIngestTask,
  type IngestTaskState,
} from '../src/index.js';
import {
  createTable,
  CREDENTIALS,
  expectedOf,
  fleet,
  server,
  sorted,
  storedRecords,
  tempDir,
} from './helpers.js';

const servers: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(
  rows: number,
  log?: (line: string) => void,
): Promise<{
  store: TaskStore;
  srv: LocalServer;
  taskId: string;
  data: Awaited<ReturnType<typeof fleet>>;
  reportDir: string;
}> {
  const data = await fleet(rows, (i) =>
    i === 7
      ? `${1714521600 + i},Truck-x,TX,oops,1,1,1`
      : `${1714521600 + i},Truck-${i % 30},TX-${i % 7},${i}.5,1,2,${i}`,
  );
  const srv = await server(log === undefined ? {} : { log });
  servers.push(srv);
  await createTable(srv, data.task);
  const store = await openTaskStore({ dir: tempDir('tsbatch-store-') });
  const reportDir = tempDir('tsbatch-report-');
  const { task } = await createIngestTask(store, {
    task: data.task,
    location: { s3Root: data.s3Root },
    source: data.source,
    target: { endpoint: srv.url },
    table: null,
    reportDir,
  });
  return { store, srv, taskId: task.description.TaskId, data, reportDir };
}

/** The pid of a process that has ended. */
function deadPid(): number {
  return Number(
    execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }),
  );
}

describe('ingest tasks (R-TASK-1..3)', () => {
  it('runs CREATED -> IN_PROGRESS -> FAILED, with the ProgressReport and reports of the dry run (R-TASK-1, R-REP-2)', async () => {
    const { store, srv, taskId, data, reportDir } = await setup(300);
    const statuses: string[] = [];
    const { result, task } = await runIngestTask(store, taskId, {
      endpoint: srv.url,
      credentials: CREDENTIALS,
      threads: 1,
      onStart: (t) => statuses.push(t.description.TaskStatus),
    });
    const expected = await expectedOf(data.task, data.source, taskId);
    expect(statuses).toEqual(['IN_PROGRESS']);
    expect(task.description.TaskStatus).toBe('FAILED');
    expect(task.description.ProgressReport).toEqual(expected.result.progress);
    expect(result.errorReport).toEqual(expected.result.errorReport);
    expect(JSON.parse(readFileSync(path.join(reportDir, 'error-report.json'), 'utf8'))).toEqual(
      expected.result.errorReport,
    );
    const rejects = readFileSync(path.join(reportDir, 'rejects.jsonl'), 'utf8').trim().split('\n');
    expect(rejects.map((l) => (JSON.parse(l) as { line: number }).line)).toEqual([9]);
    expect(sorted(await storedRecords(srv, data.task))).toEqual(sorted(expected.records));
    expect(ingestTaskState(task)).toMatchObject({
      owner: null,
      checkpoint: [{ key: 'sample.csv', done: true }],
    });
    await expect(
      runIngestTask(store, taskId, { endpoint: srv.url, credentials: CREDENTIALS }),
    ).rejects.toMatchObject({
      code: 'INGEST_TASK_NOT_RUNNABLE',
    });
  });

  it('saves a checkpoint when stopped, shows PROGRESS_STOPPED, and resumes through PENDING_RESUME to the same end (R-TASK-1, R-ING-3)', async () => {
    const abort = new AbortController();
    let written = 0;
    // Stop after the tenth acknowledged call, in the middle of the load.
    const log = (line: string): void => {
      if (line.startsWith('WriteRecords 200') && ++written === 10) abort.abort(new Error('Ctrl-C'));
    };
    const { store, srv, taskId, data } = await setup(5_000, log);
    const first = await runIngestTask(store, taskId, {
      endpoint: srv.url,
      credentials: CREDENTIALS,
      threads: 1,
      checkpointIntervalMs: 0,
      signal: abort.signal,
    });
    expect(first.task.description.TaskStatus).toBe('PROGRESS_STOPPED');
    expect(first.task.description.ResumableUntil).toBeDefined();
    expect(first.task.description.ErrorMessage).toBe('The load was stopped: Ctrl-C');
    const checkpoint = ingestTaskState(first.task)!.checkpoint![0]!;
    expect(checkpoint.done).toBe(false);
    expect(checkpoint.line).toBeGreaterThanOrEqual(1_000);
    expect(first.task.description.ProgressReport.RecordsProcessed).toBe(checkpoint.line - 1);

    const second = await runIngestTask(store, taskId, { endpoint: srv.url, credentials: CREDENTIALS });
    const expected = await expectedOf(data.task, data.source, taskId);
    expect(second.task.description.TaskStatus).toBe('FAILED');
    expect(second.task.description.ProgressReport).toEqual(expected.result.progress);
    expect(sorted(await storedRecords(srv, data.task))).toEqual(sorted(expected.records));
  });

  it('shows a task left running by a process that died as PROGRESS_STOPPED, and resumes it (R-TASK-1)', async () => {
    const { store, srv, taskId, data } = await setup(200);
    const stored = await store.get(taskId);
    const state = ingestTaskState(stored)!;
    const crashed: IngestTaskState = {
      ...state,
      owner: { pid: deadPid(), host: (await import('node:os')).hostname() },
    };
    await store.update(taskId, { status: 'IN_PROGRESS', state: crashed });
    expect(await recoverIngestTasks(store)).toEqual([taskId]);
    const after = await store.get(taskId);
    expect(after.description.TaskStatus).toBe('PROGRESS_STOPPED');
    expect(after.description.ErrorMessage).toMatch(/ended without stopping it/);
    const { task } = await runIngestTask(store, taskId, { endpoint: srv.url, credentials: CREDENTIALS });
    expect(task.description.ProgressReport).toEqual(
      (await expectedOf(data.task, data.source)).result.progress,
    );
  });

  it('refuses a task that is running in a live process (R-TASK-1)', async () => {
    const { store, srv, taskId } = await setup(10);
    const state = ingestTaskState(await store.get(taskId))!;
    await store.update(taskId, {
      status: 'IN_PROGRESS',
      state: { ...state, owner: { pid: process.pid, host: (await import('node:os')).hostname() } },
    });
    await expect(
      runIngestTask(store, taskId, { endpoint: srv.url, credentials: CREDENTIALS }),
    ).rejects.toMatchObject({
      code: 'INGEST_TASK_RUNNING',
    });
    expect(await recoverIngestTasks(store)).toEqual([]);
  });

  it('refuses to resume when a source file changed since the checkpoint (R-ING-3)', async () => {
    const { store, srv, taskId, data } = await setup(50);
    await store.update(taskId, { status: 'PROGRESS_STOPPED' });
    const file = data.source.files[0]!.path;
    appendFileSync(file, '1714529999,Truck-z,TX,1,1,1,1\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    await expect(
      runIngestTask(store, taskId, { endpoint: srv.url, credentials: CREDENTIALS }),
    ).rejects.toMatchObject({
      code: 'INGEST_SOURCE_CHANGED',
    });
    expect((await store.get(taskId)).description.TaskStatus).toBe('PROGRESS_STOPPED');
  });
});
