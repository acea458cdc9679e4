/**
 * What the DataModel checks (R-VAL-3..6) gather while they walk a model: whether it is complete enough to
 * resolve, the CSV columns it reads (for R-VAL-8) and the names it writes (for R-VAL-6).
 */
import {
  SCALAR_MEASURE_VALUE_TYPES,
  type MultiMeasureAttributeMapping,
  type ResolvedAttribute,
  type ScalarMeasureValueType,
} from '@tsbatch/core';
import type { WrittenName } from './check-names.js';
import type { IssueList } from './issues.js';
import { has, isObject, member, pointer, stringMember, type JsonObject } from './json.js';

/** R-LIM-1: a multi-measure record holds at most 256 measure values. */
export const MAX_MEASURES_PER_RECORD = 256;

/** A CSV column the model reads, and where. */
export interface ColumnUse {
  column: string;
  path: string;
  role: 'time column' | 'measure-name column' | 'dimension' | 'attribute' | 'measure';
  /** Mixed model with MeasureNameColumn: the MeasureName whose rows read it; `null`: every row reads it. */
  scope: string | null;
}

export interface Attributes {
  filled: MultiMeasureAttributeMapping[];
  resolved: ResolvedAttribute[];
}

function isScalarType(value: unknown): value is ScalarMeasureValueType {
  return (SCALAR_MEASURE_VALUE_TYPES as readonly unknown[]).includes(value);
}

export class ModelContext {
  /** False once something needed to resolve the model is missing or of the wrong type. */
  complete = true;
  readonly columns: ColumnUse[] = [];
  readonly names: WrittenName[] = [];

  constructor(readonly issues: IssueList) {}

  /**
   * A string member: `null` when absent; `undefined` when present with another type (the schema reported it,
   * and the model cannot be resolved).
   */
  text(obj: JsonObject, key: string): string | null | undefined {
    if (!has(obj, key)) return null;
    const value = stringMember(obj, key);
    if (value === undefined) this.complete = false;
    return value;
  }

  /** R-VAL-5: the attribute mappings of MultiMeasureMappings or of a MULTI mixed mapping. */
  attributes(list: unknown, listPath: string, record: string, scope: string | null): Attributes | undefined {
    if (!Array.isArray(list)) {
      this.complete = false;
      return undefined;
    }
    if (list.length > MAX_MEASURES_PER_RECORD) {
      this.issues.error(
        'MODEL_TOO_MANY_ATTRIBUTES',
        listPath,
        `has ${list.length} attribute mappings; a multi-measure record holds at most ${MAX_MEASURES_PER_RECORD} measures`,
      );
    }
    const out: Attributes = { filled: [], resolved: [] };
    list.forEach((mapping, i) => {
      const path = pointer(listPath, i);
      if (!isObject(mapping)) {
        this.complete = false;
        return;
      }
      const source = this.text(mapping, 'SourceColumn');
      const target = this.text(mapping, 'TargetMultiMeasureAttributeName');
      let type: ScalarMeasureValueType | undefined;
      if (!has(mapping, 'MeasureValueType')) {
        // [choice] R-VAL-5: the API model leaves it optional; the service's behaviour without it is unknown.
        this.issues.missing(
          'MODEL_ATTRIBUTE_TYPE_MISSING',
          pointer(path, 'MeasureValueType'),
          `MeasureValueType is required: one of ${SCALAR_MEASURE_VALUE_TYPES.join(', ')}`,
        );
        this.complete = false;
      } else {
        const value = member(mapping, 'MeasureValueType');
        if (isScalarType(value)) type = value;
        else this.complete = false;
      }
      if (typeof source !== 'string' || target === undefined) {
        this.complete = false;
        return;
      }
      this.columns.push({ column: source, path: pointer(path, 'SourceColumn'), role: 'attribute', scope });
      // R-VAL-5: TargetMultiMeasureAttributeName defaults to SourceColumn.
      const name = target ?? source;
      this.names.push({
        kind: 'attribute',
        name,
        record,
        path: pointer(path, target === null ? 'SourceColumn' : 'TargetMultiMeasureAttributeName'),
      });
      if (type === undefined) return;
      out.filled.push({
        SourceColumn: source,
        TargetMultiMeasureAttributeName: name,
        MeasureValueType: type,
      });
      out.resolved.push({ source, name, type });
    });
    return out;
  }
}
