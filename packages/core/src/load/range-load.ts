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
import { LoadDuplicates } from '../checks/load-duplicates.js';
import type { DryRunOptions, DryRunResult } from './load-types.js';
import { LoadAbortedError } from './load-aborted.js';
import type { Failure } from '../failure.js';
import { compileTask } from '../map/row-mapper.js';
import type { ResolvedSource, SourceFile } from '../source/source.js';
import type { ResolvedTask } from '../task.js';
import { resolveReadOptions } from '../csv/csv-read-file.js';
import { createLoadState, type LoadState } from './load-state.js';
import { localReader } from '../source/local-reader.js';
import { EMPTY_OUTCOME, OTHER, type RangeOutcome, type RangeRunner } from './range-job.js';
import { RangeQueue, type QueuedJob, type RangePlan } from './range-plan.js';
import { RangeReplay, type PlannedFile } from './range-replay.js';

export * from './range-job.js';

export interface RangeDryRunOptions extends DryRunOptions {
  /** Nominal bytes per range. @default 4 MiB */
  rangeBytes?: number;
  /** Ranges in flight at once (the workers' queue). @default 4 */
  inFlight?: number;
  /**
   * Called once every range is read, before the duplicate check's keys on disk are resolved and replayed: `run` is
   * not called again, so its workers can be let go (their memory is not needed for the rest).
   */
  onRangesRead?: () => void | Promise<void>;
}

/**
 * [choice] Range size: big enough that per-range costs (an open, a seek) vanish, small enough that a range's
 * outcomes (about 30 bytes per row) stay small in memory while they wait for the replay.
 */
const DEFAULT_RANGE_BYTES = 4 * 1024 * 1024;

/**
 * [choice] Bytes per read of a range, unless the options give highWaterMark: one buffer per job, reused for every read
 * (readFileChunksSync), so its size costs no garbage; big enough that a read is mostly a copy.
 */
const RANGE_HIGH_WATER_MARK = 256 * 1024;

/**
 * The dry run of `dryRun`, with the files read in ranges by `run` (in parallel when `run` hands jobs to worker
 * threads). Same result as dryRun, exactly. Callers fall back to dryRun for what ranges cannot do: `onRecords`
 * (records would have to cross threads) and `encoding` (no byte offsets to split at). An aborted signal stops it
 * before the next range (or the next logged range, once the duplicate check spilled) with a LoadAbortedError holding
 * the counts so far (issue 18); the duplicate check's temporary files are removed whatever happened.
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
  const read = resolveReadOptions(options); // validates the read options as readRows does
  const state = createLoadState(task, source, options);
  const { signal } = options;
  const plan: RangePlan = {
    task,
    compiled: compileTask(task),
    taskKey: `${Date.now()}-${Math.random()}`,
    rangeBytes,
    read,
    highWaterMark: options.highWaterMark ?? RANGE_HIGH_WATER_MARK,
    table: options.table ?? null,
    nowMs: state.started.getTime(),
    statistics: options.statistics === true,
    signal,
    reader: source.reader ?? localReader,
  };
  const queue = new RangeQueue(plan, source.files, run, inFlight);

  const duplicates = new LoadDuplicates(options);
  const driver = new RangeDriver(source, run, state, duplicates, options);
  // R-DUP-1: what the reader keeps for rows read again (S3's range cache) stays until the run ends.
  const release = source.reader?.retain?.(source.files);
  try {
    for (;;) {
      signal?.throwIfAborted();
      const item = await queue.next();
      if (item === undefined) break;
      await driver.take(item);
    }
    await options.onRangesRead?.();
    await driver.replay.finish(signal);
  } catch (error) {
    if (signal?.aborted === true) throw new LoadAbortedError(signal.reason, state.stopped([]));
    throw error;
  } finally {
    driver.replay.close();
    duplicates.close();
    release?.();
  }
  return state.finish([]);
}

/** Takes the ranges' outcomes in file order: proves each start, rebases its lines, replays it, reports progress. */
class RangeDriver {
  readonly replay: RangeReplay;
  private bytesBefore = 0;
  private rowsBefore = 0;
  private fileDone = false;
  /** Where the next range of the file must start (the proven handoff), and the lines before it. */
  private expected = 0;
  private lineBase = 0;
  private fileRows = 0;
  private file: PlannedFile | null = null;
  private records = 0;

  constructor(
    private readonly source: ResolvedSource,
    private readonly run: RangeRunner,
    private readonly state: LoadState,
    duplicates: LoadDuplicates,
    private readonly options: RangeDryRunOptions,
  ) {
    // The records still to come, in proportion to the bytes replayed so far (it sizes the spill's partitions).
    const estimate = (): number =>
      Math.ceil(
        (this.records * source.totalBytes) / Math.max(1, this.bytesBefore + this.expected) - this.records,
      );
    this.replay = new RangeReplay(state, duplicates, estimate);
  }

  async take(item: QueuedJob): Promise<void> {
    if (item.planned !== this.file) {
      if (this.file !== null) this.bytesBefore += this.file.file.size;
      this.file = item.planned;
      this.fileDone = false;
      this.expected = 0;
      this.lineBase = 0;
      this.rowsBefore += this.fileRows;
      this.fileRows = 0;
      if (item.planned.failure !== null) {
        // Through the replay, so that it keeps its place in file order once outcomes are logged (R-DUP-1).
        await this.replay.add(item.planned, fileFailureOutcome(item.planned.file, item.planned.failure), 0);
        this.fileDone = true;
        return;
      }
    }
    let outcome = await item.result;
    if (this.fileDone) return;
    if (outcome.start !== this.expected) {
      // The guessed start was wrong (inside a quoted field, or blank lines): unless the range before already
      // read past this whole range, read it again from where the sequential reader is (the proven handoff).
      if (this.expected >= item.job.limit) return;
      outcome = await this.run({ ...item.job, start: this.expected });
    }
    if (outcome.namesLines && this.lineBase > 0) {
      outcome = await this.run({ ...item.job, start: this.expected, lineBase: this.lineBase });
    }
    await this.replay.add(item.planned, outcome, this.lineBase);
    this.records += outcome.recSize.length;
    this.fileRows += outcome.rows;
    if (outcome.handoff === -1) this.fileDone = true;
    else {
      this.expected = outcome.handoff;
      this.lineBase += outcome.lines;
    }
    this.progress(item.planned.file);
  }

  private progress(file: SourceFile): void {
    const onProgress = this.options.onProgress;
    if (onProgress === undefined) return;
    const fileBytesRead = this.fileDone ? file.size : Math.min(this.expected, file.size);
    onProgress({
      file: file.key,
      fileBytesRead,
      fileBytes: file.size,
      bytesRead: this.bytesBefore + fileBytesRead,
      totalBytes: this.source.totalBytes,
      rows: this.rowsBefore + this.fileRows,
      report: this.state.report,
    });
  }
}

/** A file failure decided without reading, as the one event of an outcome. */
function fileFailureOutcome(file: SourceFile, failure: Failure): RangeOutcome {
  return {
    ...EMPTY_OUTCOME,
    kinds: Uint8Array.of(OTHER),
    others: [{ type: 'file-failure', file: file.key, failure }],
  };
}
