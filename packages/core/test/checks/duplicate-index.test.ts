import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDuplicateIndex } from '../../src/index.js';
import { PointTable } from '../../src/checks/point-table.js';
import type {
  ScalarMeasureValueType,
  TimestreamMeasureValue,
  TimestreamRecord,
  TimeUnit,
} from '../../src/index.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

const REASON =
  'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value.';

interface Spec {
  dims?: Array<[string, string]>;
  name?: string;
  time?: string;
  unit?: TimeUnit;
  version?: number;
}

function scalar(value: string, type: ScalarMeasureValueType = 'DOUBLE', spec: Spec = {}): TimestreamRecord {
  return {
    Dimensions: (
      spec.dims ?? [
        ['host', 'h1'],
        ['region', 'eu'],
      ]
    ).map(([Name, Value]) => ({
      Name,
      Value,
      DimensionValueType: 'VARCHAR' as const,
    })),
    MeasureName: spec.name ?? 'cpu',
    MeasureValue: value,
    MeasureValueType: type,
    Time: spec.time ?? '1000',
    TimeUnit: spec.unit ?? 'MILLISECONDS',
    Version: spec.version ?? 1,
  };
}

function multi(values: TimestreamMeasureValue[], spec: Spec = {}): TimestreamRecord {
  const { MeasureValue: _, ...rest } = scalar('', 'DOUBLE', spec);
  return { ...rest, MeasureValues: values, MeasureValueType: 'MULTI' };
}

describe('createDuplicateIndex (R-DUP-1)', () => {
  it('accepts a new point and refuses a later one with other values and the same version', () => {
    const index = createDuplicateIndex();
    const first = scalar('1.5');
    expect(index.check(first)).toBeNull();
    index.add(first);
    expect(index.size).toBe(1);
    const failure = index.check(scalar('2.5'));
    expect(failure).toMatchObject({ kind: 'ingestion', code: 'RECORD_VERSION_CONFLICT', reason: REASON });
    expect(failure?.detail).toContain('already has version 1');
  });

  it('accepts identical values with the same version (idempotent)', () => {
    const index = createDuplicateIndex();
    index.add(scalar('1.5'));
    expect(index.check(scalar('1.5'))).toBeNull();
    index.add(scalar('1.5'));
    expect(index.size).toBe(1);
  });

  it('accepts a higher version and then holds its values', () => {
    const index = createDuplicateIndex();
    index.add(scalar('1.5'));
    const newer = scalar('2.5', 'DOUBLE', { version: 2 });
    expect(index.check(newer)).toBeNull();
    index.add(newer);
    expect(index.check(scalar('2.5', 'DOUBLE', { version: 2 }))).toBeNull();
    expect(index.check(scalar('1.5', 'DOUBLE', { version: 2 }))?.code).toBe('RECORD_VERSION_CONFLICT');
    expect(index.check(scalar('3.5', 'DOUBLE', { version: 1 }))?.code).toBe('RECORD_VERSION_CONFLICT');
    expect(index.check(scalar('3.5', 'DOUBLE', { version: 3 }))).toBeNull();
  });

  it('refuses other values with a lower version', () => {
    const index = createDuplicateIndex();
    index.add(scalar('1.5', 'DOUBLE', { version: 5 }));
    expect(index.check(scalar('2.5', 'DOUBLE', { version: 4 }))?.detail).toContain(
      'this record has version 4',
    );
    expect(index.check(scalar('1.5', 'DOUBLE', { version: 4 }))).toBeNull();
  });

  it('treats dimensions as a set: their order does not matter', () => {
    const index = createDuplicateIndex();
    index.add(
      scalar('1', 'DOUBLE', {
        dims: [
          ['host', 'h1'],
          ['region', 'eu'],
        ],
      }),
    );
    expect(
      index.check(
        scalar('2', 'DOUBLE', {
          dims: [
            ['region', 'eu'],
            ['host', 'h1'],
          ],
        }),
      )?.code,
    ).toBe('RECORD_VERSION_CONFLICT');
  });

  it('tells points apart by dimension values, dimension names, measure name and time', () => {
    const index = createDuplicateIndex();
    index.add(scalar('1'));
    expect(
      index.check(
        scalar('2', 'DOUBLE', {
          dims: [
            ['host', 'h2'],
            ['region', 'eu'],
          ],
        }),
      ),
    ).toBeNull();
    expect(index.check(scalar('2', 'DOUBLE', { dims: [['host', 'h1']] }))).toBeNull();
    expect(
      index.check(
        scalar('2', 'DOUBLE', {
          dims: [
            ['hostname', 'h1'],
            ['region', 'eu'],
          ],
        }),
      ),
    ).toBeNull();
    expect(index.check(scalar('2', 'DOUBLE', { name: 'mem' }))).toBeNull();
    expect(index.check(scalar('2', 'DOUBLE', { time: '1001' }))).toBeNull();
  });

  it('does not confuse values that only differ where separators would be [choice: length-prefixed keys]', () => {
    const index = createDuplicateIndex();
    index.add(
      scalar('1', 'DOUBLE', {
        dims: [
          ['a', 'x|1:y'],
          ['b', 'z'],
        ],
      }),
    );
    expect(
      index.check(
        scalar('2', 'DOUBLE', {
          dims: [
            ['a', 'x'],
            ['b', '1:y|z'],
          ],
        }),
      ),
    ).toBeNull();
    // A measure name and a dimension name must not trade places either.
    index.add(scalar('1', 'DOUBLE', { name: 'a', dims: [['b', 'v']] }));
    expect(index.check(scalar('2', 'DOUBLE', { name: 'b', dims: [['a', 'v']] }))).toBeNull();
  });

  it('compares times as instants: leading zeros and units do not matter [choice]', () => {
    const index = createDuplicateIndex();
    index.add(scalar('1', 'DOUBLE', { time: '12', unit: 'SECONDS' }));
    expect(index.check(scalar('2', 'DOUBLE', { time: '0012', unit: 'SECONDS' }))?.code).toBe(
      'RECORD_VERSION_CONFLICT',
    );
    expect(index.check(scalar('2', 'DOUBLE', { time: '12000', unit: 'MILLISECONDS' }))?.code).toBe(
      'RECORD_VERSION_CONFLICT',
    );
    expect(index.check(scalar('2', 'DOUBLE', { time: '12000000001', unit: 'NANOSECONDS' }))).toBeNull();
    index.add(scalar('1', 'DOUBLE', { time: '0', unit: 'SECONDS' }));
    expect(index.check(scalar('2', 'DOUBLE', { time: '000', unit: 'NANOSECONDS' }))?.code).toBe(
      'RECORD_VERSION_CONFLICT',
    );
  });

  it('compares values by type: DOUBLE and BIGINT numerically, BOOLEAN in any case, VARCHAR exactly [choice]', () => {
    const index = createDuplicateIndex();
    index.add(scalar('1.0', 'DOUBLE', { name: 'd' }));
    expect(index.check(scalar('1', 'DOUBLE', { name: 'd' }))).toBeNull();
    expect(index.check(scalar('1e0', 'DOUBLE', { name: 'd' }))).toBeNull();
    expect(index.check(scalar('1.0000001', 'DOUBLE', { name: 'd' }))?.code).toBe('RECORD_VERSION_CONFLICT');
    index.add(scalar('+007', 'BIGINT', { name: 'b' }));
    expect(index.check(scalar('7', 'BIGINT', { name: 'b' }))).toBeNull();
    expect(index.check(scalar('8', 'BIGINT', { name: 'b' }))?.code).toBe('RECORD_VERSION_CONFLICT');
    index.add(scalar('TRUE', 'BOOLEAN', { name: 'o' }));
    expect(index.check(scalar('true', 'BOOLEAN', { name: 'o' }))).toBeNull();
    index.add(scalar('Ok', 'VARCHAR', { name: 'v' }));
    expect(index.check(scalar('ok', 'VARCHAR', { name: 'v' }))?.code).toBe('RECORD_VERSION_CONFLICT');
    // Same text, other type: other values.
    expect(index.check(scalar('1.0', 'VARCHAR', { name: 'd' }))?.code).toBe('RECORD_VERSION_CONFLICT');
  });

  it('compares multi-measure values as a set of name/type/value', () => {
    const index = createDuplicateIndex();
    index.add(
      multi([
        { Name: 'speed', Value: '2.5', Type: 'DOUBLE' },
        { Name: 'miles', Value: '4', Type: 'BIGINT' },
        { Name: 'at', Value: '5', Type: 'TIMESTAMP' },
      ]),
    );
    const reordered = multi([
      { Name: 'at', Value: '005', Type: 'TIMESTAMP' },
      { Name: 'miles', Value: '4', Type: 'BIGINT' },
      { Name: 'speed', Value: '2.50', Type: 'DOUBLE' },
    ]);
    expect(index.check(reordered)).toBeNull();
    const fewer = multi([
      { Name: 'speed', Value: '2.5', Type: 'DOUBLE' },
      { Name: 'miles', Value: '4', Type: 'BIGINT' },
    ]);
    expect(index.check(fewer)?.code).toBe('RECORD_VERSION_CONFLICT');
    const otherType = multi([
      { Name: 'speed', Value: '2.5', Type: 'DOUBLE' },
      { Name: 'miles', Value: '4', Type: 'DOUBLE' },
      { Name: 'at', Value: '5', Type: 'TIMESTAMP' },
    ]);
    expect(index.check(otherType)?.code).toBe('RECORD_VERSION_CONFLICT');
    const otherValue = multi([
      { Name: 'speed', Value: '2.5', Type: 'DOUBLE' },
      { Name: 'miles', Value: '5', Type: 'BIGINT' },
      { Name: 'at', Value: '5', Type: 'TIMESTAMP' },
    ]);
    expect(index.check(otherValue)?.code).toBe('RECORD_VERSION_CONFLICT');
    expect(index.check(scalar('2.5'))?.code).toBe('RECORD_VERSION_CONFLICT');
  });

  // These two pinned the partial mode (untracked points past the bound, name lists no longer interned) that
  // R-DUP-1 now forbids: the table says it is full (the load then spills, load-duplicates.test.ts) and stays exact.
  it('says it is full at its budget and still decides exactly on what it holds (R-DUP-1)', () => {
    const index = new PointTable(2);
    index.add(scalar('1', 'DOUBLE', { time: '1' }));
    expect(index.full).toBe(false);
    index.add(scalar('1', 'DOUBLE', { time: '2' }));
    expect(index.full).toBe(true);
    index.add(scalar('1', 'DOUBLE', { time: '3' }));
    expect(index.size).toBe(3);
    expect(index.check(scalar('9', 'DOUBLE', { time: '3' }))?.code).toBe('RECORD_VERSION_CONFLICT');
    expect(index.check(scalar('9', 'DOUBLE', { time: '1' }))?.code).toBe('RECORD_VERSION_CONFLICT');
    index.add(scalar('9', 'DOUBLE', { time: '1', version: 2 }));
    expect(index.check(scalar('9', 'DOUBLE', { time: '1', version: 2 }))).toBeNull();
  });

  it('gives a lower version with other values the "lower than the existing version" reason (R-DUP-1)', () => {
    const index = createDuplicateIndex();
    index.add(scalar('1', 'DOUBLE', { version: 3 }));
    expect(index.check(scalar('2', 'DOUBLE', { version: 2 }))).toMatchObject({
      code: 'RECORD_VERSION_CONFLICT',
      reason:
        'The record version 2 is lower than the existing version 3. A higher version is required to update the measure value.',
    });
    expect(index.check(scalar('2', 'DOUBLE', { version: 3 }))?.reason).toBe(REASON);
    // Identical values are idempotent at any version, a higher version updates.
    expect(index.check(scalar('1', 'DOUBLE', { version: 1 }))).toBeNull();
    expect(index.check(scalar('2', 'DOUBLE', { version: 4 }))).toBeNull();
  });

  // Once "whatever the bound" of the partial mode; the bound is now load-duplicates.test.ts's (any budget, same result).
  it('never reports a conflict for identical records (property)', () => {
    // A small key space so that points repeat; the value is a function of the point, so repeats are identical.
    const record = fc.record({
      dims: fc
        .uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('x', 'y')), {
          minLength: 1,
          maxLength: 3,
          selector: ([name]) => name,
        })
        .chain((dims) => fc.shuffledSubarray(dims, { minLength: dims.length, maxLength: dims.length })),
      name: fc.constantFrom('m1', 'm2'),
      time: fc.integer({ min: 0, max: 3 }).map((n) => '0'.repeat(n % 2) + String(n)),
      version: fc.integer({ min: 1, max: 3 }),
    });
    const valueOf = (spec: { dims: Array<[string, string]>; name: string; time: string }): string =>
      String(
        [...spec.dims]
          .sort()
          .map(([n, v]) => n + v)
          .join('').length +
          Number(spec.time) * 10 +
          (spec.name === 'm1' ? 100 : 200),
      );
    fc.assert(
      fc.property(fc.array(record, { maxLength: 80 }), (specs) => {
        const index = createDuplicateIndex();
        for (const spec of specs) {
          const r = scalar(valueOf(spec), 'DOUBLE', spec);
          expect(index.check(r)).toBeNull();
          index.add(r);
          expect(index.check(scalar(valueOf(spec), 'DOUBLE', spec))).toBeNull();
        }
      }),
      fcOptions,
    );
  });

  it('agrees with a naive unbounded model of R-DUP-1 while under the bound (property)', () => {
    const record = fc.record({
      dims: fc
        .uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.constantFrom('x', 'y')), {
          minLength: 1,
          maxLength: 4,
          selector: ([name]) => name,
        })
        .chain((dims) => fc.shuffledSubarray(dims, { minLength: dims.length, maxLength: dims.length })),
      name: fc.constantFrom('m1', 'm2'),
      time: fc.constantFrom('1', '01', '2'),
      version: fc.integer({ min: 1, max: 3 }),
      value: fc.constantFrom('1', '1.0', '2'),
    });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 120 }), (specs) => {
        const index = createDuplicateIndex();
        const model = new Map<string, { version: number; value: number }>();
        for (const spec of specs) {
          const key = JSON.stringify([[...spec.dims].sort(), spec.name, Number(spec.time)]);
          const stored = model.get(key);
          const conflict =
            stored !== undefined && spec.version <= stored.version && Number(spec.value) !== stored.value;
          const r = scalar(spec.value, 'DOUBLE', spec);
          expect(index.check(r)?.code ?? null).toBe(conflict ? 'RECORD_VERSION_CONFLICT' : null);
          if (!conflict) {
            index.add(r);
            if (stored === undefined || spec.version > stored.version) {
              model.set(key, { version: spec.version, value: Number(spec.value) });
            }
          }
        }
        expect(index.size).toBe(model.size);
      }),
      fcOptions,
    );
  });

  it('never decides on a hash: with every key hashing alike, points stay apart and repeats are found', () => {
    const index = new PointTable(1_000_000, 0); // every hash is 0
    index.add(scalar('1', 'DOUBLE', { name: 'a' }));
    expect(index.check(scalar('2', 'DOUBLE', { name: 'b' }))).toBeNull();
    index.add(scalar('2', 'DOUBLE', { name: 'b' }));
    expect(index.size).toBe(2);
    expect(index.check(scalar('3', 'DOUBLE', { name: 'a' }))?.code).toBe('RECORD_VERSION_CONFLICT');
    expect(index.check(scalar('3', 'DOUBLE', { name: 'b' }))?.code).toBe('RECORD_VERSION_CONFLICT');
    expect(index.check(scalar('1', 'DOUBLE', { name: 'a' }))).toBeNull();
    expect(index.check(scalar('2', 'DOUBLE', { name: 'b' }))).toBeNull();
  });

  it('agrees with a naive model of R-DUP-1 when every key hashes alike (property)', () => {
    const record = fc.record({
      dims: fc.constantFrom<Array<[string, string]>>([['a', 'x']], [['a', 'y']], [['b', 'x']]),
      name: fc.constantFrom('m1', 'm2'),
      time: fc.constantFrom('1', '01', '2'),
      version: fc.integer({ min: 1, max: 2 }),
      value: fc.constantFrom('1', '1.0', '2'),
    });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 60 }), (specs) => {
        const index = new PointTable(1_000_000, 0);
        const model = new Map<string, { version: number; value: number }>();
        for (const spec of specs) {
          const key = JSON.stringify([spec.dims, spec.name, Number(spec.time)]);
          const stored = model.get(key);
          const conflict =
            stored !== undefined && spec.version <= stored.version && Number(spec.value) !== stored.value;
          const r = scalar(spec.value, 'DOUBLE', spec);
          expect(index.check(r)?.code ?? null).toBe(conflict ? 'RECORD_VERSION_CONFLICT' : null);
          if (!conflict) {
            index.add(r);
            if (stored === undefined || spec.version > stored.version) {
              model.set(key, { version: spec.version, value: Number(spec.value) });
            }
          }
        }
        expect(index.size).toBe(model.size);
      }),
      fcOptions,
    );
  });

  it('grows past its initial capacity and keeps every point', () => {
    const index = createDuplicateIndex();
    for (let i = 0; i < 5000; i++)
      index.add(scalar(String(i), 'DOUBLE', { time: String(i), dims: [['host', `h${i % 7}`]] }));
    expect(index.size).toBe(5000);
    for (let i = 0; i < 5000; i += 499) {
      expect(
        index.check(scalar(String(i), 'DOUBLE', { time: String(i), dims: [['host', `h${i % 7}`]] })),
      ).toBeNull();
      expect(
        index.check(scalar('x', 'DOUBLE', { time: String(i), dims: [['host', `h${i % 7}`]] }))?.code,
      ).toBe('RECORD_VERSION_CONFLICT');
    }
  });

  it('stores values longer than the old ones when a higher version updates a point', () => {
    const index = createDuplicateIndex();
    index.add(scalar('1', 'VARCHAR'));
    index.add(scalar('a much longer value than before', 'VARCHAR', { version: 2 }));
    index.add(scalar('x', 'VARCHAR', { time: '2' }));
    expect(index.check(scalar('a much longer value than before', 'VARCHAR', { version: 2 }))).toBeNull();
    expect(index.check(scalar('1', 'VARCHAR', { version: 2 }))?.code).toBe('RECORD_VERSION_CONFLICT');
    expect(index.check(scalar('x', 'VARCHAR', { time: '2' }))).toBeNull();
  });

  it('keeps values with any characters apart, including the escape byte and astral characters', () => {
    const index = createDuplicateIndex();
    index.add(scalar('\u00ff\u0100', 'VARCHAR'));
    expect(index.check(scalar('\u00ff\u0100', 'VARCHAR'))).toBeNull();
    expect(index.check(scalar('\u0100\u00ff', 'VARCHAR'))?.code).toBe('RECORD_VERSION_CONFLICT');
    index.add(scalar('👋', 'VARCHAR', { dims: [['e', '\u00ff']] }));
    expect(index.check(scalar('👋', 'VARCHAR', { dims: [['e', '\u00ff']] }))).toBeNull();
    expect(index.check(scalar('🖐', 'VARCHAR', { dims: [['e', '\u00ff']] }))?.code).toBe(
      'RECORD_VERSION_CONFLICT',
    );
  });
});
