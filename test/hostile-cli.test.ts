/**
 * Issue 7 through the CLI: hostile task files into `tsbatch validate` (exit 0 valid, 1 invalid, 2 usage or not
 * JSON; never a stack trace; Object.prototype untouched), and one dry run per hostile CSV class with
 * `--report-dir`, checking the real rejects.jsonl and error-report.json against the ProgressReport (R-COUNT-1,
 * R-REP-2/3). Most runs call the CLI's main() in-process; a few spawn `pnpm -s tsbatch` as a user would.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { main } from '@tsbatch/cli';
import { parseJsonText, validateTask } from '@tsbatch/validator';
import { FLEET, mutate, SENSORS, type FuzzTarget } from '../packages/core/test/fuzz-helpers.js';
import { ROOT } from './readme-examples.js';

const exec = promisify(execFile);
const LONG = process.env.TSBATCH_LONG === '1';
const forced = Number(process.env.TSBATCH_FUZZ_RUNS);
const runs = (quick: number, long: number): number =>
  Number.isInteger(forced) && forced > 0 ? forced : LONG ? long : quick;
const fcOptions = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };
const TIMEOUT = LONG ? 3_600_000 : 30_000;

/** What a stack trace looks like in output: V8 frames or Node's internals. */
const STACK = /\n\s+at |node:internal|\.ts:\d+:\d+\)|internal error/;

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tsbatch-hostile-cli-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});
afterEach(() => {
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
});

interface CliRun {
  exit: number;
  stdout: string;
  stderr: string;
}

/** The CLI's main() in-process, from the repository root, stdout and stderr apart. */
async function cli(argv: string[]): Promise<CliRun> {
  const out = { stdout: '', stderr: '' };
  const sink = (key: 'stdout' | 'stderr'): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, done): void {
        out[key] += chunk.toString();
        done();
      },
    });
  const exit = await main(argv, { stdout: sink('stdout'), stderr: sink('stderr'), cwd: ROOT });
  return { exit, ...out };
}

function expectNoStackTrace(run: CliRun): void {
  expect(run.stdout + run.stderr).not.toMatch(STACK);
  expect(run.exit).not.toBe(70); // the CLI's own "internal error" exit
}

let taskCount = 0;
async function taskFile(text: string | Uint8Array): Promise<string> {
  const file = path.join(tmp, `task-${taskCount++}.json`);
  await writeFile(file, text);
  return file;
}

const EXAMPLE_TASKS = [
  'examples/fleet/task.json',
  'examples/sensors/task.json',
  'examples/broken/typos.json',
];
const exampleTexts = await Promise.all(EXAMPLE_TASKS.map((f) => readFile(path.join(ROOT, f), 'utf8')));

/** R-IN-5 and the validate contract: the exit code the parsed text and its validation call for. */
async function expectValidateContract(file: string, text: string): Promise<CliRun> {
  const run = await cli(['validate', file]);
  expectNoStackTrace(run);
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    expect(run.exit).toBe(2);
    expect(run.stderr).toContain(`tsbatch validate: ${file}:${parsed.line}:${parsed.column}: not valid JSON`);
    expect(run.stdout).toBe('');
  } else {
    const result = await validateTask(parsed.value);
    expect(run.exit).toBe(result.ok ? 0 : 1);
    expect(run.stdout).toMatch(result.ok ? /: valid/ : /: invalid: \d+ errors?, \d+ warnings?\n$/);
    // Every issue is on its own line, with its path and code.
    for (const issue of result.issues) expect(run.stdout).toContain(`[${issue.code}]`);
  }
  return run;
}

describe('tsbatch validate on hostile task files (issue 7; R-IN-5, exit codes)', () => {
  it(
    'exits per contract on mutated example tasks and random text, never with a stack trace',
    async () => {
      const inserts = ['{', '}', '[', ']', ',', ':', '"', '\\', '\u0000', '\uFEFF', '\n', '1e999', '-', '😀'];
      const mutated = fc
        .tuple(
          fc.constantFrom(...exampleTexts),
          fc.array(fc.tuple(fc.nat(), fc.constantFrom(...inserts), fc.nat(8)), {
            minLength: 1,
            maxLength: 3,
          }),
        )
        .map(([text, edits]) =>
          edits.reduce((t, [at, insert, cut]) => {
            const i = at % (t.length + 1);
            return t.slice(0, i) + insert + t.slice(i + cut);
          }, text),
        );
      await fc.assert(
        fc.asyncProperty(fc.oneof(mutated, fc.json({ maxDepth: 3 }), fc.string()), async (text) => {
          await expectValidateContract(await taskFile(text), text);
        }),
        { ...fcOptions, numRuns: runs(60, 3000) },
      );
    },
    TIMEOUT,
  );

  it('exits 1 for values of the wrong type at the root, naming / (R-VAL-1)', async () => {
    for (const text of ['[]', '"task"', '42', 'null', 'true', '[{"TargetDatabaseName": "abc"}]']) {
      const run = await expectValidateContract(await taskFile(text), text);
      expect(run.exit).toBe(1);
      expect(run.stdout).toMatch(/^error {3}\/: must be an object/);
    }
  });

  it('exits 2 for files that are not JSON text: binary, invalid UTF-8, a BOM, empty, a folder (R-IN-5)', async () => {
    const binary = Uint8Array.from({ length: 512 }, (_, i) => (i * 131 + 7) % 256);
    const cases: [string | Uint8Array, RegExp][] = [
      [binary, /:\d+:\d+: not valid JSON: /],
      [Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /:1:2: not valid JSON: /],
      [`\uFEFF${exampleTexts[0]!}`, /:1:1: not valid JSON: the file begins with a byte-order mark/],
      ['', /:1:1: not valid JSON: the file is empty/],
      [' \n\t ', /:1:1: not valid JSON: the file is empty/],
    ];
    for (const [content, message] of cases) {
      const run = await cli(['validate', await taskFile(content)]);
      expectNoStackTrace(run);
      expect(run.exit).toBe(2);
      expect(run.stderr).toMatch(message);
    }
    const folder = await cli(['validate', tmp]);
    expect(folder.exit).toBe(2);
    expect(folder.stderr).toMatch(/cannot read task file .*: is a folder/);
  });

  it('reads __proto__ and constructor.prototype as unknown members and pollutes nothing (R-VAL-1)', async () => {
    const fleet = exampleTexts[0]!;
    const text = fleet.replace(
      '{\n  "TargetDatabaseName"',
      '{\n  "__proto__": {"polluted": 1},\n  "constructor": {"prototype": {"polluted": 2}},\n  "TargetDatabaseName"',
    );
    const nested = text.replace('"DataModel": {', '"DataModel": {"__proto__": {"polluted": 3},');
    const run = await expectValidateContract(await taskFile(nested), nested);
    expect(run.exit).toBe(1);
    expect(run.stdout).toContain('error   /__proto__: unknown member "__proto__"');
    expect(run.stdout).toContain('error   /constructor: unknown member "constructor"');
    expect(run.stdout).toContain(
      'error   /DataModelConfiguration/DataModel/__proto__: unknown member "__proto__"',
    );
    const json = await cli(['validate', await taskFile(nested), '--json']);
    const issues = (JSON.parse(json.stdout) as { issues: { path: string }[] }).issues.map((i) => i.path);
    expect(issues).toEqual(expect.arrayContaining(['/__proto__', '/constructor']));
  });

  it('handles 100k levels of nesting: exit 1 when it parses, exit 2 at the right column when not', async () => {
    const depth = 100_000;
    const deep = `{"TargetDatabaseName": ${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const run = await expectValidateContract(await taskFile(deep), deep);
    expect(run.exit).toBe(1);
    expect(run.stdout).toContain(
      'error   /TargetDatabaseName: must be a string, not an array [TASK_WRONG_TYPE]',
    );
    const broken = `${'['.repeat(depth)}}`;
    const file = await taskFile(broken);
    const bad = await cli(['validate', file]);
    expect(bad.exit).toBe(2);
    expect(bad.stderr).toContain(`${file}:1:${depth + 1}: not valid JSON: unexpected '}', expected a value`);
  });

  it('bounds the output for 10 MB strings, values and member names alike', async () => {
    const big = 'x'.repeat(10_000_000);
    const task = JSON.parse(exampleTexts[0]!) as Record<string, unknown>;
    for (const text of [
      JSON.stringify({ ...task, TargetTableName: big }),
      JSON.stringify({ ...task, [big]: 1 }),
    ]) {
      const run = await expectValidateContract(await taskFile(text), text);
      expect(run.exit).toBe(1);
      expect(run.stdout.length + run.stderr.length).toBeLessThan(2000);
    }
  });

  it('spawned `pnpm -s tsbatch validate`: exit codes and no stack trace for pollution, nesting and broken JSON', async () => {
    const spawn = async (file: string): Promise<CliRun> => {
      try {
        const { stdout, stderr } = await exec('pnpm', ['-s', 'tsbatch', 'validate', file], {
          cwd: ROOT,
          env: { ...process.env, FORCE_COLOR: '0' },
        });
        return { exit: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { exit: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    };
    const polluted = await taskFile('{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"x": 1}}}');
    const deep = await taskFile(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    const broken = await taskFile(exampleTexts[1]!.slice(0, 300));
    // Each spawn starts pnpm and tsx (seconds on CI): the pollution case only in the long profile.
    const [b, c, a] = await Promise.all([spawn(deep), spawn(broken), ...(LONG ? [spawn(polluted)] : [])]);
    for (const run of [a, b, c]) if (run !== undefined) expectNoStackTrace(run);
    if (a !== undefined) {
      expect(a.exit).toBe(1);
      expect(a.stdout).toContain('unknown member "__proto__"');
    }
    expect(b.exit).toBe(1);
    expect(b.stdout).toContain('error   /: must be an object, not an array [TASK_WRONG_TYPE]');
    expect(c.exit).toBe(2);
    expect(c.stderr).toMatch(/^tsbatch validate: .*:\d+:\d+: not valid JSON: /);
  }, 60_000);
});

describe('the fuzz suites resolve the examples as the validator does', () => {
  it('has the fleet and sensors tasks of packages/core/test/fuzz-helpers.ts equal to the validated examples', async () => {
    for (const target of [FLEET, SENSORS]) {
      const json: unknown = JSON.parse(await readFile(path.join(ROOT, target.taskFile), 'utf8'));
      const task = (await validateTask(json)).task!;
      // What a dry run reads of the task (the fleet fixture's request echo is partial: it only names the TaskId).
      const { model, csv, source, recordVersion } = target.task;
      expect({ model, csv, source, recordVersion }).toEqual({
        model: task.model,
        csv: task.csv,
        source: task.source,
        recordVersion: task.recordVersion,
      });
    }
    expect((await validateTask(JSON.parse(exampleTexts[1]!))).task).toEqual(SENSORS.task);
  });
});

// ---- dry runs of hostile CSV, one per class, through the real files the CLI writes ----

const MiB = 1024 * 1024;
const fleetText = Buffer.from(FLEET.files['sample.csv']!).toString('utf8');
const fleetLines = fleetText.trimEnd().split('\n');

/** One hostile CSV class: the fleet (or sensors) files with the class applied. */
const CLASSES: {
  name: string;
  target: FuzzTarget;
  files: () => Record<string, string | Uint8Array>;
  /** `code line-lastLine` of every reject, when the class has one outcome (the mutated class has not). */
  rejects?: string[];
}[] = [
  {
    name: 'truncated file',
    target: FLEET,
    files: () => ({ 'sample.csv': fleetText.slice(0, 333) }),
    rejects: ['CSV_FIELD_COUNT 7-7'],
  },
  {
    name: 'NUL bytes',
    target: FLEET,
    files: () => ({
      'sample.csv': fleetText.replace('4266.8', '42\u000066.8').replace('Van-7', 'V\u0000an-7'),
    }),
    rejects: ['VALUE_INVALID 2-2'],
  },
  {
    name: 'invalid UTF-8',
    target: FLEET,
    files: () => {
      const at = fleetText.indexOf('Van-9');
      return {
        'sample.csv': Buffer.concat([
          Buffer.from(fleetText.slice(0, at)),
          Buffer.from([0xc3, 0x28]),
          Buffer.from(fleetText.slice(at)),
        ]),
      };
    },
    rejects: ['FILE_INVALID_UTF8 5-5'],
  },
  {
    name: 'BOM at the start',
    target: FLEET,
    files: () => ({ 'sample.csv': `\uFEFF${fleetText}` }),
    rejects: ['FILE_BOM 1-1'],
  },
  {
    name: 'BOM mid-file',
    target: FLEET,
    files: () => ({ 'sample.csv': fleetText.replace('\n1714522200', '\n\uFEFF1714522200') }),
    rejects: ['TIME_INVALID 4-4'],
  },
  {
    name: '16 MB+ field',
    target: FLEET,
    files: () => ({
      'sample.csv': `${fleetLines[0]}\n${fleetLines[1]}\n1714521600,${'v'.repeat(17 * MiB)},TX,1,1,1,1\n${fleetLines[2]}\n`,
    }),
    rejects: ['CSV_ROW_TOO_LARGE 3-3'],
  },
  {
    name: 'millions of columns',
    target: FLEET,
    files: () => ({
      'sample.csv': `${fleetLines[0]}\n${fleetLines[1]}\n${','.repeat(2_000_000)}\n${fleetLines[2]}\n`,
    }),
    rejects: ['CSV_FIELD_COUNT 3-3'],
  },
  {
    name: 'lone CR',
    target: FLEET,
    // CR alone ends no line (R-CSV-4): the whole file is one header, where the vehicle names repeat.
    files: () => ({ 'sample.csv': fleetText.replaceAll('\n', '\r') }),
    rejects: ['FILE_HEADER_DUPLICATE_NAME 1-1'],
  },
  {
    name: 'quotes everywhere',
    target: FLEET,
    files: () => {
      // Every cell quoted, a doubled quote inside one, and a stray quote inside another (line 6).
      const lines = fleetLines.map((line) =>
        line
          .split(',')
          .map((cell) => `"${cell}"`)
          .join(','),
      );
      lines[2] = lines[2]!.replace('"Truck-2"', '"Truck""-2"');
      lines[5] = lines[5]!.replace('4971.6', '4971."6');
      return { 'sample.csv': `${lines.join('\n')}\n` };
    },
    rejects: ['CSV_INVALID_QUOTE 6-6'],
  },
  {
    name: 'mutated mixed-model files',
    target: SENSORS,
    files: () => {
      const keys = Object.keys(SENSORS.files).sort();
      return Object.fromEntries(
        keys.map((key, i) => [key, mutate(SENSORS.files[key]!, SENSORS.files[keys[1 - i]!]!, 7 + i, 4)]),
      );
    },
  },
];

interface RejectLine {
  file: string;
  line: number;
  lastLine: number;
  kind: 'parse' | 'ingestion' | 'file';
  code: string;
  reason: string;
}

describe('tsbatch dry-run --report-dir on hostile CSV, one class at a time (issue 7; R-COUNT-1, R-REP-2/3)', () => {
  it.each(CLASSES.map((c) => [c.name, c] as const))(
    '%s: counts balance, rejects.jsonl holds every failed row and file, exit per contract',
    async (name, { target, files, rejects: expected }) => {
      const root = path.join(tmp, name.replace(/\W+/g, '-'));
      const bucket = target.task.source.bucket;
      for (const [key, content] of Object.entries(files())) {
        const full = path.join(root, 's3', bucket, key);
        await mkdir(path.dirname(full), { recursive: true });
        await writeFile(full, content);
      }
      const reportDir = path.join(root, 'out');
      const window =
        target === FLEET
          ? ['--table', 'examples/fleet/table.json', '--now', '2024-05-01T01:30:00Z']
          : ['--memory-retention-hours', '24', '--magnetic-writes', '--now', '2024-05-01T02:00:00Z'];
      const started = performance.now();
      const run = await cli([
        'dry-run',
        target.taskFile,
        '--s3-root',
        path.join(root, 's3'),
        ...window,
        '--report-dir',
        reportDir,
        '--json',
      ]);
      const elapsed = performance.now() - started;
      expectNoStackTrace(run);
      const { BatchLoadTaskDescription: d } = JSON.parse(run.stdout) as {
        BatchLoadTaskDescription: { TaskStatus: string; ProgressReport: Record<string, number> };
      };
      const p = d.ProgressReport;
      expect(p['RecordsProcessed']).toBe(
        p['RecordsIngested']! + p['ParseFailures']! + p['RecordIngestionFailures']!,
      );
      const failed = p['ParseFailures']! + p['RecordIngestionFailures']! + p['FileFailures']!;
      expect(d.TaskStatus).toBe(failed > 0 ? 'FAILED' : 'SUCCEEDED');
      expect(run.exit).toBe(failed > 0 ? 1 : 0);

      const text = await readFile(path.join(reportDir, 'rejects.jsonl'), 'utf8');
      const rejects =
        text === ''
          ? []
          : text
              .trimEnd()
              .split('\n')
              .map((line) => JSON.parse(line) as RejectLine);
      const count = (kind: string): number => rejects.filter((r) => r.kind === kind).length;
      expect([count('parse'), count('ingestion'), count('file')]).toEqual([
        p['ParseFailures'],
        p['RecordIngestionFailures'],
        p['FileFailures'],
      ]);
      if (expected !== undefined)
        expect(rejects.map((r) => `${r.code} ${r.line}-${r.lastLine}`)).toEqual(expected);
      for (const r of rejects) {
        expect(r.lastLine).toBeGreaterThanOrEqual(r.line);
        expect(r.reason.length).toBeGreaterThan(0);
      }
      // The error report (R-REP-2) exists exactly when something failed, and its ranges cover the failed rows.
      const reportFile = path.join(reportDir, 'error-report.json');
      expect(existsSync(reportFile)).toBe(failed > 0);
      if (failed > 0) {
        const report = JSON.parse(await readFile(reportFile, 'utf8')) as {
          fileErrors: { fileName: string; errors: { lineRanges: [number, number][] }[] }[];
        };
        for (const r of rejects.filter((x) => x.kind !== 'file')) {
          const ranges = report.fileErrors
            .find((f) => f.fileName === r.file)!
            .errors.flatMap((e) => e.lineRanges);
          expect(ranges.some(([from, to]) => from <= r.line && r.lastLine <= to)).toBe(true);
        }
      }
      expect(elapsed).toBeLessThan(20_000);
      console.log(
        name,
        run.exit,
        JSON.stringify(p),
        rejects.map((r) => `${r.code} ${r.line}-${r.lastLine}`).join(', '),
      );
    },
    TIMEOUT,
  );
});
