import { describe, expect, it } from 'vitest';
import { checkRecordLimits, recordEventSize } from '../../src/index.js';
import type { TimestreamDimension, TimestreamMeasureValue, TimestreamRecord } from '../../src/index.js';

const dim = (Name: string, Value: string): TimestreamDimension => ({
  Name,
  Value,
  DimensionValueType: 'VARCHAR',
});

function multi(dimensions: TimestreamDimension[], values: TimestreamMeasureValue[]): TimestreamRecord {
  return {
    Dimensions: dimensions,
    MeasureName: 'm',
    MeasureValues: values,
    MeasureValueType: 'MULTI',
    Time: '1',
    TimeUnit: 'SECONDS',
    Version: 1,
  };
}

function varchar(value: string): TimestreamRecord {
  return {
    Dimensions: [dim('d', 'v')],
    MeasureName: 'm',
    MeasureValue: value,
    MeasureValueType: 'VARCHAR',
    Time: '1',
    TimeUnit: 'SECONDS',
    Version: 1,
  };
}

const check = (record: TimestreamRecord) => checkRecordLimits(record, recordEventSize(record));

/** `bytes` UTF-8 bytes made of 2-byte characters (plus one ASCII character when odd). */
function utf8Text(bytes: number): string {
  return 'é'.repeat(Math.floor(bytes / 2)) + (bytes % 2 === 1 ? 'x' : '');
}

describe('checkRecordLimits (R-LIM-1)', () => {
  it('accepts an ordinary record', () => {
    expect(check(multi([dim('host', 'h1')], [{ Name: 'cpu', Value: '1', Type: 'DOUBLE' }]))).toBeNull();
  });

  // Issue 18: the quota is on the dimension name and value together ("Dimension name dimension value pair size
  // per series", ts-limits); an earlier version checked the value alone.
  it('accepts a dimension name and value of 2048 UTF-8 bytes together and refuses 2049', () => {
    const at = multi([dim('d', utf8Text(2047))], [{ Name: 'a', Value: '1', Type: 'BOOLEAN' }]);
    expect(Buffer.byteLength(at.Dimensions[0]!.Value)).toBe(2047);
    // 8 + 1 + 2047 + 1 + 1 + 1 = 2059 > 2048: the record size fails, not the pair.
    expect(check(at)?.code).toBe('LIMIT_RECORD_SIZE');
    const over = multi([dim('d', utf8Text(2048))], [{ Name: 'a', Value: '1', Type: 'BOOLEAN' }]);
    expect(check(over)).toEqual({
      kind: 'ingestion',
      code: 'LIMIT_DIMENSION_PAIR_SIZE',
      reason: 'A dimension name and value are larger than 2048 bytes together.',
      detail: 'Dimension "d" and its value are 2049 bytes together; at most 2048 are allowed',
    });
    const longName = multi(
      [dim('é'.repeat(30), 'x'.repeat(1989))],
      [{ Name: 'a', Value: '1', Type: 'BOOLEAN' }],
    );
    expect(check(longName)?.code).toBe('LIMIT_DIMENSION_PAIR_SIZE'); // 60 + 1989 = 2049
  });

  it('refuses a multi-measure record whose values are over 2048 bytes together, sized as metered (R-LIM-1) [choice]', () => {
    // Two VARCHARs of 1024 and 1025 bytes: each within 2048, 2049 together.
    const over = multi(
      [dim('d', 'v')],
      [
        { Name: 'a', Value: 'x'.repeat(1024), Type: 'VARCHAR' },
        { Name: 'b', Value: 'y'.repeat(1025), Type: 'VARCHAR' },
      ],
    );
    expect(check(over)).toEqual({
      kind: 'ingestion',
      code: 'LIMIT_MEASURE_VALUES_SIZE',
      reason: 'The measure values of the record are larger than 2048 bytes together.',
      detail: 'The 2 measure values are 2049 bytes together (R-METER-1 sizes); at most 2048 are allowed',
    });
    // At 2048 bytes of values the record is still over 2048 bytes of event size: the record size names it.
    const at = multi(
      [dim('d', 'v')],
      [
        { Name: 'a', Value: 'x'.repeat(1024), Type: 'VARCHAR' },
        { Name: 'b', Value: 'y'.repeat(1024), Type: 'VARCHAR' },
      ],
    );
    expect(check(at)?.code).toBe('LIMIT_RECORD_SIZE');
  });

  it('accepts a VARCHAR value of 2048 UTF-8 bytes and refuses one of 2049 (scalar and multi)', () => {
    expect(check(varchar(utf8Text(2048)))?.code).toBe('LIMIT_RECORD_SIZE');
    expect(check(varchar(utf8Text(2049)))).toMatchObject({
      kind: 'ingestion',
      code: 'LIMIT_VARCHAR_SIZE',
      reason: 'A VARCHAR measure value is larger than 2048 bytes.',
    });
    const inMulti = multi([dim('d', 'v')], [{ Name: 'note', Value: `${'€'.repeat(683)}`, Type: 'VARCHAR' }]);
    expect(Buffer.byteLength(inMulti.MeasureValues![0]!.Value)).toBe(2049);
    expect(check(inMulti)).toMatchObject({ code: 'LIMIT_VARCHAR_SIZE' });
    expect(check(inMulti)?.detail).toContain('"note" has 2049 bytes');
  });

  it('accepts a record of 2048 bytes of event size and refuses one of 2049 (R-METER-1 size) [choice]', () => {
    // 8 + d(1) + v(1) + m(1) + VARCHAR value
    const at = varchar('x'.repeat(2048 - 11));
    expect(recordEventSize(at)).toBe(2048);
    expect(check(at)).toBeNull();
    const over = varchar('x'.repeat(2048 - 10));
    expect(recordEventSize(over)).toBe(2049);
    expect(check(over)).toEqual({
      kind: 'ingestion',
      code: 'LIMIT_RECORD_SIZE',
      reason: 'The record is larger than 2048 bytes.',
      detail: "The record's event size is 2049 bytes (R-METER-1); at most 2048 are allowed",
    });
    // Multi-byte: 2037 bytes of VARCHAR from 2-byte characters plus one ASCII.
    const utf8 = varchar(utf8Text(2037));
    expect(recordEventSize(utf8)).toBe(2048);
    expect(check(utf8)).toBeNull();
  });

  it('accepts 128 dimensions and refuses 129', () => {
    const dims = (n: number) => Array.from({ length: n }, (_, i) => dim(`d${i}`, 'v'));
    expect(check(multi(dims(128), [{ Name: 'a', Value: '1', Type: 'BIGINT' }]))).toBeNull();
    expect(check(multi(dims(129), [{ Name: 'a', Value: '1', Type: 'BIGINT' }]))).toMatchObject({
      kind: 'ingestion',
      code: 'LIMIT_DIMENSION_COUNT',
      reason: 'The record has more than 128 dimensions.',
    });
  });

  it('accepts 256 measure values and refuses 257', () => {
    const values = (n: number): TimestreamMeasureValue[] =>
      Array.from({ length: n }, (_, i) => ({ Name: `a${i}`, Value: 'true', Type: 'BOOLEAN' }));
    // Event size: 8 + 2 + 1 + sum(name + 1): over 2048 for 256 values, so check counts with the record size aside.
    expect(checkRecordLimits(multi([dim('d', 'v')], values(256)), 100)).toBeNull();
    expect(checkRecordLimits(multi([dim('d', 'v')], values(257)), 100)).toMatchObject({
      kind: 'ingestion',
      code: 'LIMIT_MEASURE_COUNT',
      reason: 'The record has more than 256 measure values.',
    });
  });
});
