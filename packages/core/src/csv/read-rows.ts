/**
 * The streaming CSV reader (R-CSV-1..7, R-COUNT-2): source files in, SourceEvents out, in batches (one per read
 * chunk) so per-row async overhead is paid once per chunk. Per file: `file-start` (with the header), then `row` and
 * `row-failure` events, then `file-end`; or a `file-failure`, possibly after some rows, and then nothing more for
 * that file. Malformed rows never stop a file; a failed file never stops the source.
 */
import type { Failure } from '../failure.js';
import { fileTooLarge } from './csv-failures.js';
import { readFileEvents, resolveReadOptions } from './csv-read-file.js';
import { localReader } from '../source/local-reader.js';
import type { ResolvedSource, SourceEvent, SourceFile } from '../source/source.js';
import type { ResolvedCsvOptions } from '../task.js';

export interface ReadProgress {
  /** Key of the file being read. */
  file: string;
  fileBytesRead: number;
  fileBytes: number;
  /** Bytes read over the whole source; a file that was skipped or failed counts as read in full. */
  bytesRead: number;
  totalBytes: number;
  /** Data rows read so far over the whole source (rows and row failures). */
  rows: number;
}

export interface ReadOptions {
  /** iconv-lite encoding name; default: UTF-8 with the R-CSV-2 checks (BOM, validity). */
  encoding?: string;
  signal?: AbortSignal;
  /** Called at most once per chunk. */
  onProgress?: (progress: ReadProgress) => void;
  /** @default 16 MiB (R-CSV-6) */
  maxRowBytes?: number;
  /** @default 5 GiB (R-VAL-9) */
  maxFileBytes?: number;
  /** Read chunk size. @default 1 MiB */
  highWaterMark?: number;
}

/**
 * Reads every file of `source`, in order. Never throws for anything in the files (unreadable, too large, bad
 * encoding, malformed rows are events); throws the signal's reason when aborted, and RangeError for bad options.
 */
export async function* readRows(
  source: ResolvedSource,
  csv: ResolvedCsvOptions,
  options: ReadOptions = {},
): AsyncIterable<SourceEvent[]> {
  const resolved = resolveReadOptions(options);
  const { onProgress, signal } = options;
  const reader = source.reader ?? localReader;
  let bytesBefore = 0;
  let rowsBefore = 0;
  for (const file of source.files) {
    signal?.throwIfAborted();
    if (file.size > resolved.maxFileBytes) {
      // R-VAL-9 / R-COUNT-2: a file over the limit fails without being read.
      yield [fileFailureEvent(file, fileTooLarge(file.size, resolved.maxFileBytes))];
    } else {
      let rows = 0;
      const chunks = reader.read(file, {
        highWaterMark: resolved.highWaterMark,
        ...(signal !== undefined && { signal }),
      });
      yield* readFileEvents(
        file,
        chunks,
        csv,
        resolved,
        onProgress === undefined
          ? undefined
          : (engine) => {
              rows = engine.rows;
              onProgress({
                file: file.key,
                fileBytesRead: engine.bytesRead,
                fileBytes: file.size,
                bytesRead: bytesBefore + engine.bytesRead,
                totalBytes: source.totalBytes,
                rows: rowsBefore + rows,
              });
            },
      );
      rowsBefore += rows;
    }
    bytesBefore += file.size;
  }
}

/**
 * The same engine over any byte chunks: what readRows does for one file. Chunk boundaries never change the events
 * (property-tested), so tests and workers can feed bytes however they come.
 */
export async function* readCsvBytes(
  file: SourceFile,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  csv: ResolvedCsvOptions,
  options: ReadOptions = {},
): AsyncIterable<SourceEvent[]> {
  const resolved = resolveReadOptions(options);
  const { onProgress } = options;
  yield* readFileEvents(
    file,
    chunks,
    csv,
    resolved,
    onProgress === undefined
      ? undefined
      : (engine) =>
          onProgress({
            file: file.key,
            fileBytesRead: engine.bytesRead,
            fileBytes: file.size,
            bytesRead: engine.bytesRead,
            totalBytes: file.size,
            rows: engine.rows,
          }),
  );
}

function fileFailureEvent(file: SourceFile, failure: Failure): SourceEvent {
  return { type: 'file-failure', file: file.key, failure };
}
