/** The row mapper of a multi-measure model (R-VAL-5, R-MEAS-1/2): one MULTI record per row. */
import type { TimestreamRecord } from './record.js';
import { MAP_REASONS, parseFailure } from './map-failures.js';
import {
  attributeValues,
  bindAttributes,
  isNull,
  measureNameNull,
  timeAndDimensionsStep,
  type ColumnIndex,
  type MapContext,
  type RowMapper,
} from './map-common.js';

export function multiMeasureMapper(ctx: MapContext, col: ColumnIndex): RowMapper {
  const { model, unit, version, nullText, nameColumn } = ctx;
  const measures = model.measures;
  if (measures.kind !== 'multi') throw new Error('multiMeasureMapper: not a multi-measure model');
  const timeAndDimensions = timeAndDimensionsStep(ctx, col);
  const timeIndex = col(model.timeColumn);
  const nameIndex = nameColumn === null ? -1 : col(nameColumn);
  const fixedName = measures.measureName.kind === 'fixed' ? measures.measureName.name : '';
  const attributes = bindAttributes(measures.attributes, col, unit);
  const attributeColumns = attributes.map((a) => a.column).join(', ');
  return (cells) => {
    const dimensions = timeAndDimensions(cells);
    if (!Array.isArray(dimensions)) return dimensions;
    let measureName = fixedName;
    if (nameIndex >= 0) {
      // Multi with MeasureNameColumn: the cell is the record's MeasureName.
      measureName = cells[nameIndex] ?? '';
      if (isNull(measureName, nullText)) return measureNameNull(nameColumn!);
    }
    const values = attributeValues(cells, attributes, ctx);
    if (!Array.isArray(values)) return values;
    if (values.length === 0) {
      return parseFailure(
        'MEASURES_ALL_NULL',
        MAP_REASONS.MEASURES_ALL_NULL,
        `Every attribute column is null (${attributeColumns})`,
      );
    }
    const record: TimestreamRecord = {
      Dimensions: dimensions,
      MeasureName: measureName,
      MeasureValues: values,
      MeasureValueType: 'MULTI',
      Time: cells[timeIndex]!,
      TimeUnit: unit,
      Version: version,
    };
    return [record];
  };
}
