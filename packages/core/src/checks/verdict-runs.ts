/**
 * R-DUP-1: the outcome of resolving the keys on disk, as sorted runs: the version conflicts found, by ordinal (each
 * partition's, sorted), and sorted lists of row numbers. The load reads the conflicts back in ordinal order
 * through one cursor that merges every run, with a small buffer per run, so memory does not grow with them.
 */
import { versionConflict } from './version-verdict.js';
import type { Failure } from '../failure.js';
import { SpillReader, SpillWriter, type SpillFolder } from './spill-files.js';

const RUN_BUFFER = 16 * 1024;
/** A conflict: ordinal, record version, existing version, row time (float64 each), detail length, padding, detail. */
const CONFLICT_HEADER = 40;

export interface Conflict {
  ordinal: number;
  version: number;
  existing: number;
  /**
   * The time of the record's row in ms (recordTimeMs: a row's records share its time), for the report's statistics
   * of a refused row (issue 19): the resolution read the record again anyway, so the parallel run need not keep
   * every row's time until the keys are resolved.
   */
  timeMs: number;
  detail: string;
}

/** Writes a run of conflicts sorted by ordinal; returns its file and size, or null when there were none. */
export function writeConflictRun(
  folder: SpillFolder,
  name: string,
  conflicts: Conflict[],
): { file: string; size: number } | null {
  if (conflicts.length === 0) return null;
  conflicts.sort((a, b) => a.ordinal - b.ordinal);
  const writer = new SpillWriter(folder, folder.file(name), RUN_BUFFER);
  for (const c of conflicts) {
    const detail = Buffer.from(c.detail);
    const padded = (detail.length + 7) & ~7;
    const at = writer.reserve(CONFLICT_HEADER);
    const f64 = writer.f64;
    f64[at >>> 3] = c.ordinal;
    f64[(at >>> 3) + 1] = c.version;
    f64[(at >>> 3) + 2] = c.existing;
    f64[(at >>> 3) + 3] = c.timeMs;
    writer.i32[(at >>> 2) + 8] = detail.length;
    writer.write(detail);
    if (padded > detail.length) writer.write(new Uint8Array(padded - detail.length));
  }
  writer.close();
  return { file: writer.file, size: writer.size };
}

/** Writes sorted, distinct row numbers as a run; null when there are none. */
export function writeNumberRun(folder: SpillFolder, name: string, values: number[]): string | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const writer = new SpillWriter(folder, folder.file(name), RUN_BUFFER);
  let last = NaN;
  for (const v of sorted) {
    if (v === last) continue;
    last = v;
    writer.f64[writer.reserve(8) >>> 3] = v;
  }
  writer.close();
  return writer.file;
}

/** Reads one run of float64 numbers in order. */
class NumberRun {
  private readonly reader: SpillReader;
  private readonly buffer = new Float64Array(RUN_BUFFER / 8);
  private length = 0;
  private at = 0;
  value = 0;

  constructor(file: string) {
    this.reader = new SpillReader(file);
  }

  /** Moves to the next number (in `value`); false at the end. */
  next(): boolean {
    if (this.at === this.length) {
      const bytes = new Uint8Array(this.buffer.buffer);
      this.length = this.reader.read(bytes) >>> 3;
      this.at = 0;
      if (this.length === 0) {
        this.reader.close();
        return false;
      }
    }
    this.value = this.buffer[this.at++]!;
    return true;
  }
}

/** The distinct numbers of several sorted runs, in order. */
export function* mergeNumberRuns(files: readonly string[]): Generator<number> {
  const runs = files.map((f) => new NumberRun(f)).filter((r) => r.next());
  let last = NaN;
  while (runs.length > 0) {
    let min = 0;
    for (let i = 1; i < runs.length; i++) if (runs[i]!.value < runs[min]!.value) min = i;
    const value = runs[min]!.value;
    if (!runs[min]!.next()) runs.splice(min, 1);
    if (value !== last) yield value;
    last = value;
  }
}

/** Numbers present in both sorted-run sets. */
export function intersectRuns(a: readonly string[], b: readonly string[]): number[] {
  if (a.length === 0 || b.length === 0) return [];
  const out: number[] = [];
  const x = mergeNumberRuns(a);
  const y = mergeNumberRuns(b);
  let p = x.next();
  let q = y.next();
  while (p.done !== true && q.done !== true) {
    if (p.value === q.value) {
      out.push(p.value);
      p = x.next();
      q = y.next();
    } else if (p.value < q.value) p = x.next();
    else q = y.next();
  }
  return out;
}

/** Reads one run of conflicts in ordinal order. */
class ConflictRun {
  private readonly reader: SpillReader;
  private readonly header = new Uint8Array(CONFLICT_HEADER);
  private readonly view = new DataView(this.header.buffer);
  private position = 0;
  current: Conflict | null = null;

  constructor(
    file: string,
    private readonly size: number,
  ) {
    this.reader = new SpillReader(file);
  }

  next(): boolean {
    if (this.position >= this.size) {
      this.reader.close();
      this.current = null;
      return false;
    }
    this.reader.readAt(this.header, this.position, CONFLICT_HEADER);
    const v = this.view;
    const length = v.getUint32(32, true);
    const detail = Buffer.alloc(length);
    this.reader.readAt(detail, this.position + CONFLICT_HEADER, length);
    this.position += CONFLICT_HEADER + ((length + 7) & ~7);
    this.current = {
      ordinal: v.getFloat64(0, true),
      version: v.getFloat64(8, true),
      existing: v.getFloat64(16, true),
      timeMs: v.getFloat64(24, true),
      detail: detail.toString(),
    };
    return true;
  }
}

/** The conflicts of every run, asked for by ordinal in increasing order. */
export class ConflictCursor {
  private readonly runs: ConflictRun[];
  /** The lowest ordinal any run holds next: most records are below it and cost one comparison. */
  private next = Infinity;
  /** The row time of the last conflict `at` found (Conflict.timeMs). */
  timeMs = NaN;

  constructor(runs: readonly { file: string; size: number }[]) {
    this.runs = runs.map((r) => new ConflictRun(r.file, r.size)).filter((r) => r.next());
    this.next = this.lowest();
  }

  /** The lowest ordinal that may have a failure: `at` of any ordinal below it is null (and changes nothing). */
  get clearBelow(): number {
    return this.next;
  }

  /** The failure of the record with this ordinal, or null; ordinals must not decrease from call to call. */
  at(ordinal: number): Failure | null {
    if (ordinal < this.next) return null;
    let found: Conflict | null = null;
    for (let i = 0; i < this.runs.length; i++) {
      const run = this.runs[i]!;
      while (run.current !== null && run.current.ordinal < ordinal) run.next();
      if (run.current !== null && run.current.ordinal === ordinal) {
        found = run.current;
        run.next();
      }
      if (run.current === null) this.runs.splice(i--, 1);
    }
    this.next = this.lowest();
    if (found === null) return null;
    this.timeMs = found.timeMs;
    return versionConflict(found.version, found.existing, found.detail);
  }

  private lowest(): number {
    let min = Infinity;
    for (const run of this.runs)
      if (run.current !== null && run.current.ordinal < min) min = run.current.ordinal;
    return min;
  }
}
