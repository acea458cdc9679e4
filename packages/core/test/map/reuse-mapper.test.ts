import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileTask } from '../../src/index.js';
import type { MapResult, ResolvedDataModel, ResolvedTask, RowMapper } from '../../src/index.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

/** Two dimensions, a measure-name column and one attribute of every type (the bench shapes' model, widened). */
const MODEL: ResolvedDataModel = {
  timeColumn: 't',
  timeUnit: 'MILLISECONDS',
  dimensions: [
    { source: 'a', name: 'a' },
    { source: 'b', name: 'bee' },
  ],
  measures: {
    kind: 'multi',
    measureName: { kind: 'column', column: 'm' },
    attributes: [
      { source: 'd', name: 'dbl', type: 'DOUBLE' },
      { source: 'i', name: 'int', type: 'BIGINT' },
      { source: 'o', name: 'bool', type: 'BOOLEAN' },
      { source: 'v', name: 'text', type: 'VARCHAR' },
      { source: 's', name: 'stamp', type: 'TIMESTAMP' },
    ],
  },
};
const HEADER = ['t', 'a', 'b', 'm', 'd', 'i', 'o', 'v', 's'];

function task(nullValue: string | null): Pick<ResolvedTask, 'model' | 'csv' | 'recordVersion'> {
  const csv = { columnSeparator: ',', quoteChar: '"', escapeChar: null, nullValue, trimWhiteSpace: false };
  return { model: MODEL, csv, recordVersion: 3 };
}

function bind(nullValue: string | null, reuse: boolean): RowMapper {
  const bound = compileTask(task(nullValue)).bind(HEADER, { reuse });
  if (!bound.ok) throw new Error(bound.failure.detail);
  return bound.map;
}

/** What a result says, copied at once (a reusing mapper's records are valid until the next row only). */
const snapshot = (result: MapResult): unknown => structuredClone(result);

describe('a reusing row mapper (BindOptions.reuse, the parallel dry run)', () => {
  it('maps every row as the allocating mapper does, row after row, nulls and bad values included (property)', () => {
    // Cells that are null, valid or invalid for some of the types, so rows vary in length, order and outcome.
    const cell = fc.constantFrom('', 'NULL', '0', '12', '-7', '1.5e3', 'true', 'FALSE', 'x', 'é東', '1e999');
    const row = fc.array(cell, { minLength: HEADER.length, maxLength: HEADER.length });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 30 }), fc.boolean(), (rows, withNull) => {
        const nullValue = withNull ? 'NULL' : null;
        const fresh = bind(nullValue, false);
        const reused = bind(nullValue, true);
        for (const cells of rows) expect(snapshot(reused(cells))).toEqual(snapshot(fresh(cells)));
      }),
      fcOptions,
    );
  });

  it('refills the same record for every row, and keeps the one key order of records (R-MEAS-1)', () => {
    const map = bind(null, true);
    const first = map(['1', 'x', 'y', 'n', '1.5', '2', 'true', 'v', '3']);
    const second = map(['2', 'x', '', 'n', '', '2', '', '', '4']);
    expect(Array.isArray(first) && Array.isArray(second) && first[0] === second[0]).toBe(true);
    expect(Object.keys((second as unknown[])[0] as object)).toEqual(
      Object.keys(
        (bind(null, false)(['1', 'x', 'y', 'n', '1', '2', 'true', 'v', '3']) as unknown[])[0] as object,
      ),
    );
    expect(snapshot(second)).toEqual([
      {
        Dimensions: [{ Name: 'a', Value: 'x', DimensionValueType: 'VARCHAR' }],
        MeasureName: 'n',
        MeasureValues: [
          { Name: 'int', Value: '2', Type: 'BIGINT' },
          { Name: 'stamp', Value: '4', Type: 'TIMESTAMP' },
        ],
        MeasureValueType: 'MULTI',
        Time: '2',
        TimeUnit: 'MILLISECONDS',
        Version: 3,
      },
    ]);
  });
});
