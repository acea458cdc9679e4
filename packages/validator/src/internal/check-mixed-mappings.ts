/** R-VAL-5: MixedMeasureMappings, one record per mapping that applies to a row. */
import {
  MEASURE_VALUE_TYPES,
  type MeasureValueType,
  type MixedMeasureMapping,
  type ResolvedMixedMapping,
  type ResolvedMixedMeasures,
} from '@tsbatch/core';
import { has, isObject, member, pointer, quote, stringMember } from './json.js';
import type { Attributes, ModelContext } from './model-context.js';

function isMeasureType(value: unknown): value is MeasureValueType {
  return (MEASURE_VALUE_TYPES as readonly unknown[]).includes(value);
}

export interface MixedCheck {
  measures: ResolvedMixedMeasures;
  filled: MixedMeasureMapping[];
}

/**
 * Checks the mixed mappings at `listPath`. `measureNameColumn`: the model's MeasureNameColumn (`null` when
 * absent, `undefined` when of the wrong type).
 */
export function checkMixedMappings(
  list: unknown[],
  listPath: string,
  measureNameColumn: string | null | undefined,
  ctx: ModelContext,
): MixedCheck {
  const { issues } = ctx;
  const mappings: ResolvedMixedMapping[] = [];
  const filled: MixedMeasureMapping[] = [];
  const matches = new Map<string, string>();
  const targets = new Map<string, string>();
  const withColumn = measureNameColumn !== null;

  list.forEach((mapping, i) => {
    const path = pointer(listPath, i);
    if (!isObject(mapping)) {
      ctx.complete = false;
      return;
    }
    const rawType = member(mapping, 'MeasureValueType');
    const type = isMeasureType(rawType) ? rawType : undefined;
    if (type === undefined) ctx.complete = false;
    const measureName = ctx.text(mapping, 'MeasureName');
    const source = ctx.text(mapping, 'SourceColumn');
    const target = ctx.text(mapping, 'TargetMeasureName');
    const hasAttributes = has(mapping, 'MultiMeasureAttributeMappings');

    // With MeasureNameColumn a row uses the mappings whose MeasureName equals its measure-name cell, so the
    // columns a mapping reads are scoped to those rows (a mapping whose MeasureName is missing or repeated was
    // reported already and gets a scope of its own).
    let scope: string | null = null;
    if (withColumn) {
      scope = `\u0000${i}`;
      if (measureName === null) {
        issues.missing(
          'MODEL_MIXED_MEASURE_NAME_MISSING',
          pointer(path, 'MeasureName'),
          'with MeasureNameColumn every mapping needs a MeasureName: the measure-name cell value of the rows it maps',
        );
        ctx.complete = false;
      } else if (typeof measureName === 'string') {
        const first = matches.get(measureName);
        if (first === undefined) {
          matches.set(measureName, path);
          scope = measureName;
        } else {
          issues.error(
            'MODEL_MIXED_MEASURE_NAME_DUPLICATE',
            pointer(path, 'MeasureName'),
            `MeasureName ${quote(measureName)} is already used by ${first}; a measure name selects one mapping`,
          );
        }
      }
    }

    let attributes: Attributes | undefined = { filled: [], resolved: [] };
    if (type === 'MULTI') {
      if (source !== null) {
        issues.error(
          'MODEL_MULTI_HAS_SOURCE_COLUMN',
          pointer(path, 'SourceColumn'),
          'a MULTI mapping reads its values through MultiMeasureAttributeMappings; remove SourceColumn',
        );
      }
      if (!hasAttributes) {
        issues.missing(
          'MODEL_MULTI_ATTRIBUTES_MISSING',
          pointer(path, 'MultiMeasureAttributeMappings'),
          'a MULTI mapping needs MultiMeasureAttributeMappings (at least one attribute)',
        );
        attributes = undefined;
      } else {
        attributes = ctx.attributes(
          member(mapping, 'MultiMeasureAttributeMappings'),
          pointer(path, 'MultiMeasureAttributeMappings'),
          `mixed/${i}`,
          scope,
        );
      }
      if (!withColumn && target === null && measureName === null) {
        issues.missing(
          'MODEL_MULTI_TARGET_NAME_MISSING',
          pointer(path, 'TargetMeasureName'),
          'a MULTI mapping needs TargetMeasureName (or MeasureName) to name its records',
          [pointer(path, 'TargetMeasureName'), pointer(path, 'MeasureName')],
        );
        ctx.complete = false;
      }
    } else if (type !== undefined) {
      if (source === null) {
        issues.missing(
          'MODEL_SCALAR_SOURCE_MISSING',
          pointer(path, 'SourceColumn'),
          `a ${type} mapping needs SourceColumn: the CSV column holding the value`,
        );
        ctx.complete = false;
      } else if (typeof source === 'string') {
        ctx.columns.push({ column: source, path: pointer(path, 'SourceColumn'), role: 'measure', scope });
      }
      if (hasAttributes) {
        issues.error(
          'MODEL_SCALAR_HAS_ATTRIBUTES',
          pointer(path, 'MultiMeasureAttributeMappings'),
          `only a MULTI mapping has MultiMeasureAttributeMappings; this one is ${type}`,
        );
      }
      if (type === 'TIMESTAMP') {
        issues.error(
          'MODEL_SCALAR_TIMESTAMP',
          pointer(path, 'MeasureValueType'),
          'WriteRecords accepts TIMESTAMP only inside a MULTI record: use MeasureValueType MULTI with a TIMESTAMP attribute',
        );
      }
    }

    // R-VAL-5: the record's measure name = TargetMeasureName ?? MeasureName ?? SourceColumn.
    const nameFrom = (['TargetMeasureName', 'MeasureName', 'SourceColumn'] as const).find((key) =>
      has(mapping, key),
    );
    const recordName = nameFrom === undefined ? undefined : stringMember(mapping, nameFrom);
    if (recordName !== undefined && nameFrom !== undefined) {
      ctx.names.push({ kind: 'measure', name: recordName, path: pointer(path, nameFrom) });
      if (!withColumn) {
        // [choice] Every mapping applies to every row, so two mappings with one measure name give each row two
        // records with the same key (R-DUP-1).
        const first = targets.get(recordName);
        if (first === undefined) targets.set(recordName, path);
        else {
          issues.warning(
            'MODEL_MIXED_TARGET_NAME_REPEATED',
            pointer(path, nameFrom),
            `measure name ${quote(recordName)} is also written by ${first}: each row would yield two records with the same time, dimensions and measure name`,
          );
        }
      }
    }

    if (
      type === undefined ||
      recordName === undefined ||
      attributes === undefined ||
      measureName === undefined ||
      source === undefined ||
      target === undefined
    ) {
      ctx.complete = false;
      return;
    }
    mappings.push({
      match: withColumn ? measureName : null,
      measureName: recordName,
      type,
      source: type === 'MULTI' ? null : source,
      attributes: attributes.resolved,
    });
    filled.push({
      ...(measureName === null ? {} : { MeasureName: measureName }),
      ...(source === null ? {} : { SourceColumn: source }),
      TargetMeasureName: recordName,
      MeasureValueType: type,
      ...(type === 'MULTI' ? { MultiMeasureAttributeMappings: attributes.filled } : {}),
    });
  });

  return { measures: { kind: 'mixed', measureNameColumn: measureNameColumn ?? null, mappings }, filled };
}
