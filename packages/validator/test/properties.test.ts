import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTask, validateTask, VALIDATION_CODES, type ValidationResult } from '../src/index.js';
import { nodes, REMOVE, replaceAt, validDataModel, validTask } from './arbitraries.js';

const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

function errors(result: ValidationResult): string[] {
  return result.issues.filter((i) => i.severity === 'error').map((i) => `${i.code} ${i.path}: ${i.message}`);
}

/** The result is well-formed whatever the input (the never-throws contract, SPEC section 2). */
function expectWellFormed(result: ValidationResult): void {
  expect(typeof result.ok).toBe('boolean');
  expect(Array.isArray(result.issues)).toBe(true);
  for (const issue of result.issues) {
    expect(VALIDATION_CODES).toContain(issue.code);
    expect(issue.code).not.toBe('TASK_INTERNAL_ERROR');
    expect(typeof issue.path).toBe('string');
    expect(issue.path === '' || issue.path.startsWith('/')).toBe(true);
    expect(issue.message.length).toBeGreaterThan(0);
  }
  expect(result.ok).toBe(!result.issues.some((i) => i.severity === 'error'));
  expect(result.task !== undefined).toBe(result.ok);
}

describe('the valid space validates clean (R-VAL-1..7)', () => {
  it('accepts every generated valid task, and its echo resolves to the same task (R-VAL-1..7)', () => {
    fc.assert(
      fc.property(validTask, (task) => {
        const result = checkTask(task);
        expect(errors(result)).toEqual([]);
        expect(result.task).toBeDefined();
        const again = checkTask(result.task!.request);
        expect(errors(again)).toEqual([]);
        expect(again.task).toEqual(result.task);
      }),
      { ...fcOptions, numRuns: 300 },
    );
  });

  it('accepts every generated valid bare DataModel (R-IN-2)', () => {
    fc.assert(
      fc.property(validDataModel, (model) => {
        const result = checkTask(model);
        expect(errors(result)).toEqual([]);
        expect(result.task?.request.DataModelConfiguration?.DataModel?.TimeColumn).toBe(model['TimeColumn']);
      }),
      { ...fcOptions, numRuns: 200 },
    );
  });
});

/** Members the service (or a [choice] of SPEC) requires, by name (KmsKeyId is generated only with SSE_KMS). */
const REQUIRED = new Set([
  'TargetDatabaseName',
  'TargetTableName',
  'DataSourceConfiguration',
  'ReportConfiguration',
  'DataSourceS3Configuration',
  'DataFormat',
  'BucketName',
  'DimensionMappings',
  'MultiMeasureAttributeMappings',
  'TimeColumn',
  'MeasureValueType',
  'KmsKeyId',
]);
/** Members whose value is an enum. */
const ENUMS = new Set(['TimeUnit', 'MeasureValueType', 'EncryptionOption', 'DataFormat']);
/** String members with a length bound, and a value outside it. */
const OUT_OF_RANGE: Record<string, string> = {
  TargetDatabaseName: 'ab',
  TargetTableName: 'x'.repeat(257),
  BucketName: 'b'.repeat(64),
  ObjectKeyPrefix: 'k'.repeat(1025),
  ClientToken: 't'.repeat(65),
  TimeColumn: '',
  MeasureNameColumn: 'c'.repeat(257),
  ColumnSeparator: ',,',
  QuoteChar: '',
  EscapeChar: '\\\\',
  NullValue: '',
  KmsKeyId: 'k'.repeat(2049),
  SourceColumn: '',
  DestinationColumn: '',
  TargetMultiMeasureAttributeName: '',
  TargetMultiMeasureName: '',
  MeasureName: '',
  TargetMeasureName: '',
};

function otherType(value: unknown): unknown {
  if (typeof value === 'string') return 42;
  if (Array.isArray(value)) return { not: 'a list' };
  if (typeof value === 'object' && value !== null) return 'not an object';
  return 'not a number or boolean';
}

type Mutation = { kind: string; path: string; apply: (task: unknown) => unknown };

function mutations(task: unknown): Mutation[] {
  const out: Mutation[] = [];
  for (const node of nodes(task)) {
    if (node.segments.length === 0) continue;
    const key = node.key;
    out.push({
      kind: 'wrong type',
      path: node.path,
      apply: (t) => replaceAt(t, node.segments, otherType(node.value)),
    });
    if (typeof key === 'string' && ENUMS.has(key)) {
      out.push({
        kind: 'bad enum',
        path: node.path,
        apply: (t) => replaceAt(t, node.segments, 'NOT_A_VALUE'),
      });
    }
    if (typeof key === 'string' && key in OUT_OF_RANGE) {
      out.push({
        kind: 'length',
        path: node.path,
        apply: (t) => replaceAt(t, node.segments, OUT_OF_RANGE[key]),
      });
    }
    if (typeof key === 'string' && REQUIRED.has(key)) {
      out.push({ kind: 'removed', path: node.path, apply: (t) => replaceAt(t, node.segments, REMOVE) });
    }
    if (typeof node.value === 'object' && node.value !== null && !Array.isArray(node.value)) {
      out.push({
        kind: 'unknown member',
        path: `${node.path}/Zzyzx`,
        apply: (t) => replaceAt(t, [...node.segments, 'Zzyzx'], 1),
      });
    }
  }
  return out;
}

describe('a single targeted mutation is caught at its pointer (R-VAL-1..5)', () => {
  it('reports an error whose path is the mutated member (R-VAL-1)', () => {
    const withMutation = validTask.chain((task) => {
      const all = mutations(task);
      return fc.record({ task: fc.constant(task), mutation: fc.constantFrom(...all) });
    });
    fc.assert(
      fc.property(withMutation, ({ task, mutation }) => {
        const result = checkTask(mutation.apply(task), { kind: 'task' });
        expectWellFormed(result);
        const paths = result.issues.filter((i) => i.severity === 'error').map((i) => i.path);
        expect(paths, `${mutation.kind} at ${mutation.path}`).toContain(mutation.path);
      }),
      { ...fcOptions, numRuns: 400 },
    );
  });
});

const keys = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'toString',
    'TargetDatabaseName',
    'DataModelConfiguration',
    'DataModel',
    'DimensionMappings',
    'MultiMeasureMappings',
    'MixedMeasureMappings',
    'SourceColumn',
    'TimeColumn',
    'CsvConfiguration',
  ),
);

describe('random input never throws (SPEC section 2)', () => {
  it('returns a well-formed result for any JSON value', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (json) => {
        expectWellFormed(checkTask(json));
        expectWellFormed(await validateTask(json));
      }),
      { ...fcOptions, numRuns: 300 },
    );
  });

  it('returns a well-formed result for any value, __proto__ keys and odd objects included', () => {
    const anything = fc.anything({
      key: keys,
      maxDepth: 5,
      withNullPrototype: true,
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withTypedArray: true,
      withSparseArray: true,
      withBoxedValues: true,
      withObjectString: true,
    });
    fc.assert(
      fc.property(
        anything,
        fc.constantFrom<'auto' | 'task' | 'data-model'>('auto', 'task', 'data-model'),
        (value, kind) => {
          expectWellFormed(checkTask(value, { kind }));
        },
      ),
      { ...fcOptions, numRuns: 300 },
    );
  });

  it('survives any value put anywhere inside a valid task', () => {
    const scrambled = validTask.chain((task) =>
      fc
        .record({
          node: fc.constantFrom(...nodes(task).filter((n) => n.segments.length > 0)),
          value: fc.anything({ key: keys, maxDepth: 3, withNullPrototype: true }),
        })
        .map(({ node, value }) => replaceAt(task, node.segments, value)),
    );
    fc.assert(
      fc.property(scrambled, (task) => expectWellFormed(checkTask(task))),
      { ...fcOptions, numRuns: 300 },
    );
  });

  it('survives deep nesting at the root and inside members', () => {
    let deepObject: unknown = {};
    let deepArray: unknown = [];
    for (let i = 0; i < 20_000; i++) {
      deepObject = { DataModelConfiguration: deepObject, __proto__: null };
      deepArray = [deepArray];
    }
    for (const value of [
      deepObject,
      deepArray,
      { DataModelConfiguration: { DataModel: { DimensionMappings: deepArray } } },
    ]) {
      const result = checkTask(value);
      expectWellFormed(result);
      expect(result.ok).toBe(false);
    }
  });

  it('reads a JSON __proto__ key as an unknown member, not as a prototype (R-VAL-1)', () => {
    const json: unknown = JSON.parse(
      '{"__proto__": {"TargetDatabaseName": "abc", "TargetTableName": "abc"}, "TargetDatabaseName": "abc"}',
    );
    const result = checkTask(json, { kind: 'task' });
    const lines = result.issues.map((i) => `${i.code} ${i.path}`);
    expect(lines).toContain('TASK_UNKNOWN_MEMBER /__proto__');
    expect(lines).toContain('TASK_MISSING_MEMBER /TargetTableName');
  });
});
