import type { Failure } from '../failure.js';
import type { TimestreamRecord } from './record.js';
import type { CompiledTask, RowMapper } from './row-mapper.js';
import type { SourceEvent, SourceFile } from '../source/source.js';
import type { SourceReader } from '../source/source-reader.js';
import { localReader } from '../source/local-reader.js';
import type { ResolvedCsvOptions } from '../task.js';
import { stampRecord, type RowSource } from './record-source.js';

/** A data row that mapped to records (SPEC section 4). */
export interface RecordsEvent {
  type: 'records';
  file: string;
  line: number;
  lastLine: number;
  records: TimestreamRecord[];
  /** The row's bytes in the file, when the reader located them (as the `row` event's). */
  offset?: number;
  bytes?: number;
}

/** What a sink consumes: the reader's events with every `row` replaced by its records or its failure. */
export type MappedEvent = Exclude<SourceEvent, { type: 'row' }> | RecordsEvent;

/**
 * Maps every row of the reader's event batches with the task compiled once (STYLE rule 8). A file whose header
 * lacks a mapped column becomes a file failure and its rows are dropped uncounted (R-COUNT-2). Records of a row
 * whose bytes the reader located are stamped with that location (internal/record-source.ts), for the duplicate
 * index (R-DUP-1).
 */
export async function* mapRows(
  batches: AsyncIterable<SourceEvent[]>,
  compiled: CompiledTask,
  options: { stamp?: boolean; reader?: SourceReader } = {},
): AsyncIterable<MappedEvent[]> {
  // A worker of the parallel dry run sends the rows' offsets instead: it stamps nothing. @default true
  const stamp = options.stamp ?? true;
  // What reads the rows again (R-DUP-1): the source's reader. @default the local disk
  const reader = options.reader ?? localReader;
  let map: RowMapper | null = null;
  let source: RowSource | null = null;
  let skippedFile: string | null = null;
  for await (const batch of batches) {
    const out: MappedEvent[] = [];
    for (const event of batch) {
      switch (event.type) {
        case 'row': {
          if (map === null) continue;
          const result = map(event.cells);
          if (Array.isArray(result)) {
            const { offset, bytes } = event;
            if (source !== null && offset !== undefined && bytes !== undefined) {
              for (let i = 0; i < result.length; i++) stampRecord(result[i]!, source, offset, bytes, i);
            }
            const mapped: RecordsEvent = {
              type: 'records',
              file: event.file,
              line: event.line,
              lastLine: event.lastLine,
              records: result,
            };
            if (offset !== undefined && bytes !== undefined) {
              mapped.offset = offset;
              mapped.bytes = bytes;
            }
            out.push(mapped);
          } else {
            out.push(rowFailure(event, result));
          }
          break;
        }
        case 'file-start': {
          const bound = compiled.bind(event.header);
          if (bound.ok) {
            map = bound.map;
            source =
              compiled.csv === undefined || !stamp
                ? null
                : await rowSource(reader, event.file, compiled.csv, bound.map, event.header.length);
            skippedFile = null;
            out.push(event);
          } else {
            map = null;
            skippedFile = event.file.key;
            out.push({ type: 'file-failure', file: event.file.key, failure: bound.failure, line: 1 });
          }
          break;
        }
        case 'file-end':
          map = null;
          source = null;
          if (skippedFile === event.file) {
            skippedFile = null;
            continue;
          }
          out.push(event);
          break;
        case 'row-failure':
          if (skippedFile === event.file) continue;
          out.push(event);
          break;
        case 'file-failure':
          map = null;
          source = null;
          if (skippedFile === event.file) continue;
          out.push(event);
          break;
      }
    }
    if (out.length > 0) yield out;
  }
}

/** mapRows' reader option for a source: its reader, when it has one other than the local disk (R-S3-1). */
export function readerOption(source: { reader?: SourceReader }): { reader?: SourceReader } {
  return source.reader === undefined ? {} : { reader: source.reader };
}

/** The file as the duplicate index reads its rows again; null when its version cannot be had (no stamps then). */
export async function rowSource(
  reader: SourceReader,
  file: SourceFile,
  csv: ResolvedCsvOptions,
  map: RowMapper,
  columns: number,
): Promise<RowSource | null> {
  const version = await reader.version(file);
  return version === null
    ? null
    : { reader, file, path: file.path, version, size: file.size, csv, map, columns };
}

function rowFailure(
  event: Extract<SourceEvent, { type: 'row' }>,
  failure: Failure,
): Extract<SourceEvent, { type: 'row-failure' }> {
  return {
    type: 'row-failure',
    file: event.file,
    line: event.line,
    lastLine: event.lastLine,
    failure,
    cells: event.cells,
  };
}
