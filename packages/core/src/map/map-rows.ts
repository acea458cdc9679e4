import type { CompiledTask } from './row-mapper.js';
import type { SourceEvent } from '../source/source.js';
import { RowMapping, type MappedEvent } from './row-mapping.js';

export type { MappedEvent, RecordsEvent } from './row-mapping.js';

/**
 * Maps every row of the reader's event batches with the task compiled once (STYLE rule 8), one event at a time
 * (row-mapping.ts: bound per file header, a file lacking a mapped column failed, records stamped for R-DUP-1).
 */
export async function* mapRows(
  batches: AsyncIterable<SourceEvent[]>,
  compiled: CompiledTask,
  options: { stamp?: boolean } = {},
): AsyncIterable<MappedEvent[]> {
  // A worker of the parallel dry run sends the rows' offsets instead: it stamps nothing. @default true
  const mapping = new RowMapping(compiled, { stamp: options.stamp ?? true });
  for await (const batch of batches) {
    const out: MappedEvent[] = [];
    for (const event of batch) {
      const mapped = event.type === 'file-start' ? await mapping.start(event) : mapping.event(event);
      if (mapped !== null) out.push(mapped);
    }
    if (out.length > 0) yield out;
  }
}
