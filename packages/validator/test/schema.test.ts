import { describe, expect, it } from 'vitest';
import { fleetModel, fleetTask, MODEL } from './fleet-task.js';
import { check, issuesOf, messageAt } from './helpers.js';

describe('shape against the API model (R-VAL-1)', () => {
  it('accepts the AWS vehicle-fleet example as it is (R-VAL-1)', () => {
    const result = check(fleetTask());
    expect(result.issues).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('names an unknown member and suggests the plural it meant (R-VAL-1)', () => {
    const task = fleetTask();
    task.DataModelConfiguration.DataModel.DimensionMapping =
      task.DataModelConfiguration.DataModel.DimensionMappings;
    delete task.DataModelConfiguration.DataModel.DimensionMappings;
    const result = check(task);
    // One mistake, one issue: the missing DimensionMappings is not reported on top of the typo.
    expect(issuesOf(task)).toEqual([`error TASK_UNKNOWN_MEMBER ${MODEL}/DimensionMapping`]);
    expect(messageAt(result, `${MODEL}/DimensionMapping`)).toBe(
      'unknown member "DimensionMapping"; did you mean DimensionMappings?',
    );
  });

  it('suggests the member whose letter case differs (R-VAL-1)', () => {
    const task = fleetTask();
    task.DataModelConfiguration.DataModel.Timecolumn = 'timestamp';
    delete task.DataModelConfiguration.DataModel.TimeColumn;
    const result = check(task);
    expect(issuesOf(task)).toEqual([`error TASK_UNKNOWN_MEMBER ${MODEL}/Timecolumn`]);
    expect(messageAt(result, `${MODEL}/Timecolumn`)).toContain('did you mean TimeColumn?');
  });

  it('lists the allowed members when no known member is close (R-VAL-1)', () => {
    const task = fleetTask();
    task.ReportConfiguration.Extra = true;
    const result = check(task);
    expect(issuesOf(task)).toEqual(['error TASK_UNKNOWN_MEMBER /ReportConfiguration/Extra']);
    expect(messageAt(result, '/ReportConfiguration/Extra')).toBe(
      'unknown member "Extra"; allowed here: ReportS3Configuration',
    );
  });

  it('escapes an unknown key in the JSON Pointer (R-VAL-1)', () => {
    const task = fleetTask();
    task['a/b~c'] = 1;
    expect(issuesOf(task)).toEqual(['error TASK_UNKNOWN_MEMBER /a~1b~0c']);
  });

  it('reports a missing required member at its own pointer (R-VAL-1)', () => {
    const task = fleetTask();
    delete task.TargetTableName;
    delete task.DataSourceConfiguration.DataFormat;
    expect(issuesOf(task)).toEqual([
      'error TASK_MISSING_MEMBER /DataSourceConfiguration/DataFormat',
      'error TASK_MISSING_MEMBER /TargetTableName',
    ]);
  });

  it('reports a wrong type once, without the enum or length noise (R-VAL-1)', () => {
    const task = fleetTask();
    task.DataModelConfiguration.DataModel.TimeUnit = 5;
    task.TargetDatabaseName = null;
    task.DataModelConfiguration.DataModel.DimensionMappings = 'vehicle';
    const result = check(task);
    expect(issuesOf(task)).toEqual([
      `error TASK_WRONG_TYPE ${MODEL}/DimensionMappings`,
      `error TASK_WRONG_TYPE ${MODEL}/TimeUnit`,
      'error TASK_WRONG_TYPE /TargetDatabaseName',
    ]);
    expect(messageAt(result, '/TargetDatabaseName')).toBe('must be a string, not null');
    expect(messageAt(result, `${MODEL}/DimensionMappings`)).toBe('must be an array, not a string');
  });

  it('lists the allowed values of an enum and suggests the one meant (R-VAL-1, R-VAL-3)', () => {
    const task = fleetTask();
    task.DataModelConfiguration.DataModel.TimeUnit = 'seconds';
    const result = check(task);
    expect(issuesOf(task)).toEqual([`error TASK_BAD_ENUM ${MODEL}/TimeUnit`]);
    expect(messageAt(result, `${MODEL}/TimeUnit`)).toBe(
      'must be one of MILLISECONDS, SECONDS, MICROSECONDS, NANOSECONDS (got "seconds"); did you mean SECONDS?',
    );
  });

  it('refuses a DataFormat other than CSV (R-VAL-1)', () => {
    const task = fleetTask();
    task.DataSourceConfiguration.DataFormat = 'JSON';
    expect(issuesOf(task)).toEqual(['error TASK_BAD_ENUM /DataSourceConfiguration/DataFormat']);
  });

  it('refuses MULTI as an attribute type (R-VAL-1, R-VAL-5)', () => {
    const task = fleetTask();
    task.DataModelConfiguration.DataModel.MultiMeasureMappings.MultiMeasureAttributeMappings[0].MeasureValueType =
      'MULTI';
    expect(issuesOf(task)).toEqual([
      `error TASK_BAD_ENUM ${MODEL}/MultiMeasureMappings/MultiMeasureAttributeMappings/0/MeasureValueType`,
    ]);
  });

  it.each([
    ['ab', 'TASK_BAD_LENGTH'],
    ['x'.repeat(257), 'TASK_BAD_LENGTH'],
    ['my db', 'TASK_BAD_PATTERN'],
    ['db:1', 'TASK_BAD_PATTERN'],
  ])('refuses the database name %j (R-VAL-1)', (name, code) => {
    const task = fleetTask();
    task.TargetDatabaseName = name;
    expect(issuesOf(task)).toEqual([`error ${code} /TargetDatabaseName`]);
  });

  it.each(['abc', 'a.b-c_D', 'x'.repeat(256)])('accepts the table name %j (R-VAL-1)', (name) => {
    const task = fleetTask();
    task.TargetTableName = name;
    expect(issuesOf(task)).toEqual([]);
  });

  it.each([
    ['My-Bucket', 'TASK_BAD_PATTERN'],
    ['-bucket', 'TASK_BAD_PATTERN'],
    ['bucket-', 'TASK_BAD_PATTERN'],
    ['ab', 'TASK_BAD_LENGTH'],
    ['a'.repeat(64), 'TASK_BAD_LENGTH'],
  ])('refuses the bucket name %j (R-VAL-1)', (name, code) => {
    const task = fleetTask();
    task.DataSourceConfiguration.DataSourceS3Configuration.BucketName = name;
    expect(issuesOf(task)).toEqual([
      `error ${code} /DataSourceConfiguration/DataSourceS3Configuration/BucketName`,
    ]);
  });

  it.each(['abc', 'my.data-bucket', 'a'.repeat(63)])('accepts the bucket name %j (R-VAL-1)', (name) => {
    const task = fleetTask();
    task.ReportConfiguration.ReportS3Configuration.BucketName = name;
    expect(issuesOf(task)).toEqual([]);
  });

  it.each(['/fleet/data.csv', 'fleet data.csv', 'a', '.hidden'])(
    'refuses the object key prefix %j the API model does not allow (R-VAL-1)',
    (prefix) => {
      const task = fleetTask();
      task.DataSourceConfiguration.DataSourceS3Configuration.ObjectKeyPrefix = prefix;
      expect(issuesOf(task)[0]).toMatch(
        /^error TASK_BAD_PATTERN \/DataSourceConfiguration\/DataSourceS3Configuration\/ObjectKeyPrefix$/,
      );
    },
  );

  it.each(['fleet/', 'data/2024/part-0001.csv', "it's(1)!.csv"])(
    'accepts the object key prefix %j (R-VAL-1)',
    (prefix) => {
      const task = fleetTask();
      task.DataSourceConfiguration.DataSourceS3Configuration.ObjectKeyPrefix = prefix;
      expect(issuesOf(task)).toEqual([]);
    },
  );

  it('bounds the report prefix at 928 characters (R-VAL-1)', () => {
    const task = fleetTask();
    task.ReportConfiguration.ReportS3Configuration.ObjectKeyPrefix = 'r'.repeat(929);
    expect(issuesOf(task)).toEqual([
      'error TASK_BAD_LENGTH /ReportConfiguration/ReportS3Configuration/ObjectKeyPrefix',
    ]);
  });

  it.each([
    [0, 'TASK_BAD_NUMBER'],
    [-3, 'TASK_BAD_NUMBER'],
    [1.5, 'TASK_BAD_NUMBER'],
    ['1', 'TASK_WRONG_TYPE'],
  ])('refuses RecordVersion %j (R-VAL-1)', (version, code) => {
    const task = fleetTask();
    task.RecordVersion = version;
    expect(issuesOf(task)).toEqual([`error ${code} /RecordVersion`]);
  });

  it('accepts a RecordVersion above 1 (R-VAL-1)', () => {
    const task = fleetTask();
    task.RecordVersion = 42;
    expect(check(task).task?.recordVersion).toBe(42);
  });

  it('bounds ClientToken at 1–64 characters and never echoes it in a message (R-VAL-1)', () => {
    const task = fleetTask();
    task.ClientToken = 's'.repeat(65);
    const result = check(task);
    expect(issuesOf(task)).toEqual(['error TASK_BAD_LENGTH /ClientToken']);
    expect(messageAt(result, '/ClientToken')).not.toContain('sss');
    task.ClientToken = 'token-1';
    expect(issuesOf(task)).toEqual([]);
  });

  it('requires KmsKeyId with SSE_KMS (R-VAL-1)', () => {
    const task = fleetTask();
    task.ReportConfiguration.ReportS3Configuration.EncryptionOption = 'SSE_KMS';
    const result = check(task);
    expect(issuesOf(task)).toEqual([
      'error TASK_MISSING_MEMBER /ReportConfiguration/ReportS3Configuration/KmsKeyId',
    ]);
    expect(messageAt(result, '/ReportConfiguration/ReportS3Configuration/KmsKeyId')).toBe(
      'KmsKeyId is required when EncryptionOption is SSE_KMS',
    );
    task.ReportConfiguration.ReportS3Configuration.KmsKeyId = 'arn:aws:kms:us-east-1:111122223333:key/abcd';
    expect(issuesOf(task)).toEqual([]);
  });

  it('refuses an empty dimension list (R-VAL-1, R-VAL-4)', () => {
    const task = fleetTask();
    task.DataModelConfiguration.DataModel.DimensionMappings = [];
    const result = check(task);
    expect(issuesOf(task)).toEqual([`error TASK_BAD_LIST_SIZE ${MODEL}/DimensionMappings`]);
    expect(messageAt(result, `${MODEL}/DimensionMappings`)).toBe('must have at least 1 item (got 0)');
  });

  it('refuses a root that is not an object (R-VAL-1)', () => {
    expect(issuesOf([fleetTask()])).toEqual(['error TASK_WRONG_TYPE ']);
    expect(issuesOf('task')).toEqual(['error TASK_WRONG_TYPE ']);
  });

  it('reports every problem of the file at once, errors first then by pointer (R-VAL-1)', () => {
    const task = fleetTask();
    task.TargetTableName = 'x';
    (task.DataModelConfiguration.DataModel.DimensionMappings as unknown[]).push(
      {},
      {},
      {},
      {},
      {},
      {},
      {},
      {},
      {},
      {},
    );
    task.DataModelConfiguration.DataModel.MultiMeasureMappings.TargetMultiMeasureName = 'a:b';
    const result = check(task);
    expect(result.ok).toBe(false);
    expect(result.task).toBeUndefined();
    const paths = result.issues.map((i) => i.path);
    expect(paths).toEqual([
      `${MODEL}/DimensionMappings/2/SourceColumn`,
      `${MODEL}/DimensionMappings/3/SourceColumn`,
      `${MODEL}/DimensionMappings/4/SourceColumn`,
      `${MODEL}/DimensionMappings/5/SourceColumn`,
      `${MODEL}/DimensionMappings/6/SourceColumn`,
      `${MODEL}/DimensionMappings/7/SourceColumn`,
      `${MODEL}/DimensionMappings/8/SourceColumn`,
      `${MODEL}/DimensionMappings/9/SourceColumn`,
      `${MODEL}/DimensionMappings/10/SourceColumn`,
      `${MODEL}/DimensionMappings/11/SourceColumn`,
      `${MODEL}/MultiMeasureMappings/TargetMultiMeasureName`,
      '/TargetTableName',
    ]);
  });

  it('validates a bare DataModel against the DataModel shape (R-IN-2, R-VAL-1)', () => {
    const model = fleetModel();
    model.TargetDatabaseName = 'db1';
    // A request member makes 'auto' read it as a task; forced to data-model it is an unknown member.
    expect(issuesOf(model, { kind: 'data-model' })).toEqual([
      'error TASK_UNKNOWN_MEMBER /TargetDatabaseName',
    ]);
  });
});
