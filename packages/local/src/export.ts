/**
 * R-EXP-1: the records of a table (a local store, its data folder, or a running `tsbatch serve`) or of a dry run
 * (its `--records` file) whose time is in [start, end), streamed. The rules, shared by every source: start must be
 * before end; end must not be in the future; a start before the first record is clamped to it (reported in the
 * summary); at most two exports of a table run at once (a third is refused with EXPORT_LIMIT_EXCEEDED). Times
 * compare as exact nanosecond instants, whatever each record's TimeUnit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TimestreamRecord } from '@tsbatch/core';
import { ServiceError } from './errors.js';
import type { LocalStore } from './store.js';
import { ExportError, EXPORT_ERROR_STATUS } from './internal/export-error.js';
import { requestExport, type ExportRequestBody, type WireSummary } from './internal/export-client.js';
import { acquireExportSlot, EXPORTS_PER_TABLE, type ExportSlot } from './internal/export-slots.js';
import { openRecordsFile, snapshotRecords } from './internal/export-sources.js';
import { dateNanos, formatInstant, parseInstant } from './internal/export-time.js';
import { readBody } from './internal/http.js';
import { instantNanos } from './internal/point-key.js';
import { parseRecordJson, type StoredRecord } from './internal/record-json.js';
import type { TableScan } from './internal/store-reader.js';

export { EXPORT_ERROR_CODES, ExportError, type ExportErrorCode } from './internal/export-error.js';
export { EXPORT_ROUTE } from './internal/export-client.js';
export { EXPORTS_PER_TABLE } from './internal/export-slots.js';
export { formatInstant, parseInstant } from './internal/export-time.js';

export type ExportSource =
  /** An open store (the server's): its records as it holds them now. */
  | { kind: 'store'; store: LocalStore }
  /** The folder of a store, read without opening it (works while `tsbatch serve` uses it). */
  | { kind: 'data-dir'; dataDir: string }
  /** A running `tsbatch serve`, through POST /_tsbatch/export. */
  | { kind: 'endpoint'; url: string }
  /** A dry run's `--records` file. It has no tables, so no two-at-once limit applies [choice]. */
  | { kind: 'records-file'; file: string };

export interface ExportOptions {
  source: ExportSource;
  /** The table to export; required for every source but a records file. */
  database?: string;
  table?: string;
  /** Inclusive start: ISO 8601 with a zone (up to nanoseconds), or nanoseconds since the epoch. */
  start: string | bigint;
  /** Exclusive end, as `start`. */
  end: string | bigint;
  /** "Now", which `end` must not pass. An endpoint uses its own server's clock. @default () => new Date() */
  clock?: () => Date;
  /** Stops the export (the iteration rejects with the signal's reason). @default none */
  signal?: AbortSignal;
}

export interface ResolvedExportOptions {
  source: ExportSource;
  /** null only for a records file. */
  target: { database: string; table: string } | null;
  start: bigint;
  end: bigint;
  clock: () => Date;
  signal: AbortSignal | null;
}

export interface ExportSummary {
  /** Records exported (all of them once the iteration has ended). */
  records: number;
  /** The range asked for, in nanoseconds since the epoch. */
  start: bigint;
  end: bigint;
  /** The earliest record time of the table (or file), whether in the range or not; null when there is none. */
  firstRecordTime: bigint | null;
  /** R-EXP-1: `start` was before the first record, so the export started there. */
  clamped: boolean;
}

/**
 * An export under way: read it once, either by iterating it (records, parsed) or through `chunks()` (the records'
 * JSON texts, the fast path of JSON Lines); `summary` is final when the reading has ended.
 */
export interface ExportRun extends AsyncIterable<StoredRecord> {
  readonly summary: ExportSummary;
  /** The records as their stored JSON texts (one record each, without a newline), in chunks. */
  chunks(): AsyncIterable<string[]>;
  /** Ends the export without reading (or without finishing): frees its slot. Safe to call twice. */
  close(): Promise<void>;
}

/** Checks the request (R-EXP-1 rules that need no data); throws ExportError. */
export function resolveExportOptions(options: ExportOptions): ResolvedExportOptions {
  const start = instantOf('start', options.start);
  const end = instantOf('end', options.end);
  if (start >= end) {
    throw new ExportError(
      'EXPORT_START_NOT_BEFORE_END',
      `the start (${formatInstant(start)}) must be before the end (${formatInstant(end)}): the range is [start, end)`,
    );
  }
  let target: ResolvedExportOptions['target'] = null;
  if (options.source.kind !== 'records-file') {
    if (
      options.database === undefined ||
      options.database === '' ||
      options.table === undefined ||
      options.table === ''
    ) {
      throw new ExportError(
        'EXPORT_INVALID_REQUEST',
        'an export of a table needs its database and table names',
      );
    }
    target = { database: options.database, table: options.table };
  }
  return {
    source: options.source,
    target,
    start,
    end,
    clock: options.clock ?? ((): Date => new Date()),
    signal: options.signal ?? null,
  };
}

/**
 * Starts an export: checks the rules, takes one of the table's two slots and opens the source, so a refusal comes
 * before any output is made. The records come in stored order (a records file: file order).
 */
export async function openExport(options: ExportOptions): Promise<ExportRun> {
  const o = resolveExportOptions(options);
  if (o.source.kind === 'endpoint') return openRemote(o, o.source.url);
  const now = dateNanos(o.clock());
  if (o.end > now) {
    throw new ExportError(
      'EXPORT_END_IN_FUTURE',
      `the end (${formatInstant(o.end)}) must not be in the future (now: ${formatInstant(now)})`,
    );
  }
  const source = o.source;
  if (source.kind === 'records-file') return filteredRun(o, await openRecordsFile(source.file));
  const { database, table } = o.target!;
  const range = { start: o.start, end: o.end };
  let dataDir: string;
  if (source.kind === 'store') {
    try {
      source.store.getTable(database, table);
    } catch (error) {
      if (error instanceof ServiceError && error.type === 'ResourceNotFoundException') {
        throw new ExportError('EXPORT_NOT_FOUND', error.message, { cause: error });
      }
      throw error;
    }
    dataDir = source.store.dataDir;
  } else {
    dataDir = source.dataDir;
  }
  // The source is opened first (a folder that is not a store gets nothing written into it), then the slot taken.
  const scan =
    source.kind === 'store'
      ? source.store.scan(database, table, range)
      : await snapshotRecords(dataDir, database, table, range);
  try {
    return scanRun(o, scan, await takeSlot(dataDir, database, table));
  } catch (error) {
    scan.close();
    throw error;
  }
}

async function takeSlot(dataDir: string, database: string, table: string): Promise<ExportSlot> {
  const got = await acquireExportSlot(dataDir, database, table);
  if ('slot' in got) return got.slot;
  const pids = [...new Set(got.busy)];
  throw new ExportError(
    'EXPORT_LIMIT_EXCEEDED',
    `${EXPORTS_PER_TABLE} exports of ${database}.${table} are running already ` +
      `(in process${pids.length === 1 ? '' : 'es'} ${pids.join(', ')}); ` +
      `at most ${EXPORTS_PER_TABLE} run at once per table. Try again when one has finished.`,
  );
}

function emptySummary(o: ResolvedExportOptions): ExportSummary {
  return { records: 0, start: o.start, end: o.end, firstRecordTime: null, clamped: false };
}

/** A table's export: the store already keeps to the range and knows the table's first time (R-EXP-1). */
function scanRun(o: ResolvedExportOptions, scan: TableScan, slot: ExportSlot): ExportRun {
  const summary = emptySummary(o);
  summary.firstRecordTime = scan.firstTime;
  async function* chunks(): AsyncGenerator<string[]> {
    try {
      for await (const chunk of scan.chunks) {
        o.signal?.throwIfAborted();
        summary.records += chunk.length;
        yield chunk;
      }
      // R-EXP-1: no record is before the start asked for, so the export really starts at the first record.
      summary.clamped = scan.firstTime !== null && o.start < scan.firstTime;
    } finally {
      scan.close();
      await slot.release();
    }
  }
  return runOf(summary, chunks(), async () => {
    scan.close();
    await slot.release();
  });
}

/** A records file's export: every record is read, kept when in the range; its first time is the least seen. */
function filteredRun(o: ResolvedExportOptions, source: AsyncGenerator<TimestreamRecord>): ExportRun {
  const summary = emptySummary(o);
  async function* chunks(): AsyncGenerator<string[]> {
    let first: bigint | null = null;
    let chunk: string[] = [];
    for await (const record of source) {
      o.signal?.throwIfAborted();
      const t = instantNanos(record.Time, record.TimeUnit);
      if (first === null || t < first) first = t;
      if (t < o.start || t >= o.end) continue;
      summary.records++;
      // The file's own record, re-serialised as it was written (its versions are the task's small numbers).
      chunk.push(JSON.stringify(record));
      if (chunk.length === 1000) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
    summary.firstRecordTime = first;
    summary.clamped = first !== null && o.start < first;
  }
  return runOf(summary, chunks(), async () => {
    await source.return(undefined);
  });
}

/** The two ways of reading one stream of chunks, once. */
function runOf(
  summary: ExportSummary,
  chunks: AsyncGenerator<string[]>,
  stop: () => Promise<void>,
): ExportRun {
  let started = false;
  const take = (): AsyncGenerator<string[]> => {
    if (started) throw new Error('an export can be read once');
    started = true;
    return chunks;
  };
  return {
    summary,
    chunks: take,
    async *[Symbol.asyncIterator](): AsyncGenerator<StoredRecord> {
      for await (const chunk of take()) for (const text of chunk) yield parseRecordJson(text);
    },
    async close(): Promise<void> {
      await chunks.return(undefined);
      await stop();
    },
  };
}

async function openRemote(o: ResolvedExportOptions, url: string): Promise<ExportRun> {
  const { database, table } = o.target!;
  const body: ExportRequestBody = {
    Database: database,
    Table: table,
    Start: formatInstant(o.start),
    End: formatInstant(o.end),
  };
  const remote = await requestExport(url, body, o.signal ?? undefined);
  const summary = emptySummary(o);
  async function* chunks(): AsyncGenerator<string[]> {
    for await (const chunk of remote.chunks) {
      summary.records += chunk.length;
      yield chunk;
    }
    const wire = remote.summary();
    summary.firstRecordTime = wire?.FirstRecordTime == null ? null : parseInstant(wire.FirstRecordTime);
    summary.clamped = wire?.Clamped === true;
  }
  return runOf(summary, chunks(), () => remote.cancel());
}

function instantOf(name: 'start' | 'end', value: string | bigint): bigint {
  if (typeof value === 'bigint') return value;
  const nanos = parseInstant(value);
  if (nanos === null) {
    throw new ExportError(
      'EXPORT_INVALID_TIME',
      `the ${name} must be an ISO 8601 date-time with a zone, such as 2024-05-01T12:00:00Z or ` +
        `2024-05-01T12:00:00.123456789+02:00, got '${value}'`,
    );
  }
  return nanos;
}

/** Where the server route reads its store and clock. */
export interface ExportRouteContext {
  store: LocalStore;
  clock: () => Date;
}

/**
 * POST /_tsbatch/export of `tsbatch serve`: `{"Database", "Table", "Start", "End"}` in, the records as JSON lines
 * out (their stored text, streamed with backpressure), then `{"ExportSummary": ...}`. Answers the HTTP status, for
 * the request log.
 */
export async function handleExportRequest(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ExportRouteContext,
): Promise<number> {
  let run: ExportRun;
  try {
    const input = requestOf(await readBody(req, 64 * 1024));
    run = await openExport({
      source: { kind: 'store', store: ctx.store },
      database: input.Database,
      table: input.Table,
      start: input.Start,
      end: input.End,
      clock: ctx.clock,
    });
  } catch (error) {
    if (!(error instanceof ExportError)) throw error; // the server answers it as the service would
    const e = error;
    const text = JSON.stringify({ code: e.code, message: e.message });
    const status = EXPORT_ERROR_STATUS[e.code];
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return status;
  }
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  let gone = false;
  res.once('close', () => {
    gone = !res.writableFinished;
  });
  try {
    for await (const chunk of run.chunks()) {
      await write(res, `${chunk.join('\n')}\n`, () => gone);
      if (gone) break;
    }
    if (!gone) {
      const s = run.summary;
      const summary: WireSummary = {
        Records: s.records,
        Start: formatInstant(s.start),
        End: formatInstant(s.end),
        FirstRecordTime: s.firstRecordTime === null ? null : formatInstant(s.firstRecordTime),
        Clamped: s.clamped,
      };
      res.end(`${JSON.stringify({ ExportSummary: summary })}\n`);
    }
  } catch (error) {
    // Headers are out: the failure becomes the last line, which the client turns back into the error.
    const e = error instanceof ExportError ? error : new ExportError('EXPORT_ENDPOINT_FAILED', String(error));
    if (!gone) res.end(`${JSON.stringify({ ExportError: { code: e.code, message: e.message } })}\n`);
  } finally {
    await run.close();
  }
  return 200;
}

function requestOf(body: Buffer): ExportRequestBody {
  let json: Partial<Record<keyof ExportRequestBody, unknown>>;
  try {
    json = JSON.parse(body.toString('utf8')) as typeof json;
  } catch {
    throw new ExportError(
      'EXPORT_INVALID_REQUEST',
      'the body must be JSON: {"Database", "Table", "Start", "End"}',
    );
  }
  for (const key of ['Database', 'Table', 'Start', 'End'] as const) {
    if (typeof json?.[key] !== 'string') {
      throw new ExportError('EXPORT_INVALID_REQUEST', `${key} must be a string (Start and End in ISO 8601)`);
    }
  }
  return json as ExportRequestBody;
}

/** Writes a chunk, waiting for the socket to drain when it is full (or for the client to go away). */
async function write(res: ServerResponse, text: string, gone: () => boolean): Promise<void> {
  if (res.write(text) || gone()) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
