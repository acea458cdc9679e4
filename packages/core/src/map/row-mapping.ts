/**
 * One file's events through the compiled task, one event at a time (mapRows runs it over batches; a range job of the
 * parallel dry run calls it per event, so that a row's records are used before the next row is mapped): every `row`
 * becomes its records or its failure. A file whose header lacks a mapped column becomes a file failure and its rows
 * are dropped uncounted (R-COUNT-2). Records of a row whose bytes the reader located are stamped with that location
 * (record-source.ts), for the duplicate index (R-DUP-1).
 */
import type { Failure } from '../failure.js';
import type { SourceEvent, SourceFile } from '../source/source.js';
import type { SourceReader } from '../source/source-reader.js';
import { localReader } from '../source/local-reader.js';
import type { ResolvedCsvOptions } from '../task.js';
import type { TimestreamRecord } from './record.js';
import { stampRecord, type RowSource } from './record-source.js';
import type { CompiledTask, RowMapper } from './row-mapper.js';

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
  /** The row event's `extraBytes`, with `reuse` (-1 when it has none). */
  extraBytes?: number;
}

/** What a sink consumes: the reader's events with every `row` replaced by its records or its failure. */
export type MappedEvent = Exclude<SourceEvent, { type: 'row' }> | RecordsEvent;

export interface RowMappingOptions {
  /** Stamp records with their row's location (a worker sends the rows' offsets instead). @default true */
  stamp?: boolean;
  /**
   * Refill one records event (and, in a multi-measure model, one record) for every row (BindOptions.reuse): what
   * `row` answers is valid only until the next call. @default false
   */
  reuse?: boolean;
  /** What reads the rows again (R-DUP-1): the source's reader. @default the local disk */
  reader?: SourceReader;
}

export class RowMapping {
  private readonly stamp: boolean;
  private readonly reuse: boolean;
  private readonly reader: SourceReader;
  private map: RowMapper | null = null;
  private source: RowSource | null = null;
  private skippedFile: string | null = null;
  /** The records event refilled with `reuse`. */
  private readonly shared: RecordsEvent = {
    type: 'records',
    file: '',
    line: 0,
    lastLine: 0,
    records: [],
    offset: 0,
    bytes: 0,
    extraBytes: -1,
  };

  constructor(
    private readonly compiled: CompiledTask,
    options: RowMappingOptions = {},
  ) {
    this.stamp = options.stamp ?? true;
    this.reuse = options.reuse ?? false;
    this.reader = options.reader ?? localReader;
  }

  /** An event other than `file-start` mapped: what goes on, or null when it is dropped (a skipped file's). */
  event(event: Exclude<SourceEvent, { type: 'file-start' }>): MappedEvent | null {
    switch (event.type) {
      case 'row':
        return this.map === null ? null : this.row(event, this.map);
      case 'file-end':
        this.map = null;
        this.source = null;
        if (this.skippedFile === event.file) {
          this.skippedFile = null;
          return null;
        }
        return event;
      case 'row-failure':
        return this.skippedFile === event.file ? null : event;
      case 'file-failure':
        this.map = null;
        this.source = null;
        return this.skippedFile === event.file ? null : event;
    }
  }

  /** A file starts: its header binds the mapper (or the file fails, R-VAL-8). */
  async start(event: Extract<SourceEvent, { type: 'file-start' }>): Promise<MappedEvent> {
    const compiled = this.compiled;
    const bound = compiled.bind(event.header, { reuse: this.reuse });
    if (!bound.ok) {
      this.map = null;
      this.skippedFile = event.file.key;
      return { type: 'file-failure', file: event.file.key, failure: bound.failure, line: 1 };
    }
    this.map = bound.map;
    this.source =
      compiled.csv === undefined || !this.stamp
        ? null
        : await rowSource(this.reader, event.file, compiled.csv, bound.map, event.header.length);
    this.skippedFile = null;
    return event;
  }

  private row(event: Extract<SourceEvent, { type: 'row' }>, map: RowMapper): MappedEvent {
    const result = map(event.cells);
    if (!Array.isArray(result)) return rowFailure(event, result);
    const { offset, bytes } = event;
    const source = this.source;
    if (source !== null && offset !== undefined && bytes !== undefined) {
      for (let i = 0; i < result.length; i++) stampRecord(result[i]!, source, offset, bytes, i);
    }
    if (this.reuse && offset !== undefined && bytes !== undefined) {
      const shared = this.shared;
      shared.file = event.file;
      shared.line = event.line;
      shared.lastLine = event.lastLine;
      shared.records = result;
      shared.offset = offset;
      shared.bytes = bytes;
      shared.extraBytes = event.extraBytes ?? -1;
      return shared;
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
    return mapped;
  }
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
