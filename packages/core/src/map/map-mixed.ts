/**
 * The row mapper of a mixed model (R-VAL-5, R-MEAS-1/2): one record per applicable mapping, chosen by the
 * measure-name cell when the model has a MeasureNameColumn.
 */
import type { TimestreamRecord } from './record.js';
import type { MeasureValueType, ScalarMeasureValueType } from '../task.js';
import { MAP_REASONS, parseFailure, quoteValue } from './map-failures.js';
import { invalidValueReason, valueParser, type ValueParser } from './map-values.js';
import {
  attributeValues,
  bindAttributes,
  invalidValue,
  isNull,
  measureNameNull,
  timeAndDimensionsStep,
  type BoundAttribute,
  type ColumnIndex,
  type MapContext,
  type RowMapper,
} from './map-common.js';

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

/** The mappings bound to the header, and per measure-name cell the mappings that apply, in mapping order. */
function bindMappings(ctx: MapContext, col: ColumnIndex) {
  const measures = ctx.model.measures;
  if (measures.kind !== 'mixed') throw new Error('mixedMeasureMapper: not a mixed model');
  const all: BoundMixedMapping[] = measures.mappings.map((m) => {
    const scalar = m.type !== 'MULTI';
    const type: ScalarMeasureValueType = m.type === 'MULTI' ? 'VARCHAR' : m.type;
    return {
      measureName: m.measureName,
      type: m.type,
      index: scalar && m.source !== null ? col(m.source) : -1,
      column: m.source ?? '',
      parse: valueParser(type, ctx.unit),
      reason: invalidValueReason(type),
      attributes: bindAttributes(m.attributes, col, ctx.unit),
    };
  });
  const byName = new Map<string, BoundMixedMapping[]>();
  const everyRow = all.filter((_, i) => measures.mappings[i]!.match === null);
  for (const m of measures.mappings) {
    if (m.match !== null && !byName.has(m.match)) {
      byName.set(
        m.match,
        all.filter((_, j) => measures.mappings[j]!.match === m.match || measures.mappings[j]!.match === null),
      );
    }
  }
  const columns = [
    ...new Set(all.flatMap((m) => (m.index >= 0 ? [m.column] : m.attributes.map((a) => a.column)))),
  ].join(', ');
  return { all, byName, everyRow, columns };
}

export function mixedMeasureMapper(ctx: MapContext, col: ColumnIndex): RowMapper {
  const { model, unit, version, nullText, nameColumn } = ctx;
  const { all, byName, everyRow, columns } = bindMappings(ctx, col);
  const timeAndDimensions = timeAndDimensionsStep(ctx, col);
  const timeIndex = col(model.timeColumn);
  const nameIndex = nameColumn === null ? -1 : col(nameColumn);
  const nameCol = nameColumn ?? '';
  return (cells) => {
    const dimensions = timeAndDimensions(cells);
    if (!Array.isArray(dimensions)) return dimensions;
    let mappings = all;
    if (nameIndex >= 0) {
      const cell = cells[nameIndex] ?? '';
      if (isNull(cell, nullText)) return measureNameNull(nameCol);
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
        if (isNull(cell, nullText)) continue; // R-MEAS-2: a null scalar skips that record
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
        const values = attributeValues(cells, m.attributes, ctx);
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
        `Every measure column that applies to this row is null (${columns})`,
      );
    }
    return records;
  };
}
