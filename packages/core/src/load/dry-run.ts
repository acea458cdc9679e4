import { LoadDuplicates } from '../checks/load-duplicates.js';
import type { Failure } from '../failure.js';
import { mapRows, readerOption, type MappedEvent } from '../map/map-rows.js';
import type { TimestreamRecord } from '../map/record.js';
import { compileTask } from '../map/row-mapper.js';
import type { ResolvedSource } from '../source/source.js';
import type { ResolvedTask } from '../task.js';
import { LoadAbortedError } from './load-aborted.js';
import { createLoadState, type LoadState } from './load-state.js';
import type { DryRunOptions, DryRunResult, LoadOptions, LoadResult, LoadSink } from './load-types.js';
import { recordTimeMs } from '../report/stats/record-time.js';
import { LoadPlace } from './spill-rest.js';

/**
 * Runs every row of the source through the task exactly as batch load would, writing nothing: the dry-run sink only
 * hands the records on (`onRecords`). Never throws on bad input: bad rows and files are counted and reported
 * (R-COUNT-1/2). Throws DuplicateCheckError when the duplicate check cannot finish (a full temporary disk).
 */
export async function dryRun(
  task: ResolvedTask,
  source: ResolvedSource,
  options: DryRunOptions = {},
): Promise<DryRunResult> {
  const { onRecords } = options;
  const sink: LoadSink = { store: (file, line, records) => onRecords?.(file, line, records) };
  return runLoad(task, source, sink, options);
}

/**
 * The engine of a batch load: reads every file of the source in key order, maps each row with the task compiled
 * once, applies the limits, the time window and the duplicates within the load (R-DUP-1, exact at any size: keys
 * past the memory budget go to disk), and hands accepted rows to the sink; counts and reports the rest.
 * An aborted signal stops it at the next row (not the next read chunk) with a LoadAbortedError holding the counts;
 * the duplicate check's temporary files are removed whatever happened.
 */
export async function runLoad(
  task: ResolvedTask,
  source: ResolvedSource,
  sink: LoadSink,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const state = createLoadState(task, source, options);
  const duplicates = options.duplicates === false ? null : new LoadDuplicates(options);
  const { signal } = options;
  // R-DUP-1: what the reader keeps for rows read again (S3's range cache) stays until the run ends.
  const release = source.reader?.retain?.(source.files);
  try {
    await runEvents(task, source, state, sink, duplicates, signal);
  } catch (error) {
    if (signal?.aborted === true)
      throw new LoadAbortedError(signal.reason, state.stopped(sink.warnings?.() ?? []));
    throw error;
  } finally {
    duplicates?.close();
    release?.();
  }
  return state.finish(sink.warnings?.() ?? []);
}

async function runEvents(
  task: ResolvedTask,
  source: ResolvedSource,
  state: LoadState,
  sink: LoadSink,
  duplicates: LoadDuplicates | null,
  signal: AbortSignal | undefined,
): Promise<void> {
  const compiled = compileTask(task);
  const place = new LoadPlace(source);
  const sinkCheck = sink.check?.bind(sink);
  const stats = state.stats;
  // The last line of the file so far, for the report (parse failures tell it themselves).
  let lastLine = 0;
  for await (const batch of mapRows(state.events(), compiled, readerOption(source))) {
    for (const event of batch) {
      // Issue 18: a read chunk holds thousands of rows; the abort is honoured between two of them.
      if (signal?.aborted === true) throw signal.reason;
      switch (event.type) {
        case 'records': {
          if (duplicates?.full === true) await place.spill(event, duplicates, state, compiled, signal);
          const wait = recordsRow(event, state, sink, duplicates, sinkCheck);
          if (wait !== undefined) await wait;
          if (stats !== null) lastLine = event.lastLine;
          break;
        }
        case 'row-failure': {
          const wait = state.rowFailure(event);
          if (wait !== undefined) await wait;
          break;
        }
        case 'file-failure': {
          const wait = state.fileFailure(event);
          if (wait !== undefined) await wait;
          break;
        }
        case 'file-end':
          state.fileEnd();
          stats?.reached(event.file, lastLine);
          lastLine = 0;
          break;
        case 'file-start':
          break;
      }
      place.passed(event);
    }
  }
}

/** A row that mapped to records: limits, window, duplicates (R-DUP-1), the sink's check; stored or counted failed. */
function recordsRow(
  event: Extract<MappedEvent, { type: 'records' }>,
  state: LoadState,
  sink: LoadSink,
  duplicates: LoadDuplicates | null,
  sinkCheck: ((record: TimestreamRecord) => Failure | null) | undefined,
): void | Promise<void> {
  const { failure, sizes } = state.checkRow(event.records, duplicates, sinkCheck);
  const stats = state.stats;
  if (stats !== null) {
    stats.content.add(event.records);
    if (failure !== null) {
      stats.ingestionFailure(event.file, event.line, event.lastLine, recordTimeMs(event.records[0]));
    }
  }
  if (failure === null) {
    if (duplicates !== null) for (const record of event.records) duplicates.add(record);
    state.ingested(sizes);
    return sink.store(event.file, event.line, event.records);
  }
  // R-COUNT-1: in a dry run a row with an ingestion failure yields no records; all of them are metered.
  return state.ingestionFailure(event.file, event.line, event.lastLine, failure, sizes);
}

// runDeferredLoad: the same engine for a target that answers later (a real load, R-ING-2).
export * from './deferred-load.js';
