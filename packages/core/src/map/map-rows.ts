import type { CompiledTask } from './row-mapper.js';
import type { SourceEvent } from '../source/source.js';
import type { SourceReader } from '../source/source-reader.js';
import { RowMapping, type MappedEvent } from './row-mapping.js';

export type { MappedEvent, RecordsEvent } from './row-mapping.js';
export { rowSource } from './row-mapping.js';

/**
 * Maps every row of the reader's event batches with the task compiled once (STYLE rule 8), one event at a time
 * (row-mapping.ts: bound per file header, a file lacking a mapped column failed, records stamped for R-DUP-1).
 */
export async function* mapRows(
  batches: AsyncIterable<SourceEvent[]>,
  compiled: CompiledTask,
  options: { stamp?: boolean; reader?: SourceReader } = {},
): AsyncIterable<MappedEvent[]> {
  // A worker of the parallel dry run sends the rows' offsets instead: it stamps nothing. @default true
  const mapping = new RowMapping(compiled, { stamp: options.stamp ?? true, ...readerOption(options) });
  for await (const batch of batches) {
    const out: MappedEvent[] = [];
    for (const event of batch) {
      const mapped = event.type === 'file-start' ? await mapping.start(event) : mapping.event(event);
      if (mapped !== null) out.push(mapped);
    }
    if (out.length > 0) yield out;
  }
}

/** mapRows' reader option for a source: its reader, when it has one other than the local disk (R-S3-1). */
export function readerOption(source: { reader?: SourceReader }): { reader?: SourceReader } {
  return source.reader === undefined ? {} : { reader: source.reader };
}
