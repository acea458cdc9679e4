/**
 * The worker thread of one journal export (issue 20: an export never blocks WriteRecords on the same endpoint):
 * reading the journal (its own read-only SQLite connection, internal/journal-reader.ts), encoding the blocks and
 * writing the objects all happen here, off serve's event loop. The main thread keeps the exports' state and the
 * two-at-a-time rule (journal-exporter.ts); this thread posts progress, then one result. Errors cross the boundary
 * as `{code, message}` (STYLE rule 5: structured clone drops the class).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readJournalPages } from '../internal/journal-reader.js';
import { ExportWriteError, openBucket, type ExportBucket, type ExportBuckets } from './bucket-objects.js';
import { exportJournal, type ExportProgress } from './export-journal.js';
import type { ExportEntry } from './export-registry.js';

/** What a worker is started with. */
export interface ExportJob {
  entry: ExportEntry;
  /** The store's SQLite file (read-only here). */
  storeFile: string;
  /** The ledger's strand (its database's id). */
  strandId: string;
  /** Where the buckets are: folders under `--s3-root`, or an object store (S3). */
  buckets: ExportBuckets;
  maxObjectBytes: number;
}

/** Why an export failed: it cannot write its objects (CANCELLED with this message), or anything else. */
export type ExportFailureCode = 'EXPORT_WRITE' | 'EXPORT_FAILED';

export type ExportWorkerMessage =
  | { type: 'progress'; progress: ExportProgress }
  | { type: 'done'; progress: ExportProgress; keys: string[] }
  | { type: 'failed'; progress: ExportProgress; code: ExportFailureCode; message: string }
  | { type: 'stopped' };

/** What the main thread sends: stop now (the server closes; the export stays IN_PROGRESS). */
export interface ExportWorkerCommand {
  type: 'stop';
}

/** How often progress is posted. */
const PROGRESS_EVERY_MS = 250;

async function run(job: ExportJob): Promise<ExportWorkerMessage> {
  const abort = new AbortController();
  const onCommand = (m: ExportWorkerCommand): void => {
    if (m.type === 'stop') abort.abort();
  };
  parentPort!.on('message', onCommand);
  const progress: ExportProgress = { blocks: 0, revisions: 0, objects: 0 };
  const timer = setInterval(
    () => parentPort!.postMessage({ type: 'progress', progress } satisfies ExportWorkerMessage),
    PROGRESS_EVERY_MS,
  );
  let bucket: ExportBucket | null = null;
  try {
    const range = {
      start: new Date(job.entry.InclusiveStartTime),
      end: new Date(job.entry.ExclusiveEndTime),
    };
    bucket = await openBucket(job.buckets, job.entry.S3ExportConfiguration.Bucket);
    const keys = await exportJournal(job.entry, {
      pages: readJournalPages(job.storeFile, job.strandId, range, abort.signal),
      strandId: job.strandId,
      bucket,
      maxObjectBytes: job.maxObjectBytes,
      progress,
    });
    return { type: 'done', progress, keys };
  } catch (error) {
    if (abort.signal.aborted) return { type: 'stopped' };
    const code: ExportFailureCode = error instanceof ExportWriteError ? 'EXPORT_WRITE' : 'EXPORT_FAILED';
    return {
      type: 'failed',
      progress,
      code,
      message: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearInterval(timer);
    await bucket?.close();
    // Nothing left to wait for: the thread ends once the result is posted.
    parentPort!.off('message', onCommand);
  }
}

// Started as a worker (export-worker-thread.ts): run the job and post its result.
const job = (workerData as { job?: ExportJob } | null)?.job;
if (parentPort !== null && job !== undefined) {
  void run(job).then((result) => parentPort!.postMessage(result));
}
