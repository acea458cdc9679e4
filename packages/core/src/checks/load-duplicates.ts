/**
 * R-DUP-1 for a whole load, exact at any size, in bounded memory. Records are checked in memory (point-table.ts)
 * until the table reaches its budget (`full`); the engine then hands every later record to the spill
 * (`startSpill`: the table's points go to disk first, as the state later records meet, and the table is freed),
 * `resolve` decides them partition by partition on disk, and the engine goes through those records again asking
 * `check` for each in order, now answered from the resolved conflicts. The bound is disk space: a full disk stops
 * the run with DUPLICATES_TEMP_FULL. `close` removes the temporary files, whatever happened.
 *
 * A load known early to exceed the budget can spill AHEAD of itself (load/spill-ahead.ts, issue 16): `startAhead`
 * opens the spill while the table still answers, a second reader of the same source hands it every record of the
 * load from the first, `resolve` decides them, and when the table fills `switchAhead` drops the table and answers the
 * rest by ordinal, from the record after the last one the table answered. Its events are held until the switch, so
 * they come in the same order as the spill's (a load that never fills tells of no spill and removes its files).
 *
 * Mixed-model rows yield several records, in different partitions; a row is stored only if none of its records
 * conflicts. Each resolution round decides every partition with the rows known refused through another partition;
 * a row that has a conflict and a record that a later record meets is refused in the next round, until a round
 * refuses the same rows as the one before (for single-record rows there is one round).
 */
import type { Failure } from '../failure.js';
import type { TimestreamRecord } from '../map/record.js';
import type { RowSource } from '../map/record-source.js';
import { RecordKeyEncoder } from './check-record-key.js';
import { resolveSpill, type Resolution } from './duplicate-resolve.js';
import { DuplicateSpill } from './duplicate-spill.js';
import { PointTable } from './point-table.js';
import { SpillFolder } from './spill-files.js';
import { ConflictCursor, intersectRuns } from './verdict-runs.js';

export interface DuplicateCheckOptions {
  /**
   * Distinct record keys held in memory; past it, the keys go to temporary files (R-DUP-1). About 20-60 bytes a key.
   * @default 1_000_000
   */
  maxDuplicateKeys?: number;
  /** Folder for those files (a fresh folder in it, removed at the end). @default os.tmpdir() */
  tempDir?: string;
  /** Told when the check starts using the disk and when it is done with it. */
  onDuplicateSpill?: (event: DuplicateSpillEvent) => void;
}

export type DuplicateSpillEvent =
  | { type: 'spill-start'; folder: string; keysInMemory: number }
  | { type: 'resolve-start'; folder: string; records: number; bytesWritten: number }
  | { type: 'spill-end'; folder: string; bytesWritten: number; peakBytes: number; rounds: number };

export const DEFAULT_MAX_DUPLICATE_KEYS = 1_000_000;

/** Phases: memory, spilling (records go to disk, none is checked), resolved (answers by ordinal). */
export class LoadDuplicates {
  private table: PointTable | null;
  private spill: DuplicateSpill | null = null;
  private folder: SpillFolder | null = null;
  private cursor: ConflictCursor | null = null;
  private ordinal = 0;
  /** Records answered by the table: where the answers of a spill started ahead take over (`switchAhead`). */
  private asked = 0;
  /** Events of a spill started ahead, held until the load switches to it (null: told at once). */
  private held: DuplicateSpillEvent[] | null = null;
  private readonly tempDir: string | undefined;

  /** The tests give a `hashMask` to make key hashes collide, in memory and on disk alike. */
  constructor(
    private readonly options: DuplicateCheckOptions = {},
    private readonly hashMask = -1,
  ) {
    const max = options.maxDuplicateKeys ?? DEFAULT_MAX_DUPLICATE_KEYS;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`maxDuplicateKeys must be a positive integer, got ${String(max)}`);
    }
    this.table = new PointTable(max, hashMask, true);
    this.tempDir = options.tempDir;
  }

  /** The memory budget is reached: the engine must spill the rest of the load before checking another row. */
  get full(): boolean {
    return this.table !== null && this.table.full;
  }

  /** Records are checked in memory (else they were spilled and are answered by their place in the load). */
  get inMemory(): boolean {
    return this.table !== null;
  }

  /** The load expects about this many records in all: the table makes room for them, up to its budget, at once. */
  reserve(records: number): void {
    this.table?.reserve(records);
  }

  /** The folder of the temporary files, once the load spilled. */
  get spillFolder(): SpillFolder | null {
    return this.folder;
  }

  /** The resolved verdict of the next record (after `resolve`). */
  verdict(): Failure | null {
    return this.next();
  }

  /** After a conflict `verdict` or `check` answered from disk: the time of its row in ms (Conflict.timeMs). */
  get conflictTimeMs(): number {
    return this.cursor?.timeMs ?? NaN;
  }

  /**
   * After `resolve`: when none of the next `count` records has a conflict, answers them all at once (as `count`
   * calls of `verdict` would, each null) and returns true; else answers none and returns false.
   */
  skipClear(count: number): boolean {
    const cursor = this.cursor;
    if (this.table !== null || cursor === null || this.ordinal + count > cursor.clearBelow) return false;
    this.ordinal += count;
    return true;
  }

  /** The verdict of the next record of the load (every record is asked, in order, once). */
  check(record: TimestreamRecord): Failure | null {
    if (this.table !== null) {
      this.asked++;
      return this.table.check(record);
    }
    return this.next();
  }

  /** A record of a stored row. */
  add(record: TimestreamRecord): void {
    if (this.table !== null) this.table.add(record);
    else this.assertResolved();
  }

  /** check() for a record known by its key hash and row (parallel reading, see PointTable.checkRow). */
  checkRow(
    low: number,
    high: number,
    source: RowSource,
    offset: number,
    bytes: number,
    index: number,
  ): Failure | null {
    if (this.table !== null) {
      this.asked++;
      return this.table.checkRow(low, high, source, offset, bytes, index);
    }
    return this.next();
  }

  addRow(low: number, high: number, source: RowSource, offset: number, bytes: number, index: number): void {
    if (this.table !== null) this.table.addRow(low, high, source, offset, bytes, index);
    else this.assertResolved();
  }

  /** Moves the table's points to disk and returns the spill that takes every later record of the load. */
  startSpill(expectedRecords: number): DuplicateSpill {
    const table = this.table;
    if (table === null) throw new Error('LoadDuplicates: the load spilled already');
    const folder = SpillFolder.create(this.tempDir);
    this.folder = folder;
    this.emit({ type: 'spill-start', folder: folder.path, keysInMemory: table.size });
    const spill = new DuplicateSpill(folder, table.encoder, table.size + expectedRecords, this.hashMask);
    table.dump(spill);
    table.close();
    this.table = null;
    this.spill = spill;
    return spill;
  }

  /**
   * Opens a spill for every record of the load from its first, while the table goes on answering (spill-ahead.ts):
   * the caller hands it the records in load order and calls `resolve`; `switchAhead` makes it answer. Throws as
   * startSpill does when the temporary folder cannot be made.
   */
  startAhead(expectedRecords: number): DuplicateSpill {
    const table = this.table;
    if (table === null || this.spill !== null) throw new Error('LoadDuplicates: the load spilled already');
    this.held = [];
    const folder = SpillFolder.create(this.tempDir);
    this.folder = folder;
    // Its own encoder (sharing the name lists): the table keeps encoding the records it answers meanwhile.
    this.spill = new DuplicateSpill(
      folder,
      new RecordKeyEncoder(table.encoder),
      expectedRecords,
      this.hashMask,
    );
    return this.spill;
  }

  /**
   * The table is full: the spill started ahead, resolved, answers from the next record on (the table's answers for
   * the records before are the same, R-DUP-1 being exact either way), and the table is freed.
   */
  switchAhead(): void {
    const table = this.table;
    const folder = this.folder;
    if (table === null || folder === null || this.cursor === null || this.held === null) {
      throw new Error('LoadDuplicates: no resolved spill started ahead to switch to');
    }
    const held = this.held;
    this.held = null;
    this.emit({ type: 'spill-start', folder: folder.path, keysInMemory: table.size });
    for (const event of held) this.emit(event);
    table.close();
    this.table = null;
    this.ordinal = this.asked;
  }

  /** Decides the spilled records; `check` then answers them in order. */
  async resolve(signal?: AbortSignal): Promise<void> {
    const spill = this.spill;
    const folder = this.folder;
    if (spill === null || folder === null) throw new Error('LoadDuplicates: nothing was spilled');
    const partitions = spill.finish();
    this.emit({
      type: 'resolve-start',
      folder: folder.path,
      records: spill.ordinal,
      bytesWritten: folder.written,
    });
    let rejected = new Set<number>();
    let result: Resolution;
    let rounds = 0;
    for (;;) {
      rounds++;
      result = await resolveSpill(spill, partitions, {
        rejected,
        round: rounds,
        ...(signal !== undefined && { signal }),
      });
      if (!spill.anyMulti) break;
      const again = intersectRuns(result.failedRows, result.laterRows);
      const same = again.length === rejected.size && again.every((row) => rejected.has(row));
      removeRuns(folder, [...result.failedRows, ...result.laterRows]);
      if (same) break;
      removeRuns(
        folder,
        result.conflicts.map((c) => c.file),
      );
      rejected = new Set(again);
    }
    this.cursor = new ConflictCursor(result.conflicts);
    this.emit({
      type: 'spill-end',
      folder: folder.path,
      bytesWritten: folder.written,
      peakBytes: folder.peak,
      rounds,
    });
  }

  /** Removes the temporary files (after success, failure or abort alike). */
  close(): void {
    this.table?.close();
    this.folder?.remove();
    this.folder = null;
  }

  private emit(event: DuplicateSpillEvent): void {
    if (this.held !== null) this.held.push(event);
    else this.options.onDuplicateSpill?.(event);
  }

  private next(): Failure | null {
    this.assertResolved();
    return this.cursor!.at(this.ordinal++);
  }

  private assertResolved(): void {
    if (this.cursor === null) throw new Error('LoadDuplicates: records checked while the load spills');
  }
}

function removeRuns(folder: SpillFolder, files: readonly string[]): void {
  for (const file of files) folder.removeFile(file);
}
