import { LoadDuplicates } from '../checks/load-duplicates.js';
import { mapRows } from '../map/map-rows.js';
import { compileTask } from '../map/row-mapper.js';
import type { ResolvedSource } from '../source/source.js';
import type { ResolvedTask } from '../task.js';
import { createLoadState } from './load-state.js';
import type { DryRunOptions, DryRunResult, LoadOptions, LoadResult, LoadSink } from './load-types.js';
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
 */
export async function runLoad(
  task: ResolvedTask,
  source: ResolvedSource,
  sink: LoadSink,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const state = createLoadState(task, source, options);
  const compiled = compileTask(task);
  const duplicates = options.duplicates === false ? null : new LoadDuplicates(options);
  const place = new LoadPlace(source);
  const sinkCheck = sink.check?.bind(sink);
  try {
    for await (const batch of mapRows(state.events(), compiled)) {
      for (const event of batch) {
        switch (event.type) {
          case 'records': {
            if (duplicates?.full === true) {
              await place.spill(event, duplicates, state, compiled, options.signal);
            }
            const { failure, sizes } = state.checkRow(event.records, duplicates, sinkCheck);
            if (failure === null) {
              if (duplicates !== null) for (const record of event.records) duplicates.add(record);
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
        place.passed(event);
      }
    }
  } finally {
    duplicates?.close();
  }
  return state.finish(sink.warnings?.() ?? []);
}

// runDeferredLoad: the same engine for a target that answers later (a real load, R-ING-2).
export * from './deferred-load.js';
