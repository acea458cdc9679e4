/**
 * R-TASK-3: crash-safe files for the task store. A file is written to a temporary name beside it, flushed to disk,
 * then renamed over the old one, so a reader (or a restart after a crash) sees the old file or the new one, never a
 * torn mix. The folder is fsynced after the rename where the platform allows it, so the rename itself survives.
 */
import { randomBytes } from 'node:crypto';
import { link, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Writes `text` to `file` atomically (write-then-rename), creating nothing but the file and its temporary twin. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncFolder(path.dirname(file));
}

/** fsync of a folder, so that a rename in it is durable; a no-op where folders cannot be opened (Windows). */
export async function syncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch {
    // Not supported on this platform or file system: the rename is still atomic, only its durability is weaker.
  } finally {
    await handle?.close();
  }
}

/** The text of a file, or null when it does not exist. */
export async function readTextIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Names in a folder ending in `suffix` (no temporary files), or none when the folder does not exist. */
export async function listNames(folder: string, suffix: string): Promise<string[]> {
  try {
    const names = await readdir(folder);
    return names.filter((name) => name.endsWith(suffix) && !name.startsWith('.'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Who holds a lock file: written whole (link of a finished temporary file), so a reader never sees half of it. */
export interface LockHolder {
  pid: number;
  host: string;
  /** Date.now() when taken. */
  time: number;
  /** Tells two takings of one process apart. */
  nonce: string;
}

export interface FileLockOptions {
  /** A lock older than this is stale whoever holds it (a hung process, another machine). */
  staleMs: number;
  /** How long to wait for a live holder before giving up. */
  timeoutMs: number;
}

/** Why a lock could not be taken in time: the holder named, for the error message. */
export class LockTimeoutError extends Error {
  constructor(
    readonly file: string,
    readonly holder: LockHolder | null,
  ) {
    super(`lock ${file} is held${holder === null ? '' : ` by process ${holder.pid} on ${holder.host}`}`);
  }
}

/**
 * R-TASK-3: runs `work` holding an exclusive lock file, so that read-modify-write updates of several processes never
 * interleave. The lock is taken with link(2) of a complete temporary file (fails with EEXIST when held, atomic on
 * local and network file systems); a lock whose holder is a dead process of this machine, or older than
 * `staleMs`, is broken, under a second lock so that two processes breaking one stale lock cannot remove a fresh one.
 */
export async function withFileLock<T>(
  file: string,
  options: FileLockOptions,
  work: () => Promise<T>,
): Promise<T> {
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    time: 0,
    nonce: randomBytes(8).toString('hex'),
  };
  const deadline = Date.now() + options.timeoutMs;
  let wait = 1;
  for (;;) {
    me.time = Date.now();
    if (await tryLink(file, `${JSON.stringify(me)}\n`)) break;
    const seen = await readTextIfExists(file);
    if (seen === null) continue; // released meanwhile
    const holder = parseHolder(seen);
    if (await isStale(file, holder, options.staleMs)) {
      await breakLock(file, seen, options.staleMs);
      continue;
    }
    if (Date.now() >= deadline) throw new LockTimeoutError(file, holder);
    // Jittered, growing polls: holders keep the lock for one read-modify-write (milliseconds).
    await sleep(wait + Math.floor(Math.random() * wait));
    wait = Math.min(wait * 2, 25);
  }
  try {
    return await work();
  } finally {
    // Only our own lock is removed: a lock broken as stale and taken by another process stays.
    const now = await readTextIfExists(file).catch(() => null);
    if (now !== null && parseHolder(now)?.nonce === me.nonce) await rm(file, { force: true });
  }
}

/** Creates `file` with `text` unless it exists: the text is complete before the name appears. */
async function tryLink(file: string, text: string): Promise<boolean> {
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  await writeFile(temp, text, 'utf8');
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.time === 'number') {
      return { pid: h.pid, host: h.host, time: h.time, nonce: typeof h.nonce === 'string' ? h.nonce : '' };
    }
  } catch {
    // A lock file we did not write: judged by its age below.
  }
  return null;
}

async function isStale(file: string, holder: LockHolder | null, staleMs: number): Promise<boolean> {
  if (holder !== null && holder.host === hostname() && !processAlive(holder.pid)) return true;
  const since = holder?.time ?? (await stat(file).catch(() => null))?.mtimeMs;
  return since === undefined || Date.now() - since > staleMs;
}

/** Removes a stale lock if it is still the one judged stale (`seen`), under `<file>.break`. */
async function breakLock(file: string, seen: string, staleMs: number): Promise<void> {
  const breaker = `${file}.break`;
  if (!(await tryLink(breaker, `${JSON.stringify({ pid: process.pid, time: Date.now() })}\n`))) {
    // Another process is breaking it; a breaker left by a crash is cleared once old.
    const s = await stat(breaker).catch(() => null);
    if (s !== null && Date.now() - s.mtimeMs > staleMs) await rm(breaker, { force: true });
    else await sleep(2);
    return;
  }
  try {
    if ((await readTextIfExists(file)) === seen) await rm(file, { force: true });
  } finally {
    await rm(breaker, { force: true });
  }
}

/** Whether a process of this machine is running (signal 0 only checks). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
