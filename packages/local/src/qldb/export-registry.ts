/**
 * R-QLDB-3: the journal exports of the endpoint and their status, kept across restarts in one small file of the data
 * folder (`qldb-exports.json`), replaced atomically (write-then-rename) on every change. Changes run one at a time,
 * so the "at most two IN_PROGRESS per ledger" check and the insert are one step, whatever the clients do at once.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@tsbatch/core';
import { LocalError } from '../errors.js';
import type { OutputFormat, S3ExportConfiguration } from './export-request.js';
import { QldbError } from './qldb-error.js';

/** R-QLDB-3: IN_PROGRESS exports a ledger may have at once (a third is LimitExceededException). */
export const EXPORTS_IN_PROGRESS_PER_LEDGER = 2;
export const EXPORT_STATE_FILE = 'qldb-exports.json';

export type ExportStatus = 'IN_PROGRESS' | 'COMPLETED' | 'CANCELLED';

/** An export as kept: the JournalS3ExportDescription (times as ISO) and what the runner needs. */
export interface ExportEntry {
  LedgerName: string;
  ExportId: string;
  ExportCreationTime: string;
  Status: ExportStatus;
  /** The start used: the request's, or the ledger's CreationTime when that was later (R-QLDB-3). */
  InclusiveStartTime: string;
  ExclusiveEndTime: string;
  S3ExportConfiguration: S3ExportConfiguration;
  RoleArn: string;
  OutputFormat: OutputFormat;
  outputFormatGiven: boolean;
  /** The CreationTime of the ledger exported (a database made again under the name is another ledger). */
  ledgerCreationTime: string;
  /** Why a CANCELLED export could not finish (also logged). */
  cancellationReason?: string;
}

interface StateFile {
  format: 1;
  exports: ExportEntry[];
}

export class ExportRegistry {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private entries: ExportEntry[],
  ) {}

  static async open(dataDir: string): Promise<ExportRegistry> {
    const file = path.join(dataDir, EXPORT_STATE_FILE);
    let text: string | null = null;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text === null) return new ExportRegistry(file, []);
    let json: Partial<StateFile> | null = null;
    try {
      json = JSON.parse(text) as Partial<StateFile>;
    } catch {
      // reported below
    }
    if (json?.format !== 1 || !Array.isArray(json.exports)) {
      throw new LocalError(
        'LOCAL_DATA_DIR_INVALID',
        `${file} is not a tsbatch journal-export state file (format 1).`,
      );
    }
    return new ExportRegistry(file, json.exports);
  }

  /** Every export, oldest first (then by id): the order of the List operations [choice]. */
  list(ledger?: string): ExportEntry[] {
    return this.entries
      .filter((e) => ledger === undefined || e.LedgerName === ledger)
      .sort((a, b) => compare(a.ExportCreationTime, b.ExportCreationTime) || compare(a.ExportId, b.ExportId));
  }

  get(ledger: string, exportId: string): ExportEntry | undefined {
    return this.entries.find((e) => e.LedgerName === ledger && e.ExportId === exportId);
  }

  inProgress(): ExportEntry[] {
    return this.entries.filter((e) => e.Status === 'IN_PROGRESS');
  }

  /** Adds an IN_PROGRESS export unless its ledger has EXPORTS_IN_PROGRESS_PER_LEDGER already (R-QLDB-3). */
  create(entry: ExportEntry): Promise<ExportEntry> {
    return this.change((entries) => {
      const running = entries.filter((e) => e.LedgerName === entry.LedgerName && e.Status === 'IN_PROGRESS');
      if (running.length >= EXPORTS_IN_PROGRESS_PER_LEDGER) {
        throw new QldbError(
          'LimitExceededException',
          `The ledger ${entry.LedgerName} already has ${running.length} journal exports IN_PROGRESS ` +
            `(${running.map((e) => e.ExportId).join(', ')}); at most ${EXPORTS_IN_PROGRESS_PER_LEDGER} run at once.`,
          { ResourceType: 'JournalS3Export' },
        );
      }
      entries.push(entry);
      return entry;
    });
  }

  /** Ends an export: COMPLETED, or CANCELLED with its reason. */
  finish(exportId: string, status: Exclude<ExportStatus, 'IN_PROGRESS'>, reason?: string): Promise<void> {
    return this.change((entries) => {
      const e = entries.find((x) => x.ExportId === exportId);
      if (e === undefined) return;
      e.Status = status;
      if (reason !== undefined) e.cancellationReason = reason;
    });
  }

  /** Resolves when every change asked for so far is on disk. */
  async settled(): Promise<void> {
    await this.queue.catch(() => undefined);
  }

  private change<T>(edit: (entries: ExportEntry[]) => T): Promise<T> {
    const run = this.queue.then(async () => {
      const next = structuredClone(this.entries);
      const result = edit(next);
      await writeFileAtomic(
        this.file,
        `${JSON.stringify({ format: 1, exports: next } satisfies StateFile, null, 1)}\n`,
      );
      this.entries = next;
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
