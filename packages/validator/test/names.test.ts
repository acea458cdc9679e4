import { describe, expect, it } from 'vitest';
import { fleetTask, mixedTask, MODEL, type Loose } from './fleet-task.js';
import { check, issuesOf, messageAt } from './helpers.js';

const DIMS = `${MODEL}/DimensionMappings`;
const ATTRS = `${MODEL}/MultiMeasureMappings/MultiMeasureAttributeMappings`;

function withDestination(name: string): Record<string, Loose> {
  const task = fleetTask();
  task.DataModelConfiguration.DataModel.DimensionMappings[1].DestinationColumn = name;
  return task;
}

function withAttributeName(name: string): Record<string, Loose> {
  const task = fleetTask();
  task.DataModelConfiguration.DataModel.MultiMeasureMappings.MultiMeasureAttributeMappings[0].TargetMultiMeasureAttributeName =
    name;
  return task;
}

describe('names written by the task (R-VAL-6)', () => {
  it('measures a dimension name in UTF-8 bytes: 60 pass, 61 fail (R-VAL-6)', () => {
    expect(issuesOf(withDestination('d'.repeat(60)))).toEqual([]);
    expect(issuesOf(withDestination('é'.repeat(30)))).toEqual([]);
    const result = check(withDestination('é'.repeat(30) + 'x'));
    expect(result.issues.map((i) => `${i.code} ${i.path}`)).toEqual([
      `NAME_TOO_LONG ${DIMS}/1/DestinationColumn`,
    ]);
    expect(result.issues[0]!.message).toBe(
      'dimension name is 61 bytes in UTF-8; at most 60 bytes are allowed',
    );
  });

  it('checks a defaulted dimension name at its SourceColumn (R-VAL-6)', () => {
    const task = fleetTask();
    task.DataModelConfiguration.DataModel.DimensionMappings[0].SourceColumn = 'v'.repeat(61);
    expect(issuesOf(task)).toEqual([`error NAME_TOO_LONG ${DIMS}/0/SourceColumn`]);
  });

  it('allows measure and attribute names up to 256 bytes (R-VAL-6)', () => {
    expect(issuesOf(withAttributeName('a'.repeat(256)))).toEqual([]);
    expect(issuesOf(withAttributeName('a'.repeat(255) + 'é'))).toEqual([
      `error NAME_TOO_LONG ${ATTRS}/0/TargetMultiMeasureAttributeName`,
    ]);
    const task = fleetTask();
    task.DataModelConfiguration.DataModel.MultiMeasureMappings.TargetMultiMeasureName = 'm'.repeat(257);
    expect(issuesOf(task)).toEqual([
      `error NAME_TOO_LONG ${MODEL}/MultiMeasureMappings/TargetMultiMeasureName`,
    ]);
  });

  it.each(['time', 'measure_name', 'measure_value', 'ts_non_existent_col'])(
    'refuses the reserved name %s (R-VAL-6)',
    (name) => {
      expect(issuesOf(withDestination(name))).toEqual([`error NAME_RESERVED ${DIMS}/1/DestinationColumn`]);
      expect(issuesOf(withAttributeName(name))).toEqual([
        `error NAME_RESERVED ${ATTRS}/0/TargetMultiMeasureAttributeName`,
      ]);
    },
  );

  // measure_name2: the quotas page's System identifiers reserve the `measure_name` prefix too (issue 18; an earlier
  // test accepted it).
  it.each(['ts_speed', 'measure_value_2', 'measure_name2'])(
    'refuses the reserved prefix of %s (R-VAL-6)',
    (name) => {
      expect(issuesOf(withDestination(name))).toEqual([
        `error NAME_RESERVED_PREFIX ${DIMS}/1/DestinationColumn`,
      ]);
    },
  );

  it.each(['Time', 'timestamp', 'TS_speed', 'my_ts_', 'my_measure_name', 'Measure_name2'])(
    'accepts %s: reserved names are matched case-sensitively and whole (R-VAL-6)',
    (name) => {
      expect(issuesOf(withDestination(name))).toEqual([]);
    },
  );

  it('refuses a colon in a name (R-VAL-6)', () => {
    expect(issuesOf(withAttributeName('speed:kmh'))).toEqual([
      `error NAME_HAS_COLON ${ATTRS}/0/TargetMultiMeasureAttributeName`,
    ]);
  });

  it('reports every problem of one name (R-VAL-6)', () => {
    expect(issuesOf(withDestination(`ts_:${'x'.repeat(60)}`))).toEqual([
      `error NAME_RESERVED_PREFIX ${DIMS}/1/DestinationColumn`,
      `error NAME_HAS_COLON ${DIMS}/1/DestinationColumn`,
      `error NAME_TOO_LONG ${DIMS}/1/DestinationColumn`,
    ]);
  });

  it('requires unique dimension names after defaults (R-VAL-6)', () => {
    const task = withDestination('vehicle');
    const result = check(task);
    expect(issuesOf(task)).toEqual([`error NAME_DUPLICATE_DIMENSION ${DIMS}/1/DestinationColumn`]);
    expect(messageAt(result, `${DIMS}/1/DestinationColumn`)).toContain(`${DIMS}/0/SourceColumn`);
  });

  it('requires unique attribute names within one record (R-VAL-6)', () => {
    const task = withAttributeName('miles');
    expect(issuesOf(task)).toEqual([`error NAME_DUPLICATE_ATTRIBUTE ${ATTRS}/3/SourceColumn`]);
  });

  it('allows the same attribute name in two MULTI records of a mixed model (R-VAL-6)', () => {
    const task = mixedTask();
    (task.DataModelConfiguration.DataModel.MixedMeasureMappings as unknown[]).push({
      MeasureName: 'io2',
      MeasureValueType: 'MULTI',
      MultiMeasureAttributeMappings: [
        { SourceColumn: 'reads2', TargetMultiMeasureAttributeName: 'reads', MeasureValueType: 'BIGINT' },
      ],
    });
    expect(issuesOf(task)).toEqual([]);
  });

  it('refuses a dimension name equal to an attribute name (R-VAL-6)', () => {
    const task = withAttributeName('license');
    const result = check(task);
    expect(issuesOf(task)).toEqual([`error NAME_DIMENSION_CLASH ${ATTRS}/0/TargetMultiMeasureAttributeName`]);
    expect(result.issues[0]!.message).toContain(`${DIMS}/1/DestinationColumn`);
  });

  it('refuses a dimension name equal to a measure name (R-VAL-6)', () => {
    const task = fleetTask();
    task.DataModelConfiguration.DataModel.MultiMeasureMappings.TargetMultiMeasureName = 'vehicle';
    expect(issuesOf(task)).toEqual([
      `error NAME_DIMENSION_CLASH ${MODEL}/MultiMeasureMappings/TargetMultiMeasureName`,
    ]);
    const mixed = mixedTask();
    mixed.DataModelConfiguration.DataModel.MixedMeasureMappings[1].TargetMeasureName = 'host';
    expect(issuesOf(mixed)).toEqual([
      `error NAME_DIMENSION_CLASH ${MODEL}/MixedMeasureMappings/1/TargetMeasureName`,
    ]);
  });
});
