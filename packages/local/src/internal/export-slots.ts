/**
 * R-EXP-1: at most two exports run at once per table. The one place that counts them, for every path (the
 * server's route and `tsbatch export --data-dir` in another process): a slot is a lock file under
 * `<data-dir>/exports/`, created with its content in one step (write a private file, then `link` it, which fails
 * when the slot exists). A slot whose process is gone (a crash, kill -9) is free again, so nothing stays stuck.
 */
import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Exports of one table that may run at once (R-EXP-1). */
export const EXPORTS_PER_TABLE = 2;

export interface ExportSlot {
  release(): Promise<void>;
}

interface SlotOwner {
  pid: number;
  token: string;
}

/** Tokens of the slots this process holds or is taking (a slot with our pid and another token is stale). */
const held = new Set<string>();

/**
 * Takes a free slot of `database.table` in `dataDir`, or returns the pids holding every slot. [choice] Two exports
 * taking over the same dead process's slot at the same instant may both get it: only after a crash, and at worst
 * one export too many.
 */
export async function acquireExportSlot(
  dataDir: string,
  database: string,
  table: string,
  limit: number = EXPORTS_PER_TABLE,
): Promise<{ slot: ExportSlot } | { busy: number[] }> {
  const dir = path.join(dataDir, 'exports');
  await mkdir(dir, { recursive: true });
  // Names may be 256 bytes each: a hash keeps the file name short and safe.
  const key = createHash('sha256').update(`${database}\0${table}`).digest('hex').slice(0, 32);
  const token = randomBytes(8).toString('hex');
  const mine = path.join(dir, `${key}.${process.pid}.${token}.tmp`);
  held.add(token);
  let taken = false;
  try {
    await writeFile(mine, `${JSON.stringify({ pid: process.pid, token, database, table })}\n`);
    const busy: number[] = [];
    for (let i = 0; i < limit; i++) {
      const file = path.join(dir, `${key}.${i}.lock`);
      const owner = await take(mine, file);
      if (owner === null) {
        taken = true;
        return { slot: slotOf(file, token) };
      }
      busy.push(owner.pid);
    }
    return { busy };
  } finally {
    if (!taken) held.delete(token);
    await rm(mine, { force: true });
  }
}

/** Links `mine` as `file`: null when taken, else the live owner of the slot. */
async function take(mine: string, file: string): Promise<SlotOwner | null> {
  for (let attempt = 0; ; attempt++) {
    try {
      await link(mine, file);
      return null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await ownerOf(file);
    if (owner !== null && (attempt > 0 || isLive(owner))) return owner;
    if (attempt > 2) return { pid: 0, token: '' }; // something keeps writing unreadable slots: count it as busy
    await rm(file, { force: true }); // its process is gone
  }
}

async function ownerOf(file: string): Promise<SlotOwner | null> {
  try {
    const json = JSON.parse(await readFile(file, 'utf8')) as Partial<SlotOwner>;
    if (typeof json.pid === 'number' && typeof json.token === 'string')
      return { pid: json.pid, token: json.token };
  } catch {
    // gone meanwhile (released), or not ours: free either way
  }
  return null;
}

function isLive(owner: SlotOwner): boolean {
  if (owner.pid === process.pid) return held.has(owner.token);
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function slotOf(file: string, token: string): ExportSlot {
  let released = false;
  return {
    async release(): Promise<void> {
      if (released) return;
      released = true;
      // Only our own file: never another export's slot.
      if ((await ownerOf(file))?.token === token) await rm(file, { force: true });
      held.delete(token);
    },
  };
}
