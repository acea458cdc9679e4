import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileTask } from '../../src/index.js';
import type {
  Failure,
  MapResult,
  ResolvedAttribute,
  ResolvedCsvOptions,
  ResolvedDataModel,
  ResolvedMixedMapping,
  ResolvedTask,
  RowMapper,
  ScalarMeasureValueType,
  TimestreamRecord,
  TimeUnit,
} from '../../src/index.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

const CSV: ResolvedCsvOptions = {
  columnSeparator: ',',
  quoteChar: '"',
  escapeChar: null,
  nullValue: null,
  trimWhiteSpace: false,
};

type TaskPart = Pick<ResolvedTask, 'model' | 'csv' | 'recordVersion'>;

function task(model: ResolvedDataModel, csv: Partial<ResolvedCsvOptions> = {}, recordVersion = 1): TaskPart {
  return { model, csv: { ...CSV, ...csv }, recordVersion };
}

function mapper(t: TaskPart, header: readonly string[]): RowMapper {
  const bound = compileTask(t).bind(header);
  if (!bound.ok) throw new Error(bound.failure.detail);
  return bound.map;
}

function records(result: MapResult): TimestreamRecord[] {
  if (!Array.isArray(result)) throw new Error(`expected records, got ${JSON.stringify(result)}`);
  return result;
}

function failure(result: MapResult): Failure {
  if (Array.isArray(result)) throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  return result;
}

const attr = (source: string, type: ScalarMeasureValueType, name = source): ResolvedAttribute => ({
  source,
  name,
  type,
});

/** The DG-CLI vehicle model: dims vehicle, registration->license; attrs wgt->weight, spd->speed, fuel_consumption->fuel, miles. */
const VEHICLE_MODEL: ResolvedDataModel = {
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
      attr('wgt', 'DOUBLE', 'weight'),
      attr('spd', 'DOUBLE', 'speed'),
      attr('fuel_consumption', 'DOUBLE', 'fuel'),
      attr('miles', 'BIGINT'),
    ],
  },
};
const VEHICLE_HEADER = ['timestamp', 'vehicle', 'registration', 'wgt', 'spd', 'fuel_consumption', 'miles'];

/** One attribute of `type` in column `v`, MILLISECONDS unless told. */
function oneAttribute(type: ScalarMeasureValueType, unit: TimeUnit = 'MILLISECONDS'): RowMapper {
  return mapper(
    task({
      timeColumn: 't',
      timeUnit: unit,
      dimensions: [{ source: 'd', name: 'd' }],
      measures: { kind: 'multi', measureName: { kind: 'fixed', name: 'm' }, attributes: [attr('v', type)] },
    }),
    ['t', 'd', 'v'],
  );
}

describe('compileTask().bind (FILE_MISSING_COLUMN)', () => {
  it('binds columns by header name, in any header order, ignoring unmapped columns', () => {
    const map = mapper(task(VEHICLE_MODEL), ['extra', ...VEHICLE_HEADER].reverse());
    const [record] = records(map(['4', '3', '2.5', '1.5', 'ABC-123', 'truck_1', '1616661921', 'x']));
    expect(record).toEqual({
      Dimensions: [
        { Name: 'vehicle', Value: 'truck_1', DimensionValueType: 'VARCHAR' },
        { Name: 'license', Value: 'ABC-123', DimensionValueType: 'VARCHAR' },
      ],
      MeasureName: 'mva_measure_name',
      MeasureValues: [
        { Name: 'weight', Value: '1.5', Type: 'DOUBLE' },
        { Name: 'speed', Value: '2.5', Type: 'DOUBLE' },
        { Name: 'fuel', Value: '3', Type: 'DOUBLE' },
        { Name: 'miles', Value: '4', Type: 'BIGINT' },
      ],
      MeasureValueType: 'MULTI',
      Time: '1616661921',
      TimeUnit: 'SECONDS',
      Version: 1,
    });
  });

  it('is a file failure listing every missing mapped column', () => {
    const bound = compileTask(task(VEHICLE_MODEL)).bind(['timestamp', 'vehicle', 'wgt', 'fuel_consumption']);
    expect(bound.ok).toBe(false);
    if (bound.ok) return;
    expect(bound.failure.kind).toBe('file');
    expect(bound.failure.code).toBe('FILE_MISSING_COLUMN');
    expect(bound.failure.column).toBe('registration');
    expect(bound.failure.reason).toBe('The header is missing mapped columns: "registration", "spd", "miles"');
    expect(bound.failure.detail).toContain('"registration" (dimension license)');
    expect(bound.failure.detail).toContain('"spd" (attribute speed)');
    expect(bound.failure.detail).toContain('"miles" (attribute miles)');
  });

  it('names the time, measure-name and mixed measure columns when they are missing', () => {
    const bound = compileTask(
      task({
        timeColumn: 'time',
        timeUnit: 'MILLISECONDS',
        dimensions: [{ source: 'host', name: 'host' }],
        measures: {
          kind: 'mixed',
          measureNameColumn: 'measure_name',
          mappings: [
            { match: 'cpu', measureName: 'cpu', type: 'DOUBLE', source: 'cpu_value', attributes: [] },
          ],
        },
      }),
    ).bind(['host']);
    expect(bound.ok).toBe(false);
    if (bound.ok) return;
    expect(bound.failure.detail).toContain('"time" (TimeColumn)');
    expect(bound.failure.detail).toContain('"measure_name" (MeasureNameColumn)');
    expect(bound.failure.detail).toContain('"cpu_value" (measure cpu)');
  });
});

describe('multi-measure records (R-TIME-1, R-DIM-1, R-MEAS-1, R-MEAS-2)', () => {
  const map = mapper(task(VEHICLE_MODEL, {}, 7), VEHICLE_HEADER);

  it('builds records with a stable key order, the task TimeUnit and the RecordVersion', () => {
    const [record] = records(map(['1616661921', 'truck_1', 'ABC-123', '1.5', '2.5', '3', '4']));
    expect(Object.keys(record!)).toEqual([
      'Dimensions',
      'MeasureName',
      'MeasureValues',
      'MeasureValueType',
      'Time',
      'TimeUnit',
      'Version',
    ]);
    expect(record!.Version).toBe(7);
    expect(record!.TimeUnit).toBe('SECONDS');
  });

  it('maps the same cells to deep-equal records every time', () => {
    const cells = ['1616661921', 'truck_1', 'ABC-123', '1.5', '', '3', '4'];
    expect(map(cells)).toEqual(map([...cells]));
  });

  it('writes the time digits as the cell has them, leading zeros included (R-TIME-1)', () => {
    expect(records(map(['0001616661921', 'a', 'b', '1', '', '', '']))[0]!.Time).toBe('0001616661921');
  });

  it('leaves a null dimension out of the record (R-DIM-1)', () => {
    const [record] = records(map(['1616661921', '', 'ABC-123', '1', '', '', '']));
    expect(record!.Dimensions).toEqual([
      { Name: 'license', Value: 'ABC-123', DimensionValueType: 'VARCHAR' },
    ]);
  });

  it('fails a row whose every dimension is null (R-DIM-1)', () => {
    expect(failure(map(['1616661921', '', '', '1', '', '', '']))).toEqual({
      kind: 'parse',
      code: 'DIMENSIONS_ALL_NULL',
      reason: 'At least one dimension is required',
      detail: 'Every dimension column is null (vehicle, registration)',
    });
  });

  it('leaves a null attribute out of the record (R-MEAS-2)', () => {
    const [record] = records(map(['1616661921', 'a', 'b', '', '2.5', '', '4']));
    expect(record!.MeasureValues).toEqual([
      { Name: 'speed', Value: '2.5', Type: 'DOUBLE' },
      { Name: 'miles', Value: '4', Type: 'BIGINT' },
    ]);
  });

  it('fails a row with no non-null attribute (R-MEAS-2)', () => {
    const f = failure(map(['1616661921', 'a', 'b', '', '', '', '']));
    expect(f.code).toBe('MEASURES_ALL_NULL');
    expect(f.kind).toBe('parse');
    expect(f.reason).toBe('At least one measure value is required');
  });

  it('fails a null time cell (R-TIME-1)', () => {
    const f = failure(map(['', 'a', 'b', '1', '', '', '']));
    expect(f).toMatchObject({ kind: 'parse', code: 'TIME_NULL', column: 'timestamp' });
  });

  it('fails time cells that are not non-negative integers (R-TIME-1)', () => {
    for (const time of ['2021-03-25T08:45:21Z', '1616661921.5', '-1616661921', '+1', ' 1616661921', '1e9']) {
      const f = failure(map([time, 'a', 'b', '1', '', '', '']));
      expect(f.code, time).toBe('TIME_INVALID');
      expect(f.reason).toBe("Time value is not a non-negative integer in the task's TimeUnit");
      expect(f.detail).toContain(JSON.stringify(time));
    }
  });

  it('fails a time beyond signed 64-bit nanoseconds (R-TIME-1)', () => {
    expect(records(map(['9223372036', 'a', 'b', '1', '', '', '']))).toHaveLength(1);
    const f = failure(map(['9223372037', 'a', 'b', '1', '', '', '']));
    expect(f.code).toBe('TIME_OUT_OF_RANGE');
    expect(f.column).toBe('timestamp');
  });

  it('reports the time failure first, then dimensions, then values (R-COUNT-1)', () => {
    expect(failure(map(['x', '', '', 'bad', '', '', ''])).code).toBe('TIME_INVALID');
    expect(failure(map(['1', '', '', 'bad', '', '', ''])).code).toBe('DIMENSIONS_ALL_NULL');
    const f = failure(map(['1', 'a', '', '1', 'bad', '', 'worse']));
    expect(f).toMatchObject({ code: 'VALUE_INVALID', column: 'spd' });
  });

  it('takes the measure name from MeasureNameColumn and fails a null one (R-MEAS-2)', () => {
    const named = mapper(
      task({
        ...VEHICLE_MODEL,
        measures: { ...VEHICLE_MODEL.measures, measureName: { kind: 'column', column: 'mn' } },
      } as ResolvedDataModel),
      [...VEHICLE_HEADER, 'mn'],
    );
    expect(records(named(['1', 'a', 'b', '1', '', '', '', 'trip']))[0]!.MeasureName).toBe('trip');
    expect(failure(named(['1', 'a', 'b', '1', '', '', '', '']))).toEqual({
      kind: 'parse',
      code: 'MEASURE_NAME_NULL',
      reason: 'Measure name is null',
      detail: 'MeasureNameColumn "mn" is null',
      column: 'mn',
    });
    // The measure name is checked before the values.
    expect(failure(named(['1', 'a', 'b', 'bad', '', '', '', ''])).code).toBe('MEASURE_NAME_NULL');
  });
});

describe('null cells (R-CSV-7)', () => {
  it('treats cells equal to NullValue as null', () => {
    const map = mapper(task(VEHICLE_MODEL, { nullValue: 'NA' }), VEHICLE_HEADER);
    const [record] = records(map(['1616661921', 'NA', 'b', 'NA', '2', 'NA', 'NA']));
    expect(record!.Dimensions.map((d) => d.Name)).toEqual(['license']);
    expect(record!.MeasureValues!.map((v) => v.Name)).toEqual(['speed']);
    expect(failure(map(['NA', 'a', 'b', '1', '', '', ''])).code).toBe('TIME_NULL');
  });

  it('compares trimmed cells with the trimmed NullValue when TrimWhiteSpace is on', () => {
    const map = mapper(task(VEHICLE_MODEL, { nullValue: ' NA ', trimWhiteSpace: true }), VEHICLE_HEADER);
    expect(records(map(['1', 'a', 'b', 'NA', '2', '', '']))[0]!.MeasureValues).toHaveLength(1);
  });

  it('takes cells verbatim without TrimWhiteSpace: " 12" is not a BIGINT (R-CSV-7)', () => {
    expect(failure(oneAttribute('BIGINT')(['1', 'd', ' 12'])).code).toBe('VALUE_INVALID');
  });
});

describe('values by type (R-MEAS-1)', () => {
  const valid = (type: ScalarMeasureValueType, text: string, unit?: TimeUnit): string | undefined => {
    const result = oneAttribute(type, unit)(['1', 'd', text]);
    return Array.isArray(result) ? result[0]!.MeasureValues![0]!.Value : undefined;
  };

  it('accepts DOUBLE in decimal and exponent notation, written as the cell text', () => {
    for (const text of [
      '1',
      '-1.5',
      '+0.25',
      '.5',
      '1.',
      '1.50',
      '1e308',
      '1E+3',
      '-2.5e-10',
      '1.7976931348623157e308',
      '1e-400',
    ]) {
      expect(valid('DOUBLE', text), text).toBe(text);
    }
  });

  it('refuses DOUBLE overflow, NaN, Infinity and other text', () => {
    for (const text of [
      '1e309',
      '-1e309',
      '1.7976931348623159e308',
      'NaN',
      'Infinity',
      '-Infinity',
      '1,5',
      '0x10',
      '1e',
      '.',
      '+',
      '1.2.3',
      ' 1',
      '１',
    ]) {
      expect(valid('DOUBLE', text), text).toBeUndefined();
    }
  });

  it('accepts exactly the DOUBLE grammar of R-MEAS-1, finite (property)', () => {
    const grammar = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
    const map = oneAttribute('DOUBLE');
    const text = fc.oneof(
      fc.string({
        unit: fc.constantFrom('0', '1', '9', '.', 'e', 'E', '+', '-', 'x', ' '),
        minLength: 1,
        maxLength: 8,
      }),
      fc
        .tuple(fc.constantFrom('', '-', '+'), fc.nat(400), fc.constantFrom('', '.5', 'e308', 'e309', 'e-400'))
        .map(([sign, digits, tail]) => `${sign}1${'0'.repeat(digits)}${tail}`),
    );
    fc.assert(
      fc.property(text, (t) => {
        const expected = grammar.test(t) && Number.isFinite(Number(t));
        expect(Array.isArray(map(['1', 'd', t])), t).toBe(expected);
      }),
      fcOptions,
    );
  });

  it('accepts BIGINT within signed 64 bits and refuses one past either end', () => {
    expect(valid('BIGINT', '9223372036854775807')).toBe('9223372036854775807');
    expect(valid('BIGINT', '-9223372036854775808')).toBe('-9223372036854775808');
    expect(valid('BIGINT', '+9223372036854775807')).toBe('+9223372036854775807');
    expect(valid('BIGINT', '0009223372036854775807')).toBe('0009223372036854775807');
    expect(valid('BIGINT', '9223372036854775808')).toBeUndefined();
    expect(valid('BIGINT', '-9223372036854775809')).toBeUndefined();
    expect(valid('BIGINT', '99999999999999999999')).toBeUndefined();
  });

  it('accepts exactly the signed 64-bit integers as BIGINT (property)', () => {
    const map = oneAttribute('BIGINT');
    const near = fc
      .tuple(fc.constantFrom(2n ** 63n - 1n, -(2n ** 63n)), fc.integer({ min: -3, max: 3 }), fc.nat(3))
      .map(([edge, delta, zeros]) => {
        const n = edge + BigInt(delta);
        return (n < 0n ? '-' : '') + '0'.repeat(zeros) + String(n < 0n ? -n : n);
      });
    const text = fc.oneof(
      near,
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
      fc.string({ unit: fc.constantFrom('0', '7', '9', '+', '-', '.', 'e'), minLength: 1, maxLength: 6 }),
    );
    fc.assert(
      fc.property(text, (t) => {
        const expected = /^[+-]?\d+$/.test(t) && BigInt(t) >= -(2n ** 63n) && BigInt(t) < 2n ** 63n;
        expect(Array.isArray(map(['1', 'd', t])), t).toBe(expected);
      }),
      fcOptions,
    );
  });

  it('refuses BIGINT text that is not an integer', () => {
    for (const text of ['1.0', '1e3', '-', '+', '0x1F', '1_000', '12a']) {
      expect(valid('BIGINT', text), text).toBeUndefined();
    }
  });

  it('accepts BOOLEAN true/false in any case and writes it lower-case', () => {
    expect(valid('BOOLEAN', 'TRUE')).toBe('true');
    expect(valid('BOOLEAN', 'False')).toBe('false');
    expect(valid('BOOLEAN', 'true')).toBe('true');
    for (const text of ['yes', '1', '0', 't', 'truee', 'fals'])
      expect(valid('BOOLEAN', text), text).toBeUndefined();
  });

  it('accepts any non-null VARCHAR text as is', () => {
    expect(valid('VARCHAR', ' padded , "quoted" ')).toBe(' padded , "quoted" ');
    expect(valid('VARCHAR', 'héllo 👋')).toBe('héllo 👋');
  });

  it('reads TIMESTAMP attributes like the time column, in the task TimeUnit', () => {
    expect(valid('TIMESTAMP', '9223372036854775807', 'NANOSECONDS')).toBe('9223372036854775807');
    expect(valid('TIMESTAMP', '9223372036854775808', 'NANOSECONDS')).toBeUndefined();
    expect(valid('TIMESTAMP', '9223372036854', 'MILLISECONDS')).toBe('9223372036854');
    expect(valid('TIMESTAMP', '9223372036855', 'MILLISECONDS')).toBeUndefined();
    expect(valid('TIMESTAMP', '2021-03-25T08:45:21Z', 'MILLISECONDS')).toBeUndefined();
    expect(valid('TIMESTAMP', '-1', 'MILLISECONDS')).toBeUndefined();
  });

  it('fails a bad value with a reason per type and a detail naming column, type and value', () => {
    const f = failure(oneAttribute('BIGINT')(['1', 'd', '12.5']));
    expect(f).toEqual({
      kind: 'parse',
      code: 'VALUE_INVALID',
      reason: 'Value is not a valid BIGINT',
      detail: 'Column "v" (BIGINT): "12.5" is not an integer (digits with an optional sign)',
      column: 'v',
    });
    expect(failure(oneAttribute('BIGINT')(['1', 'd', '9223372036854775808'])).detail).toContain(
      'signed 64-bit range',
    );
    expect(failure(oneAttribute('DOUBLE')(['1', 'd', '1e309']))).toMatchObject({
      reason: 'Value is not a valid DOUBLE',
      detail: 'Column "v" (DOUBLE): "1e309" overflows a 64-bit floating-point number',
    });
    expect(failure(oneAttribute('BOOLEAN')(['1', 'd', 'yes'])).reason).toBe('Value is not a valid BOOLEAN');
    expect(failure(oneAttribute('TIMESTAMP')(['1', 'd', 'x'])).reason).toBe('Value is not a valid TIMESTAMP');
  });

  it('keeps the reason identical across rows so they merge, and cuts long values in the detail', () => {
    const map = oneAttribute('DOUBLE');
    const long = 'x'.repeat(5000);
    const a = failure(map(['1', 'd', 'abc']));
    const b = failure(map(['2', 'd', long]));
    expect(a.reason).toBe(b.reason);
    expect(b.detail.length).toBeLessThan(250);
    expect(b.detail).toContain('(5000 characters)');
  });
});

describe('mixed measure mappings (R-MEAS-2)', () => {
  const mixed = (measureNameColumn: string | null, mappings: ResolvedMixedMapping[]): ResolvedDataModel => ({
    timeColumn: 'time',
    timeUnit: 'MILLISECONDS',
    dimensions: [{ source: 'host', name: 'host' }],
    measures: { kind: 'mixed', measureNameColumn, mappings },
  });
  const scalar = (
    source: string,
    type: ScalarMeasureValueType,
    measureName = source,
    match: string | null = null,
  ): ResolvedMixedMapping => ({ match, measureName, type, source, attributes: [] });
  const HEADER = ['time', 'host', 'measure_name', 'cpu', 'mem', 'state', 'load1', 'load5'];
  const multi: ResolvedMixedMapping = {
    match: null,
    measureName: 'load',
    type: 'MULTI',
    source: null,
    attributes: [attr('load1', 'DOUBLE'), attr('load5', 'DOUBLE')],
  };

  describe('without MeasureNameColumn', () => {
    const map = mapper(
      task(
        mixed(null, [
          scalar('cpu', 'DOUBLE', 'cpu_utilization'),
          scalar('mem', 'BIGINT'),
          scalar('state', 'VARCHAR'),
          multi,
        ]),
      ),
      HEADER,
    );

    it('applies every mapping to every row, one record each, in mapping order', () => {
      const out = records(map(['1000', 'h1', 'ignored', '35.0', '1024', 'ok', '0.5', '0.7']));
      expect(out).toEqual([
        {
          Dimensions: [{ Name: 'host', Value: 'h1', DimensionValueType: 'VARCHAR' }],
          MeasureName: 'cpu_utilization',
          MeasureValue: '35.0',
          MeasureValueType: 'DOUBLE',
          Time: '1000',
          TimeUnit: 'MILLISECONDS',
          Version: 1,
        },
        {
          Dimensions: [{ Name: 'host', Value: 'h1', DimensionValueType: 'VARCHAR' }],
          MeasureName: 'mem',
          MeasureValue: '1024',
          MeasureValueType: 'BIGINT',
          Time: '1000',
          TimeUnit: 'MILLISECONDS',
          Version: 1,
        },
        {
          Dimensions: [{ Name: 'host', Value: 'h1', DimensionValueType: 'VARCHAR' }],
          MeasureName: 'state',
          MeasureValue: 'ok',
          MeasureValueType: 'VARCHAR',
          Time: '1000',
          TimeUnit: 'MILLISECONDS',
          Version: 1,
        },
        {
          Dimensions: [{ Name: 'host', Value: 'h1', DimensionValueType: 'VARCHAR' }],
          MeasureName: 'load',
          MeasureValues: [
            { Name: 'load1', Value: '0.5', Type: 'DOUBLE' },
            { Name: 'load5', Value: '0.7', Type: 'DOUBLE' },
          ],
          MeasureValueType: 'MULTI',
          Time: '1000',
          TimeUnit: 'MILLISECONDS',
          Version: 1,
        },
      ]);
      expect(Object.keys(out[0]!)).toEqual([
        'Dimensions',
        'MeasureName',
        'MeasureValue',
        'MeasureValueType',
        'Time',
        'TimeUnit',
        'Version',
      ]);
      expect(out[0]!.Dimensions).not.toBe(out[1]!.Dimensions);
    });

    it('skips the record of a null scalar and of a MULTI mapping whose attributes are all null', () => {
      const out = records(map(['1000', 'h1', '', '', '1024', '', '', '']));
      expect(out.map((r) => r.MeasureName)).toEqual(['mem']);
      const onlyLoad = records(map(['1000', 'h1', '', '', '', '', '', '0.7']));
      expect(onlyLoad).toHaveLength(1);
      expect(onlyLoad[0]!.MeasureValues).toEqual([{ Name: 'load5', Value: '0.7', Type: 'DOUBLE' }]);
    });

    it('fails a row that yields no record', () => {
      expect(failure(map(['1000', 'h1', 'x', '', '', '', '', ''])).code).toBe('MEASURES_ALL_NULL');
    });

    it('fails the whole row when one value is bad, even if other records were fine (R-COUNT-1)', () => {
      const f = failure(map(['1000', 'h1', '', '35.0', '1.5', 'ok', '', '']));
      expect(f).toMatchObject({
        code: 'VALUE_INVALID',
        column: 'mem',
        reason: 'Value is not a valid BIGINT',
      });
      expect(failure(map(['1000', 'h1', '', '35.0', '1', 'ok', '0.1', 'high'])).column).toBe('load5');
    });
  });

  describe('with MeasureNameColumn', () => {
    const map = mapper(
      task(
        mixed('measure_name', [
          scalar('cpu', 'DOUBLE', 'cpu_utilization', 'cpu'),
          scalar('mem', 'BIGINT', 'memory', 'mem'),
          { ...multi, match: 'load' },
        ]),
      ),
      HEADER,
    );

    it('uses the mapping whose MeasureName equals the cell; the record gets the target name', () => {
      const out = records(map(['1000', 'h1', 'cpu', '35.0', 'not-checked', '', '', '']));
      expect(out).toHaveLength(1);
      expect(out[0]).toMatchObject({
        MeasureName: 'cpu_utilization',
        MeasureValue: '35.0',
        MeasureValueType: 'DOUBLE',
      });
      expect(records(map(['1000', 'h1', 'mem', '', '42', '', '', '']))[0]).toMatchObject({
        MeasureName: 'memory',
      });
    });

    it('maps a MULTI mapping inside a mixed model to one multi-measure record', () => {
      const [record] = records(map(['1000', 'h1', 'load', '', '', '', '0.5', '']));
      expect(record).toMatchObject({
        MeasureName: 'load',
        MeasureValueType: 'MULTI',
        MeasureValues: [{ Name: 'load1', Value: '0.5', Type: 'DOUBLE' }],
      });
    });

    it('fails a measure name that no mapping names [choice]', () => {
      expect(failure(map(['1000', 'h1', 'disk', '1', '1', '', '', '']))).toEqual({
        kind: 'parse',
        code: 'MEASURE_NAME_UNMAPPED',
        reason: 'Measure name matches no measure mapping',
        detail: 'MeasureNameColumn "measure_name": "disk" is the MeasureName of no mixed measure mapping',
        column: 'measure_name',
      });
    });

    it('fails a null measure name, and a row whose applicable measure is null', () => {
      expect(failure(map(['1000', 'h1', '', '1', '1', '', '', ''])).code).toBe('MEASURE_NAME_NULL');
      expect(failure(map(['1000', 'h1', 'cpu', '', '1', '', '', ''])).code).toBe('MEASURES_ALL_NULL');
    });
  });
});

describe('property: a valid generated row maps to records whose values equal the cells (R-MEAS-1)', () => {
  const TYPES: ScalarMeasureValueType[] = ['DOUBLE', 'BIGINT', 'BOOLEAN', 'VARCHAR', 'TIMESTAMP'];
  const valueOf: Record<ScalarMeasureValueType, fc.Arbitrary<string>> = {
    DOUBLE: fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.tuple(fc.integer(), fc.nat()).map(([a, b]) => `${a}.${b}`),
    ),
    BIGINT: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
    BOOLEAN: fc.constantFrom('true', 'false', 'TRUE', 'False'),
    VARCHAR: fc.string({ minLength: 1, unit: 'grapheme' }).filter((s) => s !== 'NULL'),
    TIMESTAMP: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String),
  };
  const cell = (type: ScalarMeasureValueType): fc.Arbitrary<string | null> =>
    fc.option(valueOf[type], { nil: null, freq: 4 });

  it('holds for multi-measure models of any attribute types', () => {
    const scenario = fc.array(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 8 }).chain((types) =>
      fc.record({
        types: fc.constant(types),
        time: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String),
        dims: fc.array(
          fc.option(
            fc.string({ minLength: 1 }).filter((s) => s !== 'NULL'),
            { nil: null },
          ),
          {
            minLength: 2,
            maxLength: 2,
          },
        ),
        values: fc.tuple(...types.map(cell)),
      }),
    );
    fc.assert(
      fc.property(scenario, ({ types, time, dims, values }) => {
        const model: ResolvedDataModel = {
          timeColumn: 't',
          timeUnit: 'NANOSECONDS',
          dimensions: [
            { source: 'd0', name: 'dim0' },
            { source: 'd1', name: 'dim1' },
          ],
          measures: {
            kind: 'multi',
            measureName: { kind: 'fixed', name: 'm' },
            attributes: types.map((type, i) => attr(`c${i}`, type, `a${i}`)),
          },
        };
        const header = ['t', 'd0', 'd1', ...types.map((_, i) => `c${i}`)];
        const map = mapper(task(model, { nullValue: 'NULL' }), header);
        const cells = [time, ...dims.map((d) => d ?? 'NULL'), ...values.map((v) => v ?? '')];
        const result = map(cells);
        const expectedDims = dims.flatMap((d, i) =>
          d === null ? [] : [{ Name: `dim${i}`, Value: d, DimensionValueType: 'VARCHAR' }],
        );
        const expectedValues = values.flatMap((v, i) =>
          v === null
            ? []
            : [{ Name: `a${i}`, Value: types[i] === 'BOOLEAN' ? v.toLowerCase() : v, Type: types[i] }],
        );
        if (expectedDims.length === 0) {
          expect(failure(result).code).toBe('DIMENSIONS_ALL_NULL');
        } else if (expectedValues.length === 0) {
          expect(failure(result).code).toBe('MEASURES_ALL_NULL');
        } else {
          expect(records(result)).toEqual([
            {
              Dimensions: expectedDims,
              MeasureName: 'm',
              MeasureValues: expectedValues,
              MeasureValueType: 'MULTI',
              Time: time,
              TimeUnit: 'NANOSECONDS',
              Version: 1,
            },
          ]);
        }
      }),
      fcOptions,
    );
  });
});
