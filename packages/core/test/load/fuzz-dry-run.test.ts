/**
 * Issue 7, "Hostile CSV": fast-check and seeded mutations of real files through the dry run of the two examples
 * (fleet: multi-measure, `,`; sensors: mixed model, `;`, NULL value). Whatever the bytes: no throw, a time bounded
 * by the file size, RecordsProcessed = RecordsIngested + ParseFailures + RecordIngestionFailures, and every failed
 * row and file in the rejects with its lines (checkedDryRun). Quick by default; TSBATCH_LONG=1 (and
 * TSBATCH_FUZZ_RUNS=N) for the long profile. The seed of a failure is printed; FC_SEED=<seed> replays it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generateFleetCsv } from '../../../../bench/generate.js';
import {
  checkedDryRun,
  fcOptions,
  FLEET,
  FUZZ_TIMEOUT,
  fuzzRuns,
  HOSTILE_INSERTS,
  mutate,
  scratchDir,
  TARGETS,
  type FuzzTarget,
} from '../fuzz-helpers.js';

/** The first lines of bench/generate.ts's seeded fleet CSV: real-looking rows, larger than the example. */
let generated: Uint8Array;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsbatch-fuzz-gen-'));
  try {
    const text = readFileSync(await generateFleetCsv(dir, 1, 7), 'latin1');
    generated = Buffer.from(text.split('\n').slice(0, 201).join('\n') + '\n', 'latin1');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
/** Each test writes its files in a folder of its own (the same keys, overwritten run after run). */
const scratches: ReturnType<typeof scratchDir>[] = [];
function scratch(): string {
  const made = scratchDir();
  scratches.push(made);
  return made.dir;
}
afterAll(() => {
  for (const made of scratches) made.remove();
});

/** A target with the same keys as its example, holding `contents` in key order. */
function filesOf(target: FuzzTarget, contents: Uint8Array[]): Record<string, Uint8Array> {
  const keys = Object.keys(target.files).sort();
  return Object.fromEntries(keys.map((key, i) => [key, contents[i] ?? new Uint8Array()]));
}

const header = (target: FuzzTarget): Uint8Array => {
  const first = Object.values(target.files)[0]!;
  return first.subarray(0, first.indexOf(0x0a) + 1);
};

/** Hostile pieces: the inserts of the mutator, plus cells, separators and whole rows of both examples. */
const piece = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_INSERTS).map((b) => Uint8Array.from(b)) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        '1714521600',
        '1714525200000',
        'Truck-1',
        'dev-01',
        'env',
        'state',
        'pulses',
        'NULL',
        '4266.8',
        '-3.5e0',
        'true',
        '"a;b"',
        '"x\ny"',
        '1714521600,Truck-1,TX-1A2B3C,4266.8,30.6,14.76,1000\n',
        '1714525200000;dev-01;plant-b;env;19.75;51;NULL;NULL;NULL\n',
        '1714525200000;dev-01;plant-b;pulses;NULL;NULL;NULL;NULL;1315\n',
      )
      .map((text) => Buffer.from(text)),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }) },
);
const hostileBody = fc.array(piece, { maxLength: 40 }).map((parts) => Buffer.concat(parts));

describe('hostile CSV through the dry run (issue 7; R-COUNT-1, R-CSV-6, R-REP-3)', () => {
  it(
    'keeps the counting invariant and rejects every failed row, for random bytes as a whole file (R-COUNT-1/2)',
    async () => {
      const dir = scratch();
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...TARGETS),
          fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 2, maxLength: 2 }),
          async (target, contents) => {
            const run = await checkedDryRun(target, dir, filesOf(target, contents));
            // Random bytes rarely make a header with every mapped column: each file is a file failure or read.
            expect(run.result.progress.FileFailures).toBeLessThanOrEqual(Object.keys(target.files).length);
          },
        ),
        { ...fcOptions, numRuns: fuzzRuns(60, 2000) },
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'keeps the counting invariant for hostile rows under the real header, in any chunking (R-COUNT-1, R-CSV-1)',
    async () => {
      const dir = scratch();
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...TARGETS),
          fc.array(hostileBody, { minLength: 2, maxLength: 2 }),
          fc.integer({ min: 3, max: 64 }),
          async (target, bodies, highWaterMark) => {
            const files = filesOf(
              target,
              bodies.map((body) => Buffer.concat([header(target), body])),
            );
            const whole = await checkedDryRun(target, dir, files);
            // Results never depend on the read chunk size (R-CSV-1).
            const chunked = await checkedDryRun(target, dir, files, { highWaterMark });
            expect(chunked.result.progress).toEqual(whole.result.progress);
            expect(chunked.rejects).toEqual(whole.rejects);
          },
        ),
        { ...fcOptions, numRuns: fuzzRuns(50, 3000) },
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'keeps the counting invariant for seeded mutations of the example files (R-COUNT-1/2, R-REP-2/3)',
    async () => {
      const dir = scratch();
      const seeds = fuzzRuns(60, 5000);
      let failedRows = 0;
      let fileFailures = 0;
      for (let seed = 1; seed <= seeds; seed++) {
        for (const target of TARGETS) {
          const keys = Object.keys(target.files).sort();
          const contents = keys.map((key, i) =>
            mutate(
              target.files[key]!,
              target.files[keys[(i + 1) % keys.length]!]!,
              seed * 31 + i,
              1 + (seed % 6),
            ),
          );
          const run = await checkedDryRun(target, dir, filesOf(target, contents));
          const p = run.result.progress;
          failedRows += p.ParseFailures + p.RecordIngestionFailures;
          fileFailures += p.FileFailures;
        }
      }
      // The mutations do hit: rows and whole files fail, and the checks above ran on them.
      expect(failedRows).toBeGreaterThan(seeds / 4);
      expect(fileFailures).toBeGreaterThan(0);
    },
    FUZZ_TIMEOUT,
  );

  it(
    'keeps the counting invariant for seeded mutations of bench/generate.ts output (R-COUNT-1, R-DUP-1)',
    async () => {
      const dir = scratch();
      const seeds = fuzzRuns(25, 1000);
      let failedRows = 0;
      let ingested = 0;
      for (let seed = 1; seed <= seeds; seed++) {
        const mutated = mutate(generated, FLEET.files['sample.csv']!, seed, 1 + (seed % 12));
        const run = await checkedDryRun(FLEET, dir, { 'sample.csv': mutated }, { highWaterMark: 4096 });
        failedRows += run.result.progress.ParseFailures + run.result.progress.RecordIngestionFailures;
        ingested += run.result.progress.RecordsIngested;
      }
      expect(failedRows).toBeGreaterThan(seeds);
      expect(ingested).toBeGreaterThan(seeds * 50);
    },
    FUZZ_TIMEOUT,
  );
});
