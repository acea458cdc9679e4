import { createDuplicateIndex, type DuplicateIndex } from '../checks/duplicate-index.js';
import type { Failure } from '../failure.js';
import { mapRows } from '../map/map-rows.js';
import type { TimestreamRecord } from '../map/record.js';
import { compileTask } from '../map/row-mapper.js';
import type { ResolvedSource } from '../source/source.js';
import type { ResolvedTask } from '../task.js';
import { createLoadState } from './load-state.js';
import type { DryRunOptions, DryRunResult, LoadOptions, LoadResult, LoadSink } from './load-types.js';

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
    warnings: () =>
      duplicates.partial
        ? [
            `Duplicate check was partial: more than ${maxEntries} distinct record keys; later duplicates were not looked for (R-DUP-1).`,
          ]
        : [],
  };
  return runLoad(task, source, sink, options);
}

/**
 * The engine of a batch load: reads every file of the source in key order, maps each row with the task compiled
 * once, applies the limits and the time window, and hands accepted rows to the sink; counts and reports the rest.
 */
export async function runLoad(
  task: ResolvedTask,
  source: ResolvedSource,
  sink: LoadSink,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const state = createLoadState(task, source, options);
  const check = (record: TimestreamRecord): Failure | null => sink.check(record);
  const reader = source.reader;
  for await (const batch of mapRows(
    state.events(),
    compileTask(task),
    reader === undefined ? {} : { reader },
  )) {
    for (const event of batch) {
      switch (event.type) {
        case 'records': {
          const { failure, sizes } = state.checkRow(event.records, check);
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
          break;
        case 'file-start':
          break;
      }
    }
  }
  return state.finish(sink.warnings?.() ?? []);
}

// runDeferredLoad: the same engine for a target that answers later (a real load, R-ING-2).
export * from './deferred-load.js';
