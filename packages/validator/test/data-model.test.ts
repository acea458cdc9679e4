import { describe, expect, it } from 'vitest';
import { fleetTask, mixedTask, MODEL } from './fleet-task.js';
import { check, issuesOf, messageAt } from './helpers.js';

const ATTRS = `${MODEL}/MultiMeasureMappings/MultiMeasureAttributeMappings`;
const MIXED = `${MODEL}/MixedMeasureMappings`;

describe('model presence (R-VAL-2)', () => {
  it('requires DataModelConfiguration (R-VAL-2)', () => {
    const task = fleetTask();
    delete task.DataModelConfiguration;
    expect(issuesOf(task)).toEqual(['error MODEL_CONFIGURATION_MISSING /DataModelConfiguration']);
  });

  it('requires one of DataModel and DataModelS3Configuration (R-VAL-2)', () => {
    const task = fleetTask();
    task.DataModelConfiguration = {};
    expect(issuesOf(task)).toEqual(['error MODEL_CONFIGURATION_MISSING /DataModelConfiguration']);
  });

  it('refuses both DataModel and DataModelS3Configuration (R-VAL-2)', () => {
    const task = fleetTask();
    task.DataModelConfiguration.DataModelS3Configuration = {
      BucketName: 'my-model-bucket',
      ObjectKey: 'model.json',
    };
    expect(issuesOf(task)).toEqual([
      'error MODEL_CONFIGURATION_AMBIGUOUS /DataModelConfiguration/DataModelS3Configuration',
    ]);
  });

  it('asks for --s3-root when the model is in S3 and no location is given (R-VAL-2)', () => {
    const task = fleetTask();
    task.DataModelConfiguration = {
      DataModelS3Configuration: { BucketName: 'my-model-bucket', ObjectKey: 'models/fleet.json' },
    };
    const result = check(task);
    expect(issuesOf(task)).toEqual([
      'error MODEL_S3_NEEDS_LOCATION /DataModelConfiguration/DataModelS3Configuration',
    ]);
    expect(result.issues[0]!.message).toContain('--s3-root');
    expect(result.issues[0]!.message).toContain('s3://my-model-bucket/models/fleet.json');
  });

  it('needs both the bucket and the key of an S3 model (R-VAL-2)', () => {
    const task = fleetTask();
    task.DataModelConfiguration = { DataModelS3Configuration: { BucketName: 'my-model-bucket' } };
    expect(issuesOf(task)).toEqual([
      'error MODEL_S3_INCOMPLETE /DataModelConfiguration/DataModelS3Configuration/ObjectKey',
    ]);
  });
});

describe('time (R-VAL-3)', () => {
  it('requires TimeColumn (R-VAL-3 [choice])', () => {
    const task = fleetTask();
    delete task.DataModelConfiguration.DataModel.TimeColumn;
    expect(issuesOf(task)).toEqual([`error MODEL_TIME_COLUMN_MISSING ${MODEL}/TimeColumn`]);
  });

  it('defaults TimeUnit to MILLISECONDS (R-VAL-3)', () => {
    const task = fleetTask();
    delete task.DataModelConfiguration.DataModel.TimeUnit;
    const result = check(task);
    expect(result.task?.model.timeUnit).toBe('MILLISECONDS');
    expect(result.task?.request.DataModelConfiguration?.DataModel?.TimeUnit).toBe('MILLISECONDS');
  });

  it.each(['SECONDS', 'MILLISECONDS', 'MICROSECONDS', 'NANOSECONDS'])(
    'accepts TimeUnit %s (R-VAL-3)',
    (unit) => {
      const task = fleetTask();
      task.DataModelConfiguration.DataModel.TimeUnit = unit;
      expect(check(task).task?.model.timeUnit).toBe(unit);
    },
  );
});

describe('dimensions (R-VAL-4)', () => {
  it('requires SourceColumn in a dimension mapping (R-VAL-4)', () => {
    const task = fleetTask();
    task.DataModelConfiguration.DataModel.DimensionMappings[1] = { DestinationColumn: 'license' };
    expect(issuesOf(task)).toEqual([
      `error MODEL_DIMENSION_SOURCE_MISSING ${MODEL}/DimensionMappings/1/SourceColumn`,
    ]);
  });

  it('defaults DestinationColumn to SourceColumn (R-VAL-4)', () => {
    const result = check(fleetTask());
    expect(result.task?.model.dimensions).toEqual([
      { source: 'vehicle', name: 'vehicle' },
      { source: 'registration', name: 'license' },
    ]);
    expect(result.task?.request.DataModelConfiguration?.DataModel?.DimensionMappings).toEqual([
      { SourceColumn: 'vehicle', DestinationColumn: 'vehicle' },
      { SourceColumn: 'registration', DestinationColumn: 'license' },
    ]);
  });

  it('accepts 128 dimensions and refuses 129 (R-VAL-4)', () => {
    const task = fleetTask();
    task.DataModelConfiguration.DataModel.DimensionMappings = Array.from({ length: 128 }, (_, i) => ({
      SourceColumn: `d${i}`,
    }));
    expect(issuesOf(task)).toEqual([]);
    (task.DataModelConfiguration.DataModel.DimensionMappings as unknown[]).push({ SourceColumn: 'd128' });
    expect(issuesOf(task)).toEqual([`error MODEL_TOO_MANY_DIMENSIONS ${MODEL}/DimensionMappings`]);
  });
});

describe('multi-measure mappings (R-VAL-5)', () => {
  it('requires one of MultiMeasureMappings and MixedMeasureMappings (R-VAL-5)', () => {
    const task = fleetTask();
    delete task.DataModelConfiguration.DataModel.MultiMeasureMappings;
    expect(issuesOf(task)).toEqual([`error MODEL_MEASURES_MISSING ${MODEL}`]);
  });

  it('refuses both kinds of measure mappings (R-VAL-5)', () => {
    const task = fleetTask();
    task.DataModelConfiguration.DataModel.MixedMeasureMappings = [
      { SourceColumn: 'extra', MeasureValueType: 'DOUBLE' },
    ];
    expect(issuesOf(task)).toEqual([`error MODEL_MEASURES_AMBIGUOUS ${MODEL}/MixedMeasureMappings`]);
  });

  it('requires at least one attribute mapping (R-VAL-5)', () => {
    const task = fleetTask();
    task.DataModelConfiguration.DataModel.MultiMeasureMappings.MultiMeasureAttributeMappings = [];
    expect(issuesOf(task)).toEqual([`error TASK_BAD_LIST_SIZE ${ATTRS}`]);
  });

  it('accepts 256 attribute mappings and refuses 257 (R-VAL-5)', () => {
    const task = fleetTask();
    const attrs = Array.from({ length: 256 }, (_, i) => ({
      SourceColumn: `m${i}`,
      MeasureValueType: 'DOUBLE',
    }));
    task.DataModelConfiguration.DataModel.MultiMeasureMappings.MultiMeasureAttributeMappings = attrs;
    expect(issuesOf(task)).toEqual([]);
    attrs.push({ SourceColumn: 'm256', MeasureValueType: 'DOUBLE' });
    expect(issuesOf(task)).toEqual([`error MODEL_TOO_MANY_ATTRIBUTES ${ATTRS}`]);
  });

  it('requires MeasureValueType in an attribute mapping (R-VAL-5 [choice])', () => {
    const task = fleetTask();
    delete task.DataModelConfiguration.DataModel.MultiMeasureMappings.MultiMeasureAttributeMappings[3]
      .MeasureValueType;
    expect(issuesOf(task)).toEqual([`error MODEL_ATTRIBUTE_TYPE_MISSING ${ATTRS}/3/MeasureValueType`]);
  });

  it('requires SourceColumn in an attribute mapping (R-VAL-1, R-VAL-5)', () => {
    const task = fleetTask();
    delete task.DataModelConfiguration.DataModel.MultiMeasureMappings.MultiMeasureAttributeMappings[0]
      .SourceColumn;
    expect(issuesOf(task)).toEqual([`error TASK_MISSING_MEMBER ${ATTRS}/0/SourceColumn`]);
  });

  it('defaults TargetMultiMeasureAttributeName to SourceColumn (R-VAL-5)', () => {
    const result = check(fleetTask());
    const measures = result.task?.model.measures;
    expect(measures).toEqual({
      kind: 'multi',
      measureName: { kind: 'fixed', name: 'mva_measure_name' },
      attributes: [
        { source: 'wgt', name: 'weight', type: 'DOUBLE' },
        { source: 'spd', name: 'speed', type: 'DOUBLE' },
        { source: 'fuel_consumption', name: 'fuel', type: 'DOUBLE' },
        { source: 'miles', name: 'miles', type: 'BIGINT' },
      ],
    });
  });

  it('needs a measure name: neither MeasureNameColumn nor TargetMultiMeasureName is an error (R-VAL-5)', () => {
    const task = fleetTask();
    delete task.DataModelConfiguration.DataModel.MultiMeasureMappings.TargetMultiMeasureName;
    const result = check(task);
    expect(issuesOf(task)).toEqual([
      `error MODEL_MEASURE_NAME_MISSING ${MODEL}/MultiMeasureMappings/TargetMultiMeasureName`,
    ]);
    expect(result.issues[0]!.message).toContain('MeasureNameColumn');
  });

  it('takes the measure name from MeasureNameColumn (R-VAL-5)', () => {
    const task = fleetTask();
    delete task.DataModelConfiguration.DataModel.MultiMeasureMappings.TargetMultiMeasureName;
    task.DataModelConfiguration.DataModel.MeasureNameColumn = 'measure_name';
    const result = check(task);
    expect(result.issues).toEqual([]);
    expect(result.task?.model.measures).toMatchObject({
      measureName: { kind: 'column', column: 'measure_name' },
    });
  });

  it('warns when both MeasureNameColumn and TargetMultiMeasureName are set, and the column wins (R-VAL-5)', () => {
    const task = fleetTask();
    task.DataModelConfiguration.DataModel.MeasureNameColumn = 'measure_name';
    const result = check(task);
    expect(issuesOf(task)).toEqual([
      `warning MODEL_MEASURE_NAME_REDUNDANT ${MODEL}/MultiMeasureMappings/TargetMultiMeasureName`,
    ]);
    expect(result.ok).toBe(true);
    expect(result.task?.model.measures).toMatchObject({
      measureName: { kind: 'column', column: 'measure_name' },
    });
  });
});

describe('mixed measure mappings (R-VAL-5)', () => {
  it('accepts a narrow-layout mixed model and resolves it (R-VAL-5)', () => {
    const result = check(mixedTask());
    expect(result.issues).toEqual([]);
    expect(result.task?.model.measures).toEqual({
      kind: 'mixed',
      measureNameColumn: 'measure_name',
      mappings: [
        { match: 'cpu', measureName: 'cpu', type: 'DOUBLE', source: 'value', attributes: [] },
        { match: 'status', measureName: 'state', type: 'VARCHAR', source: 'value', attributes: [] },
        {
          match: 'io',
          measureName: 'io',
          type: 'MULTI',
          source: null,
          attributes: [
            { source: 'reads', name: 'reads', type: 'BIGINT' },
            { source: 'seen_at', name: 'seen_at', type: 'TIMESTAMP' },
          ],
        },
      ],
    });
  });

  it('requires MultiMeasureAttributeMappings in a MULTI mapping (R-VAL-5)', () => {
    const task = mixedTask();
    delete task.DataModelConfiguration.DataModel.MixedMeasureMappings[2].MultiMeasureAttributeMappings;
    expect(issuesOf(task)).toEqual([
      `error MODEL_MULTI_ATTRIBUTES_MISSING ${MIXED}/2/MultiMeasureAttributeMappings`,
    ]);
  });

  it('forbids SourceColumn in a MULTI mapping (R-VAL-5)', () => {
    const task = mixedTask();
    task.DataModelConfiguration.DataModel.MixedMeasureMappings[2].SourceColumn = 'reads';
    expect(issuesOf(task)[0]).toBe(`error MODEL_MULTI_HAS_SOURCE_COLUMN ${MIXED}/2/SourceColumn`);
  });

  it('requires SourceColumn in a scalar mapping (R-VAL-5)', () => {
    const task = mixedTask();
    delete task.DataModelConfiguration.DataModel.MixedMeasureMappings[0].SourceColumn;
    expect(issuesOf(task)).toEqual([`error MODEL_SCALAR_SOURCE_MISSING ${MIXED}/0/SourceColumn`]);
  });

  it('forbids MultiMeasureAttributeMappings in a scalar mapping (R-VAL-5)', () => {
    const task = mixedTask();
    task.DataModelConfiguration.DataModel.MixedMeasureMappings[0].MultiMeasureAttributeMappings = [
      { SourceColumn: 'x', MeasureValueType: 'DOUBLE' },
    ];
    expect(issuesOf(task)).toEqual([
      `error MODEL_SCALAR_HAS_ATTRIBUTES ${MIXED}/0/MultiMeasureAttributeMappings`,
    ]);
  });

  it('refuses a scalar TIMESTAMP mapping but accepts TIMESTAMP inside MULTI (R-VAL-5)', () => {
    const task = mixedTask();
    task.DataModelConfiguration.DataModel.MixedMeasureMappings[0].MeasureValueType = 'TIMESTAMP';
    expect(issuesOf(task)).toEqual([`error MODEL_SCALAR_TIMESTAMP ${MIXED}/0/MeasureValueType`]);
  });

  it('requires MeasureName in every mapping when MeasureNameColumn is set (R-VAL-5)', () => {
    const task = mixedTask();
    delete task.DataModelConfiguration.DataModel.MixedMeasureMappings[1].MeasureName;
    expect(issuesOf(task)).toEqual([`error MODEL_MIXED_MEASURE_NAME_MISSING ${MIXED}/1/MeasureName`]);
  });

  it('requires the MeasureNames to be unique when MeasureNameColumn is set (R-VAL-5)', () => {
    const task = mixedTask();
    task.DataModelConfiguration.DataModel.MixedMeasureMappings[1].MeasureName = 'cpu';
    const result = check(task);
    expect(issuesOf(task)).toEqual([`error MODEL_MIXED_MEASURE_NAME_DUPLICATE ${MIXED}/1/MeasureName`]);
    expect(result.issues[0]!.message).toContain(`${MIXED}/0`);
  });

  it('applies every mapping to every row without MeasureNameColumn (R-VAL-5)', () => {
    const task = mixedTask();
    const model = task.DataModelConfiguration.DataModel;
    delete model.MeasureNameColumn;
    model.MixedMeasureMappings = [
      { SourceColumn: 'cpu', MeasureValueType: 'DOUBLE' },
      { MeasureName: 'mem', SourceColumn: 'memory', MeasureValueType: 'BIGINT' },
      {
        TargetMeasureName: 'io',
        MeasureValueType: 'MULTI',
        MultiMeasureAttributeMappings: [{ SourceColumn: 'reads', MeasureValueType: 'BIGINT' }],
      },
    ];
    const result = check(task);
    expect(result.issues).toEqual([]);
    expect(result.task?.model.measures).toMatchObject({
      measureNameColumn: null,
      mappings: [
        { match: null, measureName: 'cpu', source: 'cpu' },
        { match: null, measureName: 'mem', source: 'memory' },
        { match: null, measureName: 'io', source: null },
      ],
    });
  });

  it('needs a name for a MULTI mapping without MeasureNameColumn (R-VAL-5)', () => {
    const task = mixedTask();
    const model = task.DataModelConfiguration.DataModel;
    delete model.MeasureNameColumn;
    model.MixedMeasureMappings = [
      {
        MeasureValueType: 'MULTI',
        MultiMeasureAttributeMappings: [{ SourceColumn: 'reads', MeasureValueType: 'BIGINT' }],
      },
    ];
    expect(issuesOf(task)).toEqual([`error MODEL_MULTI_TARGET_NAME_MISSING ${MIXED}/0/TargetMeasureName`]);
  });

  it('warns when two mappings write one measure name to every row (R-VAL-5 [choice])', () => {
    const task = mixedTask();
    const model = task.DataModelConfiguration.DataModel;
    delete model.MeasureNameColumn;
    model.MixedMeasureMappings = [
      { SourceColumn: 'cpu', TargetMeasureName: 'load', MeasureValueType: 'DOUBLE' },
      { SourceColumn: 'mem', TargetMeasureName: 'load', MeasureValueType: 'DOUBLE' },
    ];
    expect(issuesOf(task)).toEqual([`warning MODEL_MIXED_TARGET_NAME_REPEATED ${MIXED}/1/TargetMeasureName`]);
  });

  it('defaults TargetMeasureName to MeasureName, then SourceColumn, in the echo (R-VAL-5)', () => {
    const result = check(mixedTask());
    const mappings = result.task?.request.DataModelConfiguration?.DataModel?.MixedMeasureMappings;
    expect(mappings?.map((m) => m.TargetMeasureName)).toEqual(['cpu', 'state', 'io']);
  });
});

describe('column reuse (R-VAL-8)', () => {
  it('warns when a column is read twice (R-VAL-8)', () => {
    const task = fleetTask();
    (task.DataModelConfiguration.DataModel.DimensionMappings as unknown[]).push({
      SourceColumn: 'vehicle',
      DestinationColumn: 'car',
    });
    const result = check(task);
    expect(issuesOf(task)).toEqual([
      `warning MODEL_SOURCE_COLUMN_REUSED ${MODEL}/DimensionMappings/2/SourceColumn`,
    ]);
    expect(messageAt(result, `${MODEL}/DimensionMappings/2/SourceColumn`)).toBe(
      `column "vehicle" is also read as the dimension at ${MODEL}/DimensionMappings/0/SourceColumn`,
    );
    expect(result.ok).toBe(true);
  });

  it('warns when the time column is also a measure (R-VAL-8)', () => {
    const task = fleetTask();
    task.DataModelConfiguration.DataModel.MultiMeasureMappings.MultiMeasureAttributeMappings[3].SourceColumn =
      'timestamp';
    expect(issuesOf(task)).toEqual([`warning MODEL_SOURCE_COLUMN_REUSED ${ATTRS}/3/SourceColumn`]);
  });
});
