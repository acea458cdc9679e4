import { createDuplicateIndex, type DuplicateIndex } from '../checks/duplicate-index.js';
import type { Failure } from '../failure.js';
import { mapRows } from '../map/map-rows.js';
import type { TimestreamRecord } from '../map/record.js';
import { compileTask } from '../map/row-mapper.js';
import type { ResolvedSource } from '../source/source.js';
import type { ResolvedTask } from '../task.js';
import { LoadAbortedError } from './load-aborted.js';
import { createLoadState, type LoadState } from './load-state.js';
import type {
  DryRunOptions,
  DryRunResult,
  LoadOptions,
  LoadResult,
  LoadSink,
  LoadWarning,
} from './load-types.js';
import { recordTimeMs } from '../report/stats/content-stats.js';

/**
 * Runs every row of the source through the task exactly as batch load would, writing nothing (the dry-run sink:
 * the within-load duplicate rule R-DUP-1 over a bounded index). Never throws on bad input: bad rows and files are
 * counted and reported (R-COUNT-1/2).
 */
export async function dryRun(
  task: ResolvedTask,
  source: ResolvedSource,
  options: DryRunOptions = {},
): Promise<DryRunResult> {
  const maxEntries = options.maxDuplicateKeys ?? 1_000_000;
  const duplicates: DuplicateIndex = createDuplicateIndex({ maxEntries });
  const { onRecords } = options;
  const sink: LoadSink = {
    check: (record) => duplicates.check(record),
    store(file, line, records) {
      for (const record of records) duplicates.add(record);
      return onRecords?.(file, line, records);
    },
    warnings: () => (duplicates.partial ? [partialDuplicateCheck(maxEntries)] : []),
  };
  return runLoad(task, source, sink, options);
}

/** R-DUP-1's warning when the key budget ran out, shared by the sequential and the ranged dry run. */
export function partialDuplicateCheck(maxEntries: number): LoadWarning {
  return {
    code: 'DUPLICATE_CHECK_PARTIAL',
    message: `Duplicate check was partial: more than ${maxEntries} distinct record keys; later duplicates were not looked for (R-DUP-1).`,
    advice: 'Raise maxDuplicateKeys, or split the load.',
  };
}

/**
 * The engine of a batch load: reads every file of the source in key order, maps each row with the task compiled
 * once, applies the limits and the time window, and hands accepted rows to the sink; counts and reports the rest.
 * An aborted signal stops it at the next row (not the next read chunk) with a LoadAbortedError holding the counts.
 */
export async function runLoad(
  task: ResolvedTask,
  source: ResolvedSource,
  sink: LoadSink,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const state = createLoadState(task, source, options);
  const { signal } = options;
  try {
    await runEvents(task, state, sink, signal);
  } catch (error) {
    if (signal?.aborted === true)
      throw new LoadAbortedError(signal.reason, state.stopped(sink.warnings?.() ?? []));
    throw error;
  }
  return state.finish(sink.warnings?.() ?? []);
}

async function runEvents(
  task: ResolvedTask,
  state: LoadState,
  sink: LoadSink,
  signal: AbortSignal | undefined,
): Promise<void> {
  const check = (record: TimestreamRecord): Failure | null => sink.check(record);
  const stats = state.stats;
  // The last line of the file so far, for the report (parse failures tell it themselves).
  let lastLine = 0;
  for await (const batch of mapRows(state.events(), compileTask(task))) {
    for (const event of batch) {
      // Issue 18: a read chunk holds thousands of rows; the abort is honoured between two of them.
      if (signal?.aborted === true) throw signal.reason;
      switch (event.type) {
        case 'records': {
          const { failure, sizes } = state.checkRow(event.records, check);
          if (stats !== null) {
            stats.content.add(event.records);
            lastLine = event.lastLine;
            if (failure !== null) {
              stats.ingestionFailure(event.file, event.line, event.lastLine, recordTimeMs(event.records[0]));
            }
          }
          if (failure === null) {
            state.ingested(sizes);
            const wait = sink.store(event.file, event.line, event.records);
            if (wait !== undefined) await wait;
          } else {
            // R-COUNT-1: in a dry run a row with an ingestion failure yields no records; all of them are metered.
            const wait = state.ingestionFailure(event.file, event.line, event.lastLine, failure, sizes);
            if (wait !== undefined) await wait;
          }
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
    }
  }
}

// runDeferredLoad: the same engine for a target that answers later (a real load, R-ING-2).
export * from './deferred-load.js';
