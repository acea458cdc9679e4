import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  openTaskStore,
  TaskStoreError,
  type TaskStoreErrorCode,
  type TaskStoreOptions,
} from '../../src/index.js';
import { fleetTask } from '../dry-run-fixtures.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'tsbatch-task-store-'));
}

/** A clock that moves only when told to. */
function manualClock(start = '2024-05-01T00:00:00.000Z'): { now: () => Date; advance(ms: number): void } {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (ms) => void (t += ms) };
}

async function storeWith(options: Partial<TaskStoreOptions> = {}) {
  const clock = manualClock();
  const store = await openTaskStore({ dir: tempDir(), clock: clock.now, ...options });
  return { store, clock };
}

async function codeOf(promise: Promise<unknown>): Promise<TaskStoreErrorCode | 'none'> {
  try {
    await promise;
    return 'none';
  } catch (error) {
    if (error instanceof TaskStoreError) return error.code;
    throw error;
  }
}

function otherTable(table: string) {
  const task = fleetTask();
  return fleetTask({ table, request: { ...task.request, TargetTableName: table } });
}

describe('task store (R-TASK-1..3)', () => {
  it('creates a CREATED task with a 32 upper-case hex TaskId and the full description (R-TASK-1, R-TASK-2)', async () => {
    const { store } = await storeWith();
    const { task, created } = await store.create({ task: fleetTask() });
    expect(created).toBe(true);
    expect(task.description.TaskId).toMatch(/^[0-9A-F]{32}$/);
    expect(task.description).toEqual({
      TaskId: task.description.TaskId,
      DataSourceConfiguration: fleetTask().request.DataSourceConfiguration,
      ProgressReport: {
        RecordsProcessed: 0,
        RecordsIngested: 0,
        ParseFailures: 0,
        RecordIngestionFailures: 0,
        FileFailures: 0,
        BytesMetered: 0,
      },
      ReportConfiguration: fleetTask().request.ReportConfiguration,
      DataModelConfiguration: {},
      TargetDatabaseName: 'BatchLoadExampleDatabase',
      TargetTableName: 'BatchLoadExampleTable',
      TaskStatus: 'CREATED',
      RecordVersion: 1,
      CreationTime: '2024-05-01T00:00:00.000Z',
      LastUpdatedTime: '2024-05-01T00:00:00.000Z',
    });
    expect(await store.get(task.description.TaskId)).toEqual(task);
  });

  it('keeps tasks on disk: a store reopened on the same folder reads them back (R-TASK-3)', async () => {
    const dir = tempDir();
    const first = await openTaskStore({ dir });
    const { task } = await first.create({ task: fleetTask(), state: { checkpoint: { 'a.csv': 12 } } });
    const second = await openTaskStore({ dir });
    expect(await second.get(task.description.TaskId)).toEqual(task);
    expect((await second.get(task.description.TaskId)).state).toEqual({ checkpoint: { 'a.csv': 12 } });
  });

  it('returns the existing task for a repeated ClientToken and never stores the token itself (R-TASK-2)', async () => {
    const { store } = await storeWith();
    const a = await store.create({ task: fleetTask(), clientToken: 'token-1' });
    const b = await store.create({ task: fleetTask(), clientToken: 'token-1' });
    const c = await store.create({ task: fleetTask(), clientToken: 'token-2' });
    expect(b).toEqual({ task: a.task, created: false });
    expect(c.created).toBe(true);
    expect(c.task.description.TaskId).not.toBe(a.task.description.TaskId);
    const text = readFileSync(path.join(store.options.dir, `${a.task.description.TaskId}.json`), 'utf8');
    expect(text).not.toContain('token-1');
  });

  it('moves along CREATED -> IN_PROGRESS -> SUCCEEDED and refuses other arrows (R-TASK-1)', async () => {
    const { store, clock } = await storeWith();
    const id = (await store.create({ task: fleetTask() })).task.description.TaskId;
    expect(await codeOf(store.update(id, { status: 'SUCCEEDED' }))).toBe('TASK_INVALID_TRANSITION');
    clock.advance(1000);
    const running = await store.update(id, { status: 'IN_PROGRESS' });
    expect(running.description.TaskStatus).toBe('IN_PROGRESS');
    expect(running.description.LastUpdatedTime).toBe('2024-05-01T00:00:01.000Z');
    const progress = {
      RecordsProcessed: 3,
      RecordsIngested: 3,
      ParseFailures: 0,
      RecordIngestionFailures: 0,
      FileFailures: 0,
      BytesMetered: 1024,
    };
    const done = await store.update(id, { status: 'SUCCEEDED', progress });
    expect(done.description.TaskStatus).toBe('SUCCEEDED');
    expect(done.description.ProgressReport).toEqual(progress);
    expect(await codeOf(store.update(id, { status: 'IN_PROGRESS' }))).toBe('TASK_INVALID_TRANSITION');
    expect(await codeOf(store.update(id, { status: 'PENDING_RESUME' }))).toBe('TASK_INVALID_TRANSITION');
  });

  it('makes a stopped task resumable for 7 days: PROGRESS_STOPPED -> PENDING_RESUME -> IN_PROGRESS (R-TASK-1)', async () => {
    const { store, clock } = await storeWith();
    const id = (await store.create({ task: fleetTask() })).task.description.TaskId;
    await store.update(id, { status: 'IN_PROGRESS' });
    const stopped = await store.update(id, { status: 'PROGRESS_STOPPED', errorMessage: 'stopped by SIGINT' });
    expect(stopped.description.ResumableUntil).toBe('2024-05-08T00:00:00.000Z');
    expect(stopped.description.ErrorMessage).toBe('stopped by SIGINT');
    expect(await codeOf(store.update(id, { status: 'IN_PROGRESS' }))).toBe('TASK_INVALID_TRANSITION');
    clock.advance(7 * 86_400_000 - 1);
    expect((await store.update(id, { status: 'PENDING_RESUME' })).description.TaskStatus).toBe(
      'PENDING_RESUME',
    );
    expect((await store.update(id, { status: 'IN_PROGRESS' })).description.TaskStatus).toBe('IN_PROGRESS');
  });

  it('refuses to resume a task past ResumableUntil (R-TASK-1)', async () => {
    const { store, clock } = await storeWith();
    const id = (await store.create({ task: fleetTask() })).task.description.TaskId;
    await store.update(id, { status: 'PROGRESS_STOPPED' });
    clock.advance(7 * 86_400_000);
    expect(await codeOf(store.update(id, { status: 'PENDING_RESUME' }))).toBe('TASK_RESUME_EXPIRED');
  });

  it('allows at most 5 active tasks per table and 10 per store (R-TASK-2)', async () => {
    const { store } = await storeWith();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await store.create({ task: fleetTask() })).task.description.TaskId);
    expect(await codeOf(store.create({ task: fleetTask() }))).toBe('TASK_ACTIVE_LIMIT_TABLE');
    for (let i = 0; i < 5; i++) await store.create({ task: otherTable(`table_${i}`) });
    expect(await codeOf(store.create({ task: otherTable('table_x') }))).toBe('TASK_ACTIVE_LIMIT_STORE');
    // A finished task is no longer active.
    await store.update(ids[0]!, { status: 'FAILED' });
    expect((await store.create({ task: fleetTask() })).created).toBe(true);
  });

  it('counts a resumed task against the quota again (R-TASK-2)', async () => {
    const { store } = await storeWith({ maxActivePerTable: 1 });
    const id = (await store.create({ task: fleetTask() })).task.description.TaskId;
    await store.update(id, { status: 'PROGRESS_STOPPED' });
    await store.create({ task: fleetTask() });
    expect(await codeOf(store.update(id, { status: 'PENDING_RESUME' }))).toBe('TASK_ACTIVE_LIMIT_TABLE');
  });

  it('lists newest first, filters by status and pages with an opaque NextToken (R-TASK-2)', async () => {
    const { store, clock } = await storeWith({ maxActive: 100, maxActivePerTable: 100 });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await store.create({ task: fleetTask() })).task.description.TaskId);
      clock.advance(1000);
    }
    await store.update(ids[1]!, { status: 'FAILED' });
    await store.update(ids[4]!, { status: 'FAILED' });
    const pages: string[][] = [];
    let nextToken: string | undefined;
    do {
      const page = await store.list({ maxResults: 3, ...(nextToken !== undefined && { nextToken }) });
      pages.push(page.tasks.map((t) => t.description.TaskId));
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    expect(pages).toEqual([ids.slice(4).reverse(), ids.slice(1, 4).reverse(), [ids[0]]]);
    const failed = await store.list({ status: 'FAILED' });
    expect(failed.tasks.map((t) => t.description.TaskId)).toEqual([ids[4], ids[1]]);
    expect(failed.nextToken).toBeUndefined();
  });

  it('lists tasks created within one clock tick in creation order (R-TASK-2)', async () => {
    const { store } = await storeWith();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await store.create({ task: fleetTask() })).task.description.TaskId);
    const first = await store.list({ maxResults: 3 });
    const second = await store.list({ maxResults: 3, nextToken: first.nextToken! });
    expect([...first.tasks, ...second.tasks].map((t) => t.description.TaskId)).toEqual([...ids].reverse());
    expect(first.tasks.map((t) => t.sequence)).toEqual([4, 3, 2]);
  });

  it('refuses a NextToken it did not issue and MaxResults outside 1-100 (R-TASK-2)', async () => {
    const { store } = await storeWith();
    expect(await codeOf(store.list({ nextToken: 'not a token' }))).toBe('TASK_INVALID_NEXT_TOKEN');
    expect(await codeOf(store.list({ maxResults: 0 }))).toBe('TASK_INVALID_MAX_RESULTS');
    expect(await codeOf(store.list({ maxResults: 101 }))).toBe('TASK_INVALID_MAX_RESULTS');
  });

  it('reports an unknown or malformed TaskId as not found, never touching other files', async () => {
    const { store } = await storeWith();
    expect(await store.find('0123456789ABCDEF0123456789ABCDEF')).toBeNull();
    expect(await store.find('../../etc/passwd')).toBeNull();
    expect(await codeOf(store.get('nope'))).toBe('TASK_NOT_FOUND');
  });

  it('writes atomically: no temporary file is left, and leftovers of a crash are cleared on open (R-TASK-3)', async () => {
    const dir = tempDir();
    const store = await openTaskStore({ dir });
    const id = (await store.create({ task: fleetTask() })).task.description.TaskId;
    await store.update(id, { status: 'IN_PROGRESS' });
    expect(readdirSync(dir)).toEqual([`${id}.json`]);
    // Above Linux's highest pid: no process can own it, so it is a crash's leftover.
    writeFileSync(path.join(dir, `.${id}.json.4194999.abcd.tmp`), '{"torn');
    await openTaskStore({ dir });
    expect(readdirSync(dir)).toEqual([`${id}.json`]);
  });

  it("leaves a live process's temporary file alone when another command opens the store (R-TASK-3)", async () => {
    const dir = tempDir();
    const store = await openTaskStore({ dir });
    const id = (await store.create({ task: fleetTask() })).task.description.TaskId;
    const inFlight = `.${id}.json.${process.pid}.beef.tmp`;
    writeFileSync(path.join(dir, inFlight), '{"half');
    await openTaskStore({ dir });
    expect(readdirSync(dir).sort()).toEqual([inFlight, `${id}.json`].sort());
  });

  it('reports a hand-damaged task file as TASK_FILE_CORRUPT', async () => {
    const dir = tempDir();
    const store = await openTaskStore({ dir });
    const id = (await store.create({ task: fleetTask() })).task.description.TaskId;
    writeFileSync(path.join(dir, `${id}.json`), '{"torn');
    expect(await codeOf(store.get(id))).toBe('TASK_FILE_CORRUPT');
  });

  it('keeps the quota under concurrent creates: never more than the limit succeed (R-TASK-2)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 12 }), async (n) => {
        const { store } = await storeWith();
        const results = await Promise.allSettled(
          Array.from({ length: n }, () => store.create({ task: fleetTask() })),
        );
        const ok = results.filter((r) => r.status === 'fulfilled').length;
        expect(ok).toBe(Math.min(n, 5));
      }),
      { ...fcOptions, numRuns: 8 },
    );
  });
});
