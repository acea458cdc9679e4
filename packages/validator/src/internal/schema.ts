/**
 * R-VAL-1: the CreateBatchLoadTask request and the DataModel as JSON Schema (draft 2020-12), member for member
 * as the API model defines them (botocore `timestream-write` 2018-11-01 service-2.json), plus the three
 * constraints SPEC R-VAL-1 adds: database/table names 3–256, RecordVersion ≥ 1, SSE_KMS requires KmsKeyId.
 * `additionalProperties: false` everywhere: an unknown member is an error. Patterns are anchored because the
 * API model's patterns must match the whole value. A `description` on a string is the phrase an error message
 * uses to say what the value must be.
 *
 * Rules the API model does not make (TimeColumn required, one measure-mapping kind, ...) are semantic checks
 * with their own codes (check-data-model.ts), so a message can say exactly why.
 */

export const SCHEMA_ID = 'https://tsbatch.dev/schemas/create-batch-load-task.json';

const string = (min: number, max?: number): Record<string, unknown> =>
  max === undefined ? { type: 'string', minLength: min } : { type: 'string', minLength: min, maxLength: max };

const s3ObjectKeyPattern = "^[a-zA-Z0-9|!\\-_*'\\(\\)]([a-zA-Z0-9]|[!\\-_*'\\(\\)\\/.])+$";
/** R-VAL-1: what an ObjectKey or ObjectKeyPrefix must match (the service's pattern), for callers that make prefixes. */
export const S3_OBJECT_KEY_PATTERN = new RegExp(s3ObjectKeyPattern);
const s3ObjectKeyDescription =
  "an S3 key of at least 2 characters: letters, digits and ! - _ * ' ( ) / . (the first character may also be |, but not / or .)";

export const TASK_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: SCHEMA_ID,
  $ref: '#/$defs/CreateBatchLoadTaskRequest',
  $defs: {
    // ---- scalar shapes ----
    SchemaName: string(1),
    StringValue1: string(1, 1),
    StringValue256: string(1, 256),
    StringValue2048: string(1, 2048),
    ClientRequestToken: string(1, 64),
    ResourceCreateAPIName: {
      ...string(3, 256),
      pattern: '^[a-zA-Z0-9_.-]+$',
      description: 'a name made of letters, digits, underscore (_), dot (.) and hyphen (-)',
    },
    S3BucketName: {
      ...string(3, 63),
      pattern: '^[a-z0-9][\\.\\-a-z0-9]{1,61}[a-z0-9]$',
      description:
        'an S3 bucket name: lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit',
    },
    S3ObjectKey: { ...string(1, 1024), pattern: s3ObjectKeyPattern, description: s3ObjectKeyDescription },
    S3ObjectKeyPrefix: {
      ...string(1, 928),
      pattern: s3ObjectKeyPattern,
      description: s3ObjectKeyDescription,
    },
    // Long: at most 2^63 - 1, which a JS number can only approach (2^63 is the nearest double).
    RecordVersion: { type: 'integer', minimum: 1, maximum: 2 ** 63 },
    TimeUnit: { type: 'string', enum: ['MILLISECONDS', 'SECONDS', 'MICROSECONDS', 'NANOSECONDS'] },
    MeasureValueType: {
      type: 'string',
      enum: ['DOUBLE', 'BIGINT', 'VARCHAR', 'BOOLEAN', 'TIMESTAMP', 'MULTI'],
    },
    ScalarMeasureValueType: { type: 'string', enum: ['DOUBLE', 'BIGINT', 'BOOLEAN', 'VARCHAR', 'TIMESTAMP'] },
    S3EncryptionOption: { type: 'string', enum: ['SSE_S3', 'SSE_KMS'] },
    BatchLoadDataFormat: { type: 'string', enum: ['CSV'] },

    // ---- the data model ----
    DimensionMapping: {
      type: 'object',
      additionalProperties: false,
      properties: {
        SourceColumn: { $ref: '#/$defs/SchemaName' },
        DestinationColumn: { $ref: '#/$defs/SchemaName' },
      },
    },
    MultiMeasureAttributeMapping: {
      type: 'object',
      additionalProperties: false,
      required: ['SourceColumn'],
      properties: {
        SourceColumn: { $ref: '#/$defs/SchemaName' },
        TargetMultiMeasureAttributeName: { $ref: '#/$defs/SchemaName' },
        MeasureValueType: { $ref: '#/$defs/ScalarMeasureValueType' },
      },
    },
    MultiMeasureAttributeMappingList: {
      type: 'array',
      minItems: 1,
      items: { $ref: '#/$defs/MultiMeasureAttributeMapping' },
    },
    MultiMeasureMappings: {
      type: 'object',
      additionalProperties: false,
      required: ['MultiMeasureAttributeMappings'],
      properties: {
        TargetMultiMeasureName: { $ref: '#/$defs/SchemaName' },
        MultiMeasureAttributeMappings: { $ref: '#/$defs/MultiMeasureAttributeMappingList' },
      },
    },
    MixedMeasureMapping: {
      type: 'object',
      additionalProperties: false,
      required: ['MeasureValueType'],
      properties: {
        MeasureName: { $ref: '#/$defs/SchemaName' },
        SourceColumn: { $ref: '#/$defs/SchemaName' },
        TargetMeasureName: { $ref: '#/$defs/SchemaName' },
        MeasureValueType: { $ref: '#/$defs/MeasureValueType' },
        MultiMeasureAttributeMappings: { $ref: '#/$defs/MultiMeasureAttributeMappingList' },
      },
    },
    DataModel: {
      type: 'object',
      additionalProperties: false,
      required: ['DimensionMappings'],
      properties: {
        TimeColumn: { $ref: '#/$defs/StringValue256' },
        TimeUnit: { $ref: '#/$defs/TimeUnit' },
        DimensionMappings: { type: 'array', minItems: 1, items: { $ref: '#/$defs/DimensionMapping' } },
        MultiMeasureMappings: { $ref: '#/$defs/MultiMeasureMappings' },
        MixedMeasureMappings: { type: 'array', minItems: 1, items: { $ref: '#/$defs/MixedMeasureMapping' } },
        MeasureNameColumn: { $ref: '#/$defs/StringValue256' },
      },
    },
    DataModelS3Configuration: {
      type: 'object',
      additionalProperties: false,
      properties: {
        BucketName: { $ref: '#/$defs/S3BucketName' },
        ObjectKey: { $ref: '#/$defs/S3ObjectKey' },
      },
    },
    DataModelConfiguration: {
      type: 'object',
      additionalProperties: false,
      properties: {
        DataModel: { $ref: '#/$defs/DataModel' },
        DataModelS3Configuration: { $ref: '#/$defs/DataModelS3Configuration' },
      },
    },

    // ---- source and report ----
    CsvConfiguration: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ColumnSeparator: { $ref: '#/$defs/StringValue1' },
        EscapeChar: { $ref: '#/$defs/StringValue1' },
        QuoteChar: { $ref: '#/$defs/StringValue1' },
        NullValue: { $ref: '#/$defs/StringValue256' },
        TrimWhiteSpace: { type: 'boolean' },
      },
    },
    DataSourceS3Configuration: {
      type: 'object',
      additionalProperties: false,
      required: ['BucketName'],
      properties: {
        BucketName: { $ref: '#/$defs/S3BucketName' },
        ObjectKeyPrefix: { $ref: '#/$defs/S3ObjectKey' },
      },
    },
    DataSourceConfiguration: {
      type: 'object',
      additionalProperties: false,
      required: ['DataSourceS3Configuration', 'DataFormat'],
      properties: {
        DataSourceS3Configuration: { $ref: '#/$defs/DataSourceS3Configuration' },
        CsvConfiguration: { $ref: '#/$defs/CsvConfiguration' },
        DataFormat: { $ref: '#/$defs/BatchLoadDataFormat' },
      },
    },
    ReportS3Configuration: {
      type: 'object',
      additionalProperties: false,
      required: ['BucketName'],
      properties: {
        BucketName: { $ref: '#/$defs/S3BucketName' },
        ObjectKeyPrefix: { $ref: '#/$defs/S3ObjectKeyPrefix' },
        EncryptionOption: { $ref: '#/$defs/S3EncryptionOption' },
        KmsKeyId: { $ref: '#/$defs/StringValue2048' },
      },
      // R-VAL-1: with SSE_KMS the service needs a key (CreateBatchLoadTask documentation).
      if: { required: ['EncryptionOption'], properties: { EncryptionOption: { const: 'SSE_KMS' } } },
      then: { required: ['KmsKeyId'], properties: { KmsKeyId: true } },
    },
    ReportConfiguration: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ReportS3Configuration: { $ref: '#/$defs/ReportS3Configuration' },
      },
    },

    // ---- the request ----
    CreateBatchLoadTaskRequest: {
      type: 'object',
      additionalProperties: false,
      required: ['DataSourceConfiguration', 'ReportConfiguration', 'TargetDatabaseName', 'TargetTableName'],
      properties: {
        ClientToken: { $ref: '#/$defs/ClientRequestToken' },
        DataModelConfiguration: { $ref: '#/$defs/DataModelConfiguration' },
        DataSourceConfiguration: { $ref: '#/$defs/DataSourceConfiguration' },
        ReportConfiguration: { $ref: '#/$defs/ReportConfiguration' },
        TargetDatabaseName: { $ref: '#/$defs/ResourceCreateAPIName' },
        TargetTableName: { $ref: '#/$defs/ResourceCreateAPIName' },
        RecordVersion: { $ref: '#/$defs/RecordVersion' },
      },
    },
  },
} as const;

/** Members of the request's top level, used to tell a task from a bare DataModel (R-IN-2). */
export const REQUEST_MEMBERS = Object.keys(TASK_SCHEMA.$defs.CreateBatchLoadTaskRequest.properties);
/** Members of a DataModel. */
export const DATA_MODEL_MEMBERS = Object.keys(TASK_SCHEMA.$defs.DataModel.properties);
