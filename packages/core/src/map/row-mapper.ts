/**
 * Row mapper (SPEC section 4): turns the cells of one CSV data row into Timestream records, or into the row's
 * parse failure. The task is compiled once and bound once per file header; the per-row function does no name
 * lookup and compiles no regex (STYLE rule 8).
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
import type { TimestreamDimension, TimestreamMeasureValue, TimestreamRecord } from './record.js';
import type {
  MeasureValueType,
  ResolvedAttribute,
  ResolvedCsvOptions,
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

interface BoundAttribute {
  index: number;
  column: string;
  name: string;
  type: ScalarMeasureValueType;
  parse: ValueParser;
  reason: string;
}

interface BoundMixedMapping {
  measureName: string;
  type: MeasureValueType;
  /** Column index of a scalar value; -1 for MULTI. */
  index: number;
  column: string;
  parse: ValueParser;
  reason: string;
  attributes: BoundAttribute[];
}

type ColumnIndex = (column: string) => number;

/** Compile once per task (STYLE rule 8): every name lookup, regex and default is resolved here, none per row. */
export function compileTask(task: Pick<ResolvedTask, 'model' | 'csv' | 'recordVersion'>): CompiledTask {
  const { model, csv } = task;
  const version = task.recordVersion;
  const unit = model.timeUnit;
  // R-CSV-7: null = empty, or equal to NullValue; cells arrive trimmed when TrimWhiteSpace is on, so the
  // NullValue is compared trimmed too [choice]. '' stands for "no NullValue" (empty is null anyway).
  const nullText = csv.nullValue === null ? '' : csv.trimWhiteSpace ? csv.nullValue.trim() : csv.nullValue;

  const uses: ColumnUse[] = [{ column: model.timeColumn, role: 'TimeColumn' }];
  for (const d of model.dimensions) uses.push({ column: d.source, role: `dimension ${d.name}` });
  const measures = model.measures;
  const nameColumn =
    measures.kind === 'multi'
      ? measures.measureName.kind === 'column'
        ? measures.measureName.column
        : null
      : measures.measureNameColumn;
  if (nameColumn !== null) uses.push({ column: nameColumn, role: 'MeasureNameColumn' });
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

  const bindAttributes = (attributes: readonly ResolvedAttribute[], col: ColumnIndex): BoundAttribute[] =>
    attributes.map((a) => ({
      index: col(a.source),
      column: a.source,
      name: a.name,
      type: a.type,
      parse: valueParser(a.type, unit),
      reason: invalidValueReason(a.type),
    }));

  const build = (col: ColumnIndex): RowMapper => {
    const timeIndex = col(model.timeColumn);
    const timeColumn = model.timeColumn;
    const maxTime = MAX_TIME_DIGITS[unit];
    const dimIndex = model.dimensions.map((d) => col(d.source));
    const dimName = model.dimensions.map((d) => d.name);
    const dimCount = dimIndex.length;
    const dimColumns = model.dimensions.map((d) => d.source).join(', ');
    const nameIndex = nameColumn === null ? -1 : col(nameColumn);
    const nameCol = nameColumn ?? '';

    /** R-TIME-1 then R-DIM-1: the dimensions of the row, or its failure. */
    const timeAndDimensions = (cells: readonly string[]): TimestreamDimension[] | Failure => {
      const time = cells[timeIndex] ?? '';
      if (time === '' || time === nullText) {
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
        if (value === '' || value === nullText) continue;
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

    /** R-MEAS-1/2: the non-null attribute values of a multi-measure record, or the first invalid one. */
    const attributeValues = (
      cells: readonly string[],
      attributes: readonly BoundAttribute[],
    ): TimestreamMeasureValue[] | Failure => {
      const values: TimestreamMeasureValue[] = [];
      for (let i = 0; i < attributes.length; i++) {
        const a = attributes[i]!;
        const cell = cells[a.index] ?? '';
        if (cell === '' || cell === nullText) continue; // R-MEAS-2: a null attribute is left out
        const value = a.parse(cell);
        if (value === undefined) return invalidValue(a.column, a.type, a.reason, cell, unit);
        values.push({ Name: a.name, Value: value, Type: a.type });
      }
      return values;
    };

    const measureNameNull = (): Failure =>
      parseFailure(
        'MEASURE_NAME_NULL',
        MAP_REASONS.MEASURE_NAME_NULL,
        `MeasureNameColumn "${nameCol}" is null`,
        nameCol,
      );

    if (measures.kind === 'multi') {
      const fixedName = measures.measureName.kind === 'fixed' ? measures.measureName.name : '';
      const attributes = bindAttributes(measures.attributes, col);
      const attributeColumns = attributes.map((a) => a.column).join(', ');
      return (cells) => {
        const dimensions = timeAndDimensions(cells);
        if (!Array.isArray(dimensions)) return dimensions;
        let measureName = fixedName;
        if (nameIndex >= 0) {
          // Multi with MeasureNameColumn: the cell is the record's MeasureName.
          measureName = cells[nameIndex] ?? '';
          if (measureName === '' || measureName === nullText) return measureNameNull();
        }
        const values = attributeValues(cells, attributes);
        if (!Array.isArray(values)) return values;
        if (values.length === 0) {
          return parseFailure(
            'MEASURES_ALL_NULL',
            MAP_REASONS.MEASURES_ALL_NULL,
            `Every attribute column is null (${attributeColumns})`,
          );
        }
        return [
          {
            Dimensions: dimensions,
            MeasureName: measureName,
            MeasureValues: values,
            MeasureValueType: 'MULTI',
            Time: cells[timeIndex]!,
            TimeUnit: unit,
            Version: version,
          },
        ];
      };
    }

    const all: BoundMixedMapping[] = measures.mappings.map((m) => {
      const scalar = m.type !== 'MULTI';
      const type: ScalarMeasureValueType = m.type === 'MULTI' ? 'VARCHAR' : m.type;
      return {
        measureName: m.measureName,
        type: m.type,
        index: scalar && m.source !== null ? col(m.source) : -1,
        column: m.source ?? '',
        parse: valueParser(type, unit),
        reason: invalidValueReason(type),
        attributes: bindAttributes(m.attributes, col),
      };
    });
    // With a MeasureNameColumn, the mappings for each measure-name cell, in mapping order, resolved now.
    const byName = new Map<string, BoundMixedMapping[]>();
    const everyRow = all.filter((_, i) => measures.mappings[i]!.match === null);
    for (const m of measures.mappings) {
      if (m.match !== null && !byName.has(m.match)) {
        byName.set(
          m.match,
          all.filter(
            (_, j) => measures.mappings[j]!.match === m.match || measures.mappings[j]!.match === null,
          ),
        );
      }
    }
    const mappingColumns = [
      ...new Set(all.flatMap((m) => (m.index >= 0 ? [m.column] : m.attributes.map((a) => a.column)))),
    ].join(', ');

    return (cells) => {
      const dimensions = timeAndDimensions(cells);
      if (!Array.isArray(dimensions)) return dimensions;
      let mappings = all;
      if (nameIndex >= 0) {
        const cell = cells[nameIndex] ?? '';
        if (cell === '' || cell === nullText) return measureNameNull();
        const found = byName.get(cell);
        if (found !== undefined) mappings = found;
        else if (everyRow.length > 0) mappings = everyRow;
        else {
          // R-MEAS-2 [choice]: a measure name no mapping names is a parse failure.
          return parseFailure(
            'MEASURE_NAME_UNMAPPED',
            MAP_REASONS.MEASURE_NAME_UNMAPPED,
            `MeasureNameColumn "${nameCol}": ${quoteValue(cell)} is the MeasureName of no mixed measure mapping`,
            nameCol,
          );
        }
      }
      const time = cells[timeIndex]!;
      const records: TimestreamRecord[] = [];
      for (let i = 0; i < mappings.length; i++) {
        const m = mappings[i]!;
        if (m.index >= 0) {
          const cell = cells[m.index] ?? '';
          if (cell === '' || cell === nullText) continue; // R-MEAS-2: a null scalar skips that record
          const value = m.parse(cell);
          if (value === undefined) return invalidValue(m.column, m.type, m.reason, cell, unit);
          records.push({
            Dimensions: records.length === 0 ? dimensions : dimensions.slice(),
            MeasureName: m.measureName,
            MeasureValue: value,
            MeasureValueType: m.type,
            Time: time,
            TimeUnit: unit,
            Version: version,
          });
        } else {
          const values = attributeValues(cells, m.attributes);
          if (!Array.isArray(values)) return values;
          if (values.length === 0) continue; // a MULTI mapping with every attribute null skips its record
          records.push({
            Dimensions: records.length === 0 ? dimensions : dimensions.slice(),
            MeasureName: m.measureName,
            MeasureValues: values,
            MeasureValueType: 'MULTI',
            Time: time,
            TimeUnit: unit,
            Version: version,
          });
        }
      }
      if (records.length === 0) {
        return parseFailure(
          'MEASURES_ALL_NULL',
          MAP_REASONS.MEASURES_ALL_NULL,
          `Every measure column that applies to this row is null (${mappingColumns})`,
        );
      }
      return records;
    };
  };

  return {
    csv,
    bind(header: readonly string[]): BindResult {
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
      if (missing.size > 0) {
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
      return { ok: true, map: build((column) => index.get(column)!) };
    },
  };
}

/** R-MEAS-1: a bad value fails the row, naming column, type and value. */
function invalidValue(
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
