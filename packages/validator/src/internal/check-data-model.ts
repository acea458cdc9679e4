/**
 * R-VAL-3, R-VAL-4, R-VAL-5 (and R-VAL-6 through check-names.ts): the DataModel rules the API model does not
 * state. Reads the model defensively: a member of the wrong type was reported by the schema and is skipped
 * here, so one mistake gives one issue. Also fills the defaults and resolves the model when it is complete.
 */
import {
  TIME_UNITS,
  type DataModel,
  type DimensionMapping,
  type MixedMeasureMapping,
  type ResolvedDataModel,
  type ResolvedDimension,
  type ResolvedMixedMeasures,
  type ResolvedMultiMeasures,
  type TimeUnit,
} from '@tsbatch/core';
import { checkMixedMappings } from './check-mixed-mappings.js';
import { checkNames } from './check-names.js';
import type { IssueList } from './issues.js';
import { arrayMember, has, isObject, member, pointer, quote, type JsonObject } from './json.js';
import { ModelContext, type ColumnUse } from './model-context.js';

export type { ColumnUse } from './model-context.js';

/** R-VAL-4: a record has at most 128 dimensions. */
export const MAX_DIMENSION_MAPPINGS = 128;

export interface ModelCheck {
  /** The model with defaults filled, as DescribeBatchLoadTask would echo it; `undefined` when incomplete. */
  filled: DataModel | undefined;
  resolved: ResolvedDataModel | undefined;
  columns: ColumnUse[];
}

function isTimeUnit(value: unknown): value is TimeUnit {
  return (TIME_UNITS as readonly unknown[]).includes(value);
}

/** Checks the DataModel `model` found at pointer `base`. */
export function checkDataModel(model: unknown, base: string, issues: IssueList): ModelCheck {
  const ctx = new ModelContext(issues);
  if (!isObject(model)) return { filled: undefined, resolved: undefined, columns: ctx.columns };
  const at = (...segments: (string | number)[]): string => pointer(base, ...segments);

  // R-VAL-3: TimeColumn required [choice], TimeUnit defaults to MILLISECONDS.
  const timeColumn = ctx.text(model, 'TimeColumn');
  if (timeColumn === null) {
    issues.missing(
      'MODEL_TIME_COLUMN_MISSING',
      at('TimeColumn'),
      "TimeColumn is required: name the CSV column that holds each row's time",
    );
    ctx.complete = false;
  } else if (timeColumn !== undefined) {
    ctx.columns.push({ column: timeColumn, path: at('TimeColumn'), role: 'time column', scope: null });
  }
  let timeUnit: TimeUnit = 'MILLISECONDS';
  if (has(model, 'TimeUnit')) {
    const value = member(model, 'TimeUnit');
    if (isTimeUnit(value)) timeUnit = value;
    else ctx.complete = false;
  }

  const measureNameColumn = ctx.text(model, 'MeasureNameColumn');
  if (typeof measureNameColumn === 'string') {
    ctx.columns.push({
      column: measureNameColumn,
      path: at('MeasureNameColumn'),
      role: 'measure-name column',
      scope: null,
    });
  }

  const dimensions = checkDimensions(model, at, ctx);

  // R-VAL-5: exactly one kind of measure mappings.
  let measures: ResolvedMultiMeasures | ResolvedMixedMeasures | undefined;
  let filledMulti: DataModel['MultiMeasureMappings'];
  let filledMixed: MixedMeasureMapping[] | undefined;
  const hasMulti = has(model, 'MultiMeasureMappings');
  const hasMixed = has(model, 'MixedMeasureMappings');
  if (!hasMulti && !hasMixed) {
    issues.missing(
      'MODEL_MEASURES_MISSING',
      base,
      'the model maps no measures: give MultiMeasureMappings (one multi-measure record per row) or MixedMeasureMappings',
      [at('MultiMeasureMappings'), at('MixedMeasureMappings')],
    );
    ctx.complete = false;
  } else if (hasMulti && hasMixed) {
    issues.error(
      'MODEL_MEASURES_AMBIGUOUS',
      at('MixedMeasureMappings'),
      'give either MultiMeasureMappings or MixedMeasureMappings, not both',
    );
    ctx.complete = false;
  }
  if (hasMulti) {
    const multi = checkMultiMappings(member(model, 'MultiMeasureMappings'), measureNameColumn, at, ctx);
    if (multi === undefined) ctx.complete = false;
    else [measures, filledMulti] = [multi.measures, multi.filled];
  }
  if (hasMixed) {
    const list = arrayMember(model, 'MixedMeasureMappings');
    if (list === undefined) ctx.complete = false;
    else {
      const mixed = checkMixedMappings(list, at('MixedMeasureMappings'), measureNameColumn, ctx);
      [measures, filledMixed] = [mixed.measures, mixed.filled];
    }
  }

  checkNames(ctx.names, issues);
  checkColumnReuse(ctx.columns, issues);
  if (
    !ctx.complete ||
    typeof timeColumn !== 'string' ||
    measureNameColumn === undefined ||
    measures === undefined ||
    dimensions === undefined
  ) {
    return { filled: undefined, resolved: undefined, columns: ctx.columns };
  }
  const filled: DataModel = {
    TimeColumn: timeColumn,
    TimeUnit: timeUnit,
    DimensionMappings: dimensions.filled,
    ...(filledMulti === undefined ? {} : { MultiMeasureMappings: filledMulti }),
    ...(filledMixed === undefined ? {} : { MixedMeasureMappings: filledMixed }),
    ...(measureNameColumn === null ? {} : { MeasureNameColumn: measureNameColumn }),
  };
  return {
    filled,
    resolved: { timeColumn, timeUnit, dimensions: dimensions.resolved, measures },
    columns: ctx.columns,
  };
}

/** R-VAL-4: each dimension needs SourceColumn; DestinationColumn defaults to it; at most 128. */
function checkDimensions(
  model: JsonObject,
  at: (...segments: (string | number)[]) => string,
  ctx: ModelContext,
): { filled: DimensionMapping[]; resolved: ResolvedDimension[] } | undefined {
  const list = arrayMember(model, 'DimensionMappings');
  if (list === undefined) return undefined;
  if (list.length > MAX_DIMENSION_MAPPINGS) {
    ctx.issues.error(
      'MODEL_TOO_MANY_DIMENSIONS',
      at('DimensionMappings'),
      `has ${list.length} dimension mappings; a record has at most ${MAX_DIMENSION_MAPPINGS} dimensions`,
    );
  }
  const filled: DimensionMapping[] = [];
  const resolved: ResolvedDimension[] = [];
  list.forEach((mapping, i) => {
    if (!isObject(mapping)) {
      ctx.complete = false;
      return;
    }
    const source = ctx.text(mapping, 'SourceColumn');
    const destination = ctx.text(mapping, 'DestinationColumn');
    if (source === null) {
      ctx.issues.missing(
        'MODEL_DIMENSION_SOURCE_MISSING',
        at('DimensionMappings', i, 'SourceColumn'),
        'SourceColumn is required: name the CSV column that holds the dimension value',
      );
      ctx.complete = false;
      return;
    }
    if (source === undefined || destination === undefined) return;
    const path = at('DimensionMappings', i, 'SourceColumn');
    ctx.columns.push({ column: source, path, role: 'dimension', scope: null });
    const name = destination ?? source;
    ctx.names.push({
      kind: 'dimension',
      name,
      path: destination === null ? path : at('DimensionMappings', i, 'DestinationColumn'),
    });
    filled.push({ SourceColumn: source, DestinationColumn: name });
    resolved.push({ source, name });
  });
  return { filled, resolved };
}

/** R-VAL-5: MultiMeasureMappings, one multi-measure record per row. */
function checkMultiMappings(
  multi: unknown,
  measureNameColumn: string | null | undefined,
  at: (...segments: (string | number)[]) => string,
  ctx: ModelContext,
): { measures: ResolvedMultiMeasures; filled: NonNullable<DataModel['MultiMeasureMappings']> } | undefined {
  if (!isObject(multi)) return undefined;
  const attributes = ctx.attributes(
    member(multi, 'MultiMeasureAttributeMappings'),
    at('MultiMeasureMappings', 'MultiMeasureAttributeMappings'),
    'multi',
    null,
  );
  const target = ctx.text(multi, 'TargetMultiMeasureName');
  const targetPath = at('MultiMeasureMappings', 'TargetMultiMeasureName');
  // The record's measure name: the MeasureNameColumn cell when set, else TargetMultiMeasureName.
  let measureName: ResolvedMultiMeasures['measureName'] | undefined;
  if (typeof measureNameColumn === 'string') {
    measureName = { kind: 'column', column: measureNameColumn };
    if (target !== null) {
      ctx.issues.warning(
        'MODEL_MEASURE_NAME_REDUNDANT',
        targetPath,
        `MeasureNameColumn ${quote(measureNameColumn)} names each record; TargetMultiMeasureName is not used`,
      );
    }
  } else if (typeof target === 'string') {
    measureName = { kind: 'fixed', name: target };
    ctx.names.push({ kind: 'measure', name: target, path: targetPath });
  } else if (target === null && measureNameColumn === null) {
    ctx.issues.missing(
      'MODEL_MEASURE_NAME_MISSING',
      targetPath,
      'records need a measure name: set TargetMultiMeasureName, or MeasureNameColumn to read it from each row',
      [targetPath, at('MeasureNameColumn')],
    );
  }
  if (measureName === undefined || attributes === undefined) return undefined;
  return {
    measures: { kind: 'multi', measureName, attributes: attributes.resolved },
    filled: {
      ...(typeof target === 'string' ? { TargetMultiMeasureName: target } : {}),
      MultiMeasureAttributeMappings: attributes.filled,
    },
  };
}

/**
 * R-VAL-8: a column read twice (two dimensions from one column, the time column also a measure, ...) is a
 * warning. In a mixed model with MeasureNameColumn, mappings for different measure names read different rows,
 * so sharing a value column between them is the normal narrow-table layout and is not reported.
 */
function checkColumnReuse(columns: ColumnUse[], issues: IssueList): void {
  const byColumn = new Map<string, ColumnUse[]>();
  for (const use of columns) {
    const earlier = byColumn.get(use.column) ?? [];
    const clash = earlier.find((e) => e.scope === null || use.scope === null || e.scope === use.scope);
    if (clash !== undefined) {
      issues.warning(
        'MODEL_SOURCE_COLUMN_REUSED',
        use.path,
        `column ${quote(use.column)} is also read as the ${clash.role} at ${clash.path}`,
      );
    }
    earlier.push(use);
    byColumn.set(use.column, earlier);
  }
}
