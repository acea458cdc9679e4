/** Drives the CSV engine over one file's chunks: the loop shared by readRows, readCsvBytes and readHeader. */
import iconv from 'iconv-lite';

import type { SourceEvent, SourceFile } from '../source/source.js';
import { isSourceChanged } from '../source/source-reader.js';
import type { ResolvedCsvOptions } from '../task.js';
import { CsvEngine, type RowHook } from './csv-engine.js';

export interface ResolvedReadOptions {
  encoding: string | undefined;
  signal: AbortSignal | undefined;
  maxRowBytes: number;
  maxFileBytes: number;
  highWaterMark: number;
}

export const DEFAULT_MAX_ROW_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024 * 1024;
export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;

export function resolveReadOptions(options: {
  encoding?: string;
  signal?: AbortSignal;
  maxRowBytes?: number;
  maxFileBytes?: number;
  highWaterMark?: number;
}): ResolvedReadOptions {
  const resolved: ResolvedReadOptions = {
    encoding: options.encoding,
    signal: options.signal,
    maxRowBytes: options.maxRowBytes ?? DEFAULT_MAX_ROW_BYTES,
    maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    highWaterMark: options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK,
  };
  for (const name of ['maxRowBytes', 'maxFileBytes', 'highWaterMark'] as const) {
    const value = resolved[name];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`ReadOptions.${name} must be a positive integer, got ${String(value)}`);
    }
  }
  const encoding: string | undefined = resolved.encoding;
  if (encoding !== undefined && !iconv.encodingExists(encoding)) {
    throw new RangeError(
      `ReadOptions.encoding: iconv-lite does not know the encoding ${JSON.stringify(encoding)}`,
    );
  }
  return resolved;
}

/** A byte range of the file to read (CsvEngine.startRange); `engine` is set to the engine that reads it. */
export interface ReadRange {
  header: string[] | null;
  base: number;
  limit: number;
  /** Lines before the range, for line numbers in failure texts. @default 0 */
  lineBase?: number;
  engine?: CsvEngine;
  /** The engine's row hook from its first byte (CsvEngine.setRowHook), when it is known before the engine is made. */
  rowHook?: RowHook;
  /** Row events carry `extraBytes` (CsvEngine.measureRows). @default false */
  measureRows?: boolean;
}

/**
 * Bytes parsed per batch. [choice] Small: a batch's rows and records are what survives a young-generation collection
 * (the rest is garbage by then), so the collector copies less (the bench: 2-worker dry run of 1 GB about 25% faster
 * than with 64 KiB batches).
 */
const BATCH_BYTES = 16 * 1024;

function toBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * The events of one file, in batches (one per chunk). A source that throws is FILE_UNREADABLE, unless the signal
 * was aborted: then the abort reason is thrown. The source is closed however the loop ends.
 */
export async function* readFileEvents(
  file: SourceFile,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  csv: ResolvedCsvOptions,
  options: ResolvedReadOptions,
  onChunk?: (engine: CsvEngine) => void,
  range?: ReadRange,
): AsyncGenerator<SourceEvent[], void, undefined> {
  const { signal } = options;
  signal?.throwIfAborted();
  const engine = new CsvEngine(file, csv, options);
  if (range !== undefined) {
    engine.startRange(range.header, range.base, range.limit, range.lineBase);
    range.engine = engine;
    engine.measureRows = range.measureRows === true;
    if (range.rowHook !== undefined) engine.setRowHook(range.rowHook);
  }
  const iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array> =
    Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]();
  let finished = false;
  try {
    for (;;) {
      signal?.throwIfAborted();
      let step: IteratorResult<Uint8Array>;
      try {
        step = await iterator.next();
      } catch (error) {
        finished = true;
        signal?.throwIfAborted();
        // R-S3-1: an object that changed under the run leaves no exact result to give: the run stops.
        if (isSourceChanged(error)) throw error;
        yield engine.fail(error);
        return;
      }
      if (step.done === true) {
        finished = true;
        break;
      }
      // Parse a big chunk in slices: a batch of a few hundred rows dies young, while one of a whole MiB's rows
      // outlives the young generation and costs the garbage collector more than the parsing.
      const chunk = toBuffer(step.value);
      for (let from = 0; from < chunk.length || from === 0; from += BATCH_BYTES) {
        const batch = engine.push(
          from === 0 && chunk.length <= BATCH_BYTES ? chunk : chunk.subarray(from, from + BATCH_BYTES),
        );
        if (batch.length > 0) yield batch;
        if (engine.done) {
          onChunk?.(engine);
          return;
        }
      }
      onChunk?.(engine);
    }
    const last = engine.end();
    onChunk?.(engine);
    if (last.length > 0) yield last;
  } finally {
    // Leaving early (a file failure, the consumer's `break`, an abort) closes the source.
    if (!finished) {
      try {
        await iterator.return?.();
      } catch {
        // The source failed while closing: its events are out already and there is nothing left to read.
      }
    }
  }
}
