/**
 * R-QLDB-3: runs journal exports in the background, IN_PROGRESS -> COMPLETED, or CANCELLED with the reason logged
 * (and kept) when the export cannot be written. An export cut short by the server closing (or a crash) stays
 * IN_PROGRESS in the state file and runs again from the start at the next start [choice]: its output depends only
 * on the journal of a range that had ended before it was asked for, so the objects come out the same.
 */
import type { ExportEntry, ExportRegistry } from './export-registry.js';
import { ExportWriteError } from './bucket-objects.js';
import { exportJournal, type ExportProgress } from './export-journal.js';
import type { JournalReader } from './journal-block.js';

export interface JournalExporterOptions {
  registry: ExportRegistry;
  reader: JournalReader;
  /** `--s3-root`: buckets are folders under it. */
  s3Root: string | null;
  maxObjectBytes: number;
  log: (line: string) => void;
}

export class JournalExporter {
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private readonly progress = new Map<string, ExportProgress>();
  private closing = false;

  constructor(readonly options: JournalExporterOptions) {}

  /** Blocks, revisions and objects written so far by a running (or finished, since the start) export. */
  progressOf(exportId: string): ExportProgress | undefined {
    return this.progress.get(exportId);
  }

  /** Runs again the exports left IN_PROGRESS by the last server. */
  recover(): void {
    for (const entry of this.options.registry.inProgress()) this.start(entry);
  }

  start(entry: ExportEntry): void {
    if (this.closing || this.running.has(entry.ExportId)) return;
    const abort = new AbortController();
    const progress: ExportProgress = { blocks: 0, revisions: 0, objects: 0 };
    this.progress.set(entry.ExportId, progress);
    const done = this.run(entry, progress, abort.signal)
      .catch((error: unknown) => this.options.log(`journal export ${entry.ExportId}: ${describe(error)}`))
      .finally(() => this.running.delete(entry.ExportId));
    this.running.set(entry.ExportId, { abort, done });
  }

  /** Stops the running exports (they stay IN_PROGRESS and run again at the next start) and waits for them. */
  async close(): Promise<void> {
    this.closing = true;
    const all = [...this.running.values()];
    for (const r of all) r.abort.abort();
    await Promise.all(all.map((r) => r.done));
    await this.options.registry.settled();
  }

  /** Resolves when no export is running (for tests and benches). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.done));
  }

  private async run(entry: ExportEntry, progress: ExportProgress, signal: AbortSignal): Promise<void> {
    const { registry, log, s3Root } = this.options;
    const what = `journal export ${entry.ExportId} of ${entry.LedgerName}`;
    try {
      if (s3Root === null) throw new ExportWriteError('The endpoint was started without --s3-root.');
      const keys = await exportJournal(entry, {
        reader: this.options.reader,
        s3Root,
        maxObjectBytes: this.options.maxObjectBytes,
        signal,
        progress,
      });
      await registry.finish(entry.ExportId, 'COMPLETED');
      log(
        `${what}: COMPLETED (${progress.blocks} blocks, ${progress.revisions} revisions, ${keys.length} objects)`,
      );
    } catch (error) {
      if (signal.aborted) {
        log(`${what}: stopped with the server; it runs again at the next start`);
        return;
      }
      const reason =
        error instanceof ExportWriteError ? error.message : `The export failed: ${describe(error)}`;
      await registry.finish(entry.ExportId, 'CANCELLED', reason);
      log(`${what}: CANCELLED: ${reason}`);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
