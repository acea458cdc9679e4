/**
 * One store per data folder: two servers appending to the same logs would corrupt them. The lock is a file holding
 * the owner's pid; a lock whose process is gone (a crash) is taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { LocalError } from '../errors.js';

const held = new Set<string>();

export interface DataDirLock {
  release(): Promise<void>;
}

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const file = path.join(dataDir, 'LOCK');
  if (held.has(file)) {
    throw new LocalError(
      'LOCAL_DATA_DIR_LOCKED',
      `The data folder ${dataDir} is already open in this process.`,
    );
  }
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new LocalError(
          'LOCAL_DATA_DIR_LOCKED',
          `The data folder ${dataDir} is in use by process ${pid} (remove ${file} if that process is not tsbatch).`,
        );
      }
      await rm(file, { force: true }); // left by a process that is gone
    }
  }
  held.add(file);
  return {
    async release(): Promise<void> {
      held.delete(file);
      await rm(file, { force: true });
    },
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
