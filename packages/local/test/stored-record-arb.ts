/** Any stored record (every value type and time unit, any text, versions over the whole 64-bit range), for properties. */
import fc from 'fast-check';
import type { StoredRecord } from '../src/index.js';

const UNIT_MAX: Record<StoredRecord['TimeUnit'], bigint> = {
  SECONDS: (2n ** 63n - 1n) / 1_000_000_000n,
  MILLISECONDS: (2n ** 63n - 1n) / 1_000_000n,
  MICROSECONDS: (2n ** 63n - 1n) / 1_000n,
  NANOSECONDS: 2n ** 63n - 1n,
};
const text = fc.string({ unit: 'binary', maxLength: 12 });
const unit = fc.constantFrom<StoredRecord['TimeUnit']>(
  'SECONDS',
  'MILLISECONDS',
  'MICROSECONDS',
  'NANOSECONDS',
);
const digits = (max: bigint): fc.Arbitrary<string> =>
  fc
    .tuple(fc.bigInt(0n, max), fc.nat(2))
    .map(([n, zeros]) => `${'0'.repeat(zeros)}${n}`.slice(0, Math.max(String(n).length, 1) + zeros));
const double = fc
  .tuple(
    fc.constantFrom('', '+', '-'),
    fc.stringMatching(/^\d{0,20}$/),
    fc.option(fc.stringMatching(/^\d{0,12}$/), { nil: undefined }),
    fc.option(fc.integer({ min: -300, max: 300 }), { nil: undefined }),
  )
  .filter(([, int, frac]) => int !== '' || (frac ?? '') !== '')
  .map(
    ([sign, int, frac, exp]) =>
      `${sign}${int}${frac === undefined ? '' : `.${frac}`}${exp === undefined ? '' : `e${exp}`}`,
  );

function value(type: string, u: StoredRecord['TimeUnit']): fc.Arbitrary<string> {
  switch (type) {
    case 'DOUBLE':
      return double;
    case 'BIGINT':
      return fc
        .oneof(fc.bigInt(-(2n ** 31n), 2n ** 31n), fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n))
        .map(String);
    case 'BOOLEAN':
      return fc.constantFrom('true', 'false', 'TRUE', 'False');
    case 'TIMESTAMP':
      return digits(UNIT_MAX[u]);
    default:
      return text;
  }
}

export const storedRecord: fc.Arbitrary<StoredRecord> = unit.chain((u) =>
  fc
    .record({
      Dimensions: fc.array(
        fc.record({ Name: text, Value: text, DimensionValueType: fc.constant('VARCHAR' as const) }),
        { minLength: 1, maxLength: 4 },
      ),
      MeasureName: text,
      Time: digits(UNIT_MAX[u]),
      TimeUnit: fc.constant(u),
      // Small, safe and full-range versions: the writers have a path without BigInt for the first two.
      Version: fc.oneof(fc.bigInt(1n, 2n ** 31n), fc.bigInt(1n, 2n ** 53n), fc.bigInt(1n, 2n ** 63n - 1n)),
      measure: fc.oneof(
        fc
          .constantFrom('DOUBLE', 'BIGINT', 'BOOLEAN', 'VARCHAR')
          .chain((t) => value(t, u).map((v) => ({ MeasureValueType: t, MeasureValue: v }))),
        fc
          .array(
            fc
              .constantFrom('DOUBLE', 'BIGINT', 'BOOLEAN', 'VARCHAR', 'TIMESTAMP')
              .chain((t) => fc.record({ Name: text, Value: value(t, u), Type: fc.constant(t) })),
            { minLength: 1, maxLength: 4 },
          )
          .map((values) => ({ MeasureValueType: 'MULTI', MeasureValues: values })),
      ),
    })
    .map(({ measure, ...r }) => ({ ...r, ...measure }) as StoredRecord),
);
