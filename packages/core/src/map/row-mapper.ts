/**
 * Row mapper (SPEC section 4): turns the cells of one CSV data row into Timestream records, or into the row's
 * parse failure. The task is compiled once (compileTask: the null text, the columns the model reads) and bound once
 * per file header (bind: the columns found, then the model's mapper, map-multi.ts or map-mixed.ts, built from the
 * steps of map-common.ts); the per-row function does no name lookup and compiles no regex (STYLE rule 8).
 *
 * Check order within a row (the first failure found is the row's failure, and a failed row yields no record,
 * R-COUNT-1): the time cell (R-TIME-1), then the dimensions (R-DIM-1), then the measure-name cell, then the
 * measure values in mapping order (R-MEAS-1), then "no measure value at all" (R-MEAS-2).
 *
 * Records are built with one key order (Dimensions, MeasureName, MeasureValue | MeasureValues, MeasureValueType,
 * Time, TimeUnit, Version), so the same cells always give deep-equal records. The records of one row (mixed
 * model) have their own `Dimensions` arrays but share the dimension objects; treat records as immutable.
 */
import type { Failure } from '../failure.js';
import type { ResolvedCsvOptions, ResolvedTask } from '../task.js';
import type { ColumnIndex, MapContext, RowMapper } from './map-common.js';
import { mixedMeasureMapper } from './map-mixed.js';
import { multiMeasureMapper } from './map-multi.js';

export type { MapResult, RowMapper } from './map-common.js';
export type BindResult =
  | { ok: true; map: RowMapper }
  /** kind 'file', code FILE_MISSING_COLUMN, detail lists every missing column. */
  | { ok: false; failure: Failure };
export interface CompiledTask {
  bind(header: readonly string[]): BindResult;
  /** The CSV options the task was compiled with (a row read again is parsed with them, R-DUP-1). */
  readonly csv?: ResolvedCsvOptions;
}

/** A column the model reads, and what for (named in FILE_MISSING_COLUMN details). */
interface ColumnUse {
  column: string;
  role: string;
}

/** Compile once per task (STYLE rule 8): every name lookup, regex and default is resolved here, none per row. */
export function compileTask(task: Pick<ResolvedTask, 'model' | 'csv' | 'recordVersion'>): CompiledTask {
  const ctx = mapContext(task);
  const uses = columnUses(ctx);
  const mapper = ctx.model.measures.kind === 'multi' ? multiMeasureMapper : mixedMeasureMapper;
  return {
    csv: task.csv,
    bind(header: readonly string[]): BindResult {
      const found = findColumns(header, uses);
      if (!found.ok) return found;
      return { ok: true, map: mapper(ctx, found.col) };
    },
  };
}

function mapContext(task: Pick<ResolvedTask, 'model' | 'csv' | 'recordVersion'>): MapContext {
  const { model, csv } = task;
  // R-CSV-7: null = empty, or equal to NullValue; cells arrive trimmed when TrimWhiteSpace is on, so the
  // NullValue is compared trimmed too [choice]. '' stands for "no NullValue" (empty is null anyway).
  const nullText = csv.nullValue === null ? '' : csv.trimWhiteSpace ? csv.nullValue.trim() : csv.nullValue;
  const measures = model.measures;
  const nameColumn =
    measures.kind === 'multi'
      ? measures.measureName.kind === 'column'
        ? measures.measureName.column
        : null
      : measures.measureNameColumn;
  return { model, unit: model.timeUnit, version: task.recordVersion, nullText, nameColumn };
}

/** Every column the model reads, with its role. */
function columnUses(ctx: MapContext): ColumnUse[] {
  const { model, nameColumn } = ctx;
  const uses: ColumnUse[] = [{ column: model.timeColumn, role: 'TimeColumn' }];
  for (const d of model.dimensions) uses.push({ column: d.source, role: `dimension ${d.name}` });
  if (nameColumn !== null) uses.push({ column: nameColumn, role: 'MeasureNameColumn' });
  const measures = model.measures;
  if (measures.kind === 'multi') {
    for (const a of measures.attributes) uses.push({ column: a.source, role: `attribute ${a.name}` });
  } else {
    for (const m of measures.mappings) {
      if (m.source !== null) uses.push({ column: m.source, role: `measure ${m.measureName}` });
      for (const a of m.attributes) {
        uses.push({ column: a.source, role: `attribute ${a.name} of measure ${m.measureName}` });
      }
    }
  }
  return uses;
}

/** The header's index of every column used, or FILE_MISSING_COLUMN naming each one missing (R-VAL-8). */
function findColumns(
  header: readonly string[],
  uses: readonly ColumnUse[],
): { ok: true; col: ColumnIndex } | { ok: false; failure: Failure } {
  const index = new Map<string, number>();
  header.forEach((name, i) => {
    if (!index.has(name)) index.set(name, i); // R-CSV-3 makes duplicates a file failure before this
  });
  const missing = new Map<string, string[]>();
  for (const use of uses) {
    if (index.has(use.column)) continue;
    const roles = missing.get(use.column);
    if (roles === undefined) missing.set(use.column, [use.role]);
    else roles.push(use.role);
  }
  if (missing.size === 0) return { ok: true, col: (column) => index.get(column)! };
  const names = [...missing.keys()];
  const failure: Failure = {
    kind: 'file',
    code: 'FILE_MISSING_COLUMN',
    reason: `The header is missing mapped column${names.length > 1 ? 's' : ''}: ${names.map((n) => JSON.stringify(n)).join(', ')}`,
    detail: `Missing: ${[...missing].map(([c, roles]) => `${JSON.stringify(c)} (${roles.join('; ')})`).join(', ')}. Header: ${header.map((h) => JSON.stringify(h)).join(', ')}`,
    column: names[0]!,
  };
  return { ok: false, failure };
}
