import fc from 'fast-check';
import { loadAll, makeBinaryWriter, makeTextWriter, type dom } from 'ion-js';
import { describe, expect, it } from 'vitest';
import {
  createRecordIonWriter,
  IonBinaryWriter,
  IonTextWriter,
  writeRecordIon,
  type IonWriter,
  type StoredRecord,
} from '../src/index.js';
import { writeIonRecord } from './ion-oracle.js';

const SEED = Number(process.env['FC_SEED'] ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env['TSBATCH_FUZZ_RUNS'] ?? 150);
console.log(`ion-writer properties: seed ${SEED} (FC_SEED=${SEED} to repeat)`);

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
      return fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n).map(String);
    case 'BOOLEAN':
      return fc.constantFrom('true', 'false', 'TRUE', 'False');
    case 'TIMESTAMP':
      return digits(UNIT_MAX[u]);
    default:
      return text;
  }
}

const record: fc.Arbitrary<StoredRecord> = unit.chain((u) =>
  fc
    .record({
      Dimensions: fc.array(
        fc.record({ Name: text, Value: text, DimensionValueType: fc.constant('VARCHAR' as const) }),
        { minLength: 1, maxLength: 4 },
      ),
      MeasureName: text,
      Time: digits(UNIT_MAX[u]),
      TimeUnit: fc.constant(u),
      Version: fc.bigInt(1n, 2n ** 63n - 1n),
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

function ours(records: StoredRecord[], binary: boolean): Uint8Array {
  const w = createRecordIonWriter(binary);
  for (const r of records) writeRecordIon(w, r);
  return w.take();
}

function oracle(records: StoredRecord[], binary: boolean): Uint8Array {
  const w = binary ? makeBinaryWriter() : makeTextWriter();
  for (const r of records) writeIonRecord(w, r);
  w.close();
  return w.getBytes();
}

function sameValues(a: dom.Value[], b: dom.Value[]): boolean {
  return a.length === b.length && a.every((v, i) => v.ionEquals(b[i]!));
}

describe('Ion written directly equals what ion-js writes (STYLE rule 13, R-EXP-1)', () => {
  it('text: ion-js reads back the same values as from its own writer, for any records', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 5 }), (records) => {
        expect(sameValues(loadAll(ours(records, false)), loadAll(oracle(records, false)))).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('binary: ion-js reads back the same values as from its own writer, for any records', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 5 }), (records) => {
        expect(sameValues(loadAll(ours(records, true)), loadAll(oracle(records, true)))).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('binary: long containers and strings take multi-byte lengths', () => {
    const long = 'é'.repeat(5000);
    const r: StoredRecord = {
      Dimensions: Array.from({ length: 128 }, (_, i) => ({
        Name: `d${i}`,
        Value: long,
        DimensionValueType: 'VARCHAR' as const,
      })),
      MeasureName: 'm',
      MeasureValueType: 'VARCHAR',
      MeasureValue: long,
      Time: '1',
      TimeUnit: 'NANOSECONDS',
      Version: 2n ** 63n - 1n,
    };
    expect(sameValues(loadAll(ours([r], true)), loadAll(oracle([r], true)))).toBe(true);
  });
});

describe('the writers on their own', () => {
  function both(write: (w: IonWriter) => void): [dom.Value[], dom.Value[]] {
    const t = new IonTextWriter(['a', 'b c', 'null']);
    const b = new IonBinaryWriter(['a', 'b c', 'null']);
    write(t);
    write(b);
    return [loadAll(t.take()), loadAll(b.take())];
  }

  it('quote field names that are no identifiers, and write blobs, nested lists and decimals exactly', () => {
    const [t, b] = both((w) => {
      w.stepInStruct();
      w.field('b c');
      w.blob(Uint8Array.from([0, 1, 254, 255]));
      w.field('null');
      w.stepInList();
      w.decimal({ negative: true, digits: '0', exponent: -2 });
      w.decimal({ negative: false, digits: '12345678901234567890123', exponent: 7 });
      w.stepOut();
      w.field('a');
      w.int(-(2n ** 70n));
      w.stepOut();
      w.endValue();
    });
    for (const values of [t, b]) {
      expect(values).toHaveLength(1);
      const v = values[0]!;
      expect([...v.get('b c')!.uInt8ArrayValue()!]).toEqual([0, 1, 254, 255]);
      const [negativeZero, big] = [0, 1].map((i) => v.get('null')!.get(i)!.decimalValue()!);
      expect([
        negativeZero!.isNegative(),
        negativeZero!.getCoefficient(),
        negativeZero!.getExponent(),
      ]).toEqual([true, 0n, -2]);
      expect([big!.getCoefficient(), big!.getExponent()]).toEqual([12345678901234567890123n, 7]);
      expect(v.get('a')!.bigIntValue()).toBe(-(2n ** 70n));
    }
  });

  it('writes a lone surrogate as U+FFFD [choice], in text and binary alike', () => {
    const [t, b] = both((w) => {
      w.string('a\ud800b');
      w.endValue();
    });
    expect(t[0]!.stringValue()).toBe('a\ufffdb');
    expect(b[0]!.stringValue()).toBe('a\ufffdb');
  });

  it('refuses a field name it was not given', () => {
    const w = new IonBinaryWriter(['a']);
    w.stepInStruct();
    expect(() => w.field('z')).toThrow('field "z" is not one of this writer\'s fields');
  });
});
