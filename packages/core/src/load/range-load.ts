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
import { stat } from 'node:fs/promises';

import { LoadDuplicates } from '../checks/load-duplicates.js';
import type { DryRunOptions, DryRunResult } from './load-types.js';
import type { Failure } from '../failure.js';
import { readHeader } from '../csv/read-header.js';
import { compileTask } from '../map/row-mapper.js';
import type { ResolvedSource, SourceFile } from '../source/source.js';
import type { ResolvedTask } from '../task.js';
import { fileTooLarge } from '../csv/csv-failures.js';
import { resolveReadOptions } from '../csv/csv-read-file.js';
import { createLoadState } from './load-state.js';
import type { RowSource } from '../map/record-source.js';
import { EMPTY_OUTCOME, OTHER, type RangeJob, type RangeOutcome, type RangeRunner } from './range-job.js';
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
 * [choice] Bytes per read of a range, unless the options give highWaterMark: small, so that each chunk's buffer dies
 * in the young generation. With the 1 MiB of the sequential reader, the chunks outlived it and a worker kept tens
 * of MiB of dead chunks until its next full collection (the bench: 2-worker dry run of 1 GB, 350 -> 230 MiB).
 */
const RANGE_HIGH_WATER_MARK = 64 * 1024;

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
  const state = createLoadState(task, source, options);
  const compiled = compileTask(task);
  const taskKey = `${Date.now()}-${Math.random()}`;
  const { signal } = options;

  async function plan(file: SourceFile): Promise<PlannedFile> {
    if (file.size > resolved.maxFileBytes) {
      return { file, jobs: [], rowSource: null, failure: fileTooLarge(file.size, resolved.maxFileBytes) };
    }
    const base: RangeJob = {
      task,
      taskKey,
      file,
      header: null,
      nominal: 0,
      limit: Infinity,
      table: options.table ?? null,
      nowMs: state.started.getTime(),
      maxRowBytes: resolved.maxRowBytes,
      highWaterMark: options.highWaterMark ?? RANGE_HIGH_WATER_MARK,
    };
    const whole: PlannedFile = { file, jobs: [base], rowSource: null, failure: null };
    const header = await readHeader(file, task.csv, signal === undefined ? {} : { signal });
    if (!header.ok) return whole; // the file fails in its one range, as it would sequentially
    const bound = compiled.bind(header.header);
    if (!bound.ok) return whole;
    let rowSource: RowSource | null;
    try {
      const { size, mtimeMs } = await stat(file.path);
      rowSource = {
        path: file.path,
        size,
        mtimeMs,
        csv: task.csv,
        map: bound.map,
        columns: header.header.length,
      };
    } catch {
      rowSource = null;
    }
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
          queue.push({
            planned: current,
            job: null as unknown as RangeJob,
            result: Promise.resolve(EMPTY_OUTCOME),
          });
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
  let records = 0;
  const duplicates = new LoadDuplicates(options);
  // The records still to come, in proportion to the bytes replayed so far (it sizes the spill's partitions).
  const estimate = (): number =>
    Math.ceil((records * source.totalBytes) / Math.max(1, bytesBefore + expected) - records);
  const replay = new RangeReplay(state, duplicates, estimate);
  try {
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
          // Through the replay, so that it keeps its place in file order once outcomes are logged (R-DUP-1).
          await replay.add(item.planned, fileFailureOutcome(item.planned.file, item.planned.failure), 0);
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
      await replay.add(item.planned, outcome, lineBase);
      records += outcome.recSize.length;
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
    await options.onRangesRead?.();
    await replay.finish(signal);
  } finally {
    replay.close();
    duplicates.close();
  }
  return state.finish([]);
}

/** A file failure decided without reading, as the one event of an outcome. */
function fileFailureOutcome(file: SourceFile, failure: Failure): RangeOutcome {
  return {
    ...EMPTY_OUTCOME,
    kinds: Uint8Array.of(OTHER),
    others: [{ type: 'file-failure', file: file.key, failure }],
  };
}
