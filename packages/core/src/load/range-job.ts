/**
 * The worker's half of the dry run in byte ranges (range-load.ts has the whole story): one range of one file read,
 * mapped and checked against the limits and the time window, its per-row outcomes sent back as compact typed
 * columns (plus the rare objects) for the main thread to replay in file order.
 */
import type { Failure } from '../failure.js';
import { checkRecordLimits } from '../checks/limits.js';
import { RecordKeyEncoder } from '../checks/check-record-key.js';
import { createTimeWindow, type TimeWindow } from '../checks/time-window.js';
import { readFileEvents, resolveReadOptions, type ReadRange } from '../csv/csv-read-file.js';
import type { RowHook } from '../csv/csv-engine.js';
import { RowMapping, type RecordsEvent } from '../map/row-mapping.js';
import { compileTask, type CompiledTask } from '../map/row-mapper.js';
import { recordEventSizeAscii } from '../report/metering.js';
import { extraBytesMeterable, rowRecordSize } from '../report/row-metering.js';
import type { SourceEvent } from '../source/source.js';
import { readFileChunksSync } from '../source/source-chunks.js';
import { ContentStats } from '../report/stats/content-stats.js';
import { SeriesTable } from '../report/stats/series-table.js';
import { localReader, isDiskReader } from '../source/local-reader.js';
import { readerFromSpec, type SourceReader } from '../source/source-reader.js';
import { firstLineStart, readFromLineStart } from './range-start.js';
import {
  freeColumns,
  kernelCellsRow,
  kernelRow,
  kernelSpanRow,
  newColumns,
  OTHER,
  ROW,
  type RangeColumns,
} from './range-columns.js';
import { rowKernel, type Kernel } from './row-kernel.js';
import { rangeReadExtent, type OtherEvent, type RangeJob, type RangeOutcome } from './range-outcome.js';

export {
  EMPTY_OUTCOME,
  rangeOutcomeBuffers,
  rangeReadExtent,
  type OtherEvent,
  type RangeJob,
  type RangeOutcome,
  type RangeRunner,
} from './range-outcome.js';
export { OTHER, ROW } from './range-columns.js';

/** Failures whose texts name a line of the file (csv-engine.ts). */
const TEXT_NAMES_LINE = new Set(['FILE_INVALID_UTF8', 'CSV_UNTERMINATED_QUOTE']);

const compiledTasks = new Map<string, CompiledTask>();
/** The report's series tables, kept between range jobs like the columns (no regrowth per range). */
const freeSeries: SeriesTable[] = [];
let encoder: RecordKeyEncoder | null = null;
/** A records row's series states (RecordKeyEncoder.keyHash's seriesHash, seriesHashHigh) by record, for the report. */
let seriesLow = new Int32Array(16);
let seriesHigh = new Int32Array(16);

/**
 * The worker's half: reads, maps and checks one range (see the file's comment). Never throws for bad input. The
 * file is read by `reader`, else by the one the job's spec names (built once per thread), else the local disk.
 */
export async function runRangeJob(job: RangeJob, reader?: SourceReader): Promise<RangeOutcome> {
  const from = reader ?? (await readerFromSpec(job.reader, localReader));
  let compiled = compiledTasks.get(job.taskKey);
  if (compiled === undefined) {
    compiled = compileTask(job.task);
    compiledTasks.set(job.taskKey, compiled);
  }
  encoder ??= new RecordKeyEncoder();
  const window: TimeWindow | null =
    job.table === null ? null : createTimeWindow(job.table, new Date(job.nowMs));
  const disk = isDiskReader(from);
  const resolved = resolveReadOptions({
    ...(job.maxRowBytes !== undefined && { maxRowBytes: job.maxRowBytes }),
    ...(job.highWaterMark !== undefined && { highWaterMark: job.highWaterMark }),
    maxFileBytes: Number.MAX_SAFE_INTEGER,
  });
  // Synchronous reads into one reused buffer: a worker has nothing else to do meanwhile (source-chunks.ts). Other
  // readers (S3, R-S3-1) are asked for the range and a little more first: it reads past its limit only to a row end;
  // their line start is found in the same read (one ranged GET per range, readFromLineStart).
  const end = rangeReadExtent(job).end;
  let start: number;
  let chunks: ReturnType<typeof readFileChunksSync> | AsyncIterable<Buffer>;
  if (disk) {
    start = job.start ?? (await firstLineStart(job.file.path, job.nominal, job.file.size, job.task.csv));
    chunks = readFileChunksSync(job.file.path, resolved.highWaterMark, start);
  } else if (job.start !== undefined) {
    start = job.start;
    chunks = from.read(job.file, {
      start,
      end,
      highWaterMark: resolved.highWaterMark,
      ...(job.staged !== undefined && { staged: job.staged }),
    });
  } else {
    ({ start, chunks } = await readFromLineStart(
      from,
      job.file,
      job.nominal,
      {
        end,
        highWaterMark: resolved.highWaterMark,
        ...(job.staged !== undefined && { staged: job.staged }),
      },
      job.task.csv,
    ));
  }
  const range: ReadRange = {
    header: start === 0 ? null : job.header,
    base: start,
    limit: job.limit,
    lineBase: job.lineBase ?? 0,
    measureRows: true,
  };
  const events = readFileEvents(job.file, chunks, job.task.csv, resolved, undefined, range);
  const header = range.header;
  const source: AsyncIterable<SourceEvent[]> =
    header === null
      ? events
      : (async function* (): AsyncIterable<SourceEvent[]> {
          // A range after the first: bind the mapper to the file's header as its first range did.
          yield [{ type: 'file-start', file: job.file, header }];
          yield* events;
        })();

  const columns = freeColumns.pop() ?? newColumns();
  try {
    return await readRange(job, compiled, encoder, window, start, range, source, columns);
  } finally {
    for (const column of Object.values(columns)) column.length = 0;
    freeColumns.push(columns);
  }
}

async function readRange(
  job: RangeJob,
  compiled: CompiledTask,
  enc: RecordKeyEncoder,
  window: TimeWindow | null,
  start: number,
  range: ReadRange,
  source: AsyncIterable<SourceEvent[]>,
  columns: RangeColumns,
): Promise<RangeOutcome> {
  const header = range.header;
  const { kinds } = columns;
  // The report's statistics (issue 19): what the rows hold, and each row's time for the replay's histograms.
  const content = job.statistics === true ? takeContentStats(job, window) : null;
  const failures: Failure[] = [];
  const others: OtherEvent[] = [];
  let skipStart = header !== null;
  // Each row's records are used before the next row is mapped: the mapper refills the same objects (no per-row
  // allocation for records, their arrays and the event).
  const mapping = new RowMapping(compiled, { stamp: false, reuse: true });
  // Whether a row's extraBytes gives its records' sizes (row-metering.ts), for the file's header.
  let meterable = false;
  // The row kernel while the mapper is bound to a header (with statistics, only one that gives them: countRow).
  let kernel: Kernel | null = null;
  const stats = content?.stats ?? null;
  for await (const batch of source) {
    // The engine has read only ASCII so far: the batch's values are measured by their length (R-METER-1).
    const ascii = range.engine !== undefined && range.engine.allAscii;
    for (const sourceEvent of batch) {
      if (sourceEvent.type === 'row') {
        // (A row the engine's row hook left is one the kernel leaves: not asked again.)
        const left = sourceEvent.cells === range.engine?.leftCells;
        if (kernel !== null && !left && kernelRow(sourceEvent, start, columns, kernel, ascii, stats))
          continue;
      } else if (sourceEvent.type === 'file-start') {
        meterable = extraBytesMeterable(job.task, sourceEvent.header);
      } else if (sourceEvent.type === 'file-end' || sourceEvent.type === 'file-failure') {
        kernel = null;
        range.engine?.setRowHook(null);
      }
      const event =
        sourceEvent.type === 'file-start' ? await mapping.start(sourceEvent) : mapping.event(sourceEvent);
      if (event === null) continue;
      if (sourceEvent.type === 'file-start' && event.type === 'file-start' && job.genericOnly !== true) {
        kernel = rowKernel(job.task, sourceEvent.header, window, meterable, enc, stats);
        if (stats !== null && kernel?.countRow === undefined) kernel = null;
        // Span mode: the kernel takes rows as the engine reads them, from their cells' offsets (no strings cut);
        // with statistics, a kernel that gives them of such rows too (countSpans).
        const spanKernel = kernel;
        if (spanKernel?.rowSpans !== undefined && (stats === null || spanKernel.countSpans !== undefined)) {
          const engineOf = range;
          const hook: RowHook = {
            lengthCells: spanKernel.lengthCells ?? null,
            spans: (text, spans, line, lastLine, offset, bytes, extraBytes) =>
              kernelSpanRow(
                text,
                spans,
                line,
                lastLine,
                offset,
                bytes,
                extraBytes,
                start,
                columns,
                spanKernel,
                stats,
              ),
            // As kernelRow of the row event (its `ascii` is the engine's allAscii once the batch is read, as now).
            cells: (cells, line, lastLine, offset, bytes, extraBytes) =>
              kernelCellsRow(
                cells,
                line,
                lastLine,
                offset,
                bytes,
                extraBytes,
                start,
                columns,
                spanKernel,
                engineOf.engine!.allAscii,
                stats,
              ),
          };
          // A range after the first binds its kernel before its engine is made (the file-start is its own).
          if (range.engine === undefined) range.rowHook = hook;
          else range.engine.setRowHook(hook);
        }
      }
      if (event.type !== 'records') {
        if (skipStart && event.type === 'file-start') {
          skipStart = false;
          continue;
        }
        kinds.push(OTHER);
        others.push(event);
        continue;
      }
      recordsRow(event, start, columns, stats, window, enc, failures, ascii, meterable);
    }
  }
  // The range's row times, counted at once (ContentStats.addTimes): each row only wrote its own.
  stats?.addTimes(columns.rowTime.data, 0, columns.rowTime.length);
  const outcome = outcomeOf(start, range, columns, failures, others, stats);
  if (content !== null) {
    content.series.clear();
    freeSeries.push(content.series);
  }
  return outcome;
}

/** A records row's outcome into the columns: lines, offsets, and per record its size, checks and key hash. */
function recordsRow(
  event: RecordsEvent,
  start: number,
  columns: RangeColumns,
  content: ContentStats | null,
  window: TimeWindow | null,
  enc: RecordKeyEncoder,
  failures: Failure[],
  ascii: boolean,
  meterable: boolean,
): void {
  const { kinds, rowLine, rowSpan, rowOffset, rowBytes, rowRecords } = columns;
  const { recSize, recHash, recHashHigh, recFailure, rowTime } = columns;
  kinds.push(ROW);
  rowLine.push(event.line);
  rowSpan.push(event.lastLine - event.line);
  const records = event.records;
  if (content !== null && records.length > seriesLow.length) {
    seriesLow = new Int32Array(records.length * 2);
    seriesHigh = new Int32Array(records.length * 2);
  }
  rowRecords.push(records.length);
  // Offsets exist for UTF-8 reads, the only ones done in ranges.
  rowOffset.push(event.offset === undefined ? -1 : event.offset - start);
  rowBytes.push(event.bytes ?? 0);
  const extraBytes = records.length === 1 ? (event.extraBytes ?? -1) : -1;
  for (let k = 0; k < records.length; k++) {
    const record = records[k]!;
    // R-METER-1: an ASCII text's values by their lengths; else by what the row's bytes say (row-metering.ts).
    const size = ascii ? recordEventSizeAscii(record) : rowRecordSize(record, extraBytes, meterable);
    recSize.push(size);
    // [choice] limits, then the time window (then, on the main thread, duplicates): as runLoad.
    const failure = checkRecordLimits(record, size) ?? window?.check(record) ?? null;
    if (failure === null) recFailure.push(-1);
    else {
      recFailure.push(failures.length);
      failures.push(failure);
    }
    enc.keyHash(record);
    recHash.push(enc.keyHashValue);
    recHashHigh.push(enc.keyHashHigh);
    // The report's series from the key hash's own state (no value hashed twice), counted after the loop.
    if (content !== null) {
      seriesLow[k] = enc.seriesHash;
      seriesHigh[k] = enc.seriesHashHigh;
    }
  }
  // The report's statistics of the row in one call that is not inlined here (ContentStats.addRangeRow).
  if (content !== null) {
    rowTime.push(0);
    content.addRangeRow(records, rowTime.data, rowTime.length - 1, seriesLow, seriesHigh);
  }
}

/** The range's columns, copied to buffers of their own length (they cross threads), and its rare objects. */
function outcomeOf(
  start: number,
  range: ReadRange,
  columns: RangeColumns,
  failures: Failure[],
  others: OtherEvent[],
  content: ContentStats | null,
): RangeOutcome {
  const engine = range.engine!;
  return {
    start,
    handoff: engine.handoff === -1 ? -1 : start + engine.handoff,
    lines: engine.handoffLines,
    rows: engine.rows,
    kinds: columns.kinds.done(),
    rowLine: columns.rowLine.done(),
    rowSpan: columns.rowSpan.done(),
    rowOffset: columns.rowOffset.done(),
    rowBytes: columns.rowBytes.done(),
    rowRecords: columns.rowRecords.done(),
    recSize: columns.recSize.done(),
    recHash: columns.recHash.done(),
    recHashHigh: columns.recHashHigh.done(),
    recFailure: columns.recFailure.done(),
    failures,
    others,
    namesLines: others.some(
      (e) => (e.type === 'row-failure' || e.type === 'file-failure') && TEXT_NAMES_LINE.has(e.failure.code),
    ),
    ...(content !== null && { rowTime: columns.rowTime.done(), content: content.data() }),
  };
}

/** The range's content statistics, over a series table kept from an earlier job of the same width. */
function takeContentStats(
  job: RangeJob,
  window: TimeWindow | null,
): { stats: ContentStats; series: SeriesTable } {
  const windowMs = window === null ? null : { from: window.from.getTime(), to: window.to.getTime() };
  const dims = job.task.model.dimensions.length;
  const kept = freeSeries.findIndex((t) => t.width === dims);
  const series = kept === -1 ? new SeriesTable(dims) : freeSeries.splice(kept, 1)[0]!;
  // The rows' times are counted here, with the content, from rowTime at the range's end (readRange); they go back
  // in rowTime too, for the rows that fail.
  return { stats: new ContentStats(job.task.model, windowMs, undefined, series, false), series };
}
