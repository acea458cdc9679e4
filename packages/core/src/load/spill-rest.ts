/**
 * R-DUP-1 for the one-thread engines (runLoad, runDeferredLoad): when the in-memory duplicate table is full, the
 * engine stops before its next row, reads the rest of the load once more (from that row to the end, the same
 * reader and mapper, so the same records in the same order) into the spill, has it resolved on disk, and goes on
 * with its own reading, now answered in order (checks/load-duplicates.ts). The row where it stopped is found again
 * by counting rows; a file that changed meanwhile stops the run (DUPLICATES_SOURCE_CHANGED).
 */
import { sourceChanged } from '../checks/duplicate-errors.js';
import { FLAG_MULTI, FLAG_PREFAIL } from '../checks/duplicate-spill.js';
import type { LoadDuplicates } from '../checks/load-duplicates.js';
import { mapRows, readerOption, type MappedEvent } from '../map/map-rows.js';
import type { CompiledTask } from '../map/row-mapper.js';
import type { ResolvedSource } from '../source/source.js';
import type { LoadState } from './load-state.js';

/** Where a load stands: the file being read and the data rows (records and row failures) done in it. */
export class LoadPlace {
  private readonly index = new Map<string, number>();
  private file = -1;
  private rows = 0;
  private records = 0;
  private bytesBefore = 0;

  constructor(private readonly source: ResolvedSource) {
    source.files.forEach((f, i) => this.index.set(f.key, i));
  }

  /** Call after handling each event. */
  passed(event: MappedEvent): void {
    if (event.type === 'file-start') {
      this.file = this.index.get(event.file.key) ?? -1;
      this.rows = 0;
      this.bytesBefore = 0;
      for (let i = 0; i < this.file; i++) this.bytesBefore += this.source.files[i]!.size;
    } else if (event.type === 'records') {
      this.rows++;
      this.records += event.records.length;
    } else if (event.type === 'row-failure') {
      this.rows++;
    }
  }

  /** Records of the rows passed so far. */
  get recordsPassed(): number {
    return this.records;
  }

  /** Every record of the load, estimated from the bytes read up to the row `event` (not passed yet). */
  expectedRecords(event: Extract<MappedEvent, { type: 'records' }>): number {
    const file = this.source.files[this.file];
    const done = this.bytesBefore + (event.offset ?? (file?.size ?? 0) / 2);
    return Math.ceil((this.records * this.source.totalBytes) / Math.max(1, done));
  }

  /** Spills the rest of the load from the row `event` (not handled yet) and resolves it. */
  async spill(
    event: Extract<MappedEvent, { type: 'records' }>,
    duplicates: LoadDuplicates,
    state: LoadState,
    compiled: CompiledTask,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const files = this.source.files.slice(this.file);
    const first = files[0];
    if (this.file < 0 || first === undefined || first.key !== event.file) throw sourceChanged(event.file);
    // The records still to come, in proportion to the bytes read so far (it sizes the partitions).
    const spill = duplicates.startSpill(this.expectedRecords(event));
    const reader = this.source.reader;
    const rest: ResolvedSource = {
      files,
      totalBytes: files.reduce((n, f) => n + f.size, 0),
      ...(reader !== undefined && { reader }),
    };
    let skip = this.rows;
    let found = false;
    for await (const batch of mapRows(state.reread(rest), compiled, readerOption(rest))) {
      for (const e of batch) {
        if (e.type !== 'records' && e.type !== 'row-failure') continue;
        if (e.file === first.key && skip > 0) {
          skip--;
          continue;
        }
        if (e.type === 'row-failure') continue;
        if (!found) {
          // The row the engine stopped at: the same file and line, else the file is not what it was.
          if (e.file !== event.file || e.line !== event.line) throw sourceChanged(first.path);
          found = true;
        }
        const records = e.records;
        const flags = (state.prefails(records) ? FLAG_PREFAIL : 0) | (records.length > 1 ? FLAG_MULTI : 0);
        for (let i = 0; i < records.length; i++) spill.addRecord(records[i]!, i, flags);
      }
    }
    if (!found) throw sourceChanged(first.path);
    await duplicates.resolve(signal);
  }
}
