/**
 * Issue 7, "Hostile task files": random and mutated JSON text, deep nesting, huge strings, prototype-pollution keys
 * and wrong types everywhere, through parseJsonText and validateTask. Whatever the input: no throw, a result that
 * says where (line and column, or a JSON Pointer), no TASK_INTERNAL_ERROR, Object.prototype untouched, and time
 * and message sizes bounded. TSBATCH_LONG=1 (or TSBATCH_FUZZ_RUNS=N) runs more cases; FC_SEED=<seed> replays one.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';

import {
  formatIssue,
  parseJsonText,
  validateTask,
  VALIDATION_CODES,
  type ValidationResult,
} from '../src/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const LONG = process.env.TSBATCH_LONG === '1';
const forced = Number(process.env.TSBATCH_FUZZ_RUNS);
const runs = (quick: number, long: number): number =>
  Number.isInteger(forced) && forced > 0 ? forced : LONG ? long : quick;
const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };
const TIMEOUT = LONG ? 3_600_000 : 30_000;

const EXAMPLES = [
  'examples/fleet/task.json',
  'examples/sensors/task.json',
  'examples/broken/typos.json',
  'examples/broken/model-rules.json',
  'examples/broken/wrong-columns.json',
].map((file) => readFileSync(path.join(ROOT, file), 'utf8'));

afterEach(() => {
  // Nothing any input did may reach the prototype of every object.
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
});

/** The never-throws contract (SPEC section 2), with the sizes of what a user reads bounded. */
function expectWellFormed(result: ValidationResult): void {
  expect(result.ok).toBe(!result.issues.some((i) => i.severity === 'error'));
  expect(result.task !== undefined).toBe(result.ok);
  for (const issue of result.issues) {
    expect(VALIDATION_CODES).toContain(issue.code);
    expect(issue.code, issue.message).not.toBe('TASK_INTERNAL_ERROR');
    expect(issue.path === '' || issue.path.startsWith('/')).toBe(true);
    expect(issue.message.length).toBeGreaterThan(0);
    // Values are quoted shortened: a 10 MB string never comes back whole in a message.
    expect(issue.message.length).toBeLessThan(2000);
  }
}

/** R-IN-5: parseJsonText agrees with JSON.parse, and a failure says where, inside the text. */
function expectParsedLikeJsonParse(text: string): ReturnType<typeof parseJsonText> {
  const parsed = parseJsonText(text);
  let engine: { ok: true; value: unknown } | { ok: false };
  try {
    engine = { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    engine = { ok: false };
  }
  if (text.startsWith('\uFEFF') || text.trim() === '') {
    expect(parsed.ok).toBe(false);
    return parsed;
  }
  expect(parsed.ok).toBe(engine.ok);
  if (parsed.ok && engine.ok) expect(parsed.value).toEqual(engine.value);
  if (!parsed.ok) {
    const lines = text.split(/\r\n|\r|\n/);
    expect(parsed.line).toBeGreaterThanOrEqual(1);
    expect(parsed.line).toBeLessThanOrEqual(lines.length);
    expect(parsed.column).toBeGreaterThanOrEqual(1);
    const line = Array.from(lines[parsed.line - 1]!);
    expect(parsed.column).toBeLessThanOrEqual(line.length + 1);
    // When the message names the character found, it is the one at that line and column.
    // (An invalid number is placed at its '-', the character named being the one after it.)
    const found = /(?:found|unexpected) '(.)'( after '-')?/u.exec(parsed.message);
    if (found !== null) expect(line[parsed.column - (found[2] === undefined ? 1 : 0)]).toBe(found[1]);
  }
  return parsed;
}

/** Text edits that break JSON in every way: structure, strings, escapes, numbers, control characters, a BOM. */
const TEXT_INSERTS = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"',
  '\\',
  '\\u12',
  '\u0000',
  '\uFEFF',
  '\n',
  '\r',
  'null',
  'true',
  '1e999',
  '-',
  '0x10',
  '"__proto__": {"polluted": 1},',
  '{"__proto__": {"polluted": 1}}',
  '"constructor": {"prototype": {"polluted": 1}},',
  '😀',
  '\uD800',
];

const textMutation = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...TEXT_INSERTS) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 40 }),
  }),
);

type TextMutation = typeof textMutation extends fc.Arbitrary<infer M> ? M : never;

function applyTextMutations(text: string, mutations: TextMutation[]): string {
  let out = text;
  for (const m of mutations) {
    const at = m.at % (out.length + 1);
    switch (m.kind) {
      case 'insert':
        out = out.slice(0, at) + m.text + out.slice(at);
        break;
      case 'delete':
        out = out.slice(0, at) + out.slice(at + m.length);
        break;
      case 'truncate':
        out = out.slice(0, at);
        break;
      case 'duplicate':
        out = out.slice(0, at + m.length) + out.slice(at, at + m.length) + out.slice(at + m.length);
        break;
    }
  }
  return out;
}

describe('random and mutated task text (R-IN-5, SPEC section 2)', () => {
  it(
    'parses mutated example tasks as JSON.parse does, says where they break, and validates what parses',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...EXAMPLES),
          fc.array(textMutation, { minLength: 1, maxLength: 4 }),
          async (text, mutations) => {
            const parsed = expectParsedLikeJsonParse(applyTextMutations(text, mutations));
            if (parsed.ok) expectWellFormed(await validateTask(parsed.value));
          },
        ),
        { ...fcOptions, numRuns: runs(300, 20_000) },
      );
    },
    TIMEOUT,
  );

  it(
    'parses random text and random JSON as JSON.parse does, and validates what parses',
    async () => {
      const jsonish = fc.oneof(
        fc.string({ unit: fc.constantFrom(...TEXT_INSERTS, ' ', 'a', '1', '.', 'e') }),
        fc.string({ unit: 'binary' }),
        fc.json({ maxDepth: 4 }),
      );
      await fc.assert(
        fc.asyncProperty(jsonish, async (text) => {
          const parsed = expectParsedLikeJsonParse(text);
          if (parsed.ok) expectWellFormed(await validateTask(parsed.value));
        }),
        { ...fcOptions, numRuns: runs(80, 20_000) },
      );
    },
    TIMEOUT,
  );
});

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every member of `json` with its JSON Pointer, deepest last. */
function members(json: Json, base = ''): { path: string; value: Json }[] {
  if (json === null || typeof json !== 'object') return [];
  const entries: [string, Json][] = Array.isArray(json)
    ? json.map((v, i) => [String(i), v])
    : Object.entries(json);
  return entries.flatMap(([key, value]) => {
    const path = `${base}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    return [{ path, value }, ...members(value, path)];
  });
}

function replaced(json: Json, pointer: string, value: Json): Json {
  const copy = structuredClone(json) as Record<string, Json>;
  const keys = pointer.split('/').slice(1);
  let node: Record<string, Json> = copy;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, Json>;
  node[keys.at(-1)!] = value;
  return copy;
}

const typeOf = (v: Json): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

describe('wrong types everywhere (R-VAL-1)', () => {
  it('reports an error at each member given a value of another type, in both examples', async () => {
    const wrong: Json[] = [null, true, 7, -1.5, 'text', [], [1, 'a'], {}, { Unknown: 1 }];
    let checked = 0;
    for (const text of EXAMPLES.slice(0, 2)) {
      const task = JSON.parse(text) as Json;
      for (const { path: pointer, value } of members(task)) {
        for (const other of wrong) {
          if (typeOf(other) === typeOf(value)) continue;
          const result = await validateTask(replaced(task, pointer, other));
          expectWellFormed(result);
          const errors = result.issues.filter((i) => i.severity === 'error').map((i) => i.path);
          // The error is at the member, or below it (the member's own members are checked), never elsewhere only.
          expect(
            errors.some((p) => p === pointer || p.startsWith(`${pointer}/`)),
            `${pointer} = ${JSON.stringify(other)}: ${errors.join(', ')}`,
          ).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(300);
  });
});

describe('prototype-pollution keys (R-VAL-1)', () => {
  it('reads __proto__ and constructor.prototype as unknown members everywhere, and pollutes nothing', async () => {
    const payloads = [
      '"__proto__": {"polluted": 1}',
      '"constructor": {"prototype": {"polluted": 1}}',
      '"prototype": {"polluted": 1}',
    ];
    for (const text of EXAMPLES.slice(0, 2)) {
      // Put each payload as the first member of every object of the task.
      const objects = [...text.matchAll(/\{/g)].map((m) => m.index);
      for (const at of objects) {
        for (const payload of payloads) {
          const hostile = `${text.slice(0, at + 1)}${payload},${text.slice(at + 1)}`;
          const parsed = parseJsonText(hostile);
          expect(parsed.ok).toBe(true);
          if (!parsed.ok) continue;
          const result = await validateTask(parsed.value);
          expectWellFormed(result);
          expect(result.ok).toBe(false);
          const key = /"(\w+)"/.exec(payload)![1]!;
          expect(
            result.issues.some((i) => i.code === 'TASK_UNKNOWN_MEMBER' && i.path.endsWith(`/${key}`)),
            `${payload} at ${at}: ${JSON.stringify(result.issues)}`,
          ).toBe(true);
        }
      }
    }
  });
});

describe('deep nesting and huge strings (R-IN-5, R-VAL-1)', () => {
  const DEPTH = 100_000;

  it('parses and validates 100k levels of nesting without overflowing the stack', async () => {
    const fleet = EXAMPLES[0]!;
    const deep = [
      '['.repeat(DEPTH) + ']'.repeat(DEPTH),
      '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH),
      '{"DataModelConfiguration":'.repeat(DEPTH) + '{}' + '}'.repeat(DEPTH),
      fleet.replace('"RecordVersion": 1', `"RecordVersion": ${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`),
      fleet.replace(
        '"SourceColumn": "vehicle"',
        `"SourceColumn": ${'{"x":'.repeat(DEPTH)}0${'}'.repeat(DEPTH)}`,
      ),
    ];
    for (const text of deep) {
      const started = performance.now();
      const parsed = parseJsonText(text);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      const result = await validateTask(parsed.value);
      expectWellFormed(result);
      expect(result.ok).toBe(false);
      expect(performance.now() - started).toBeLessThan(10_000);
    }
    // Broken at the bottom: the error is found where it is.
    const broken = parseJsonText('['.repeat(DEPTH) + '}');
    expect(broken).toMatchObject({ ok: false, line: 1, column: DEPTH + 1 });
    const unclosed = parseJsonText('{"a":'.repeat(DEPTH) + '1');
    expect(unclosed).toMatchObject({ ok: false, line: 1, column: 5 * DEPTH + 2 });
  });

  it('validates 10 MB strings in time, with the values shortened in messages', async () => {
    const big = 'a'.repeat(10_000_000);
    const task = JSON.parse(EXAMPLES[1]!) as Record<string, Json>;
    const csv = ['DataSourceConfiguration', 'CsvConfiguration'];
    const cases: { pointer: string[]; code: string }[] = [
      { pointer: ['TargetDatabaseName'], code: 'TASK_BAD_LENGTH' },
      { pointer: [...csv, 'EscapeChar'], code: 'TASK_BAD_LENGTH' },
      { pointer: [...csv, 'NullValue'], code: 'TASK_BAD_LENGTH' },
      { pointer: [...csv, 'ColumnSeparator'], code: 'TASK_BAD_LENGTH' },
      { pointer: ['DataModelConfiguration', 'DataModel', 'TimeColumn'], code: 'TASK_BAD_LENGTH' },
      {
        pointer: ['DataModelConfiguration', 'DataModel', 'DimensionMappings', '0', 'DestinationColumn'],
        code: 'NAME_TOO_LONG',
      },
      { pointer: ['ClientToken'], code: 'TASK_BAD_LENGTH' },
    ].filter((_, i) => LONG || i % 2 === 0);
    for (const { pointer, code } of cases) {
      const hostile = replaced(task, `/${pointer.join('/')}`, big);
      const text = JSON.stringify(hostile);
      const started = performance.now();
      const parsed = parseJsonText(text);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      const result = await validateTask(parsed.value);
      expectWellFormed(result);
      expect(result.issues.map((i) => `${i.code} ${i.path}`)).toContain(`${code} /${pointer.join('/')}`);
      // A few hundred ms on a quiet machine: linear in the size, no array of 10 million characters.
      expect(performance.now() - started).toBeLessThan(10_000);
    }
    // A 10 MB member name: unknown, shown shortened in the message.
    const key = parseJsonText(`{"${big}": 1}`);
    expect(key.ok).toBe(true);
    if (key.ok) {
      const result = await validateTask(key.value);
      expectWellFormed(result);
      expect(result.issues.find((i) => i.code === 'TASK_UNKNOWN_MEMBER')?.message).toMatch(
        /^unknown member "a{60}…"/,
      );
    }
    // People read the path shortened; the issue keeps the exact pointer (--json).
    if (key.ok) {
      const issue = (await validateTask(key.value)).issues.find((i) => i.code === 'TASK_UNKNOWN_MEMBER')!;
      expect(issue.path).toBe(`/${big}`);
      expect(formatIssue(issue)).toMatch(/^\/a{60}…: unknown member "a{60}…"/);
      expect(formatIssue(issue).length).toBeLessThan(1000);
    }
    // An unterminated 10 MB string: where it starts is line 1; where JSON breaks is its end.
    expect(parseJsonText(`{"TargetDatabaseName": "${big}`)).toMatchObject({
      ok: false,
      line: 1,
      column: 25 + big.length,
      message: 'unterminated string',
    });
  });
});
