/**
 * R-VAL-8 / R-CSV-3: the header of a source file, read from the start of the file only, with the same BOM, UTF-8
 * and header rules as the full read (the same engine).
 */
import type { Failure } from '../failure.js';
import { fileFailure } from './csv-failures.js';
import { readFileEvents, resolveReadOptions } from './csv-read-file.js';
import { localReader } from '../source/local-reader.js';
import type { SourceFile } from '../source/source.js';
import type { SourceReader } from '../source/source-reader.js';
import type { ResolvedCsvOptions } from '../task.js';

export type ReadHeaderResult = { ok: true; header: string[] } | { ok: false; failure: Failure };

/** Small reads: a header is rarely more than a few hundred bytes. */
const HEADER_CHUNK_BYTES = 64 * 1024;

/**
 * Reads the first record of `file` as its header. A failure is always of kind 'file' (FILE_BOM,
 * FILE_INVALID_UTF8, FILE_EMPTY, FILE_HEADER_*, FILE_UNREADABLE). Bytes after the header are not checked, and no
 * more than the row limit (R-CSV-6) and a chunk is read: a header past it is FILE_HEADER_UNREADABLE, as the full
 * read finds (issue 18: the validator reads every file's header; a 5 GB file without a line break took minutes).
 */
export async function readHeader(
  file: SourceFile,
  csv: ResolvedCsvOptions,
  options: { encoding?: string; signal?: AbortSignal; reader?: SourceReader } = {},
): Promise<ReadHeaderResult> {
  const { reader = localReader, ...read } = options;
  const resolved = resolveReadOptions({ ...read, highWaterMark: HEADER_CHUNK_BYTES });
  let got = 0;
  let past = false;
  async function* bounded(): AsyncGenerator<Buffer, void, undefined> {
    // R-S3-1: a header is at the start: a reader may stop at `end` (a small ranged GET) and read on if it must.
    const chunks = reader.read(file, {
      highWaterMark: HEADER_CHUNK_BYTES,
      end: HEADER_CHUNK_BYTES,
      ...(options.signal !== undefined && { signal: options.signal }),
    });
    for await (const chunk of chunks) {
      if (got > resolved.maxRowBytes) {
        // No end of input here (it would close a half-read header): the engine sees a failing read instead.
        past = true;
        throw new Error('the header is longer than the row limit');
      }
      got += chunk.length;
      yield chunk;
    }
  }
  for await (const batch of readFileEvents(file, bounded(), csv, resolved)) {
    for (const event of batch) {
      if (event.type === 'file-start') return { ok: true, header: event.header };
      if (event.type !== 'file-failure') continue;
      if (!past) return { ok: false, failure: event.failure };
      const detail = `The header row is too large: more than ${resolved.maxRowBytes} bytes`;
      return { ok: false, failure: fileFailure('FILE_HEADER_UNREADABLE', detail) };
    }
  }
  // readFileEvents always ends a file with file-start, or file-failure before it.
  throw new Error(`readHeader: no header event for ${file.key}`);
}
