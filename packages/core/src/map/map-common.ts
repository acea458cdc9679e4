/**
 * The steps every compiled row mapper shares (SPEC section 4): the time cell (R-TIME-1), the dimensions (R-DIM-1),
 * the attribute values of a multi-measure record (R-MEAS-1/2), and the failure of a bad value. Each step is built
 * once per file header (STYLE rule 8) and closes over resolved column indexes, parsers and names.
 */
import type { Failure } from '../failure.js';
import type { TimestreamDimension, TimestreamMeasureValue, TimestreamRecord } from './record.js';
import type {
  MeasureValueType,
  ResolvedAttribute,
  ResolvedTask,
  ScalarMeasureValueType,
  TimeUnit,
} from '../task.js';
import { compareDigitsFrom, isDigitsFrom } from './map-digits.js';
import { MAP_REASONS, parseFailure, quoteValue } from './map-failures.js';
import { MAX_TIME_DIGITS } from './map-time.js';
import { explainInvalidValue, invalidValueReason, valueParser, type ValueParser } from './map-values.js';

export type MapResult = TimestreamRecord[] | Failure; // discriminate with Array.isArray; Failure.kind === 'parse'
export type RowMapper = (cells: readonly string[]) => MapResult;

/** What the steps of one task need: its model, and the null text of R-CSV-7. */
export interface MapContext {
  model: ResolvedTask['model'];
  unit: TimeUnit;
  version: number;
  /** The NullValue a cell is compared with ('' for none: an empty cell is null anyway). */
  nullText: string;
  /** The MeasureNameColumn, or null. */
  nameColumn: string | null;
}

/** Column index of a column the header is known to have. */
export type ColumnIndex = (column: string) => number;

export interface BoundAttribute {
  index: number;
  column: string;
  name: string;
  type: ScalarMeasureValueType;
  parse: ValueParser;
  reason: string;
}

/** R-CSV-7: a cell is null when empty or equal to NullValue (compared after the reader's trimming). */
export function isNull(cell: string, nullText: string): boolean {
  return cell === '' || cell === nullText;
}

export function bindAttributes(
  attributes: readonly ResolvedAttribute[],
  col: ColumnIndex,
  unit: TimeUnit,
): BoundAttribute[] {
  return attributes.map((a) => ({
    index: col(a.source),
    column: a.source,
    name: a.name,
    type: a.type,
    parse: valueParser(a.type, unit),
    reason: invalidValueReason(a.type),
  }));
}

/** R-TIME-1 then R-DIM-1: the step that gives the dimensions of a row, or its failure. */
export function timeAndDimensionsStep(
  ctx: MapContext,
  col: ColumnIndex,
): (cells: readonly string[]) => TimestreamDimension[] | Failure {
  const { model, unit, nullText } = ctx;
  const timeIndex = col(model.timeColumn);
  const timeColumn = model.timeColumn;
  const maxTime = MAX_TIME_DIGITS[unit];
  const dimIndex = model.dimensions.map((d) => col(d.source));
  const dimName = model.dimensions.map((d) => d.name);
  const dimCount = dimIndex.length;
  const dimColumns = model.dimensions.map((d) => d.source).join(', ');
  return (cells) => {
    const time = cells[timeIndex] ?? '';
    if (isNull(time, nullText)) {
      return parseFailure(
        'TIME_NULL',
        MAP_REASONS.TIME_NULL,
        `TimeColumn "${timeColumn}" is null`,
        timeColumn,
      );
    }
    if (!isDigitsFrom(time, 0)) {
      return parseFailure(
        'TIME_INVALID',
        MAP_REASONS.TIME_INVALID,
        `TimeColumn "${timeColumn}": ${quoteValue(time)} is not a non-negative integer count of ${unit}`,
        timeColumn,
      );
    }
    if (compareDigitsFrom(time, 0, maxTime) > 0) {
      return parseFailure(
        'TIME_OUT_OF_RANGE',
        MAP_REASONS.TIME_OUT_OF_RANGE,
        `TimeColumn "${timeColumn}": ${quoteValue(time)} ${unit} is after ${maxTime} ${unit}, the last instant a signed 64-bit count of nanoseconds can hold`,
        timeColumn,
      );
    }
    const dimensions: TimestreamDimension[] = [];
    for (let i = 0; i < dimCount; i++) {
      const value = cells[dimIndex[i]!] ?? '';
      // R-DIM-1 [choice]: a null dimension is left out of the record.
      if (isNull(value, nullText)) continue;
      dimensions.push({ Name: dimName[i]!, Value: value, DimensionValueType: 'VARCHAR' });
    }
    if (dimensions.length === 0) {
      return parseFailure(
        'DIMENSIONS_ALL_NULL',
        MAP_REASONS.DIMENSIONS_ALL_NULL,
        `Every dimension column is null (${dimColumns})`,
      );
    }
    return dimensions;
  };
}

/** R-MEAS-1/2: the non-null attribute values of a multi-measure record, or the first invalid one. */
export function attributeValues(
  cells: readonly string[],
  attributes: readonly BoundAttribute[],
  ctx: MapContext,
): TimestreamMeasureValue[] | Failure {
  const values: TimestreamMeasureValue[] = [];
  for (let i = 0; i < attributes.length; i++) {
    const a = attributes[i]!;
    const cell = cells[a.index] ?? '';
    if (isNull(cell, ctx.nullText)) continue; // R-MEAS-2: a null attribute is left out
    const value = a.parse(cell);
    if (value === undefined) return invalidValue(a.column, a.type, a.reason, cell, ctx.unit);
    values.push({ Name: a.name, Value: value, Type: a.type });
  }
  return values;
}

export function measureNameNull(nameColumn: string): Failure {
  return parseFailure(
    'MEASURE_NAME_NULL',
    MAP_REASONS.MEASURE_NAME_NULL,
    `MeasureNameColumn "${nameColumn}" is null`,
    nameColumn,
  );
}

/** R-MEAS-1: a bad value fails the row, naming column, type and value. */
export function invalidValue(
  column: string,
  type: MeasureValueType,
  reason: string,
  text: string,
  unit: TimeUnit,
): Failure {
  const scalar: ScalarMeasureValueType = type === 'MULTI' ? 'VARCHAR' : type;
  return parseFailure(
    'VALUE_INVALID',
    reason,
    `Column "${column}" (${scalar}): ${quoteValue(text)} ${explainInvalidValue(scalar, text, unit)}`,
    column,
  );
}
