import type { MeasureValueType, ScalarMeasureValueType, TimeUnit } from '../task.js';

/** A WriteRecords `Record`, exactly as the API and the AWS SDK shape it. */
export interface TimestreamDimension {
  Name: string;
  Value: string;
  DimensionValueType: 'VARCHAR';
}

export interface TimestreamMeasureValue {
  Name: string;
  Value: string;
  Type: ScalarMeasureValueType;
}

export interface TimestreamRecord {
  Dimensions: TimestreamDimension[];
  MeasureName: string;
  MeasureValue?: string;
  MeasureValues?: TimestreamMeasureValue[];
  MeasureValueType: MeasureValueType;
  Time: string;
  TimeUnit: TimeUnit;
  Version: number;
}
