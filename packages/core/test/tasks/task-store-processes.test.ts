import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openTaskStore, TaskStoreError } from '../../src/index.js';
import { fleetTask } from '../dry-run-fixtures.js';

// R-TASK-3: several processes on one store (two `tasks` commands, a command and `tsbatch serve`) never lose an
// update, never hand out a TaskId or a sequence twice, and a damaged file is reported with its path.
const CHILD = fileURLToPath(new URL('../task-store-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const LOCK = '.tasks.lock';

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'tsbatch-store-procs-'));
}

type Child = ChildProcess & { done: Promise<{ exit: number; stdout: string; stderr: string }> };

/** The child script in a process of its own (tsx, as `pnpm tsbatch` runs the CLI). */
function child(job: Record<string, unknown>): Child {
  const c = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(job)], {
    cwd: ROOT,
    // A child killed with SIGKILL must not leave a torn tsx cache behind for the next one.
    env: { ...process.env, TSX_DISABLE_CACHE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  c.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  c.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<{ exit: number; stdout: string; stderr: string }>((resolve) =>
    c.on('close', (code, signal) =>
      resolve({ exit: code ?? (signal === 'SIGKILL' ? 137 : 128), stdout, stderr }),
    ),
  );
  return Object.assign(c, { done });
}

async function codeAndMessage(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
    return { code: 'none', message: '' };
  } catch (error) {
    if (error instanceof TaskStoreError) return { code: error.code, message: error.message };
    throw error;
  }
}

describe('task store shared by processes (R-TASK-3)', () => {
  it('gives every task of 4 processes creating at once its own TaskId and sequence, 1..N without a gap', async () => {
    const dir = tempDir();
    const perProcess = 10;
    const runs = await Promise.all(
      Array.from({ length: 4 }, () => child({ dir, op: 'create', count: perProcess }).done),
    );
    for (const run of runs) expect(run.exit, run.stderr).toBe(0);
    const made = runs.flatMap((r) => JSON.parse(r.stdout) as { id: string; sequence: number }[]);
    expect(made).toHaveLength(4 * perProcess);
    expect(new Set(made.map((m) => m.id)).size).toBe(4 * perProcess);
    expect(made.map((m) => m.sequence).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 4 * perProcess }, (_, i) => i + 1),
    );
    const store = await openTaskStore({ dir, maxActive: 1000, maxActivePerTable: 1000 });
    const listed = await store.list();
    expect(listed.tasks.map((t) => t.sequence)).toEqual(
      Array.from({ length: 4 * perProcess }, (_, i) => 4 * perProcess - i),
    );
    // Neither the lock nor a temporary file is left behind.
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 60_000);

  it('loses no read-modify-write update when 4 processes update one task at once', async () => {
    const dir = tempDir();
    const store = await openTaskStore({ dir });
    const id = (await store.create({ task: fleetTask() })).task.description.TaskId;
    const perProcess = 15;
    const tags = ['a', 'b', 'c', 'd'];
    const runs = await Promise.all(
      tags.map((tag) => child({ dir, op: 'increment', count: perProcess, taskId: id, tag }).done),
    );
    for (const run of runs) expect(run.exit, run.stderr).toBe(0);
    const task = await store.get(id);
    expect(task.state).toEqual({ counts: { a: perProcess, b: perProcess, c: perProcess, d: perProcess } });
    expect(task.description.ProgressReport.RecordsProcessed).toBe(tags.length * perProcess);
  }, 60_000);

  it('breaks the lock of a process killed with SIGKILL while it held it', async () => {
    const dir = tempDir();
    const store = await openTaskStore({ dir });
    const id = (await store.create({ task: fleetTask() })).task.description.TaskId;
    const holder = child({ dir, op: 'hold', taskId: id });
    await new Promise<void>((resolve) => holder.stdout!.on('data', () => resolve()));
    const lock = JSON.parse(readFileSync(path.join(dir, LOCK), 'utf8')) as { pid: number };
    expect(lock.pid).toBe(holder.pid);
    // While it lives, the lock holds: a short wait times out naming the holder and the lock file.
    const waiting = await openTaskStore({ dir, lockTimeoutMs: 200 });
    const locked = await codeAndMessage(waiting.update(id, { status: 'IN_PROGRESS' }));
    expect(locked.code).toBe('TASK_STORE_LOCKED');
    expect(locked.message).toContain(`by process ${holder.pid}`);
    expect(locked.message).toContain(path.join(dir, LOCK));
    holder.kill('SIGKILL');
    expect((await holder.done).exit).toBe(137);
    const started = Date.now();
    const updated = await store.update(id, { status: 'IN_PROGRESS' });
    expect(updated.description.TaskStatus).toBe('IN_PROGRESS');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 60_000);

  it('breaks a lock older than staleLockMs even when its pid is alive (a hung or reused pid)', async () => {
    const dir = tempDir();
    const store = await openTaskStore({ dir, staleLockMs: 1_000, lockTimeoutMs: 5_000 });
    const id = (await store.create({ task: fleetTask() })).task.description.TaskId;
    const old = { pid: process.pid, host: os.hostname(), time: Date.now() - 60_000, nonce: 'old' };
    writeFileSync(path.join(dir, LOCK), JSON.stringify(old));
    expect((await store.update(id, { errorMessage: 'after a stale lock' })).description.ErrorMessage).toBe(
      'after a stale lock',
    );
    // A fresh lock of a live process is respected.
    writeFileSync(path.join(dir, LOCK), JSON.stringify({ ...old, time: Date.now(), nonce: 'fresh' }));
    const short = await openTaskStore({ dir, lockTimeoutMs: 150 });
    expect((await codeAndMessage(short.update(id, { errorMessage: 'x' }))).code).toBe('TASK_STORE_LOCKED');
    expect((await store.get(id)).description.ErrorMessage).toBe('after a stale lock');
  });
});

describe('damaged task files are reported with their path, never a crash (R-TASK-3)', () => {
  const damages: [string, (file: string) => void, RegExp][] = [
    ['zero bytes', (f) => writeFileSync(f, ''), /is empty \(0 bytes\)/],
    ['truncated JSON', (f) => truncateSync(f, 40), /is not valid JSON \(.+\): it is torn or damaged/],
    ['garbage bytes', (f) => writeFileSync(f, Buffer.from([0, 255, 13, 7])), /is not valid JSON/],
    ['JSON that is not a task', (f) => writeFileSync(f, 'null\n'), /is JSON but not a task of this store/],
  ];
  for (const [name, damage, reason] of damages) {
    it(`reports a task file with ${name} as TASK_FILE_CORRUPT naming the file, in get, list and create`, async () => {
      const dir = tempDir();
      const store = await openTaskStore({ dir });
      const id = (await store.create({ task: fleetTask() })).task.description.TaskId;
      const file = path.join(dir, `${id}.json`);
      damage(file);
      // One call at a time: calls started together would leave the later rejections unhandled while the first runs.
      const calls = [() => store.get(id), () => store.list(), () => store.create({ task: fleetTask() })];
      for (const call of calls) {
        const { code, message } = await codeAndMessage(call());
        expect(code).toBe('TASK_FILE_CORRUPT');
        expect(message).toContain(file);
        expect(message).toMatch(reason);
      }
    });
  }
});
