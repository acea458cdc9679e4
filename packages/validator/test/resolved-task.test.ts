import { describe, expect, it } from 'vitest';
import { fleetModel, fleetTask } from './fleet-task.js';
import { check, issuesOf } from './helpers.js';

describe('the resolved task', () => {
  it('resolves the vehicle-fleet example with every default filled (R-IN-1)', () => {
    const task = fleetTask();
    delete task.RecordVersion;
    const result = check(task);
    expect(result.ok).toBe(true);
    expect(result.task).toEqual({
      request: {
        DataModelConfiguration: {
          DataModel: {
            TimeColumn: 'timestamp',
            TimeUnit: 'SECONDS',
            DimensionMappings: [
              { SourceColumn: 'vehicle', DestinationColumn: 'vehicle' },
              { SourceColumn: 'registration', DestinationColumn: 'license' },
            ],
            MultiMeasureMappings: {
              TargetMultiMeasureName: 'mva_measure_name',
              MultiMeasureAttributeMappings: [
                {
                  SourceColumn: 'wgt',
                  TargetMultiMeasureAttributeName: 'weight',
                  MeasureValueType: 'DOUBLE',
                },
                { SourceColumn: 'spd', TargetMultiMeasureAttributeName: 'speed', MeasureValueType: 'DOUBLE' },
                {
                  SourceColumn: 'fuel_consumption',
                  TargetMultiMeasureAttributeName: 'fuel',
                  MeasureValueType: 'DOUBLE',
                },
                {
                  SourceColumn: 'miles',
                  TargetMultiMeasureAttributeName: 'miles',
                  MeasureValueType: 'BIGINT',
                },
              ],
            },
          },
        },
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
        TargetDatabaseName: 'BatchLoadExampleDatabase',
        TargetTableName: 'BatchLoadExampleTable',
        RecordVersion: 1,
      },
      database: 'BatchLoadExampleDatabase',
      table: 'BatchLoadExampleTable',
      recordVersion: 1,
      source: { bucket: 'my-data-bucket', prefix: 'fleet/vehicles.csv' },
      report: { bucket: 'my-report-bucket', prefix: '' },
      csv: {
        columnSeparator: ',',
        quoteChar: '"',
        escapeChar: '\\',
        nullValue: 'NULL',
        trimWhiteSpace: false,
      },
      model: {
        timeColumn: 'timestamp',
        timeUnit: 'SECONDS',
        dimensions: [
          { source: 'vehicle', name: 'vehicle' },
          { source: 'registration', name: 'license' },
        ],
        measures: {
          kind: 'multi',
          measureName: { kind: 'fixed', name: 'mva_measure_name' },
          attributes: [
            { source: 'wgt', name: 'weight', type: 'DOUBLE' },
            { source: 'spd', name: 'speed', type: 'DOUBLE' },
            { source: 'fuel_consumption', name: 'fuel', type: 'DOUBLE' },
            { source: 'miles', name: 'miles', type: 'BIGINT' },
          ],
        },
      },
    });
  });

  it('keeps ClientToken and the report prefix, and has no report without ReportS3Configuration (R-IN-1)', () => {
    const task = fleetTask();
    task.ClientToken = 'abc-123';
    task.ReportConfiguration.ReportS3Configuration.ObjectKeyPrefix = 'reports/';
    expect(check(task).task?.request.ClientToken).toBe('abc-123');
    expect(check(task).task?.report).toEqual({ bucket: 'my-report-bucket', prefix: 'reports/' });
    task.ReportConfiguration = {};
    expect(check(task).task?.report).toBeNull();
  });

  it('reads a missing ObjectKeyPrefix as the whole bucket (R-IN-3)', () => {
    const task = fleetTask();
    delete task.DataSourceConfiguration.DataSourceS3Configuration.ObjectKeyPrefix;
    expect(check(task).task?.source).toEqual({ bucket: 'my-data-bucket', prefix: '' });
  });

  it('does not share objects with the input (R-IN-1)', () => {
    const task = fleetTask();
    const result = check(task);
    task.DataSourceConfiguration.CsvConfiguration.ColumnSeparator = ';';
    task.DataModelConfiguration.DataModel.DimensionMappings[0].SourceColumn = 'changed';
    expect(result.task?.request.DataSourceConfiguration.CsvConfiguration?.ColumnSeparator).toBe(',');
    expect(result.task?.request.DataModelConfiguration?.DataModel?.DimensionMappings[0]?.SourceColumn).toBe(
      'vehicle',
    );
  });

  it('leaves the task out of a result with an error, but keeps it with warnings only', () => {
    const task = fleetTask();
    task.DataModelConfiguration.DataModel.MeasureNameColumn = 'measure_name';
    expect(check(task).task).toBeDefined();
    task.TargetDatabaseName = '?';
    expect(check(task).task).toBeUndefined();
  });
});

describe('a bare DataModel (R-IN-2)', () => {
  it('is detected and wrapped in a request [choice] (R-IN-2)', () => {
    const result = check(fleetModel(), { csv: { ColumnSeparator: '\t' } });
    expect(result.issues).toEqual([]);
    expect(result.task?.request).toMatchObject({
      TargetDatabaseName: 'tsbatch_local',
      TargetTableName: 'tsbatch_local',
      DataSourceConfiguration: {
        DataSourceS3Configuration: { BucketName: 'local' },
        CsvConfiguration: { ColumnSeparator: '\t' },
        DataFormat: 'CSV',
      },
      ReportConfiguration: {},
      RecordVersion: 1,
    });
    expect(result.task?.source).toEqual({ bucket: 'local', prefix: '' });
    expect(result.task?.report).toBeNull();
    expect(result.task?.csv.columnSeparator).toBe('\t');
    expect(result.task?.model.dimensions[1]).toEqual({ source: 'registration', name: 'license' });
    // The synthesized request is itself a valid task.
    expect(issuesOf(result.task?.request)).toEqual([]);
  });

  it('reports paths into the model file itself (R-IN-2)', () => {
    const model = fleetModel();
    delete model.TimeColumn;
    model.DimensionMappings[0].SourceColumn = 'ts_vehicle';
    expect(issuesOf(model)).toEqual([
      'error NAME_RESERVED_PREFIX /DimensionMappings/0/SourceColumn',
      'error MODEL_TIME_COLUMN_MISSING /TimeColumn',
    ]);
  });

  it('detects a model by a misspelt member too, and a task by any request member (R-IN-2)', () => {
    const model = fleetModel();
    model.Dimensionmappings = model.DimensionMappings;
    delete model.DimensionMappings;
    expect(issuesOf(model)).toEqual(['error TASK_UNKNOWN_MEMBER /Dimensionmappings']);
    expect(issuesOf({ TargetDatabaseName: 'abc' }).length).toBeGreaterThan(1);
  });

  it('is read as a task when forced, whatever its members (R-IN-1)', () => {
    expect(issuesOf(fleetModel(), { kind: 'task' })).toContain(
      'error TASK_UNKNOWN_MEMBER /DimensionMappings',
    );
  });
});
