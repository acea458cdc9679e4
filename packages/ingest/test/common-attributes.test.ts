import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TimestreamRecord } from '@tsbatch/core';
import {
  encodedRecords,
  encodeWriteRecords,
  writeRecordsBody,
  writeRecordsRequestText,
  type SentRecord,
  type WriteRecordsBody,
} from '../src/index.js';

const seed = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

/** The service's merge (API_WriteRecords: CommonAttributes' dimensions first, the record's own values win). */
function merged(body: WriteRecordsBody): SentRecord[] {
  const common = body.CommonAttributes ?? {};
  return body.Records.map((r) => {
    const out: SentRecord = { ...common, ...r };
    const dims = [...(common.Dimensions ?? []), ...(r.Dimensions ?? [])];
    if (dims.length > 0) out.Dimensions = dims;
    return out;
  });
}

const small = (values: string[]): fc.Arbitrary<string> => fc.constantFrom(...values);
const dimension = fc.record({
  Name: small(['host', 'region', 'az']),
  Value: small(['a', 'b']),
  DimensionValueType: fc.constant('VARCHAR' as const),
});
const record: fc.Arbitrary<TimestreamRecord> = fc
  .record({
    Dimensions: fc.uniqueArray(dimension, { minLength: 1, maxLength: 3, selector: (d) => d.Name }),
    MeasureName: small(['cpu', 'mem']),
    MeasureValue: small(['1', '2.5']),
    MeasureValueType: small(['DOUBLE', 'BIGINT']) as fc.Arbitrary<'DOUBLE' | 'BIGINT'>,
    Time: small(['1714521600', '1714521601']),
    TimeUnit: small(['SECONDS', 'MILLISECONDS']) as fc.Arbitrary<'SECONDS' | 'MILLISECONDS'>,
    Version: fc.constantFrom(1, 2),
  })
  .map((r) => r as TimestreamRecord);

function rec(dims: [string, string][], extra: Partial<TimestreamRecord> = {}): TimestreamRecord {
  return {
    Dimensions: dims.map(([Name, Value]) => ({ Name, Value, DimensionValueType: 'VARCHAR' })),
    MeasureName: 'cpu',
    MeasureValue: '1',
    MeasureValueType: 'DOUBLE',
    Time: '1714521600',
    TimeUnit: 'SECONDS',
    Version: 1,
    ...extra,
  };
}

describe('writeRecordsBody (R-ING-1)', () => {
  it('gives back exactly the records, dimension order included, once the service merges CommonAttributes', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 100 }), (records) => {
        expect(merged(writeRecordsBody(records))).toEqual(records);
      }),
      { numRuns: 300, ...seed },
    );
  });

  it('moves the measure name, type, unit, version, time and a leading run of equal dimensions into CommonAttributes', () => {
    const body = writeRecordsBody([
      rec(
        [
          ['region', 'eu'],
          ['host', 'a'],
        ],
        { MeasureValue: '1' },
      ),
      rec(
        [
          ['region', 'eu'],
          ['host', 'b'],
        ],
        { MeasureValue: '2' },
      ),
    ]);
    expect(body.CommonAttributes).toEqual({
      Dimensions: [{ Name: 'region', Value: 'eu', DimensionValueType: 'VARCHAR' }],
      MeasureName: 'cpu',
      MeasureValueType: 'DOUBLE',
      TimeUnit: 'SECONDS',
      Version: 1,
      Time: '1714521600',
    });
    expect(body.Records).toEqual([
      { Dimensions: [{ Name: 'host', Value: 'a', DimensionValueType: 'VARCHAR' }], MeasureValue: '1' },
      { Dimensions: [{ Name: 'host', Value: 'b', DimensionValueType: 'VARCHAR' }], MeasureValue: '2' },
    ]);
  });

  it('keeps a shared dimension that does not lead every list in the records, so the merged order is unchanged', () => {
    const body = writeRecordsBody([
      rec([
        ['host', 'a'],
        ['region', 'eu'],
      ]),
      rec([
        ['host', 'b'],
        ['region', 'eu'],
      ]),
    ]);
    expect(body.CommonAttributes?.Dimensions).toBeUndefined();
    expect(body.Records.map((r) => r.Dimensions?.length)).toEqual([2, 2]);
  });

  it('sends a batch of one record as it is, with no CommonAttributes', () => {
    const only = rec([['host', 'a']]);
    expect(writeRecordsBody([only])).toEqual({ Records: [only] });
  });
});

/** A request text parsed back, with the API's default DimensionValueType (VARCHAR) filled in where it was left out. */
function parsedRequest(text: string): WriteRecordsBody & { DatabaseName: string; TableName: string } {
  return JSON.parse(text, (key, value: unknown) =>
    key === 'Dimensions' && Array.isArray(value)
      ? value.map((d: object) => ({ DimensionValueType: 'VARCHAR', ...d }))
      : value,
  ) as WriteRecordsBody & { DatabaseName: string; TableName: string };
}

describe('encodeWriteRecords (R-ING-1)', () => {
  it('makes the very request of writeRecordsBody as JSON text, for any batch and any run of it', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 100 }), fc.nat(), fc.nat(), (records, a, b) => {
        const batch = encodeWriteRecords(records);
        const whole = parsedRequest(writeRecordsRequestText('db', 't"b', batch.common, batch.records));
        expect(whole).toEqual({ DatabaseName: 'db', TableName: 't"b', ...writeRecordsBody(records) });
        // R-ING-2: a part of a refused call, sent with the batch's CommonAttributes, merges to the same records.
        const from = a % records.length;
        const to = from + 1 + (b % (records.length - from));
        const part = parsedRequest(
          writeRecordsRequestText('db', 'tb', batch.common, encodedRecords(batch, from, to)),
        );
        expect(merged(part)).toEqual(records.slice(from, to));
      }),
      { numRuns: 300, ...seed },
    );
  });

  it('escapes any text in names and values, and leaves out DimensionValueType VARCHAR (the default) to send fewer bytes', () => {
    const odd = rec([['host', 'a"b\\c\n\u0000é\ud800']], { MeasureName: 'cpu "x"', MeasureValue: '\t1' });
    const batch = encodeWriteRecords([odd]);
    expect(batch.records).not.toContain('DimensionValueType');
    expect(parsedRequest(writeRecordsRequestText('db', 'tb', batch.common, batch.records)).Records).toEqual([
      odd,
    ]);
    const plain = JSON.stringify(writeRecordsBody([odd]).Records[0]);
    expect(batch.records.length).toBe(plain.length - ',"DimensionValueType":"VARCHAR"'.length);
  });
});
