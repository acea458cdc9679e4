/**
 * R-TASK-3: crash-safe files for the task store. A file is written to a temporary name beside it, flushed to disk,
 * then renamed over the old one, so a reader (or a restart after a crash) sees the old file or the new one, never a
 * torn mix. The folder is fsynced after the rename where the platform allows it, so the rename itself survives.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';

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
