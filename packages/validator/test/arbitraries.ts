/**
 * fast-check arbitraries for the valid space of tasks: every generated task satisfies R-VAL-1..7, so the
 * validator must accept it without an error.
 */
import fc from 'fast-check';

const RESERVED = new Set(['time', 'measure_name', 'measure_value', 'ts_non_existent_col']);

function allowedName(name: string, maxBytes: number): boolean {
  return (
    name.length > 0 &&
    !RESERVED.has(name) &&
    !name.startsWith('ts_') &&
    !name.startsWith('measure_value') &&
    !name.includes(':') &&
    Buffer.byteLength(name, 'utf8') <= maxBytes
  );
}

/** Column or written name: mostly identifiers, sometimes any Unicode text. */
const nameArb = fc
  .oneof(
    { weight: 4, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_]{0,14}$/) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }) },
  )
  .filter((name) => allowedName(name, 60));

/** `n` distinct names: every column and every written name differs, so no name rule can fire. */
const names = (n: number): fc.Arbitrary<string[]> =>
  fc.uniqueArray(nameArb, { minLength: n, maxLength: n, comparator: 'IsStrictlyEqual' });

const scalarType = fc.constantFrom('DOUBLE', 'BIGINT', 'BOOLEAN', 'VARCHAR', 'TIMESTAMP');
const mixedScalarType = fc.constantFrom('DOUBLE', 'BIGINT', 'BOOLEAN', 'VARCHAR');

type Json = Record<string, unknown>;

/** Takes names off a list in order. */
class NamePool {
  #i = 0;
  constructor(readonly all: string[]) {}
  next(): string {
    const name = this.all[this.#i++];
    if (name === undefined) throw new Error('name pool exhausted');
    return name;
  }
}

function attributeMappings(pool: NamePool, shape: { renamed: boolean; type: string }[]): Json[] {
  return shape.map(({ renamed, type }) => ({
    SourceColumn: pool.next(),
    ...(renamed ? { TargetMultiMeasureAttributeName: pool.next() } : {}),
    MeasureValueType: type,
  }));
}

const attributeShape = fc.array(fc.record({ renamed: fc.boolean(), type: scalarType }), {
  minLength: 1,
  maxLength: 5,
});

const multiMeasures = fc.record({
  kind: fc.constant('multi' as const),
  nameFrom: fc.constantFrom('target', 'column', 'both'),
  attributes: attributeShape,
});

const mixedMeasures = fc.record({
  kind: fc.constant('mixed' as const),
  withColumn: fc.boolean(),
  mappings: fc.array(
    fc.oneof(
      fc.record({
        multi: fc.constant(false),
        type: mixedScalarType,
        named: fc.boolean(),
        target: fc.boolean(),
        attributes: fc.constant([]),
      }),
      fc.record({
        multi: fc.constant(true),
        type: fc.constant('MULTI'),
        named: fc.boolean(),
        target: fc.boolean(),
        attributes: attributeShape,
      }),
    ),
    { minLength: 1, maxLength: 4 },
  ),
});

const dataModelShape = fc.record({
  timeUnit: fc.option(fc.constantFrom('MILLISECONDS', 'SECONDS', 'MICROSECONDS', 'NANOSECONDS'), {
    nil: undefined,
  }),
  dimensions: fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
  measures: fc.oneof(multiMeasures, mixedMeasures),
});

/** A valid DataModel (R-VAL-3..6). */
export const validDataModel: fc.Arbitrary<Json> = dataModelShape.chain((shape) =>
  names(80).map((all) => {
    const pool = new NamePool(all);
    const model: Json = { TimeColumn: pool.next() };
    if (shape.timeUnit !== undefined) model['TimeUnit'] = shape.timeUnit;
    model['DimensionMappings'] = shape.dimensions.map((renamed) => ({
      SourceColumn: pool.next(),
      ...(renamed ? { DestinationColumn: pool.next() } : {}),
    }));
    const m = shape.measures;
    if (m.kind === 'multi') {
      const multi: Json = {};
      if (m.nameFrom !== 'column') multi['TargetMultiMeasureName'] = pool.next();
      if (m.nameFrom !== 'target') model['MeasureNameColumn'] = pool.next();
      multi['MultiMeasureAttributeMappings'] = attributeMappings(pool, m.attributes);
      model['MultiMeasureMappings'] = multi;
    } else {
      if (m.withColumn) model['MeasureNameColumn'] = pool.next();
      model['MixedMeasureMappings'] = m.mappings.map((mapping) => {
        const out: Json = {};
        // With MeasureNameColumn every mapping needs a MeasureName; a MULTI one always needs a name.
        if (m.withColumn || mapping.named || (mapping.multi && !mapping.target))
          out['MeasureName'] = pool.next();
        if (!mapping.multi) out['SourceColumn'] = pool.next();
        if (mapping.target) out['TargetMeasureName'] = pool.next();
        out['MeasureValueType'] = mapping.type;
        if (mapping.multi) out['MultiMeasureAttributeMappings'] = attributeMappings(pool, mapping.attributes);
        return out;
      });
    }
    return model;
  }),
);

const bucketName = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,20}[a-z0-9]$/);
const objectKey = fc.stringMatching(/^[a-zA-Z0-9!_*'()-][a-zA-Z0-9!_*'()/.-]{1,40}$/);
const separators = [',', '|', ';', '\t', ' '];

const csvConfiguration = fc
  .record(
    {
      ColumnSeparator: fc.constantFrom(...separators),
      QuoteChar: fc.constantFrom('"', "'"),
      EscapeChar: fc.constantFrom('\\', '#', '~', '!', '^'),
      NullValue: fc.string({ minLength: 1, maxLength: 8 }),
      TrimWhiteSpace: fc.boolean(),
    },
    { requiredKeys: [] },
  )
  .filter((csv) => csv.EscapeChar === undefined || csv.EscapeChar !== (csv.ColumnSeparator ?? ','));

const reportConfiguration = fc.oneof(
  fc.constant({}),
  fc.record({
    ReportS3Configuration: fc.oneof(
      fc.record(
        { BucketName: bucketName, ObjectKeyPrefix: objectKey, EncryptionOption: fc.constant('SSE_S3') },
        { requiredKeys: ['BucketName'] },
      ),
      fc.record(
        {
          BucketName: bucketName,
          ObjectKeyPrefix: objectKey,
          EncryptionOption: fc.constant('SSE_KMS'),
          KmsKeyId: fc.string({ minLength: 1, maxLength: 40 }),
        },
        { requiredKeys: ['BucketName', 'EncryptionOption', 'KmsKeyId'] },
      ),
    ),
  }),
);

/** A valid CreateBatchLoadTask request (R-VAL-1..7). */
export const validTask: fc.Arbitrary<Json> = fc
  .record(
    {
      ClientToken: fc.string({ minLength: 1, maxLength: 64 }),
      DataModel: validDataModel,
      DataSourceS3Configuration: fc.record(
        { BucketName: bucketName, ObjectKeyPrefix: objectKey },
        { requiredKeys: ['BucketName'] },
      ),
      CsvConfiguration: csvConfiguration,
      ReportConfiguration: reportConfiguration,
      TargetDatabaseName: fc.stringMatching(/^[a-zA-Z0-9_.-]{3,30}$/),
      TargetTableName: fc.stringMatching(/^[a-zA-Z0-9_.-]{3,30}$/),
      RecordVersion: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    },
    {
      requiredKeys: [
        'DataModel',
        'DataSourceS3Configuration',
        'ReportConfiguration',
        'TargetDatabaseName',
        'TargetTableName',
      ],
    },
  )
  .map((t) => ({
    ...(t.ClientToken === undefined ? {} : { ClientToken: t.ClientToken }),
    DataModelConfiguration: { DataModel: t.DataModel },
    DataSourceConfiguration: {
      DataSourceS3Configuration: t.DataSourceS3Configuration,
      ...(t.CsvConfiguration === undefined ? {} : { CsvConfiguration: t.CsvConfiguration }),
      DataFormat: 'CSV',
    },
    ReportConfiguration: t.ReportConfiguration,
    TargetDatabaseName: t.TargetDatabaseName,
    TargetTableName: t.TargetTableName,
    ...(t.RecordVersion === undefined ? {} : { RecordVersion: t.RecordVersion }),
  }));

/** Every node of a JSON value with its JSON Pointer and the member name it sits under. */
export interface Node {
  path: string;
  segments: (string | number)[];
  key: string | number | undefined;
  value: unknown;
}

export function nodes(value: unknown, segments: (string | number)[] = []): Node[] {
  const key = segments[segments.length - 1];
  const here: Node = {
    path: segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join(''),
    segments,
    key,
    value,
  };
  const out = [here];
  if (Array.isArray(value)) value.forEach((item, i) => out.push(...nodes(item, [...segments, i])));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) out.push(...nodes(v, [...segments, k]));
  }
  return out;
}

/** A deep copy of `root` with the node at `segments` replaced (or removed when `replacement` is `REMOVE`). */
export const REMOVE = Symbol('remove');
export function replaceAt(root: unknown, segments: (string | number)[], replacement: unknown): unknown {
  if (segments.length === 0) return replacement;
  const copy: unknown = structuredClone(root);
  let parent = copy as Record<string | number, unknown>;
  for (const s of segments.slice(0, -1)) parent = parent[s] as Record<string | number, unknown>;
  const last = segments[segments.length - 1]!;
  if (replacement === REMOVE) delete parent[last];
  else parent[last] = replacement;
  return copy;
}
