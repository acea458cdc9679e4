/**
 * R-LOCAL-3: the fsync of the store's WAL, off the event loop. SQLite commits with synchronous=NORMAL (the frames are
 * written, not synced); each committed group waits here for an fdatasync of the WAL file that started after its
 * COMMIT returned, run on libuv's thread pool while the event loop decides the next calls. One sync runs at a time;
 * groups committed meanwhile share the next one. The file is opened for each sync, so the sync always reaches the
 * WAL that is at the path now (SQLite removes it only when the last connection closes, after checkpointing and
 * syncing the store file: then there is nothing left to sync).
 */
import { fdatasyncSync, closeSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';

export interface SyncWaiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class WalSync {
  private running = false;
  private queued: SyncWaiter[] = [];
  /** Run once when the sync under way ends (the store's next COMMIT waits for it: group commit). */
  private idle: (() => void) | null = null;

  constructor(private readonly path: string) {}

  /** Answers `waiters` once everything written to the WAL so far is on disk. */
  afterWrite(waiters: readonly SyncWaiter[]): void {
    this.queued.push(...waiters);
    if (!this.running) void this.run();
  }

  /** A sync is under way on the thread pool. */
  get busy(): boolean {
    return this.running;
  }

  /**
   * Runs `fn` when the sync under way has ended and answered its waiters (at once when none runs). The store commits
   * there: calls decided meanwhile could not be answered before the next sync anyway, so they share its COMMIT.
   */
  whenIdle(fn: () => void): void {
    if (!this.running) fn();
    else this.idle = fn;
  }

  /** Syncs now, on this thread, and answers every waiter not yet in a running sync (closing, commitNow). */
  syncNow(): void {
    const batch = this.queued;
    this.queued = [];
    try {
      const fd = openSync(this.path, 'r');
      try {
        fdatasyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      if (!isMissing(error)) return settle(batch, error);
    }
    settle(batch, null);
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.queued.length > 0) {
      const batch = this.queued;
      this.queued = [];
      settle(batch, await syncFile(this.path));
      const idle = this.idle;
      this.idle = null;
      idle?.(); // may queue the waiters of the next COMMIT: the loop syncs them
    }
    this.running = false;
    const idle = this.idle;
    this.idle = null;
    idle?.();
  }
}

/** fdatasync of the file at `path`: null when done (or when there is no such file), else the error. */
async function syncFile(path: string): Promise<unknown> {
  try {
    const handle = await open(path, 'r');
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
    return null;
  } catch (error) {
    return isMissing(error) ? null : error;
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

function settle(waiters: readonly SyncWaiter[], error: unknown): void {
  for (const w of waiters) {
    if (error === null) w.resolve();
    else w.reject(error);
  }
}
