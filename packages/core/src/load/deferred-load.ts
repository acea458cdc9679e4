/**
 * The load engine for a target that answers some time after a row is handed over: WriteRecords calls in flight
 * (R-ING-2). Same reading, mapping, checks, counting and reports as runLoad (one engine: internal/load-state.ts),
 * but a row is counted when its outcome arrives, always in input order.
 */
import type { Failure } from '../failure.js';
import { mapRows, readerOption, type MappedEvent } from '../map/map-rows.js';
import type { ProgressReport } from '../report/progress.js';
import type { TimestreamRecord } from '../map/record.js';
import { compileTask } from '../map/row-mapper.js';
import type { ResolvedSource } from '../source/source.js';
import type { ResolvedTask } from '../task.js';
import type { LoadOptions, LoadResult, LoadWarning } from './load-types.js';
import { createLoadState } from './load-state.js';
import { DEFAULT_MAX_DUPLICATE_KEYS, LoadDuplicates } from '../checks/load-duplicates.js';
import { LoadPlace } from './spill-rest.js';
import { shouldSpillAhead, SpillAhead } from './spill-ahead.js';

/** A row handed to a deferred sink. */
export interface SentRow {
  file: string;
  line: number;
  lastLine: number;
  records: TimestreamRecord[];
}

/** What the target did with a row's records. */
export interface RowOutcome {
  /** The records it refused, by their index in the row's records; empty when it stored them all. */
  rejected: { index: number; failure: Failure }[];
}

/**
 * Reports a row's outcome, exactly once. An Error means the row was not written and the load stops there: the rows
 * before it are counted, the row and everything after it are not (a checkpoint can resume from it, R-ING-3).
 */
export type SettleRow = (outcome: RowOutcome | Error) => void;

/**
 * A sink whose target answers some time after a row is handed over (WriteRecords calls in flight, R-ING-2). Rows
 * are still counted and reported in input order, when their outcome is known.
 */
export interface DeferredLoadSink {
  /** As LoadSink.check: a failure when the target itself would refuse the record (the engine checks R-DUP-1). */
  check?(record: TimestreamRecord): Failure | null;
  /**
   * Hands over a row whose records passed every check; `settle` is called with its outcome, now or later. A returned
   * promise is awaited before the next row (backpressure into the reader).
   */
  send(row: SentRow, settle: SettleRow): void | Promise<void>;
  /** Sends whatever `send` held back (a partial batch): called at the end and whenever the engine waits. */
  flush(): void | Promise<void>;
  /**
   * The load is stopping: send nothing more, settle every row held (unsent ones with an Error) and resolve any
   * pending `send` promise. Rows in flight may still settle normally.
   */
  stop(reason: unknown): void;
  warnings?(): LoadWarning[];
}

/** How far the load has counted: every row of `file` starting at or before `line` (and every earlier file). */
export interface LoadPosition {
  file: string;
  line: number;
  /** The whole file is counted. */
  fileDone: boolean;
  /** The counters at this position, BytesMetered included (live object: copy what you keep). */
  report: Readonly<ProgressReport>;
}

export interface DeferredLoadOptions extends LoadOptions {
  /** Called as rows are counted, in input order (at most once per batch of settled rows). */
  onSettled?: (position: LoadPosition) => void;
  /** Rows handed over or waiting behind them before the reader waits for the oldest one. @default 50_000 */
  maxPendingRows?: number;
  /**
   * R-DUP-1 for a load that will not fit the duplicate check's memory: spill and resolve it with a second reading
   * AHEAD of the send path (spill-ahead.ts), so that sending does not stop when the table fills. Same results either
   * way. Only for local files (a source with its own reader, such as S3, reads the rest once the table is full).
   * @default true
   */
  spillAhead?: boolean;
}

type PendingRow =
  | {
      type: 'sent';
      file: string;
      line: number;
      lastLine: number;
      sizes: number[];
      outcome: RowOutcome | Error | undefined;
    }
  | { type: 'failed'; file: string; line: number; lastLine: number; sizes: number[]; failure: Failure }
  | Extract<MappedEvent, { type: 'row-failure' | 'file-failure' | 'file-end' }>;

/**
 * runLoad for a target that answers later. Same reading, mapping, checks, counting and reports (one engine), but a
 * row handed to the sink is counted when its outcome arrives, always in input order; memory is bounded by
 * `maxPendingRows`. When the load stops (the signal, the sink settling a row with an Error, or any error), the rows
 * that settle are counted up to the first one that did not, `onSettled` says where that is, and the cause is thrown.
 */
export async function runDeferredLoad(
  task: ResolvedTask,
  source: ResolvedSource,
  sink: DeferredLoadSink,
  options: DeferredLoadOptions = {},
): Promise<LoadResult> {
  const state = createLoadState(task, source, options);
  const maxPending = options.maxPendingRows ?? 50_000;
  if (!Number.isInteger(maxPending) || maxPending < 1) {
    throw new RangeError(`runDeferredLoad: maxPendingRows must be a positive integer, got ${maxPending}`);
  }
  const { onSettled, signal } = options;
  const sinkCheck = sink.check?.bind(sink);
  const compiled = compileTask(task);
  // R-DUP-1 decided here, in file order, as in a dry run: two conflicting records never race to the target.
  const duplicates = options.duplicates === false ? null : new LoadDuplicates(options);
  const place = new LoadPlace(source);
  const maxKeys = options.maxDuplicateKeys ?? DEFAULT_MAX_DUPLICATE_KEYS;
  // Not with a sink check: the table leaves out rows it refuses, which a reading ahead cannot know of.
  const aheadAllowed =
    duplicates !== null &&
    options.spillAhead !== false &&
    sinkCheck === undefined &&
    source.reader === undefined;
  let ahead: SpillAhead | null = null;
  let queue: (PendingRow | undefined)[] = [];
  let head = 0;
  let waiter: (() => void) | null = null;
  let stopping = false;
  let cause: unknown;
  let onStopped: () => void = () => undefined;
  // A send() still waiting for room when the load stops is not waited for.
  const stopped = new Promise<void>((resolve) => (onStopped = resolve));

  const wake = (): void => {
    const w = waiter;
    waiter = null;
    w?.();
  };
  const nextSettle = (): Promise<void> => new Promise((resolve) => (waiter = resolve));
  const headUndecided = (): boolean => {
    const entry = queue[head];
    return entry !== undefined && entry.type === 'sent' && entry.outcome === undefined;
  };
  const stop = (reason: unknown): void => {
    if (stopping) return;
    stopping = true;
    cause = reason;
    sink.stop(reason);
    onStopped();
    wake();
  };
  const onAbort = (): void => stop(signal?.reason);

  /** Counts every decided row at the head of the queue; returns the Error of a row that failed to be written. */
  async function drain(): Promise<Error | null> {
    let last: PendingRow | undefined;
    let failed: Error | null = null;
    while (head < queue.length) {
      const entry = queue[head]!;
      if (entry.type === 'sent') {
        const outcome = entry.outcome;
        if (outcome === undefined) break;
        if (outcome instanceof Error) {
          failed = outcome;
          break;
        }
        if (outcome.rejected.length === 0) {
          state.ingested(entry.sizes);
        } else {
          // R-COUNT-1: one ingestion failure for the row, even when some of its records were stored.
          const stored = entry.sizes.map(() => true);
          let first = outcome.rejected[0]!;
          for (const r of outcome.rejected) {
            stored[r.index] = false;
            if (r.index < first.index) first = r;
          }
          const wait = state.ingestionFailure(
            entry.file,
            entry.line,
            entry.lastLine,
            first.failure,
            entry.sizes,
            stored,
          );
          if (wait !== undefined) await wait;
        }
      } else if (entry.type === 'failed') {
        const wait = state.ingestionFailure(
          entry.file,
          entry.line,
          entry.lastLine,
          entry.failure,
          entry.sizes,
        );
        if (wait !== undefined) await wait;
      } else if (entry.type === 'row-failure') {
        const wait = state.rowFailure(entry);
        if (wait !== undefined) await wait;
      } else if (entry.type === 'file-failure') {
        const wait = state.fileFailure(entry);
        if (wait !== undefined) await wait;
      } else {
        state.fileEnd();
      }
      queue[head++] = undefined;
      last = entry;
    }
    if (head > 4096 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    if (last !== undefined && onSettled !== undefined) {
      state.meterNow();
      const fileDone = last.type === 'file-end' || last.type === 'file-failure';
      const line =
        last.type === 'file-end' || last.type === 'file-failure' ? Number.MAX_SAFE_INTEGER : last.line;
      onSettled({ file: last.file, line, fileDone, report: state.report });
    }
    return failed;
  }

  /** Waits for the oldest row's outcome (sending any partial batch first), then counts what can be counted. */
  async function advance(): Promise<void> {
    if (headUndecided()) {
      await sink.flush();
      while (headUndecided() && !stopping) await nextSettle();
    }
    const failed = await drain();
    if (failed !== null) throw failed;
  }

  signal?.addEventListener('abort', onAbort, { once: true });
  // R-DUP-1: what the reader keeps for rows read again (S3's range cache) stays until the load ends.
  const release = source.reader?.retain?.(source.files);
  try {
    if (signal?.aborted === true) throw signal.reason;
    for await (const batch of mapRows(state.events(), compiled, readerOption(source))) {
      for (const event of batch) {
        if (stopping) throw cause;
        if (event.type === 'records' && duplicates !== null) {
          // The ordinal of the row's first record in the load (the place counts the rows before this one).
          const ordinal = place.recordsPassed;
          if (duplicates.full) {
            // Rows sent so far settle meanwhile; the rest of the load is (or was, ahead) read once more for its keys.
            await sink.flush();
            if (ahead !== null) await ahead.take();
            else await place.spill(event, duplicates, state, compiled, signal);
          } else if (aheadAllowed && ahead === null && duplicates.inMemory) {
            const expected = place.expectedRecords(event);
            if (shouldSpillAhead(ordinal, expected, maxKeys)) {
              ahead = new SpillAhead(source, state, compiled, duplicates, ordinal, expected, signal);
            }
          }
          ahead?.passed(ordinal, event.records, event.file, event.line);
        }
        place.passed(event);
        switch (event.type) {
          case 'records': {
            const { failure, sizes } = state.checkRow(event.records, duplicates, sinkCheck);
            if (failure !== null) {
              queue.push({
                type: 'failed',
                file: event.file,
                line: event.line,
                lastLine: event.lastLine,
                sizes,
                failure,
              });
              break;
            }
            if (duplicates !== null) for (const record of event.records) duplicates.add(record);
            const entry: PendingRow = {
              type: 'sent',
              file: event.file,
              line: event.line,
              lastLine: event.lastLine,
              sizes,
              outcome: undefined,
            };
            queue.push(entry);
            const settle: SettleRow = (outcome) => {
              if (entry.outcome !== undefined) return;
              entry.outcome = outcome;
              wake();
            };
            try {
              const wait = sink.send(
                { file: event.file, line: event.line, lastLine: event.lastLine, records: event.records },
                settle,
              );
              if (wait !== undefined) await Promise.race([wait, stopped]);
            } catch (error) {
              settle(error instanceof Error ? error : new Error(String(error)));
              throw error;
            }
            break;
          }
          case 'row-failure':
          case 'file-failure':
          case 'file-end':
            queue.push(event);
            break;
          case 'file-start':
            break;
        }
      }
      const failed = await drain();
      if (failed !== null) throw failed;
      while (queue.length - head > maxPending && !stopping) await advance();
    }
    if (stopping) throw cause;
    await sink.flush();
    while (head < queue.length && !stopping) await advance();
    if (stopping) throw cause;
  } catch (error) {
    stop(error);
    // Every row handed over settles (the sink's contract): count them up to the first that was not written.
    while (head < queue.length) {
      while (headUndecided()) await nextSettle();
      if ((await drain()) !== null) break;
    }
    throw cause;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await ahead?.cancel();
    duplicates?.close();
    release?.();
  }
  return state.finish(sink.warnings?.() ?? []);
}
