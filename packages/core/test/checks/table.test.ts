import { describe, expect, it } from 'vitest';
import { parseTableDescription } from '../../src/index.js';

/** As `aws timestream-write describe-table` prints it. */
const DESCRIBE_TABLE = {
  Table: {
    Arn: 'arn:aws:timestream:us-east-1:123456789012:database/BatchLoad/table/BatchLoadTest',
    TableName: 'BatchLoadTest',
    DatabaseName: 'BatchLoad',
    TableStatus: 'ACTIVE',
    RetentionProperties: { MemoryStoreRetentionPeriodInHours: 12, MagneticStoreRetentionPeriodInDays: 100 },
    CreationTime: '2023-01-05T15:12:00.000000-08:00',
    LastUpdatedTime: '2023-01-05T15:12:00.000000-08:00',
    MagneticStoreWriteProperties: { EnableMagneticStoreWrites: true },
  },
};

describe('parseTableDescription (R-IN-4)', () => {
  it('reads retention, magnetic writes and names from a describe-table response', () => {
    expect(parseTableDescription(DESCRIBE_TABLE)).toEqual({
      ok: true,
      retention: {
        memoryStoreRetentionPeriodInHours: 12,
        magneticStoreRetentionPeriodInDays: 100,
        enableMagneticStoreWrites: true,
      },
      name: 'BatchLoadTest',
      database: 'BatchLoad',
    });
  });

  it('accepts a bare Table object', () => {
    expect(parseTableDescription(DESCRIBE_TABLE.Table)).toEqual(parseTableDescription(DESCRIBE_TABLE));
  });

  it('defaults magnetic store writes to false', () => {
    const { MagneticStoreWriteProperties: _, ...table } = DESCRIBE_TABLE.Table;
    expect(parseTableDescription({ Table: table })).toMatchObject({
      ok: true,
      retention: { enableMagneticStoreWrites: false },
    });
    expect(parseTableDescription({ ...table, MagneticStoreWriteProperties: {} })).toMatchObject({
      ok: true,
      retention: { enableMagneticStoreWrites: false },
    });
  });

  it('leaves names out when the description has none', () => {
    const result = parseTableDescription({ RetentionProperties: DESCRIBE_TABLE.Table.RetentionProperties });
    expect(result).toEqual({
      ok: true,
      retention: {
        memoryStoreRetentionPeriodInHours: 12,
        magneticStoreRetentionPeriodInDays: 100,
        enableMagneticStoreWrites: false,
      },
    });
  });

  it('accepts the bounds of both retentions and refuses values past them', () => {
    const with_ = (hours: number, days: number) =>
      parseTableDescription({
        RetentionProperties: {
          MemoryStoreRetentionPeriodInHours: hours,
          MagneticStoreRetentionPeriodInDays: days,
        },
      });
    expect(with_(1, 1).ok).toBe(true);
    expect(with_(8766, 73000).ok).toBe(true);
    expect(with_(0, 1)).toEqual({
      ok: false,
      message:
        'Table description: /RetentionProperties/MemoryStoreRetentionPeriodInHours is 0; it must be between 1 and 8766',
    });
    expect(with_(8767, 1).ok).toBe(false);
    expect(with_(1, 73001)).toEqual({
      ok: false,
      message:
        'Table description: /RetentionProperties/MagneticStoreRetentionPeriodInDays is 73001; it must be between 1 and 73000',
    });
  });

  it('names the JSON path of a missing or mistyped member', () => {
    expect(parseTableDescription({ Table: { TableName: 't' } })).toEqual({
      ok: false,
      message: 'Table description: /Table/RetentionProperties is missing',
    });
    expect(
      parseTableDescription({ Table: { RetentionProperties: { MemoryStoreRetentionPeriodInHours: 6 } } }),
    ).toEqual({
      ok: false,
      message: 'Table description: /Table/RetentionProperties/MagneticStoreRetentionPeriodInDays is missing',
    });
    expect(
      parseTableDescription({
        Table: {
          RetentionProperties: {
            MemoryStoreRetentionPeriodInHours: '6',
            MagneticStoreRetentionPeriodInDays: 1,
          },
        },
      }),
    ).toEqual({
      ok: false,
      message:
        'Table description: expected an integer at /Table/RetentionProperties/MemoryStoreRetentionPeriodInHours, found the string "6"',
    });
    expect(
      parseTableDescription({
        RetentionProperties: {
          MemoryStoreRetentionPeriodInHours: 6.5,
          MagneticStoreRetentionPeriodInDays: 1,
        },
      }),
    ).toMatchObject({ ok: false, message: expect.stringContaining('expected an integer') });
    expect(
      parseTableDescription({
        ...DESCRIBE_TABLE.Table,
        MagneticStoreWriteProperties: { EnableMagneticStoreWrites: 'true' },
      }),
    ).toEqual({
      ok: false,
      message:
        'Table description: expected true or false at /MagneticStoreWriteProperties/EnableMagneticStoreWrites, found the string "true"',
    });
    expect(parseTableDescription({ Table: [] })).toEqual({
      ok: false,
      message: 'Table description: expected an object at /Table, found an array',
    });
    expect(parseTableDescription({ RetentionProperties: null })).toEqual({
      ok: false,
      message: 'Table description: expected an object at /RetentionProperties, found null',
    });
  });

  it('refuses JSON that is not an object', () => {
    expect(parseTableDescription('table')).toEqual({
      ok: false,
      message: 'Table description: expected a JSON object at /, found the string "table"',
    });
    expect(parseTableDescription(42)).toMatchObject({ ok: false });
  });
});
