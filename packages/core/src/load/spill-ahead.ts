/**
 * R-DUP-1 ahead of the send path (issue 16): for a load that will not fit the in-memory duplicate table, a second
 * reader of the same source spills every record of the load from the first and has them resolved on disk WHILE the
 * first reader is still checking in memory and sending. When the table fills, the load takes the resolved answers
 * from the next record on (LoadDuplicates.switchAhead) and waits only if they are not ready yet; the spill that
 * reads the rest of the load once the table is full (spill-rest.ts), during which nothing is sent, does not happen.
 *
 * The answers are the same either way: the disk resolution is exact for every record from the first, so the records
 * the table answered get the same answers on disk, and those after it are answered as the spill-rest would.
 *
 * The two readings must see the same rows: every ROW_SAMPLE-th record's row (its ordinal, file, line and records) is
 * compared between them, by whichever reader gets there second; a difference means a file changed during the run
 * (DUPLICATES_SOURCE_CHANGED). Memory: the samples the leading reader is ahead by (a row's text per 65,536 records).
 *
 * A failure of the pass ahead (temporary folder, disk full, a changed file) is told to the load only when it needs
 * the answers: a load whose table never fills has its answers already and ends as it would have without the pass.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { sourceChanged } from '../checks/duplicate-errors.js';
import { FLAG_MULTI, FLAG_PREFAIL } from '../checks/duplicate-spill.js';
import type { LoadDuplicates } from '../checks/load-duplicates.js';
import { mapRows, readerOption } from '../map/map-rows.js';
import type { TimestreamRecord } from '../map/record.js';
import type { CompiledTask } from '../map/row-mapper.js';
import type { ResolvedSource } from '../source/source.js';
import type { LoadState } from './load-state.js';

/** [choice] Records between two rows compared across the two readings. */
const ROW_SAMPLE = 1 << 16;

/** [choice] The pass starts once the records so far, scaled to the source's bytes, exceed the budget by this. */
const AHEAD_MARGIN = 1.25;

/** [choice] Records read before the estimate is trusted (fewer when the budget is small). */
const MIN_ESTIMATE_RECORDS = 4096;

/** Whether a load this far in (records so far, and that estimate of all of them) should spill ahead. */
export function shouldSpillAhead(recordsSoFar: number, expectedRecords: number, maxKeys: number): boolean {
  return (
    recordsSoFar >= Math.min(MIN_ESTIMATE_RECORDS, Math.ceil(maxKeys / 4)) &&
    expectedRecords > maxKeys * AHEAD_MARGIN
  );
}

export const MAIN = 0;
export const AHEAD = 1;

/** The rows both readings must agree on (see the file's comment); exported for its tests. */
export class ReadAgreement {
  /** Samples of the leading reading not compared yet: ordinal, file, line and what the row holds (flat). */
  private queue: (number | string)[] = [];
  private head = 0;
  /** Samples taken by each reading. */
  private readonly taken = [0, 0];
  /** The next sampled record's ordinal, per reading. */
  private readonly next: [number, number];

  constructor(
    fromOrdinal: number,
    private readonly source: ResolvedSource,
  ) {
    const first = Math.ceil(fromOrdinal / ROW_SAMPLE) * ROW_SAMPLE;
    this.next = [first, first];
  }

  /**
   * A records row of one reading: its first record's ordinal and its records (their text is compared, for the
   * sampled rows only). Throws DUPLICATES_SOURCE_CHANGED when the two readings disagree.
   */
  pass(who: number, ordinal: number, records: readonly TimestreamRecord[], file: string, line: number): void {
    const count = records.length;
    const next = this.next[who]!;
    if (ordinal + count <= next) return;
    this.next[who] = (Math.floor((ordinal + count - 1) / ROW_SAMPLE) + 1) * ROW_SAMPLE;
    const n = this.taken[who]!++;
    const text = JSON.stringify(records);
    if (n >= this.taken[1 - who]!) {
      this.queue.push(ordinal, file, line, text);
      return;
    }
    const q = this.queue;
    const at = this.head;
    const same = q[at] === ordinal && q[at + 1] === file && q[at + 2] === line && q[at + 3] === text;
    this.head += 4;
    if (this.head > 4 * 1024 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
    if (!same) throw sourceChanged(this.source.files.find((f) => f.key === file)?.path ?? file);
  }
}

/** The pass ahead of a one-thread load (see the file's comment). */
export class SpillAhead {
  /** The pass has ended (resolved, failed or cancelled). */
  private readonly done: Promise<void>;
  private failure: { error: unknown } | null = null;
  private cancelled = false;
  private switched = false;
  private readonly controller = new AbortController();
  private readonly agreement: ReadAgreement;

  /**
   * Starts the pass now, beside a load that has read `recordsSoFar` records and expects `expectedRecords` in all:
   * spill every record of `source` from its first, then resolve.
   */
  constructor(
    private readonly source: ResolvedSource,
    private readonly state: LoadState,
    private readonly compiled: CompiledTask,
    private readonly duplicates: LoadDuplicates,
    recordsSoFar: number,
    expectedRecords: number,
    /** The load's signal: it stops the pass too, as it stops the spill-rest's reading and resolution. */
    private readonly signal?: AbortSignal,
  ) {
    this.agreement = new ReadAgreement(recordsSoFar, source);
    signal?.addEventListener('abort', this.onAbort, { once: true });
    this.done = this.run(expectedRecords).catch((error: unknown) => this.fail(error));
  }

  /** A records row of the load's own reading (the ordinal of its first record), compared with the pass's. */
  passed(ordinal: number, records: readonly TimestreamRecord[], file: string, line: number): void {
    if (this.failure !== null && !this.switched) return;
    try {
      this.agreement.pass(MAIN, ordinal, records, file, line);
    } catch (error) {
      // Once switched, the answers come from the pass: a difference stops the load. Before, it is the pass's failure.
      if (this.switched) throw error;
      this.fail(error);
    }
  }

  /** The table is full: waits for the resolved spill, then has it answer the rest of the load. */
  async take(): Promise<void> {
    await this.done;
    if (this.failure !== null) throw this.failure.error;
    if (this.cancelled) throw new Error('SpillAhead: taken after it was cancelled');
    this.duplicates.switchAhead();
    this.switched = true;
  }

  /** Stops the pass (the load ended or stopped) and waits until it has let go of its files. */
  async cancel(): Promise<void> {
    this.cancelled = true;
    this.controller.abort();
    await this.done;
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  private readonly onAbort = (): void => this.controller.abort(this.signal?.reason);

  private fail(error: unknown): void {
    this.failure ??= { error };
  }

  private async run(expectedRecords: number): Promise<void> {
    const { source, state, duplicates } = this;
    const spill = duplicates.startAhead(expectedRecords);
    let ordinal = 0;
    for await (const batch of mapRows(state.reread(source), this.compiled, readerOption(source))) {
      if (this.cancelled || this.failure !== null) return;
      for (const e of batch) {
        if (e.type !== 'records') continue;
        const records = e.records;
        this.agreement.pass(AHEAD, ordinal, records, e.file, e.line);
        const flags = (state.prefails(records) ? FLAG_PREFAIL : 0) | (records.length > 1 ? FLAG_MULTI : 0);
        for (let i = 0; i < records.length; i++) spill.addRecord(records[i]!, i, flags);
        ordinal += records.length;
      }
      // The load's own reading and sending go on between batches: this pass takes the time they leave.
      await yieldToLoop();
    }
    if (this.cancelled || this.failure !== null) return;
    await duplicates.resolve(this.controller.signal);
  }
}
