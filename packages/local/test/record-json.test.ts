/**
 * recordJson writes the stored text member by member (no object per record, R-LOCAL-2's hot path): it must give
 * exactly what stringifying the record's members in the store's order gives (the text the store kept before, which
 * journal hashes and JSON Lines exports are made of).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordJson, type StoredRecord } from '../src/internal/record-json.js';
import { storedRecord } from './stored-record-arb.js';

const SEED = Number(process.env['FC_SEED'] ?? Date.now() % 2 ** 31);
console.log(`record-json properties: seed ${SEED} (FC_SEED=${SEED} to repeat)`);

/** The previous definition: the members as an object through JSON.stringify, Version appended as digits. */
function reference(record: StoredRecord): string {
  const body = {
    Dimensions: record.Dimensions,
    MeasureName: record.MeasureName,
    MeasureValueType: record.MeasureValueType,
    ...(record.MeasureValue !== undefined && { MeasureValue: record.MeasureValue }),
    ...(record.MeasureValues !== undefined && { MeasureValues: record.MeasureValues }),
    Time: record.Time,
    TimeUnit: record.TimeUnit,
  };
  return `${JSON.stringify(body).slice(0, -1)},"Version":${record.Version}}`;
}

describe('recordJson (R-LOCAL-2 stored text)', () => {
  it('gives the same text as stringifying the record, for any stored record', () => {
    fc.assert(
      fc.property(storedRecord, (r) => {
        expect(recordJson(r)).toBe(reference(r));
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});
