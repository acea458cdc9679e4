/**
 * R-LOCAL-3: the fsync of the store's WAL, off the event loop. SQLite commits with synchronous=NORMAL (the frames are
 * written, not synced); each committed group waits here for an fdatasync of the WAL file that started after its
 * COMMIT returned, run on libuv's thread pool while the event loop decides the next calls. One sync runs at a time;
 * groups committed meanwhile share the next one. The file is opened at the first sync and kept open until the store
 * closes (a file opened per sync cost the event loop an open and a close each time): while the store's connection
 * is open, SQLite never removes or replaces the WAL (it removes it only when the last connection closes, after
 * checkpointing and syncing the store file; a checkpoint restarts the same file). A failed sync reopens it.
 */
import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';

export interface SyncWaiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class WalSync {
  private running = false;
  private queued: SyncWaiter[] = [];
  /** Run once when the sync under way ends (the store's next COMMIT waits for it: group commit). */
  private idle: (() => void) | null = null;
  /** The WAL, open since the first sync (null: not yet, or reopened after a failure). */
  private fd: number | null = null;
  private closed = false;

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
    let error: unknown = null;
    try {
      const fd = this.walFd();
      if (fd !== null) fdatasyncSync(fd);
    } catch (e) {
      error = e;
      this.forget();
    }
    settle(batch, error);
  }

  /** Closes the WAL (the store is closing; a sync under way closes it when it ends). */
  close(): void {
    this.closed = true;
    if (!this.running) this.forget();
  }

  /** The open WAL, opened now if need be; null when there is no WAL file (nothing was ever written). */
  private walFd(): number | null {
    if (this.fd === null) {
      try {
        this.fd = openSync(this.path, 'r');
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    }
    return this.fd;
  }

  private forget(): void {
    const fd = this.fd;
    this.fd = null;
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // already unusable: the next sync opens the file again
      }
    }
  }

  /** fdatasync of the WAL on the thread pool: null when done (or when there is no WAL file), else the error. */
  private syncAsync(): Promise<unknown> {
    let fd: number | null;
    try {
      fd = this.walFd();
    } catch (error) {
      return Promise.resolve(error);
    }
    if (fd === null) return Promise.resolve(null);
    return new Promise((resolve) =>
      fdatasync(fd, (error) => {
        if (error !== null) this.forget();
        resolve(error);
      }),
    );
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.queued.length > 0) {
      const batch = this.queued;
      this.queued = [];
      settle(batch, await this.syncAsync());
      const idle = this.idle;
      this.idle = null;
      idle?.(); // may queue the waiters of the next COMMIT: the loop syncs them
    }
    this.running = false;
    if (this.closed) this.forget();
    const idle = this.idle;
    this.idle = null;
    idle?.();
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
