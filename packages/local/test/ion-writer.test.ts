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
import { storedRecord as record } from './stored-record-arb.js';

const SEED = Number(process.env['FC_SEED'] ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env['TSBATCH_FUZZ_RUNS'] ?? 150);
console.log(`ion-writer properties: seed ${SEED} (FC_SEED=${SEED} to repeat)`);

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

  // The binary writer's oracle is ion-js's text writer: ion-js 5.2.1's binary writer takes a timestamp's year to
  // minute from a Date rounded to the millisecond, so 18:32:59.999501 comes back as 18:33:59.999501 (the case
  // below). Its text writer keeps every field, and both encodings must read back as the same values.
  it('binary: ion-js reads back the same values as from its own (text) writer, for any records', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 5 }), (records) => {
        expect(sameValues(loadAll(ours(records, true)), loadAll(oracle(records, false)))).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('binary: a fraction of a second that rounds up in milliseconds keeps its minute (FC_SEED=1346244287)', () => {
    const r: StoredRecord = {
      Dimensions: [{ Name: 'd', Value: 'v', DimensionValueType: 'VARCHAR' }],
      MeasureName: 'm',
      MeasureValueType: 'MULTI',
      MeasureValues: [{ Name: 't', Value: '8228802779999501', Type: 'TIMESTAMP' }],
      Time: '0',
      TimeUnit: 'MICROSECONDS',
      Version: 1n,
    };
    for (const binary of [false, true]) {
      const [v] = loadAll(ours([r], binary));
      const t = v!.get('MeasureValues')!.get(0)!.get('Value')!.timestampValue()!;
      // 8228802779 s after the epoch is 2230-10-05T18:32:59Z (date -u -d @8228802779).
      expect(t.toString()).toBe('2230-10-05T18:32:59.999501Z');
    }
    expect(sameValues(loadAll(ours([r], true)), loadAll(oracle([r], false)))).toBe(true);
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

  it('writes any int, as a number or a bigint, as ion-js does (the safe-integer path without BigInt)', () => {
    const int = fc.oneof(
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
      fc.maxSafeInteger(),
      fc.bigInt(-(2n ** 64n), 2n ** 64n),
      fc.constantFrom(0, 2 ** 53 - 1, -(2 ** 53 - 1), 2n ** 53n, -(2n ** 53n)),
    );
    fc.assert(
      fc.property(fc.array(int, { minLength: 1, maxLength: 8 }), (ints) => {
        const oracle = makeTextWriter();
        for (const n of ints) oracle.writeInt(n);
        oracle.close();
        const expected = loadAll(oracle.getBytes());
        const [t, b] = both((w) => {
          for (const n of ints) {
            w.int(n);
            w.endValue();
          }
        });
        expect(sameValues(t, expected)).toBe(true);
        expect(sameValues(b, expected)).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('refuses a field name it was not given', () => {
    const w = new IonBinaryWriter(['a']);
    w.stepInStruct();
    expect(() => w.field('z')).toThrow('field "z" is not one of this writer\'s fields');
  });
});
