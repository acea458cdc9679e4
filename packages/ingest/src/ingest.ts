/**
 * `ingest`: a batch-load task run for real through WriteRecords (R-ING-1..4), by the same engine as the dry run
 * (core's runDeferredLoad), so the records written are the records the dry run predicts. Without a table given,
 * the table is described first so that the time window is checked before sending, as the dry run does (R-WIN-1).
 */
import {
  describeTask,
  dryRunTaskId,
  emptyProgressReport,
  runDeferredLoad,
  type DryRunProgress,
  type DuplicateCheckOptions,
  type ErrorReport,
  type FailureSummary,
  type LoadPosition,
  type ProgressReport,
  type RejectEntry,
  type ResolvedSource,
  type ResolvedTask,
  type TableRetention,
  type BatchLoadTaskDescription,
} from '@tsbatch/core';
import { IngestError, isIngestError, stopCause, type SerializedIngestError } from './errors.js';
import {
  createIngestSink,
  type AcknowledgedPosition,
  type RecordedRejection,
} from './internal/ingest-sink.js';
import { describeTargetTable } from './target.js';
import type { IngestWarning } from './warnings.js';
import { createWriter, type WriterOptions, type WriterStats } from './writer.js';

export type { RecordedRejection };

/** R-ING-3: how far one file is acknowledged. */
export interface FileCheckpoint {
  /** The file's key (its name in reports). */
  key: string;
  /** Every row starting at or before this line is acknowledged (0: none). */
  line: number;
  /** Every row of the file is acknowledged. */
  done: boolean;
}

export interface IngestCheckpoint {
  /** One entry per source file, in key order. */
  files: FileCheckpoint[];
  /** The ProgressReport of the acknowledged rows. */
  progress: ProgressReport;
}

export interface IngestResume {
  /** Where the stopped run got to. */
  files: readonly FileCheckpoint[];
  /** The refusals it recorded for acknowledged rows (onTargetRejection). */
  rejections: readonly RecordedRejection[];
}

export interface IngestProgress extends DryRunProgress {
  stats: Readonly<WriterStats>;
}

export interface IngestOptions extends Omit<WriterOptions, 'database' | 'table'> {
  /**
   * The table's retention for the time window checked before sending (R-WIN-1), null to leave it to the service.
   * @default described with DescribeTable (null when that is not allowed)
   */
  table?: TableRetention | null;
  /** "Now" of the time window. @default the current time */
  now?: Date;
  /** The TaskId in reports. @default a hash of the task and its files */
  taskId?: string;
  /** iconv-lite encoding of the files (R-CSV-2 engine extension). */
  encoding?: string;
  signal?: AbortSignal;
  onProgress?: (progress: IngestProgress) => void;
  /** Every failed row and file, in input order (R-REP-3). A returned promise is awaited. */
  onReject?: (entry: RejectEntry) => void | Promise<void>;
  /** Called as rows are acknowledged, in input order: save it to resume later (R-ING-3). */
  onCheckpoint?: (checkpoint: IngestCheckpoint) => void;
  /** A record the service refused: keep it with the checkpoint, a resume counts it again without sending. */
  onTargetRejection?: (rejection: RecordedRejection) => void;
  /** Continue a stopped load: acknowledged rows are counted again but not sent (R-ING-3). */
  resume?: IngestResume;
  /**
   * Distinct record keys the within-load duplicate check (R-DUP-1) holds in memory; past it the rest of the source
   * is read once more for its keys, which go to temporary files. @default 1_000_000
   */
  maxDuplicateKeys?: number;
  /** Folder for those temporary files. @default os.tmpdir() */
  tempDir?: string;
  /** Told when the duplicate check starts and ends using the disk. */
  onDuplicateSpill?: DuplicateCheckOptions['onDuplicateSpill'];
  /** Rows read ahead of the oldest unanswered one. @default 50_000 */
  maxPendingRows?: number;
}

export interface IngestResult {
  taskId: string;
  /** PROGRESS_STOPPED: stopped by the signal or a persistent write failure; resume from `checkpoint` (R-TASK-1). */
  status: 'SUCCEEDED' | 'FAILED' | 'PROGRESS_STOPPED';
  progress: ProgressReport;
  /** The service's error report (R-REP-2) of a finished load; null when nothing failed or the load stopped. */
  errorReport: ErrorReport | null;
  description: BatchLoadTaskDescription;
  failures: FailureSummary[];
  warnings: IngestWarning[];
  window: { from: string; to: string } | null;
  /** Why the load stopped, for PROGRESS_STOPPED. */
  stopped: SerializedIngestError | null;
  checkpoint: IngestCheckpoint;
  stats: WriterStats;
}

/**
 * Writes every row of `source` as `task` maps it, through WriteRecords from worker threads. Bad rows and refused
 * records are counted and reported, never thrown; a stop (signal, persistent failure) resolves with status
 * PROGRESS_STOPPED and a checkpoint. Throws IngestError for options or a missing table, before writing anything.
 */
export async function ingest(
  task: ResolvedTask,
  source: ResolvedSource,
  options: IngestOptions = {},
): Promise<IngestResult> {
  const started = options.now ?? new Date();
  const warnings: IngestWarning[] = [];
  let table: TableRetention | null;
  if (options.table !== undefined) {
    table = options.table;
  } else {
    const described = await describeTargetTable({ ...options, database: task.database, table: task.table });
    table = described.retention;
    warnings.push(...described.warnings);
  }

  const fileIndex = new Map(source.files.map((f, i) => [f.key, i] as const));
  const acknowledged =
    options.resume === undefined ? null : acknowledgedPosition(options.resume.files, fileIndex);
  const writer = createWriter({ ...options, database: task.database, table: task.table });
  const sink = createIngestSink(writer, {
    fileIndex,
    acknowledged,
    recorded: options.resume?.rejections ?? [],
    ...(options.onTargetRejection !== undefined && { onRejection: options.onTargetRejection }),
  });

  let checkpoint: IngestCheckpoint = {
    files: source.files.map((f) => ({ key: f.key, line: 0, done: false })),
    progress: emptyProgressReport(),
  };
  const { onCheckpoint, onProgress } = options;
  const onSettled = (position: LoadPosition): void => {
    checkpoint = checkpointAt(source, fileIndex, position);
    onCheckpoint?.(checkpoint);
  };

  try {
    const result = await runDeferredLoad(task, source, sink, {
      ...(table !== null && { table }),
      now: started,
      ...(options.taskId !== undefined && { taskId: options.taskId }),
      ...(options.encoding !== undefined && { encoding: options.encoding }),
      ...(options.signal !== undefined && { signal: options.signal }),
      ...(options.onReject !== undefined && { onReject: options.onReject }),
      ...(options.maxPendingRows !== undefined && { maxPendingRows: options.maxPendingRows }),
      ...(options.maxDuplicateKeys !== undefined && { maxDuplicateKeys: options.maxDuplicateKeys }),
      ...(options.tempDir !== undefined && { tempDir: options.tempDir }),
      ...(options.onDuplicateSpill !== undefined && { onDuplicateSpill: options.onDuplicateSpill }),
      ...(onProgress !== undefined && {
        onProgress: (p: DryRunProgress) => onProgress({ ...p, stats: writer.stats }),
      }),
      onSettled,
    });
    checkpoint = {
      files: source.files.map((f) => ({ key: f.key, line: Number.MAX_SAFE_INTEGER, done: true })),
      progress: { ...result.progress },
    };
    await writer.close();
    return {
      ...result,
      warnings: [
        ...warnings,
        ...result.warnings.map((w) => (w.code === 'TIME_WINDOW_NOT_CHECKED' ? UNCHECKED_WINDOW : w)),
      ],
      stopped: null,
      checkpoint,
      stats: { ...writer.stats },
    };
  } catch (caught) {
    const error = stopCause(caught);
    writer.stop(error);
    await writer.close();
    const cause = writer.stopReason ?? error;
    if (!isIngestError(cause)) throw cause;
    const progress = { ...checkpoint.progress };
    const taskId = options.taskId ?? dryRunTaskId(task.request, source);
    return {
      taskId,
      status: 'PROGRESS_STOPPED',
      progress,
      errorReport: null,
      description: describeTask(task, {
        taskId,
        status: 'PROGRESS_STOPPED',
        progress,
        creationTime: started,
        lastUpdatedTime: new Date(),
        errorMessage: cause.message,
      }),
      failures: [],
      warnings,
      window: null,
      stopped: cause.toJSON(),
      checkpoint,
      stats: { ...writer.stats },
    };
  }
}

const UNCHECKED_WINDOW: IngestWarning = {
  code: 'TIME_WINDOW_NOT_CHECKED',
  message:
    'Time window not checked before sending (table retention unknown): the service checked it, and its refusals are counted as ingestion failures (R-WIN-1).',
};

/** The per-file checkpoint (R-ING-3) of an engine position. */
function checkpointAt(
  source: ResolvedSource,
  fileIndex: ReadonlyMap<string, number>,
  position: LoadPosition,
): IngestCheckpoint {
  const at = fileIndex.get(position.file) ?? -1;
  return {
    files: source.files.map((f, i) =>
      i < at
        ? { key: f.key, line: Number.MAX_SAFE_INTEGER, done: true }
        : i === at
          ? { key: f.key, line: position.line, done: position.fileDone }
          : { key: f.key, line: 0, done: false },
    ),
    progress: { ...position.report },
  };
}

/** The first file of a checkpoint not done, as the sink's acknowledged position. */
function acknowledgedPosition(
  files: readonly FileCheckpoint[],
  fileIndex: ReadonlyMap<string, number>,
): AcknowledgedPosition | null {
  let last: AcknowledgedPosition | null = null;
  for (const f of files) {
    const index = fileIndex.get(f.key);
    if (index === undefined) {
      throw new IngestError(
        'INGEST_SOURCE_CHANGED',
        `The checkpoint names ${f.key}, which is no longer in the source.`,
      );
    }
    if (f.done) {
      last = { file: index, line: Number.MAX_SAFE_INTEGER, done: true };
      continue;
    }
    if (f.line > 0) last = { file: index, line: f.line, done: false };
    break;
  }
  return last;
}
