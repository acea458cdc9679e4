/**
 * R-QLDB-3: runs journal exports in the background, IN_PROGRESS -> COMPLETED, or CANCELLED with the reason logged
 * (and kept) when the export cannot be written. Each export runs on a worker thread of its own (export-worker.ts:
 * reading, encoding and writing off the event loop, so WriteRecords on the endpoint is never blocked by it); the
 * state, the two-at-a-time rule (export-registry.ts) and the progress stay here. An export cut short by the server
 * closing (or a crash) stays IN_PROGRESS in the state file and runs again from the start at the next start
 * [choice]: its output depends only on the journal of a range that had ended before it was asked for, so the
 * objects come out the same.
 */
import type { Worker } from 'node:worker_threads';
import type { ExportBuckets } from './bucket-objects.js';
import type { ExportEntry, ExportRegistry } from './export-registry.js';
import type { ExportProgress } from './export-journal.js';
import type { ExportJob, ExportWorkerCommand, ExportWorkerMessage } from './export-worker.js';
import { startExportWorker } from './export-worker-thread.js';
import type { JournalSource } from './journal-source.js';

/**
 * [choice] Export workers running at once, whatever the number of ledgers (each ledger has at most two exports
 * IN_PROGRESS): more wait their turn, still IN_PROGRESS, so threads and memory stay bounded.
 */
export const MAX_EXPORT_WORKERS = 4;
/** How long a stopped worker gets to remove its temporary file before it is terminated. */
const STOP_GRACE_MS = 10_000;

export interface JournalExporterOptions {
  registry: ExportRegistry;
  source: JournalSource;
  /** Where the buckets are: folders under `--s3-root`, or an object store (S3); null: none. */
  buckets: ExportBuckets | null;
  maxObjectBytes: number;
  log: (line: string) => void;
}

type ExportResult = Exclude<ExportWorkerMessage, { type: 'progress' }>;

interface Running {
  worker: Worker | null;
  done: Promise<void>;
}

export class JournalExporter {
  private readonly running = new Map<string, Running>();
  private readonly waiting: ExportEntry[] = [];
  private readonly progress = new Map<string, ExportProgress>();
  private workers = 0;
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
    if (this.closing || this.running.has(entry.ExportId) || this.waiting.includes(entry)) return;
    this.progress.set(entry.ExportId, { blocks: 0, revisions: 0, objects: 0 });
    this.waiting.push(entry);
    this.next();
  }

  /** Stops the running exports (they stay IN_PROGRESS and run again at the next start) and waits for them. */
  async close(): Promise<void> {
    this.closing = true;
    this.waiting.length = 0;
    const all = [...this.running.values()];
    for (const r of all) {
      const worker = r.worker;
      if (worker === null) continue;
      worker.postMessage({ type: 'stop' } satisfies ExportWorkerCommand);
      // A worker that does not stop within the grace period is ended (its export stays IN_PROGRESS).
      const timer = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
      void r.done.finally(() => clearTimeout(timer));
    }
    await Promise.all(all.map((r) => r.done));
    await this.options.registry.settled();
  }

  /** Resolves when no export is running or waiting (for tests and benches). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.done));
  }

  private next(): void {
    while (!this.closing && this.workers < MAX_EXPORT_WORKERS && this.waiting.length > 0) {
      const entry = this.waiting.shift()!;
      this.workers++;
      const running: Running = { worker: null, done: Promise.resolve() };
      running.done = this.run(entry, running)
        .catch((error: unknown) => this.options.log(`journal export ${entry.ExportId}: ${describe(error)}`))
        .finally(() => {
          this.running.delete(entry.ExportId);
          this.workers--;
          this.next();
        });
      this.running.set(entry.ExportId, running);
    }
  }

  private async run(entry: ExportEntry, running: Running): Promise<void> {
    const { registry, log, buckets, source } = this.options;
    const what = `journal export ${entry.ExportId} of ${entry.LedgerName}`;
    const cancel = async (reason: string): Promise<void> => {
      await registry.finish(entry.ExportId, 'CANCELLED', reason);
      log(`${what}: CANCELLED: ${reason}`);
    };
    if (buckets === null) return cancel('The endpoint was started without buckets to export to.');
    const ledger = source.ledger(entry.LedgerName);
    // A database made again under the name is another ledger: the one asked for is gone.
    if (ledger === undefined || ledger.creationTime.toISOString() !== entry.ledgerCreationTime) {
      return cancel(`The ledger ${entry.LedgerName} was deleted before the export could run.`);
    }
    const result = await this.inWorker(running, {
      entry,
      storeFile: source.storeFile,
      strandId: ledger.strandId,
      buckets,
      maxObjectBytes: this.options.maxObjectBytes,
    });
    const progress = this.progress.get(entry.ExportId)!;
    if (result.type !== 'stopped') Object.assign(progress, result.progress);
    switch (result.type) {
      case 'done':
        await registry.finish(entry.ExportId, 'COMPLETED');
        log(
          `${what}: COMPLETED (${progress.blocks} blocks, ${progress.revisions} revisions, ` +
            `${result.keys.length} objects)`,
        );
        return;
      case 'stopped':
        log(`${what}: stopped with the server; it runs again at the next start`);
        return;
      case 'failed':
        return cancel(
          result.code === 'EXPORT_WRITE' ? result.message : `The export failed: ${result.message}`,
        );
    }
  }

  /** Runs the job on a worker thread; its result, or a failure when the thread dies without one. */
  private inWorker(running: Running, job: ExportJob): Promise<ExportResult> {
    const worker = startExportWorker(job);
    running.worker = worker;
    const progress = this.progress.get(job.entry.ExportId)!;
    return new Promise((resolve) => {
      let result: ExportResult | null = null;
      worker.on('message', (m: ExportWorkerMessage) => {
        if (m.type === 'progress') Object.assign(progress, m.progress);
        else result = m;
      });
      worker.on('error', (error) => {
        result ??= { type: 'failed', progress, code: 'EXPORT_FAILED', message: describe(error) };
      });
      worker.on('exit', (code) => {
        // Terminated after the stop's grace period: it stays IN_PROGRESS, as a stopped export does.
        if (this.closing && result === null) result = { type: 'stopped' };
        resolve(
          result ?? {
            type: 'failed',
            progress,
            code: 'EXPORT_FAILED',
            message: `its worker thread ended (exit code ${code}) without a result`,
          },
        );
      });
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
