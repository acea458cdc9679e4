/**
 * The CreateBatchLoadTask request as a user writes it (R-IN-1), and the resolved task that every later
 * stage consumes: defaults filled, names resolved, nothing left `undefined` (STYLE rule 4).
 */

export const TIME_UNITS = ['MILLISECONDS', 'SECONDS', 'MICROSECONDS', 'NANOSECONDS'] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];

export const SCALAR_MEASURE_VALUE_TYPES = ['DOUBLE', 'BIGINT', 'BOOLEAN', 'VARCHAR', 'TIMESTAMP'] as const;
export type ScalarMeasureValueType = (typeof SCALAR_MEASURE_VALUE_TYPES)[number];
export const MEASURE_VALUE_TYPES = [...SCALAR_MEASURE_VALUE_TYPES, 'MULTI'] as const;
export type MeasureValueType = (typeof MEASURE_VALUE_TYPES)[number];

// ---- the request, member for member as the API model names them ----

export interface DimensionMapping {
  SourceColumn?: string;
  DestinationColumn?: string;
}

export interface MultiMeasureAttributeMapping {
  SourceColumn: string;
  TargetMultiMeasureAttributeName?: string;
  MeasureValueType?: ScalarMeasureValueType;
}

export interface MultiMeasureMappings {
  TargetMultiMeasureName?: string;
  MultiMeasureAttributeMappings: MultiMeasureAttributeMapping[];
}

export interface MixedMeasureMapping {
  MeasureName?: string;
  SourceColumn?: string;
  TargetMeasureName?: string;
  MeasureValueType: MeasureValueType;
  MultiMeasureAttributeMappings?: MultiMeasureAttributeMapping[];
}

export interface DataModel {
  TimeColumn?: string;
  TimeUnit?: TimeUnit;
  DimensionMappings: DimensionMapping[];
  MultiMeasureMappings?: MultiMeasureMappings;
  MixedMeasureMappings?: MixedMeasureMapping[];
  MeasureNameColumn?: string;
}

export interface DataModelS3Configuration {
  BucketName?: string;
  ObjectKey?: string;
}

export interface DataModelConfiguration {
  DataModel?: DataModel;
  DataModelS3Configuration?: DataModelS3Configuration;
}

export interface CsvConfiguration {
  ColumnSeparator?: string;
  EscapeChar?: string;
  QuoteChar?: string;
  NullValue?: string;
  TrimWhiteSpace?: boolean;
}

export interface DataSourceS3Configuration {
  BucketName: string;
  ObjectKeyPrefix?: string;
}

export interface DataSourceConfiguration {
  DataSourceS3Configuration: DataSourceS3Configuration;
  CsvConfiguration?: CsvConfiguration;
  DataFormat: 'CSV';
}

export interface ReportS3Configuration {
  BucketName: string;
  ObjectKeyPrefix?: string;
  EncryptionOption?: 'SSE_S3' | 'SSE_KMS';
  KmsKeyId?: string;
}

export interface ReportConfiguration {
  ReportS3Configuration?: ReportS3Configuration;
}

export interface CreateBatchLoadTaskRequest {
  ClientToken?: string;
  DataModelConfiguration?: DataModelConfiguration;
  DataSourceConfiguration: DataSourceConfiguration;
  ReportConfiguration: ReportConfiguration;
  TargetDatabaseName: string;
  TargetTableName: string;
  RecordVersion?: number;
}

// ---- the resolved task ----

/** CsvConfiguration with the R-VAL-7 defaults applied. */
export interface ResolvedCsvOptions {
  /** One of `,` `|` `;` TAB space. */
  columnSeparator: string;
  /** `"` or `'`. */
  quoteChar: string;
  /** `null`: a doubled quote inside a quoted field is a literal quote. */
  escapeChar: string | null;
  /** `null`: only empty cells are null (R-CSV-7). */
  nullValue: string | null;
  trimWhiteSpace: boolean;
}

export interface ResolvedDimension {
  /** CSV column the value is read from. */
  source: string;
  /** Dimension name written (DestinationColumn ?? SourceColumn). */
  name: string;
}

export interface ResolvedAttribute {
  source: string;
  /** TargetMultiMeasureAttributeName ?? SourceColumn. */
  name: string;
  type: ScalarMeasureValueType;
}

/** Where a record's measure name comes from. */
export type ResolvedMeasureName = { kind: 'column'; column: string } | { kind: 'fixed'; name: string };

export interface ResolvedMultiMeasures {
  kind: 'multi';
  measureName: ResolvedMeasureName;
  attributes: ResolvedAttribute[];
}

export interface ResolvedMixedMapping {
  /** With a MeasureNameColumn, the cell value this mapping applies to; `null` = applies to every row. */
  match: string | null;
  /** TargetMeasureName ?? MeasureName ?? SourceColumn: the record's MeasureName. */
  measureName: string;
  type: MeasureValueType;
  /** Column of the scalar value; `null` for MULTI. */
  source: string | null;
  /** Attributes of a MULTI mapping; empty for scalars. */
  attributes: ResolvedAttribute[];
}

export interface ResolvedMixedMeasures {
  kind: 'mixed';
  /** Column holding each row's measure name, or `null` (every mapping applies to every row). */
  measureNameColumn: string | null;
  mappings: ResolvedMixedMapping[];
}

export interface ResolvedDataModel {
  timeColumn: string;
  timeUnit: TimeUnit;
  dimensions: ResolvedDimension[];
  measures: ResolvedMultiMeasures | ResolvedMixedMeasures;
}

export interface ResolvedTask {
  /** The request with defaults filled, as DescribeBatchLoadTask echoes it (inline DataModel, `CsvConfiguration` present). */
  request: CreateBatchLoadTaskRequest;
  database: string;
  table: string;
  /** RecordVersion, default 1: the `Version` of every record written. */
  recordVersion: number;
  source: { bucket: string; prefix: string };
  report: { bucket: string; prefix: string } | null;
  csv: ResolvedCsvOptions;
  model: ResolvedDataModel;
}
