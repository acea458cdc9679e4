/**
 * R-QLDB-2 over today's store: one journal log per ledger under `<data-dir>/journal/`, opened on first use. A ledger
 * is a database of the endpoint, named by its name and CreationTime, so a database created again after a delete
 * starts a new journal (and a new strand).
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { derivedId } from '../qldb/base62-id.js';
import { JournalLog } from './journal-log.js';

export class JournalLogs {
  private readonly open = new Map<string, Promise<JournalLog>>();
  /** What opening found and repaired (a torn last block), for the server's log. */
  readonly warnings: string[] = [];

  constructor(
    readonly dataDir: string,
    private readonly sync: boolean,
  ) {}

  /** The journal of a ledger, given its database's name and CreationTime (ISO). */
  of(database: string, creationTime: string): Promise<JournalLog> {
    const id = `${database}\0${creationTime}`;
    let log = this.open.get(id);
    if (log === undefined) {
      log = this.openLog(database, id);
      this.open.set(id, log);
      log.catch(() => this.open.delete(id));
    }
    return log;
  }

  /** [choice] One strand per ledger (R-QLDB-2), its id derived from the ledger, so it is the same after a restart. */
  strandIdOf(database: string, creationTime: string): string {
    return derivedId(`strand\0${database}\0${creationTime}`);
  }

  private async openLog(database: string, id: string): Promise<JournalLog> {
    const dir = path.join(this.dataDir, 'journal');
    await mkdir(dir, { recursive: true });
    const name = createHash('sha256').update(id).digest('hex').slice(0, 32);
    const { log, tornBytes } = await JournalLog.open(
      path.join(dir, `${name}.log`),
      this.strandIdOf(database, id.slice(database.length + 1)),
      this.sync,
    );
    if (tornBytes > 0)
      this.warnings.push(`journal of ${database}: cut off a torn last block (${tornBytes} bytes)`);
    return log;
  }

  async close(): Promise<void> {
    const logs = await Promise.allSettled([...this.open.values()]);
    for (const l of logs) if (l.status === 'fulfilled') await l.value.close();
    this.open.clear();
  }
}
