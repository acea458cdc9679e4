/** Tests bend tasks into every wrong shape, so fixtures are loosely typed on purpose. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

/**
 * The AWS vehicle-fleet example (developer guide: batch-load-using-cli / code samples), the valid base task
 * every rule's test mutates.
 */
export function fleetModel(): Record<string, Loose> {
  return {
    TimeColumn: 'timestamp',
    TimeUnit: 'SECONDS',
    DimensionMappings: [
      { SourceColumn: 'vehicle' },
      { SourceColumn: 'registration', DestinationColumn: 'license' },
    ],
    MultiMeasureMappings: {
      TargetMultiMeasureName: 'mva_measure_name',
      MultiMeasureAttributeMappings: [
        { SourceColumn: 'wgt', TargetMultiMeasureAttributeName: 'weight', MeasureValueType: 'DOUBLE' },
        { SourceColumn: 'spd', TargetMultiMeasureAttributeName: 'speed', MeasureValueType: 'DOUBLE' },
        {
          SourceColumn: 'fuel_consumption',
          TargetMultiMeasureAttributeName: 'fuel',
          MeasureValueType: 'DOUBLE',
        },
        { SourceColumn: 'miles', MeasureValueType: 'BIGINT' },
      ],
    },
  };
}

export function fleetTask(): Record<string, Loose> {
  return {
    TargetDatabaseName: 'BatchLoadExampleDatabase',
    TargetTableName: 'BatchLoadExampleTable',
    RecordVersion: 1,
    DataModelConfiguration: { DataModel: fleetModel() },
    DataSourceConfiguration: {
      DataSourceS3Configuration: { BucketName: 'my-data-bucket', ObjectKeyPrefix: 'fleet/vehicles.csv' },
      CsvConfiguration: {
        ColumnSeparator: ',',
        EscapeChar: '\\',
        QuoteChar: '"',
        NullValue: 'NULL',
        TrimWhiteSpace: false,
      },
      DataFormat: 'CSV',
    },
    ReportConfiguration: {
      ReportS3Configuration: { BucketName: 'my-report-bucket', EncryptionOption: 'SSE_S3' },
    },
  };
}

/** A mixed-model task (narrow layout: one row per measure, named by a `measure_name` column). */
export function mixedTask(): Record<string, Loose> {
  const task = fleetTask();
  task.DataModelConfiguration.DataModel = {
    TimeColumn: 'time',
    DimensionMappings: [{ SourceColumn: 'host' }],
    MeasureNameColumn: 'measure_name',
    MixedMeasureMappings: [
      { MeasureName: 'cpu', SourceColumn: 'value', MeasureValueType: 'DOUBLE' },
      {
        MeasureName: 'status',
        SourceColumn: 'value',
        TargetMeasureName: 'state',
        MeasureValueType: 'VARCHAR',
      },
      {
        MeasureName: 'io',
        MeasureValueType: 'MULTI',
        MultiMeasureAttributeMappings: [
          { SourceColumn: 'reads', MeasureValueType: 'BIGINT' },
          { SourceColumn: 'seen_at', MeasureValueType: 'TIMESTAMP' },
        ],
      },
    ],
  };
  return task;
}

export const MODEL = '/DataModelConfiguration/DataModel';
