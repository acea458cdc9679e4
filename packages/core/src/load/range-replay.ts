/**
 * The main thread's half of the dry run in byte ranges (range-load.ts): each range's outcomes replayed through the
 * load state, as runLoad does with the dry-run sink: per records row, the first failure of limits, time window,
 * then duplicates (R-DUP-1, on the key hashes: a record is read again only when its hash is already in the table),
 * else every record is counted ingested and added to the table.
 *
 * When the duplicate table is full, the replay stops before the row, the table goes to disk, and every later
 * outcome is spilled (its records' keys) and logged (outcome-log.ts) instead of replayed; at the end the spilled keys
 * are resolved and the log is replayed through the same code, its conflicts answered in order. Counts, metering
 * batches, error-report ranges and rejects come out exactly as if every key had stayed in memory.
 *
 * The HTML report's statistics (issue 19) follow the same path: what a range's rows hold is merged, and what became of
 * each row is told, when the outcome is replayed, once, in file order (a logged outcome carries its content and
 * the times of its rows with a limit or window failure; a row refused for a conflict alone has its time from the
 * conflict), so a spilled run's statistics equal the one-thread run's. A run stopped while it spills has merged the
 * content of the range it stopped in whole: its statistics cover every row it counted (and the rest of that range).
 */
import { sourceChanged } from '../checks/duplicate-errors.js';
import { FLAG_MULTI, FLAG_PREFAIL, type DuplicateSpill } from '../checks/duplicate-spill.js';
import type { LoadDuplicates } from '../checks/load-duplicates.js';
import { RowRereader } from '../checks/reread-row.js';
import type { Failure } from '../failure.js';
import type { RowSource } from '../map/record-source.js';
import type { SourceFile } from '../source/source.js';
import type { LoadState } from './load-state.js';
import { OutcomeLog, type LoggedOutcome, type ReplayPosition } from './outcome-log.js';
import { OTHER, type OtherEvent, type RangeJob, type RangeOutcome } from './range-job.js';

/** Per file: what the main thread needs to replay its ranges. */
export interface PlannedFile {
  file: SourceFile;
  jobs: RangeJob[];
  /** For the duplicate check: the file as rows are read again from it (null: no header, so no rows). */
  rowSource: RowSource | null;
  /** A file failure decided without reading (over the size limit). */
  failure: Failure | null;
}

type ReplayedOutcome = LoggedOutcome['outcome'] &
  Partial<Pick<RangeOutcome, 'start' | 'rowOffset' | 'rowBytes' | 'recHash' | 'recHashHigh'>>;

const START: ReplayPosition = { event: 0, row: 0, record: 0, other: 0 };

export class RangeReplay {
  private readonly files: PlannedFile[] = [];
  private spill: DuplicateSpill | null = null;
  private log: OutcomeLog | null = null;
  private readonly rereader = new RowRereader(4096, true);
  /** Records of the outcomes replayed while the table is in memory. */
  private records = 0;

  constructor(
    private readonly state: LoadState,
    private readonly duplicates: LoadDuplicates,
    /** Records still to come, estimated from the bytes read so far (it sizes the spill's partitions). */
    private readonly expectedRecords: () => number,
  ) {}

  /** Replays an outcome (or, once the table is full, spills and logs it). */
  async add(planned: PlannedFile, outcome: RangeOutcome, lineBase: number): Promise<void> {
    if (this.files[this.files.length - 1] !== planned) this.files.push(planned);
    if (this.spill === null) {
      // The table sized at once for the records expected (at most its budget), rather than grown step by step.
      this.duplicates.reserve(this.records + this.expectedRecords());
      this.records += outcome.recSize.length;
      this.mergeContent(outcome);
      const stopped = await this.replay(planned, outcome, lineBase, START);
      if (stopped === null) return;
      this.spill = this.duplicates.startSpill(this.expectedRecords());
      this.log = new OutcomeLog(this.duplicates.spillFolder!);
      this.spillKeys(planned, outcome, stopped);
      // Its content is merged already: the log keeps the rest of its rows only.
      const { content: _merged, ...rest } = outcome;
      this.log.append(this.files.length - 1, lineBase, stopped, rest);
      return;
    }
    this.spillKeys(planned, outcome, START);
    this.log!.append(this.files.length - 1, lineBase, START, outcome);
  }

  /** What the outcome's rows hold, into the report's statistics (issue 19), in file order. */
  private mergeContent(outcome: Pick<RangeOutcome, 'content'>): void {
    const stats = this.state.stats;
    if (stats === null || outcome.content === undefined) return;
    // The rows' times with it (their histogram, range and window counts: the worker counted them).
    stats.content.merge(outcome.content);
  }

  /** Closes the files held open for reading rows again. */
  close(): void {
    this.rereader.close();
  }

  /** Resolves the spilled keys and replays the logged outcomes (nothing to do when the table never filled). */
  async finish(signal: AbortSignal | undefined): Promise<void> {
    if (this.log === null) return;
    await this.duplicates.resolve(signal);
    for (const logged of this.log.entries()) {
      signal?.throwIfAborted();
      this.mergeContent(logged.outcome);
      await this.replay(this.files[logged.file]!, logged.outcome, logged.lineBase, logged.from);
    }
  }

  /**
   * Replays from `from`; returns where it stopped when the duplicate table filled up before a row (only while the
   * table is in memory), else null.
   */
  private async replay(
    planned: PlannedFile,
    outcome: ReplayedOutcome,
    lineBase: number,
    from: ReplayPosition,
  ): Promise<ReplayPosition | null> {
    const { kinds, rowRecords, rowLine, rowSpan, others } = outcome;
    let { row, record: rec, other } = from;
    // The last line of a records row replayed, for the report's per-file statistics.
    let last = 0;
    for (let e = from.event; e < kinds.length; e++) {
      if (kinds[e] === OTHER) {
        const wait = this.other(others[other++]!, lineBase);
        if (wait !== undefined) await wait;
        continue;
      }
      if (this.duplicates.full) return { event: e, row, record: rec, other };
      if (!this.clearRow(outcome, row, rec)) {
        const wait = this.row(planned, outcome, lineBase, row, rec);
        if (wait !== undefined) await wait;
      }
      last = rowLine[row]! + rowSpan[row]! + lineBase;
      rec += rowRecords[row]!;
      row++;
    }
    if (last > 0) this.state.stats?.reached(planned.file.key, last);
    return null;
  }

  /** A row failure, file failure or file end, its lines rebased. */
  private other(event: OtherEvent, lineBase: number): void | Promise<void> {
    const state = this.state;
    switch (event.type) {
      case 'row-failure':
        return state.rowFailure({
          ...event,
          line: event.line + lineBase,
          lastLine: event.lastLine + lineBase,
        });
      case 'file-failure':
        return state.fileFailure(
          event.line === undefined ? event : { ...event, line: event.line + lineBase },
        );
      case 'file-end':
        state.fileEnd();
        return;
      case 'file-start':
        return;
    }
  }

  /**
   * `row` of a logged outcome's row in one step (most rows, once the keys are resolved): no record has a limit or
   * window failure and none has a conflict, so it is ingested (row's answer then, without asking each record).
   * False, having done nothing, for any other row.
   */
  private clearRow(outcome: ReplayedOutcome, row: number, rec: number): boolean {
    const count = outcome.rowRecords[row]!;
    const recFailure = outcome.recFailure;
    for (let r = 0; r < count; r++) if (recFailure[rec + r] !== -1) return false;
    if (!this.duplicates.skipClear(count)) return false;
    this.state.ingestedSizes(outcome.recSize, rec, rec + count);
    return true;
  }

  /** A records row (its records from `rec`): the first failure of limits, window, duplicates; else stored. */
  private row(
    planned: PlannedFile,
    outcome: ReplayedOutcome,
    lineBase: number,
    row: number,
    rec: number,
  ): void | Promise<void> {
    const { state, duplicates } = this;
    const rowSource = planned.rowSource;
    const { rowLine, rowSpan, rowRecords, recSize, recFailure, failures } = outcome;
    const count = rowRecords[row]!;
    const live = duplicates.inMemory;
    // Where the row is in its file, for the table (a live outcome; a logged one is answered by ordinal).
    let offset = -1;
    let bytes = 0;
    if (live) {
      const relative = outcome.rowOffset![row]!;
      // A range reads UTF-8 with offsets, of a file whose header was read: else the file changed meanwhile.
      if (rowSource === null || relative < 0) throw sourceChanged(rowSource?.path ?? planned.file.key);
      offset = outcome.start! + relative;
      bytes = outcome.rowBytes![row]!;
    }
    let failure: Failure | null = null;
    let prefailed = false;
    // A logged row's time when only a conflict refuses it: the conflict's (the log keeps no such row's time).
    let conflictTime = NaN;
    // Every record is asked (in the resolved phase the answers come in record order).
    for (let r = 0; r < count; r++) {
      const i = rec + r;
      const duplicate = live
        ? duplicates.checkRow(outcome.recHash![i]!, outcome.recHashHigh![i]!, rowSource!, offset, bytes, r)
        : duplicates.verdict();
      if (duplicate !== null && !live) conflictTime = duplicates.conflictTimeMs;
      const pre = recFailure[i]!;
      if (pre !== -1) prefailed = true;
      failure ??= pre !== -1 ? failures[pre]! : duplicate;
    }
    if (failure !== null) {
      const line = rowLine[row]! + lineBase;
      const lastLine = line + rowSpan[row]!;
      const time = live || prefailed ? (outcome.rowTime?.[row] ?? NaN) : conflictTime;
      state.stats?.ingestionFailure(planned.file.key, line, lastLine, time);
      const sizes = Array.from(recSize.subarray(rec, rec + count));
      return state.ingestionFailure(planned.file.key, line, lastLine, failure, sizes);
    }
    state.ingestedSizes(recSize, rec, rec + count);
    if (!live) return;
    for (let r = 0; r < count; r++) {
      duplicates.addRow(
        outcome.recHash![rec + r]!,
        outcome.recHashHigh![rec + r]!,
        rowSource!,
        offset,
        bytes,
        r,
      );
    }
  }

  /** Hands the records of the outcome's rows from `from` on to the spill. */
  private spillKeys(planned: PlannedFile, outcome: RangeOutcome, from: ReplayPosition): void {
    const spill = this.spill!;
    const { kinds, rowRecords, recFailure, recHash, recHashHigh, rowOffset, rowBytes, start } = outcome;
    const source = planned.rowSource;
    // The source's id in the spill's entries, asked at the first row (as addRow would, once per record).
    let id = -2;
    let { row, record: rec } = from;
    for (let e = from.event; e < kinds.length; e++) {
      if (kinds[e] === OTHER) continue;
      const count = rowRecords[row]!;
      let flags = count > 1 ? FLAG_MULTI : 0;
      for (let r = 0; r < count; r++) if (recFailure[rec + r] !== -1) flags |= FLAG_PREFAIL;
      const relative = rowOffset[row]!;
      if (source === null || relative < 0) throw sourceChanged(source?.path ?? planned.file.key);
      if (id === -2) id = spill.sourceId(source);
      const offset = start + relative;
      const bytes = rowBytes[row]!;
      for (let r = 0; r < count; r++) {
        if (spill.fitsRow(id, r)) {
          spill.addRowEntry(recHash[rec + r]!, recHashHigh[rec + r]!, id, offset, bytes, r, flags);
          continue;
        }
        const record = this.rereader.record(source, offset, bytes, r);
        if (record === null) throw sourceChanged(source.path);
        spill.addJson(recHash[rec + r]!, recHashHigh[rec + r]!, record, r, flags);
      }
      rec += count;
      row++;
    }
  }
}
