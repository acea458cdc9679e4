/**
 * The row kernel of a mixed model (row-kernel.ts tells what a kernel is): a row whose scalar mappings that apply
 * (all of them, or those its MeasureNameColumn cell names, as map-mixed.ts chooses) all have a valid, non-null cell
 * gives one record per mapping, in mapping order; their event sizes (R-METER-1, as recordsRow measures a mixed
 * model's records: meterable never holds for it) and key hashes (R-DUP-1) come straight from the cells. A null or
 * invalid cell, an unmapped measure name, a record over the size limit or a time outside the window leaves the row
 * to the generic path. Mappings with a MULTI type are not taken (rowKernel answers null). With the report's
 * statistics, countRow counts the row as addRangeRow counts its records (ContentStats.addCellsRecords, countSlots):
 * a mixed model's rows keep the kernel under `--html`.
 */
import type { RecordKeyEncoder } from '../checks/check-record-key.js';
import { FNV_PRIME, hashString, HIGH_PRIME } from '../checks/record-key-shapes.js';
import type { TimeWindow } from '../checks/time-window.js';
import { utf8ByteLength } from '../csv/utf8-byte-length.js';
import { valueParser, type ValueParser } from '../map/map-values.js';
import type { ContentStats } from '../report/stats/content-stats.js';
import { measureSlots, scalarSlotsOf } from '../report/stats/content-data.js';
import type { ResolvedTask } from '../task.js';
import {
  checkOf,
  MAX_RECORD_BYTES,
  METER_TEXT,
  meterOf,
  RowCells,
  validValue,
  type Kernel,
} from './kernel-cells.js';

/** One scalar mapping, bound to the header. */
interface Mapping {
  index: number;
  check: number;
  parse: ValueParser;
  /** Its value's metered bytes, or METER_TEXT. */
  bytes: number;
  /** 8 + the UTF-8 bytes of its measure name and of every dimension name (R-METER-1). */
  baseBytes: number;
  nameHash: number;
  nameHashHigh: number;
  /** With statistics: the measure slots its record counts (scalarSlotsOf). */
  slots: Int32Array;
}

export class MixedKernel implements Kernel {
  readonly sizes: Int32Array;
  readonly hashes: Int32Array;
  readonly hashesHigh: Int32Array;
  private readonly cells: RowCells;
  /** The MeasureNameColumn's cell, or -1 (every mapping applies to every row). */
  private readonly nameIndex: number;
  private readonly all: Mapping[];
  /** As map-mixed.ts's bindMappings: per measure name the mappings that apply, and those for any other name. */
  private readonly byName = new Map<string, Mapping[]>();
  private readonly everyRow: Mapping[];
  /** The mappings of the row `row` took last, and its records' series states (keyHashCells' seriesHash, High). */
  private taken: Mapping[] = [];
  private readonly seriesLows: Int32Array;
  private readonly seriesHighs: Int32Array;

  constructor(
    task: Pick<ResolvedTask, 'model' | 'csv'>,
    col: (column: string) => number,
    window: TimeWindow | null,
    enc: RecordKeyEncoder,
    /** Whether the range gathers the report's statistics (countRow): the time check reads the time's ms too. */
    statistics = false,
  ) {
    const { model } = task;
    const measures = model.measures;
    if (measures.kind !== 'mixed') throw new Error('MixedKernel: not a mixed model');
    this.cells = new RowCells(task, col, window, enc, statistics);
    const slots = measureSlots(model);
    this.nameIndex = measures.measureNameColumn === null ? -1 : col(measures.measureNameColumn);
    const mappings = measures.mappings;
    this.all = mappings.map((m) => {
      if (m.type === 'MULTI' || m.source === null) throw new Error('MixedKernel: a MULTI mapping');
      return {
        index: col(m.source),
        check: checkOf(m.type),
        parse: valueParser(m.type, model.timeUnit),
        bytes: meterOf(m.type),
        baseBytes: this.cells.baseBytes + utf8ByteLength(m.measureName),
        nameHash: hashString(0, m.measureName, FNV_PRIME),
        nameHashHigh: hashString(0, m.measureName, HIGH_PRIME),
        // rowKernel makes no kernel for statistics where a slot is an attribute (then this is null).
        slots: scalarSlotsOf(slots, m.measureName) ?? new Int32Array(0),
      };
    });
    this.everyRow = this.all.filter((_, i) => mappings[i]!.match === null);
    for (const m of mappings) {
      if (m.match !== null && !this.byName.has(m.match)) {
        const match = m.match;
        this.byName.set(
          match,
          this.all.filter((_, j) => mappings[j]!.match === match || mappings[j]!.match === null),
        );
      }
    }
    const n = this.all.length;
    this.sizes = new Int32Array(n);
    this.hashes = new Int32Array(n);
    this.hashesHigh = new Int32Array(n);
    this.seriesLows = new Int32Array(n);
    this.seriesHighs = new Int32Array(n);
  }

  row(cells: readonly string[], ascii: boolean, extraBytes: number): number {
    const shared = this.cells;
    const time = shared.time(cells);
    if (time === null) return 0;
    const nullText = shared.nullText;
    let mappings = this.all;
    if (this.nameIndex >= 0) {
      const name = cells[this.nameIndex];
      if (name === undefined || name === '' || name === nullText) return 0;
      const found = this.byName.get(name);
      if (found !== undefined) mappings = found;
      else if (this.everyRow.length > 0) mappings = this.everyRow;
      else return 0; // MEASURE_NAME_UNMAPPED
    }
    const count = mappings.length;
    // R-METER-1 as recordsRow's rowRecordSize: by lengths when the text is ASCII, or a lone record's row has no
    // extra bytes; else every value measured.
    const byLength = ascii || (count === 1 && extraBytes === 0);
    const dimBytes = shared.dimensionBytes(cells, byLength);
    if (dimBytes < 0) return 0;
    const sizes = this.sizes;
    for (let i = 0; i < count; i++) {
      const m = mappings[i]!;
      const value = cells[m.index];
      if (value === undefined || value === '' || value === nullText) return 0;
      if (!validValue(m.check, m.parse, value)) return 0;
      const size =
        m.baseBytes +
        dimBytes +
        (m.bytes !== METER_TEXT ? m.bytes : byLength ? value.length : utf8ByteLength(value));
      if (size > MAX_RECORD_BYTES) return 0;
      sizes[i] = size;
    }
    for (let i = 0; i < count; i++) {
      const m = mappings[i]!;
      shared.hash(cells, time, m.nameHash, m.nameHashHigh);
      this.hashes[i] = shared.enc.keyHashValue;
      this.hashesHigh[i] = shared.enc.keyHashHigh;
      this.seriesLows[i] = shared.enc.seriesHash;
      this.seriesHighs[i] = shared.enc.seriesHashHigh;
    }
    this.taken = mappings;
    return count;
  }

  countRow(cells: readonly string[], content: ContentStats): number {
    const mappings = this.taken;
    const count = mappings.length;
    content.addCellsRecords(cells, this.cells.dimIndex, count, this.seriesLows, this.seriesHighs);
    for (let i = 0; i < count; i++) content.countSlots(mappings[i]!.slots);
    return this.cells.ms;
  }
}
