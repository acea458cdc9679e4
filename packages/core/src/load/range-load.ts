/**
 * The dry run in byte ranges, for parallel reading (issue: every core busy parsing). Thread-free: the caller gives
 * a `RangeRunner` that runs `runRangeJob` somewhere (worker threads in @tsbatch/parallel, in-process in tests).
 *
 * Each file is cut into ranges of about `rangeBytes`. A range starts at the first non-blank line at or after its
 * nominal offset: a guess, since a newline may sit inside a quoted field. The guess is proven, never trusted: the
 * range before it reads on past its own end until a record ends (its handoff, where the sequential reader would
 * start the next record), and a range whose start is not that handoff is read again from the handoff (the
 * sequential fallback, only where a split was wrong). Workers parse, map and check each record against the limits
 * and the time window, and send back compact per-row outcomes; the main thread replays them in file order through
 * the same counters, meter, error report, rejects and duplicate index as the sequential engine, with line numbers
 * rebased. The results are the sequential run's, exactly (property-tested against it on hostile inputs).
 */
import { createDuplicateIndex } from '../checks/duplicate-index.js';
import type { DryRunOptions, DryRunResult } from './load-types.js';
import type { Failure } from '../failure.js';
import { checkRecordLimits } from '../checks/limits.js';
import { mapRows } from '../map/map-rows.js';
import { recordEventSize } from '../report/metering.js';
import { readHeader } from '../csv/read-header.js';
import { compileTask, type CompiledTask } from '../map/row-mapper.js';
import type { ResolvedSource, SourceEvent, SourceFile } from '../source/source.js';
import type { TableRetention } from '../checks/table.js';
import type { ResolvedTask } from '../task.js';
import { createTimeWindow, type TimeWindow } from '../checks/time-window.js';
import { RecordKeyEncoder } from '../checks/check-record-key.js';
import { fileTooLarge } from '../csv/csv-failures.js';
import { readFileEvents, resolveReadOptions, type ReadRange } from '../csv/csv-read-file.js';
import { createLoadState, type LoadState } from './load-state.js';
import type { PointTable } from '../checks/point-table.js';
import type { RowSource } from '../map/record-source.js';
import { rowSource as makeRowSource } from '../map/map-rows.js';
import { localReader } from '../source/local-reader.js';
import { readerFromSpec, type ReaderSpec, type SourceReader } from '../source/source-reader.js';

/** One range of one file: plain data, so that it crosses to a worker thread. */
export interface RangeJob {
  task: ResolvedTask;
  /** Identifies `task` (a worker compiles each task once). */
  taskKey: string;
  file: SourceFile;
  /** What reads the file (R-S3-1): a worker builds the reader from it; absent for the local disk. */
  reader?: ReaderSpec;
  /** The file's header, for a range that is not the file's first; null for the first. */
  header: string[] | null;
  /** Where the range nominally starts; it starts at the first non-blank line at or after it. */
  nominal: number;
  /** A start proven by the range before (a re-read after a wrong guess): used as is. */
  start?: number;
  /** The next range's nominal start (Infinity for the file's last range). */
  limit: number;
  /** Lines before the range, once known: only a range whose failure texts name lines is read again with it. */
  lineBase?: number;
  /** For the time window (R-WIN-1): the table and the run's "now" (ms). */
  table: TableRetention | null;
  nowMs: number;
  maxRowBytes?: number;
  highWaterMark?: number;
}

/** Per-row outcomes of a range, in file order (transferable typed arrays plus the rare objects). */
export interface RangeOutcome {
  /** First byte read. */
  start: number;
  /** Where the next range must start, or -1 when this range ended the file (its end, or a file failure). */
  handoff: number;
  /** Newlines in [start, handoff). */
  lines: number;
  /** Data rows read (rows and row failures). */
  rows: number;
  /** Per event: ROW (a records row), or OTHER (the next of `others`). */
  kinds: Uint8Array;
  /**
   * Per records row: first line (relative to the range's first line), lines it spans after the first, offset of
   * the row relative to `start` (-1: unknown), its bytes, its record count. 32 bits each: a range holds far
   * fewer than 2^31 lines and bytes (its own bytes plus one row of at most maxRowBytes).
   */
  rowLine: Int32Array;
  rowSpan: Int32Array;
  rowOffset: Int32Array;
  rowBytes: Int32Array;
  rowRecords: Int32Array;
  /** Per record: event size (R-METER-1), key hash (-1 flag in recUnhashed), limit/window failure index or -1. */
  recSize: Int32Array;
  recHash: Int32Array;
  recUnhashed: Uint8Array;
  recFailure: Int32Array;
  failures: Failure[];
  /** Row failures, file failures, file starts and ends (lines relative). */
  others: OtherEvent[];
  /** A failure text names a line (then it is right only when the job had its lineBase). */
  namesLines: boolean;
}

/** Failures whose texts name a line of the file (csv-engine.ts). */
const TEXT_NAMES_LINE = new Set(['FILE_INVALID_UTF8', 'CSV_UNTERMINATED_QUOTE']);

type OtherEvent = Exclude<SourceEvent, { type: 'row' }>;

export const ROW = 0;
export const OTHER = 1;

/** Runs one job: in a worker (runRangeJob there), or in-process. */
export type RangeRunner = (job: RangeJob) => Promise<RangeOutcome>;

export interface RangeDryRunOptions extends DryRunOptions {
  /** Nominal bytes per range. @default 4 MiB */
  rangeBytes?: number;
  /** Ranges in flight at once (the workers' queue). @default 4 */
  inFlight?: number;
}

/**
 * [choice] Range size: big enough that per-range costs (an open, a seek) vanish, small enough that a range's
 * outcomes (about 30 bytes per row) stay small in memory while they wait for the replay.
 */
const DEFAULT_RANGE_BYTES = 4 * 1024 * 1024;

/**
 * [choice] Bytes per read of a range, unless the options give highWaterMark: small, so that each chunk's buffer dies
 * in the young generation. With the 1 MiB of the sequential reader, the chunks outlived it and a worker kept tens
 * of MiB of dead chunks until its next full collection (the bench: 2-worker dry run of 1 GB, 350 -> 230 MiB).
 */
const RANGE_HIGH_WATER_MARK = 64 * 1024;

/** Growable typed-array columns. */
class Column<T extends Int32Array | Uint8Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}
  push(value: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
  /** A copy of the column in a buffer of its own length (it crosses threads; the column's buffer stays for reuse). */
  done(): T {
    return this.data.slice(0, this.length) as T;
  }
}

const i32 = (n: number): Column<Int32Array> => new Column(new Int32Array(n), (m) => new Int32Array(m));
const u8 = (n: number): Column<Uint8Array> => new Column(new Uint8Array(n), (m) => new Uint8Array(m));

/** The columns of one range job's outcome. */
function newColumns() {
  return {
    kinds: u8(1024),
    rowLine: i32(8192),
    rowSpan: i32(8192),
    rowOffset: i32(8192),
    rowBytes: i32(1024),
    rowRecords: i32(1024),
    recSize: i32(1024),
    recHash: i32(1024),
    recUnhashed: u8(1024),
    recFailure: i32(1024),
  };
}

/**
 * Columns kept between the range jobs of a thread (one set per job running at once). Grown anew for each range,
 * they left megabytes of outgrown buffers per range to the garbage collector, which frees a buffer that outlived
 * the young generation only at a full collection: with few of those, a worker's buffers piled up (tens of MiB).
 */
const freeColumns: ReturnType<typeof newColumns>[] = [];

const compiledTasks = new Map<string, CompiledTask>();
let encoder: RecordKeyEncoder | null = null;

const NL = 10;
const CR = 13;

/** Bytes read at once while looking for a range's first line. */
const LINE_SEARCH_BYTES = 64 * 1024;

/** Reads `length` bytes at `position` (fewer at the end of the file) through the file's reader. */
async function readBlock(
  reader: SourceReader,
  file: SourceFile,
  position: number,
  length: number,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  const end = position + length;
  for await (const chunk of reader.read(file, { start: position, end, highWaterMark: length })) {
    parts.push(chunk);
    got += chunk.length;
    if (got >= length) break;
  }
  const block = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  return block.length > length ? block.subarray(0, length) : block;
}

/** The first line start at or after `nominal` whose line is not blank (R-CSV-4: blank lines are skipped). */
async function firstLineStart(reader: SourceReader, file: SourceFile, nominal: number): Promise<number> {
  if (nominal <= 0) return 0;
  const size = file.size;
  {
    let pos = nominal - 1; // the byte before: a newline there means `nominal` starts a line
    let atLineStart = false;
    for (;;) {
      if (pos >= size) return size;
      const block = await readBlock(reader, file, pos, LINE_SEARCH_BYTES);
      const bytesRead = block.length;
      if (bytesRead === 0) return size;
      let i = 0;
      if (!atLineStart) {
        const nl = block.subarray(0, bytesRead).indexOf(NL);
        if (nl === -1) {
          pos += bytesRead;
          continue;
        }
        i = nl + 1;
        atLineStart = true;
      }
      // Skip blank lines: `\n` or `\r\n`.
      while (i < bytesRead) {
        if (block[i] === NL) i++;
        else if (block[i] === CR && i + 1 < bytesRead && block[i + 1] === NL) i += 2;
        else if (block[i] === CR && i + 1 === bytesRead && i > 0)
          break; // the block ends on a CR: read again from it to see what follows
        else return pos + i; // data; or a CR that is the file's last byte (a one-byte read: a lone CR is a row)
      }
      pos += i;
    }
  }
}

/**
 * The worker's half: reads, maps and checks one range (see the file's comment). Never throws for bad input. The
 * file is read by `reader`, else by the one the job's spec names (built once per thread), else the local disk.
 */
export async function runRangeJob(job: RangeJob, reader?: SourceReader): Promise<RangeOutcome> {
  const source = reader ?? (await readerFromSpec(job.reader, localReader));
  let compiled = compiledTasks.get(job.taskKey);
  if (compiled === undefined) {
    compiled = compileTask(job.task);
    compiledTasks.set(job.taskKey, compiled);
  }
  encoder ??= new RecordKeyEncoder();
  const enc = encoder;
  const window: TimeWindow | null =
    job.table === null ? null : createTimeWindow(job.table, new Date(job.nowMs));
  const start = job.start ?? (await firstLineStart(source, job.file, job.nominal));
  const resolved = resolveReadOptions({
    ...(job.maxRowBytes !== undefined && { maxRowBytes: job.maxRowBytes }),
    ...(job.highWaterMark !== undefined && { highWaterMark: job.highWaterMark }),
    maxFileBytes: Number.MAX_SAFE_INTEGER,
  });
  const range: ReadRange = {
    header: start === 0 ? null : job.header,
    base: start,
    limit: job.limit,
    lineBase: job.lineBase ?? 0,
  };
  // A range reads past its limit only until a record ends: ask for the range and a little more at first.
  const end = Number.isFinite(job.limit) ? job.limit + LINE_SEARCH_BYTES : job.file.size;
  const chunks = source.read(job.file, { start, end, highWaterMark: resolved.highWaterMark });
  const events = readFileEvents(job.file, chunks, job.task.csv, resolved, undefined, range);
  const header = range.header;
  const rangeEvents: AsyncIterable<SourceEvent[]> =
    header === null
      ? events
      : (async function* (): AsyncIterable<SourceEvent[]> {
          // A range after the first: bind the mapper to the file's header as its first range did.
          yield [{ type: 'file-start', file: job.file, header }];
          yield* events;
        })();

  const columns = freeColumns.pop() ?? newColumns();
  try {
    return await readRange(job, compiled, enc, window, start, range, rangeEvents, columns);
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
  columns: ReturnType<typeof newColumns>,
): Promise<RangeOutcome> {
  const header = range.header;
  const { kinds, rowLine, rowSpan, rowOffset, rowBytes, rowRecords } = columns;
  const { recSize, recHash, recUnhashed, recFailure } = columns;
  const failures: Failure[] = [];
  const others: OtherEvent[] = [];
  let skipStart = header !== null;
  for await (const batch of mapRows(source, compiled, { stamp: false })) {
    for (const event of batch) {
      if (event.type !== 'records') {
        if (skipStart && event.type === 'file-start') {
          skipStart = false;
          continue;
        }
        kinds.push(OTHER);
        others.push(event);
        continue;
      }
      kinds.push(ROW);
      rowLine.push(event.line);
      rowSpan.push(event.lastLine - event.line);
      const records = event.records;
      rowRecords.push(records.length);
      // Offsets exist for UTF-8 reads, the only ones done in ranges.
      rowOffset.push(event.offset === undefined ? -1 : event.offset - start);
      rowBytes.push(event.bytes ?? 0);
      for (const record of records) {
        const size = recordEventSize(record);
        recSize.push(size);
        // [choice] limits, then the time window (then, on the main thread, duplicates): as runLoad.
        const failure = checkRecordLimits(record, size) ?? window?.check(record) ?? null;
        if (failure === null) recFailure.push(-1);
        else {
          recFailure.push(failures.length);
          failures.push(failure);
        }
        const hashed = enc.keyHash(record);
        recHash.push(hashed ? enc.keyHashValue : 0);
        recUnhashed.push(hashed ? 0 : 1);
      }
    }
  }
  const engine = range.engine!;
  return {
    start,
    handoff: engine.handoff === -1 ? -1 : start + engine.handoff,
    lines: engine.handoffLines,
    rows: engine.rows,
    kinds: kinds.done(),
    rowLine: rowLine.done(),
    rowSpan: rowSpan.done(),
    rowOffset: rowOffset.done(),
    rowBytes: rowBytes.done(),
    rowRecords: rowRecords.done(),
    recSize: recSize.done(),
    recHash: recHash.done(),
    recUnhashed: recUnhashed.done(),
    recFailure: recFailure.done(),
    failures,
    others,
    namesLines: others.some(
      (e) => (e.type === 'row-failure' || e.type === 'file-failure') && TEXT_NAMES_LINE.has(e.failure.code),
    ),
  };
}

/** The ArrayBuffers of an outcome, to transfer rather than copy across threads. */
export function rangeOutcomeBuffers(outcome: RangeOutcome): ArrayBuffer[] {
  const arrays = [
    outcome.kinds,
    outcome.rowLine,
    outcome.rowSpan,
    outcome.rowOffset,
    outcome.rowBytes,
    outcome.rowRecords,
    outcome.recSize,
    outcome.recHash,
    outcome.recUnhashed,
    outcome.recFailure,
  ];
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}

/** Per file: what the main thread needs to replay its ranges. */
interface PlannedFile {
  file: SourceFile;
  jobs: RangeJob[];
  /** For the duplicate index: the file as rows are read again from it (null: no header, so no rows). */
  rowSource: RowSource | null;
  /** A file failure decided without reading (over the size limit). */
  failure: Failure | null;
}

/**
 * The dry run of `dryRun`, with the files read in ranges by `run` (in parallel when `run` hands jobs to worker
 * threads). Same result as dryRun, exactly. Callers fall back to dryRun for what ranges cannot do: `onRecords`
 * (records would have to cross threads) and `encoding` (no byte offsets to split at).
 */
export async function dryRunInRanges(
  task: ResolvedTask,
  source: ResolvedSource,
  run: RangeRunner,
  options: RangeDryRunOptions = {},
): Promise<DryRunResult> {
  if (options.onRecords !== undefined || options.encoding !== undefined) {
    throw new RangeError('dryRunInRanges: onRecords and encoding need the sequential dryRun');
  }
  const rangeBytes = options.rangeBytes ?? DEFAULT_RANGE_BYTES;
  const inFlight = options.inFlight ?? 4;
  if (!Number.isSafeInteger(rangeBytes) || rangeBytes < 1) {
    throw new RangeError(`rangeBytes must be a positive integer, got ${String(rangeBytes)}`);
  }
  const resolved = resolveReadOptions(options); // validates the read options as readRows does
  const maxEntries = options.maxDuplicateKeys ?? 1_000_000;
  const table = createDuplicateIndex({ maxEntries }) as PointTable;
  const state = createLoadState(task, source, options);
  const compiled = compileTask(task);
  const taskKey = `${Date.now()}-${Math.random()}`;
  const { signal } = options;
  const reader = source.reader ?? localReader;

  async function plan(file: SourceFile): Promise<PlannedFile> {
    if (file.size > resolved.maxFileBytes) {
      return { file, jobs: [], rowSource: null, failure: fileTooLarge(file.size, resolved.maxFileBytes) };
    }
    const base: RangeJob = {
      task,
      taskKey,
      file,
      ...(reader.spec !== undefined && { reader: reader.spec }),
      header: null,
      nominal: 0,
      limit: Infinity,
      table: options.table ?? null,
      nowMs: state.started.getTime(),
      maxRowBytes: resolved.maxRowBytes,
      highWaterMark: options.highWaterMark ?? RANGE_HIGH_WATER_MARK,
    };
    const whole: PlannedFile = { file, jobs: [base], rowSource: null, failure: null };
    const header = await readHeader(file, task.csv, { reader, ...(signal !== undefined && { signal }) });
    if (!header.ok) return whole; // the file fails in its one range, as it would sequentially
    const bound = compiled.bind(header.header);
    if (!bound.ok) return whole;
    const rowSource: RowSource | null = await makeRowSource(
      reader,
      file,
      task.csv,
      bound.map,
      header.header.length,
    );
    const count = Math.max(1, Math.ceil(file.size / rangeBytes));
    const jobs: RangeJob[] = [];
    for (let k = 0; k < count; k++) {
      jobs.push({
        ...base,
        header: k === 0 ? null : header.header,
        nominal: k * rangeBytes,
        limit: k === count - 1 ? Infinity : (k + 1) * rangeBytes,
      });
    }
    return { file, jobs, rowSource, failure: null };
  }

  // Jobs run `inFlight` ahead of the replay, across file boundaries (files in parallel).
  const queue: { planned: PlannedFile; job: RangeJob; result: Promise<RangeOutcome> }[] = [];
  const planned = source.files.map((file) => ({ file, plan: null as Promise<PlannedFile> | null }));
  let nextFile = 0;
  let nextJob = 0;
  let current: PlannedFile | null = null;
  async function fill(): Promise<void> {
    while (queue.length < inFlight) {
      if (current === null || nextJob >= current.jobs.length) {
        if (nextFile >= planned.length) return;
        const entry = planned[nextFile++]!;
        entry.plan ??= plan(entry.file);
        current = await entry.plan;
        nextJob = 0;
        if (current.jobs.length === 0) {
          queue.push({ planned: current, job: null as unknown as RangeJob, result: Promise.resolve(EMPTY) });
          continue;
        }
      }
      const job = current.jobs[nextJob++]!;
      const result = run(job);
      result.catch(() => {}); // awaited in order below; not an unhandled rejection meanwhile
      queue.push({ planned: current, job, result });
    }
  }

  let bytesBefore = 0;
  let rowsBefore = 0;
  let fileDone = false;
  let expected = 0;
  let lineBase = 0;
  let fileRows = 0;
  let replayFile: PlannedFile | null = null;
  const replay = createReplay(state, table);
  for (;;) {
    signal?.throwIfAborted();
    await fill();
    const item = queue.shift();
    if (item === undefined) break;
    if (item.planned !== replayFile) {
      if (replayFile !== null) bytesBefore += replayFile.file.size;
      replayFile = item.planned;
      fileDone = false;
      expected = 0;
      lineBase = 0;
      rowsBefore += fileRows;
      fileRows = 0;
      if (item.planned.failure !== null) {
        await state.fileFailure({
          type: 'file-failure',
          file: item.planned.file.key,
          failure: item.planned.failure,
        });
        fileDone = true;
        continue;
      }
    }
    let outcome = await item.result;
    if (fileDone) continue;
    if (outcome.start !== expected) {
      // The guessed start was wrong (inside a quoted field, or blank lines): unless the range before already
      // read past this whole range, read it again from where the sequential reader is (the proven handoff).
      if (expected >= item.job.limit) continue;
      outcome = await run({ ...item.job, start: expected });
    }
    if (outcome.namesLines && lineBase > 0) outcome = await run({ ...item.job, start: expected, lineBase });
    await replay(item.planned, outcome, lineBase);
    fileRows += outcome.rows;
    if (outcome.handoff === -1) fileDone = true;
    else {
      expected = outcome.handoff;
      lineBase += outcome.lines;
    }
    if (options.onProgress !== undefined) {
      const fileBytesRead = fileDone ? item.planned.file.size : Math.min(expected, item.planned.file.size);
      options.onProgress({
        file: item.planned.file.key,
        fileBytesRead,
        fileBytes: item.planned.file.size,
        bytesRead: bytesBefore + fileBytesRead,
        totalBytes: source.totalBytes,
        rows: rowsBefore + fileRows,
        report: state.report,
      });
    }
  }
  const warnings = table.partial
    ? [
        `Duplicate check was partial: more than ${maxEntries} distinct record keys; later duplicates were not looked for (R-DUP-1).`,
      ]
    : [];
  return state.finish(warnings);
}

const EMPTY: RangeOutcome = {
  start: 0,
  handoff: -1,
  lines: 0,
  rows: 0,
  kinds: new Uint8Array(0),
  rowLine: new Int32Array(0),
  rowSpan: new Int32Array(0),
  rowOffset: new Int32Array(0),
  rowBytes: new Int32Array(0),
  rowRecords: new Int32Array(0),
  recSize: new Int32Array(0),
  recHash: new Int32Array(0),
  recUnhashed: new Uint8Array(0),
  recFailure: new Int32Array(0),
  failures: [],
  others: [],
  namesLines: false,
};

/**
 * Replays a range's outcomes through the load state, as runLoad does with the dry-run sink: per records row, the
 * first failure of limits, time window, then duplicates (R-DUP-1, on the key hashes: a record is read again only
 * when its hash is already in the index), else every record is counted ingested and added to the index.
 */
function createReplay(
  state: LoadState,
  table: PointTable,
): (planned: PlannedFile, outcome: RangeOutcome, lineBase: number) => Promise<void> {
  return async (planned, outcome, lineBase) => {
    const key = planned.file.key;
    const rowSource = planned.rowSource;
    const { kinds, rowLine, rowSpan, rowOffset, rowBytes, rowRecords, start } = outcome;
    const { recSize, recHash, recUnhashed, recFailure, failures, others } = outcome;
    let row = 0;
    let rec = 0;
    let other = 0;
    for (let e = 0; e < kinds.length; e++) {
      if (kinds[e] === OTHER) {
        const event = others[other++]!;
        let wait: void | Promise<void> = undefined;
        switch (event.type) {
          case 'row-failure':
            wait = state.rowFailure({
              ...event,
              line: event.line + lineBase,
              lastLine: event.lastLine + lineBase,
            });
            break;
          case 'file-failure':
            wait = state.fileFailure(
              event.line === undefined ? event : { ...event, line: event.line + lineBase },
            );
            break;
          case 'file-end':
            state.fileEnd();
            break;
          case 'file-start':
            break;
        }
        if (wait !== undefined) await wait;
        continue;
      }
      const count = rowRecords[row]!;
      const relative = rowOffset[row]!;
      const offset = relative === -1 ? -1 : start + relative;
      const bytes = rowBytes[row]!;
      let failure: Failure | null = null;
      for (let r = 0; r < count && failure === null; r++) {
        const i = rec + r;
        const pre = recFailure[i]!;
        if (pre !== -1) failure = failures[pre]!;
        else if (rowSource !== null && offset >= 0 && recUnhashed[i] === 0) {
          failure = table.checkRow(recHash[i]!, rowSource, offset, bytes, r);
        }
        // Else the record could not be hashed in the worker (its name lists ran out) or has no row to read again:
        // as for the sequential index, it matches nothing, and storing it makes the check partial.
      }
      const line = rowLine[row]! + lineBase;
      const lastLine = line + rowSpan[row]!;
      if (failure === null) {
        state.ingestedSizes(recSize, rec, rec + count);
        for (let r = 0; r < count; r++) {
          if (rowSource !== null && offset >= 0 && recUnhashed[rec + r] === 0) {
            table.addRow(recHash[rec + r]!, rowSource, offset, bytes, r);
          } else {
            table.partial = true;
          }
        }
      } else {
        const sizes = Array.from(recSize.subarray(rec, rec + count));
        const wait = state.ingestionFailure(key, line, lastLine, failure, sizes);
        if (wait !== undefined) await wait;
      }
      rec += count;
      row++;
    }
  };
}
