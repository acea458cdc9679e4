/**
 * R-DUP-1: the name lists of records (dimension names; attribute names and types), interned for the key encoder
 * (check-record-key.ts), and the string hashes both of them use.
 *
 * A list is interned once as a "shape" with a canonical id, the same for every order of the same names, plus the
 * permutation that puts the record's items in canonical (sorted) order. Recent shapes are recognised by comparing
 * names with `===`, a pointer check for the name strings the row mapper reuses. Past a bound, a new list is not
 * interned: it gets a transient shape (id -1) made again each time, and the encoder writes its names out in full,
 * so the encoding stays exact whatever the number of lists.
 */
import type { TimestreamDimension, TimestreamMeasureValue } from '../map/record.js';
import type { ScalarMeasureValueType } from '../task.js';

/** Recent shapes recognised without building a string. */
const RECENT_SHAPES = 8;

/** [choice] Distinct name lists (and measure names) interned; past it they are written out in full. */
export const SHAPE_LIMIT = 100_000;

/** FNV-1a's offset basis and prime; the high half of the key hash uses the second pair. */
export const FNV_BASIS = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;
export const HIGH_BASIS = 0x5bd1e995;
export const HIGH_PRIME = 0x2f0b3c2d | 1;

export interface Shape {
  /** Canonical id; -1 for a list that was not interned (its names are then written out). */
  id: number;
  /** Names (and types) in the record's order: what a record is matched against. */
  names: readonly string[];
  types: readonly ScalarMeasureValueType[] | null;
  /** Record positions in canonical order. */
  order: Int32Array;
  /** Hashes of the canonical names (low and high halves): what keyHash starts from, the same in every thread. */
  nameHash: number;
  nameHashHigh: number;
}

/** Canonical names and types of one shape id, for decoding. */
export interface ShapeInfo {
  names: readonly string[];
  types: readonly ScalarMeasureValueType[] | null;
}

/** Interns name lists, up to SHAPE_LIMIT canonical ones (see the file's comment). */
export class ShapeTable {
  private readonly recent: Shape[] = [];
  /** Every name list met, in record order (bounded with the canonical ones). */
  private readonly byRecordOrder = new Map<string, Shape>();
  private readonly byCanonical = new Map<string, number>();
  readonly info: ShapeInfo[] = [];

  constructor(private readonly limit = SHAPE_LIMIT) {}

  dimensions(dims: readonly TimestreamDimension[]): Shape {
    const n = dims.length;
    const recent = this.recent;
    for (let r = 0; r < recent.length; r++) {
      const shape = recent[r]!;
      const names = shape.names;
      if (names.length !== n || shape.types !== null) continue;
      let i = 0;
      while (i < n && names[i] === dims[i]!.Name) i++;
      if (i === n) return shape;
    }
    return this.add(
      dims.map((d) => d.Name),
      null,
    );
  }

  values(values: readonly TimestreamMeasureValue[]): Shape {
    const n = values.length;
    const recent = this.recent;
    for (let r = 0; r < recent.length; r++) {
      const shape = recent[r]!;
      const { names, types } = shape;
      if (names.length !== n || types === null) continue;
      let i = 0;
      while (i < n && names[i] === values[i]!.Name && types[i] === values[i]!.Type) i++;
      if (i === n) return shape;
    }
    return this.add(
      values.map((v) => v.Name),
      values.map((v) => v.Type),
    );
  }

  /** Off the hot path: a name list not among the recent ones. */
  private add(names: string[], types: ScalarMeasureValueType[] | null): Shape {
    const recordOrder = shapeKey(names, types);
    const known = this.byRecordOrder.get(recordOrder);
    if (known !== undefined) return this.remember(known);
    const { order, nameHash, nameHashHigh } = canonicalShape(names, types);
    const canonicalNames = Array.from(order, (i) => names[i]!);
    const canonicalTypes = types === null ? null : Array.from(order, (i) => types[i]!);
    const canonical = shapeKey(canonicalNames, canonicalTypes);
    let id = this.byCanonical.get(canonical) ?? -1;
    if (id === -1 && this.byCanonical.size < this.limit) {
      id = this.info.length;
      this.byCanonical.set(canonical, id);
      this.info.push({ names: canonicalNames, types: canonicalTypes });
    }
    const shape: Shape = { id, names, types, order, nameHash, nameHashHigh };
    // A transient shape is still recognised while it is recent; it is just never given an id.
    if (id !== -1 && this.byRecordOrder.size < this.limit) this.byRecordOrder.set(recordOrder, shape);
    return this.remember(shape);
  }

  private remember(shape: Shape): Shape {
    if (this.recent.length === RECENT_SHAPES) this.recent.pop();
    this.recent.unshift(shape);
    return shape;
  }
}

/**
 * A name list's canonical order (record positions, sorted by name, then type) and the hashes of its names in that
 * order: what a Shape holds, the same for every order of the same names (R-DUP-1). The row kernel of a range job
 * (load/row-kernel.ts) takes its dimensions' from here, as ShapeTable does.
 */
export function canonicalShape(
  names: readonly string[],
  types: readonly ScalarMeasureValueType[] | null,
): { order: Int32Array; nameHash: number; nameHashHigh: number } {
  const positions = names.map((_, i) => i);
  positions.sort((a, b) => {
    if (names[a] !== names[b]) return names[a]! < names[b]! ? -1 : 1;
    if (types !== null && types[a] !== types[b]) return types[a]! < types[b]! ? -1 : 1;
    return a - b; // [choice] duplicated names (an invalid record) keep their record order
  });
  let nameHash = FNV_BASIS;
  let nameHashHigh = HIGH_BASIS;
  for (const i of positions) {
    nameHash = hashString(nameHash, names[i]!, FNV_PRIME);
    nameHashHigh = hashString(nameHashHigh, names[i]!, HIGH_PRIME);
  }
  return { order: Int32Array.from(positions), nameHash, nameHashHigh };
}

/** An unambiguous text for a list of names (and types). */
function shapeKey(names: readonly string[], types: readonly ScalarMeasureValueType[] | null): string {
  let key = types === null ? 'D' : 'V';
  for (let i = 0; i < names.length; i++) {
    key += `${names[i]!.length}:${names[i]!}${types === null ? '' : `${types[i]!};`}`;
  }
  return key;
}

/**
 * Interns measure names (bounded): the id of a name, or -1 once `limit` names exist and a new one appears. The
 * last few names are recognised with `===` (a pointer check for a fixed name, a short compare for a cell).
 */
export class NameTable {
  private readonly recent: string[] = [];
  private readonly recentIds: number[] = [];
  private readonly ids = new Map<string, number>();

  constructor(private readonly limit = SHAPE_LIMIT) {}

  id(name: string): number {
    const recent = this.recent;
    for (let r = 0; r < recent.length; r++) if (recent[r] === name) return this.recentIds[r]!;
    let id = this.ids.get(name);
    if (id === undefined) {
      if (this.ids.size >= this.limit) return -1;
      id = this.ids.size;
      this.ids.set(name, id);
    }
    if (recent.length === RECENT_SHAPES) {
      recent.pop();
      this.recentIds.pop();
    }
    recent.unshift(name);
    this.recentIds.unshift(id);
    return id;
  }
}

/** FNV-1a style over the string's code units with the given prime, then 0x10000 (not a code unit) to end it. */
export function hashString(h: number, text: string, prime: number): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), prime);
  return Math.imul(h ^ 0x10000, prime);
}

/** MurmurHash3's finalizer: every input bit affects every output bit. */
export function fmix32(x: number): number {
  let h = x ^ (x >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
