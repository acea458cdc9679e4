import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMeter, recordEventSize } from '../../src/index.js';
import type { ScalarMeasureValueType, TimestreamRecord } from '../../src/index.js';
import { recordEventSizeAscii } from '../../src/report/metering.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

const dim = (Name: string, Value: string) => ({ Name, Value, DimensionValueType: 'VARCHAR' as const });

function vehicle(
  measureName: string,
  vehicleId: string,
  license: string,
  values: Partial<Record<'weight' | 'speed' | 'fuel' | 'miles', string>>,
): TimestreamRecord {
  return {
    Dimensions: [dim('vehicle', vehicleId), dim('license', license)],
    MeasureName: measureName,
    MeasureValues: Object.entries(values).map(([Name, Value]) => ({
      Name,
      Value,
      Type: Name === 'miles' ? 'BIGINT' : 'DOUBLE',
    })),
    MeasureValueType: 'MULTI',
    Time: '1672960000',
    TimeUnit: 'SECONDS',
    Version: 1,
  };
}

describe('recordEventSize (R-METER-1)', () => {
  it('reproduces the 83-byte event of the AWS metering example', () => {
    // time 8 + region+us-east-1 15 + az+1d 4 + vpc+vpc-1a2b3c4d 15 + hostname+host-24Gju 18 + cpu_utilization 15 + double 8
    const record: TimestreamRecord = {
      Dimensions: [
        dim('region', 'us-east-1'),
        dim('az', '1d'),
        dim('vpc', 'vpc-1a2b3c4d'),
        dim('hostname', 'host-24Gju'),
      ],
      MeasureName: 'cpu_utilization',
      MeasureValue: '35.0',
      MeasureValueType: 'DOUBLE',
      Time: '1602983435238563000',
      TimeUnit: 'NANOSECONDS',
      Version: 1,
    };
    expect(recordEventSize(record)).toBe(83);
  });

  it('counts 8 bytes for BIGINT/DOUBLE/TIMESTAMP, 1 for BOOLEAN and the UTF-8 bytes of VARCHAR', () => {
    const base = {
      Dimensions: [dim('d', 'v')],
      MeasureName: 'm',
      Time: '1',
      TimeUnit: 'SECONDS',
      Version: 1,
    } as const;
    const scalar = (MeasureValueType: ScalarMeasureValueType, MeasureValue: string): TimestreamRecord => ({
      ...base,
      Dimensions: [...base.Dimensions],
      MeasureValue,
      MeasureValueType,
    });
    // 8 + d + v + m = 11
    expect(recordEventSize(scalar('BIGINT', '-9223372036854775808'))).toBe(11 + 8);
    expect(recordEventSize(scalar('DOUBLE', '1'))).toBe(11 + 8);
    expect(recordEventSize(scalar('TIMESTAMP', '1'))).toBe(11 + 8);
    expect(recordEventSize(scalar('BOOLEAN', 'false'))).toBe(11 + 1);
    expect(recordEventSize(scalar('VARCHAR', 'héllo'))).toBe(11 + 6);
    expect(recordEventSize(scalar('VARCHAR', '👋'))).toBe(11 + 4);
  });

  it('counts each attribute name of a multi-measure record, and the measure name once', () => {
    // 8 + vehicle+truck_1 14 + license+ABC-123 14 + mva_measure_name 16 + weight 6+8 + speed 5+8 + fuel 4+8 + miles 5+8 = 104
    const record = vehicle('mva_measure_name', 'truck_1', 'ABC-123', {
      weight: '1',
      speed: '2',
      fuel: '3',
      miles: '4',
    });
    expect(recordEventSize(record)).toBe(104);
  });

  it('counts multi-byte dimension and measure names in UTF-8 bytes', () => {
    const record: TimestreamRecord = {
      Dimensions: [dim('città', 'Zürich')],
      MeasureName: 'température',
      MeasureValues: [{ Name: 'état', Value: 'prêt', Type: 'VARCHAR' }],
      MeasureValueType: 'MULTI',
      Time: '1',
      TimeUnit: 'SECONDS',
      Version: 1,
    };
    expect(recordEventSize(record)).toBe(8 + 6 + 7 + 12 + 5 + 5);
  });

  it('equals an independent Buffer.byteLength computation for any record (property)', () => {
    const text = fc.oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }),
      fc.string({ minLength: 1, maxLength: 12, unit: 'binary' }),
    );
    const type = fc.constantFrom<ScalarMeasureValueType>(
      'DOUBLE',
      'BIGINT',
      'BOOLEAN',
      'VARCHAR',
      'TIMESTAMP',
    );
    const record = fc.record({
      Dimensions: fc.array(
        fc.record({ Name: text, Value: text, DimensionValueType: fc.constant('VARCHAR' as const) }),
        {
          minLength: 1,
          maxLength: 5,
        },
      ),
      MeasureName: text,
      MeasureValues: fc.array(fc.record({ Name: text, Value: text, Type: type }), {
        minLength: 1,
        maxLength: 5,
      }),
      MeasureValueType: fc.constant('MULTI' as const),
      Time: fc.constant('1'),
      TimeUnit: fc.constant('SECONDS' as const),
      Version: fc.constant(1),
    });
    const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
    const fixed: Record<ScalarMeasureValueType, number> = {
      DOUBLE: 8,
      BIGINT: 8,
      TIMESTAMP: 8,
      BOOLEAN: 1,
      VARCHAR: 0,
    };
    fc.assert(
      fc.property(record, (r: TimestreamRecord) => {
        let expected = 8 + bytes(r.MeasureName);
        for (const d of r.Dimensions) expected += bytes(d.Name) + bytes(d.Value);
        for (const v of r.MeasureValues!) {
          expected += bytes(v.Name) + (v.Type === 'VARCHAR' ? bytes(v.Value) : fixed[v.Type]);
        }
        expect(recordEventSize(r)).toBe(expected);
      }),
      fcOptions,
    );
  });
});

describe('recordEventSize over a sequence of records (R-METER-1)', () => {
  it('measures the names of each record, also when they change from one record to the next (property)', () => {
    // A few name strings, reused by identity as the row mapper does, so that records often share all their names.
    const name = fc.constantFrom('a', 'bb', 'é', 'ünï', 'm', 'vehicle');
    const record = fc.record({
      Dimensions: fc.array(
        fc.record({
          Name: name,
          Value: fc.constantFrom('x', 'ÿ'),
          DimensionValueType: fc.constant('VARCHAR' as const),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      MeasureName: name,
      MeasureValues: fc.option(
        fc.array(fc.record({ Name: name, Value: fc.constant('1'), Type: fc.constant('BIGINT' as const) }), {
          maxLength: 3,
        }),
        { nil: undefined },
      ),
      MeasureValueType: fc.constant('MULTI' as const),
      Time: fc.constant('1'),
      TimeUnit: fc.constant('SECONDS' as const),
      Version: fc.constant(1),
    });
    const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 12 }), (records) => {
        for (const r of records) {
          let expected = 8 + bytes(r.MeasureName);
          for (const d of r.Dimensions) expected += bytes(d.Name) + bytes(d.Value);
          for (const v of r.MeasureValues ?? []) expected += bytes(v.Name) + 8;
          const { MeasureValues, ...rest } = r;
          expect(recordEventSize(MeasureValues === undefined ? rest : r)).toBe(expected);
        }
      }),
      fcOptions,
    );
  });
});

describe('createMeter (R-METER-1)', () => {
  it('reproduces the DG-CLI examples: 2 ingested records meter 1024 bytes, 2 rejected ones 119', () => {
    // SUCCEEDED task (TargetMultiMeasureName mva_measure_name, all four attributes): 104 + 104 = 208 bytes in one
    // batch, rounded up to one 1 KiB unit = 1024.
    const ok = createMeter();
    const a = vehicle('mva_measure_name', 'truck_1', 'ABC-123', {
      weight: '1.5',
      speed: '2.5',
      fuel: '3.5',
      miles: '4',
    });
    const b = vehicle('mva_measure_name', 'truck_2', 'XYZ-987', {
      weight: '1.5',
      speed: '2.5',
      fuel: '3.5',
      miles: '4',
    });
    ok.ingested(recordEventSize(a));
    ok.ingested(recordEventSize(b));
    ok.endFile();
    expect(recordEventSize(a) + recordEventSize(b)).toBe(208);
    expect(ok.bytesMetered).toBe(1024);

    // FAILED task (TargetMultiMeasureName test): rejected records are metered unrounded. A record with all four
    // attributes would be at least 8 + 7+1 + 7+1 + 4 + 14+13+12+13 = 80 bytes, so the 119 bytes come from rows with
    // null attributes, e.g.
    //   truck_1 / ABC-123 / weight only:      8 + 14 + 14 + 4 + (6+8)          = 54
    //   truck_1 / ABC-123 / speed and fuel:   8 + 14 + 14 + 4 + (5+8) + (4+8)  = 65
    const failed = createMeter();
    const c = vehicle('test', 'truck_1', 'ABC-123', { weight: '1.5' });
    const d = vehicle('test', 'truck_1', 'ABC-123', { speed: '2.5', fuel: '3.5' });
    expect([recordEventSize(c), recordEventSize(d)]).toEqual([54, 65]);
    failed.failed(recordEventSize(c));
    failed.failed(recordEventSize(d));
    failed.endFile();
    expect(failed.bytesMetered).toBe(119);
  });

  it('rounds each batch of 100 ingested records up to 1 KiB units', () => {
    const meter = createMeter();
    for (let i = 0; i < 300; i++) meter.ingested(4); // 3 batches of 400 bytes, not one of 1200
    meter.endFile();
    expect(meter.bytesMetered).toBe(3 * 1024);
  });

  it('closes the batch at the 100th record: the 101st opens a new one', () => {
    const meter = createMeter();
    for (let i = 0; i < 100; i++) meter.ingested(10);
    expect(meter.bytesMetered).toBe(1024);
    meter.ingested(10);
    expect(meter.bytesMetered).toBe(2048);
  });

  it('never lets a batch span two files [choice]', () => {
    const meter = createMeter();
    meter.ingested(10);
    meter.endFile();
    meter.endFile(); // no open batch: adds nothing
    meter.ingested(10);
    meter.endFile();
    expect(meter.bytesMetered).toBe(2048);
  });

  it('meters failed records unrounded, without closing the open batch', () => {
    const meter = createMeter();
    for (let i = 0; i < 50; i++) meter.ingested(10);
    meter.failed(7);
    meter.failed(5);
    for (let i = 0; i < 50; i++) meter.ingested(10);
    meter.ingested(10); // 101st ingested record: second batch
    meter.endFile();
    expect(meter.bytesMetered).toBe(1024 + 12 + 1024);
  });

  it('starts at 0 and counts an open batch as if closed now', () => {
    const meter = createMeter();
    expect(meter.bytesMetered).toBe(0);
    meter.ingested(1500);
    expect(meter.bytesMetered).toBe(2048);
  });
});

describe('recordEventSizeAscii (R-METER-1, values of an ASCII text)', () => {
  it('equals recordEventSize for any record whose values are ASCII, names any text (property)', () => {
    const name = fc.oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }),
      fc.constantFrom('vehicle', 'é', 'ünï'),
    );
    const ascii = fc.string({
      maxLength: 16,
      unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
    });
    const type = fc.constantFrom<ScalarMeasureValueType>(
      'DOUBLE',
      'BIGINT',
      'BOOLEAN',
      'VARCHAR',
      'TIMESTAMP',
    );
    const dimensions = fc.array(
      fc.record({ Name: name, Value: ascii, DimensionValueType: fc.constant('VARCHAR' as const) }),
      { minLength: 1, maxLength: 5 },
    );
    const multi = fc.record({
      Dimensions: dimensions,
      MeasureName: name,
      MeasureValues: fc.array(fc.record({ Name: name, Value: ascii, Type: type }), { maxLength: 5 }),
      MeasureValueType: fc.constant('MULTI' as const),
      Time: fc.constant('1'),
      TimeUnit: fc.constant('SECONDS' as const),
      Version: fc.constant(1),
    });
    const scalar = fc.record({
      Dimensions: dimensions,
      MeasureName: name,
      MeasureValue: ascii,
      MeasureValueType: type,
      Time: fc.constant('1'),
      TimeUnit: fc.constant('SECONDS' as const),
      Version: fc.constant(1),
    });
    fc.assert(
      fc.property(fc.array(fc.oneof(multi, scalar), { minLength: 1, maxLength: 4 }), (records) => {
        for (const r of records as TimestreamRecord[])
          expect(recordEventSizeAscii(r)).toBe(recordEventSize(r));
      }),
      fcOptions,
    );
  });
});
