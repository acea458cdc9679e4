/**
 * tsbatch init as a library (issue 19): on every example and on generated files of every CSV shape (plain, some or
 * all fields quoted with separators and newlines inside, UTF-8 text, each separator of R-VAL-7, each time unit), the
 * proposed task validates against the data, names the time column and unit right, and a dry run of it over the same
 * data fails exactly the rows whose cells are really bad. Property tests print their seed; FC_SEED=<seed> replays it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dryRun, resolveSource, type RejectEntry, type TimeUnit } from '@tsbatch/core';
import { inferTask, validateTask, type InferOptions, type InferResult } from '../../src/index.js';
import { NameLegalizer } from '../../src/infer/legal-names.js';
import { checkNames } from '../../src/internal/check-names.js';
import { IssueList } from '../../src/internal/issues.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

interface Outcome {
  result: InferResult;
  valid: boolean;
  issues: string[];
  rejects: RejectEntry[];
}

/** init, then validate and dry-run its task over the same data, as a user would. */
async function initThenDryRun(data: string, prefix: string, options: InferOptions = {}): Promise<Outcome> {
  const resolved = await resolveSource({ bucket: 'b', prefix }, { source: data });
  if (!resolved.ok) throw new Error(resolved.error.message);
  const result = await inferTask(resolved.source, { prefix, location: { source: data }, ...options });
  if (!result.ok) return { result, valid: false, issues: [], rejects: [] };
  const validation = await validateTask(JSON.parse(JSON.stringify(result.request)), {
    location: { source: data },
  });
  const rejects: RejectEntry[] = [];
  if (validation.task !== undefined) {
    const again = await resolveSource(validation.task.source, { source: data });
    if (!again.ok) throw new Error(again.error.message);
    await dryRun(validation.task, again.source, { onReject: (e) => void rejects.push(e) });
  }
  return {
    result,
    valid: validation.ok,
    issues: validation.issues.filter((i) => i.severity === 'error').map((i) => `${i.code} ${i.path}`),
    rejects,
  };
}

const model = (r: InferResult) => r.request!.DataModelConfiguration!.DataModel!;

describe('inferTask on the examples', () => {
  it('fleet: SECONDS, two dimensions, four measures; validates; the dry run fails no row', async () => {
    const out = await initThenDryRun(
      path.join(ROOT, 'examples/fleet/s3/test-batch-load-west-2/sample.csv'),
      'sample.csv',
    );
    expect(out.valid).toBe(true);
    const m = model(out.result);
    expect(m).toMatchObject({ TimeColumn: 'timestamp', TimeUnit: 'SECONDS' });
    expect(m.DimensionMappings.map((d) => d.SourceColumn)).toEqual(['vehicle', 'registration']);
    expect(
      m.MultiMeasureMappings!.MultiMeasureAttributeMappings.map((a) => [a.SourceColumn, a.MeasureValueType]),
    ).toEqual([
      ['wgt', 'DOUBLE'],
      ['spd', 'DOUBLE'],
      ['fuel_consumption', 'DOUBLE'],
      ['miles', 'BIGINT'],
    ]);
    expect(out.rejects).toEqual([]);
    expect(out.result.check).toMatchObject({ rows: 12, parseFailures: 0, bad: [] });
  });

  it('fleet with errors: the rows the dry run fails are the ones the report names, with their cells', async () => {
    const out = await initThenDryRun(
      path.join(ROOT, 'examples/fleet/s3-with-errors/test-batch-load-west-2/sample.csv'),
      'sample.csv',
    );
    expect(out.valid).toBe(true);
    const parse = out.rejects.filter((r) => r.kind === 'parse');
    // "n/a" twice in wgt, an ISO time, a short row: really bad cells; nothing else fails to parse.
    expect(parse.map((r) => [r.line, r.code])).toEqual([
      [4, 'VALUE_INVALID'],
      [5, 'VALUE_INVALID'],
      [7, 'TIME_INVALID'],
      [9, 'CSV_FIELD_COUNT'],
    ]);
    const named = out.result.check!.bad.flatMap((b) => b.examples.map((e) => [e.line, b.code]));
    expect(named.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(parse.map((r) => [r.line, r.code]));
    expect(out.result.check!.bad.find((b) => b.code === 'VALUE_INVALID')!.examples[0]!.detail).toContain(
      '"n/a"',
    );
  });

  it('sensors: two files, ";" and NULL, the measure_name column; the dry run fails no row', async () => {
    const out = await initThenDryRun(
      path.join(ROOT, 'examples/sensors/s3/sensor-archive/2024/05'),
      '2024/05/',
    );
    expect(out.valid).toBe(true);
    expect(out.result.request!.DataSourceConfiguration.CsvConfiguration).toEqual({
      ColumnSeparator: ';',
      NullValue: 'NULL',
    });
    expect(model(out.result)).toMatchObject({
      TimeColumn: 'time',
      TimeUnit: 'MILLISECONDS',
      MeasureNameColumn: 'measure_name',
    });
    expect(model(out.result).DimensionMappings.map((d) => d.SourceColumn)).toEqual(['device', 'site']);
    expect(out.rejects).toEqual([]);
  });
});

// ---- generated files of every CSV shape ----

const UNIT_SCALE: Record<TimeUnit, bigint> = {
  SECONDS: 1n,
  MILLISECONDS: 1000n,
  MICROSECONDS: 1_000_000n,
  NANOSECONDS: 1_000_000_000n,
};
const SEPARATORS = [',', '|', ';', '\t', ' '] as const;
const SITES = ['Zürich', 'São Paulo', '東京', 'north, bay 2', 'line\nbreak', 'plain'];

interface Shape {
  separator: (typeof SEPARATORS)[number];
  quoting: 'none' | 'some' | 'all';
  unit: TimeUnit;
  rows: number;
  start: number;
}

function field(value: string, shape: Shape, force: boolean): string {
  const needs =
    value.includes(shape.separator) || value.includes('"') || value.includes('\n') || value.includes(',');
  const quote = shape.quoting === 'all' || needs || (shape.quoting === 'some' && force);
  return quote ? `"${value.replaceAll('"', '""')}"` : value;
}

function generate(shape: Shape): string {
  const header = ['device', 'site', 'event_time', 'temperature', 'count', 'ok', 'comment'];
  const lines = [header.map((h) => field(h, shape, false)).join(shape.separator)];
  for (let i = 0; i < shape.rows; i++) {
    const seconds = BigInt(shape.start + i * 61);
    const time = String(seconds * UNIT_SCALE[shape.unit] + BigInt(i % 997));
    const cells = [
      `dev-${i % 4}`,
      SITES[i % SITES.length]!,
      time,
      (((i * 37) % 400) / 10 - 5).toFixed(2),
      String(i * 13),
      i % 3 === 0 ? 'true' : 'false',
      `reading number ${i} "ok"`,
    ];
    lines.push(cells.map((c, k) => field(c, shape, (i + k) % 3 === 0)).join(shape.separator));
  }
  return `${lines.join('\n')}\n`;
}

describe('inferTask on generated files of every CSV shape', () => {
  it('names the time unit, the separator and the columns right; the task validates and dry-runs with no failure', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-init-'));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          separator: fc.constantFrom(...SEPARATORS),
          quoting: fc.constantFrom('none' as const, 'some' as const, 'all' as const),
          unit: fc.constantFrom<TimeUnit>('SECONDS', 'MILLISECONDS', 'MICROSECONDS', 'NANOSECONDS'),
          rows: fc.integer({ min: 30, max: 200 }),
          // 2001-09-09 .. 2100: the epoch range every unit tells apart by magnitude.
          start: fc.integer({ min: 1_000_000_000, max: 4_100_000_000 }),
        }),
        async (shape) => {
          const file = path.join(dir, `case-${n++}.csv`);
          writeFileSync(file, generate(shape));
          const out = await initThenDryRun(file, 'case.csv');
          expect(out.result.problem).toBeUndefined();
          expect(out.issues).toEqual([]);
          const m = model(out.result);
          expect(m.TimeColumn).toBe('event_time');
          expect(m.TimeUnit).toBe(shape.unit);
          const csv = out.result.request!.DataSourceConfiguration.CsvConfiguration ?? {};
          expect(csv.ColumnSeparator ?? ',').toBe(shape.separator);
          expect(m.DimensionMappings.map((d) => d.SourceColumn)).toEqual(['device', 'site']);
          const types = Object.fromEntries(
            m.MultiMeasureMappings!.MultiMeasureAttributeMappings.map((a) => [
              a.SourceColumn,
              a.MeasureValueType,
            ]),
          );
          expect(types).toEqual({
            temperature: 'DOUBLE',
            count: 'BIGINT',
            ok: 'BOOLEAN',
            comment: 'VARCHAR',
          });
          expect(out.rejects).toEqual([]);
          expect(out.result.check!.parseFailures).toBe(0);
        },
      ),
      { ...fcOptions, numRuns: 30 },
    );
  }, 120_000);

  it('reports text times with the conversion they need (R-TIME-1), and an empty-named header or a BOM as problems', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-init-'));
    const iso = path.join(dir, 'iso.csv');
    writeFileSync(
      iso,
      `ts,host,cpu\n${Array.from({ length: 20 }, (_, i) => `2024-05-01T00:00:${String(i).padStart(2, '0')}.250Z,h${i % 2},${i}.5`).join('\n')}\n`,
    );
    const out = await initThenDryRun(iso, 'iso.csv');
    expect(out.valid).toBe(true);
    expect(model(out.result)).toMatchObject({ TimeColumn: 'ts', TimeUnit: 'MILLISECONDS' });
    expect(out.result.conversion).toMatch(/text times .* convert it to MILLISECONDS/);
    expect(out.rejects.every((r) => r.code === 'TIME_INVALID')).toBe(true);

    const bom = path.join(dir, 'bom.csv');
    writeFileSync(bom, '\uFEFFtime,a,b\n1714521600,x,1\n');
    const resolved = await resolveSource({ bucket: 'b', prefix: 'bom.csv' }, { source: bom });
    const result = await inferTask(resolved.ok ? resolved.source : { files: [], totalBytes: 0 });
    expect(result.problem).toMatchObject({
      code: 'INIT_FILE_FAILURE',
      message: expect.stringContaining('FILE_BOM'),
    });

    const noHeader = path.join(dir, 'data.csv');
    writeFileSync(noHeader, '1714521600,1.5,2\n1714521601,2.5,3\n');
    const r2 = await resolveSource({ bucket: 'b', prefix: 'data.csv' }, { source: noHeader });
    expect((await inferTask(r2.ok ? r2.source : { files: [], totalBytes: 0 })).problem?.code).toBe(
      'INIT_NO_HEADER',
    );
  });

  it('makes reserved, prefixed, colon and long names legal and unique (R-VAL-6)', () => {
    const names = new NameLegalizer();
    const inputs: [string, 'dimension' | 'attribute' | 'measure'][] = [
      ['time', 'dimension'],
      ['measure_value', 'attribute'],
      ['ts_miles', 'attribute'],
      ['miles', 'attribute'],
      ['a:b', 'dimension'],
      ['measure_name_x', 'attribute'],
      ['é'.repeat(40), 'dimension'],
      ['metrics', 'measure'],
    ];
    const written = inputs.map(([name, kind]) => ({ kind, name: names.legal(name, kind), path: `/${name}` }));
    expect(written.map((w) => w.name)).toEqual([
      'col_time',
      'col_measure_value',
      'miles',
      'miles_2',
      'a_b',
      'col_measure_name_x',
      'é'.repeat(30),
      'metrics',
    ]);
    const issues = new IssueList();
    checkNames(written, issues);
    expect(issues.finish()).toEqual([]);
  });
});

describe('the package README', () => {
  it('documents every inferTask problem code (STYLE rule 5)', async () => {
    const { readFile } = await import('node:fs/promises');
    const { INFER_ERROR_CODES } = await import('../../src/index.js');
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    expect(
      INFER_ERROR_CODES.filter((code) => !new RegExp(`^\\| \`${code}\` +\\|`, 'm').test(readme)),
    ).toEqual([]);
  });
});
