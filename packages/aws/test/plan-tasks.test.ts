/**
 * R-SUBMIT-2: the plan's invariants over generated listings (fast-check, seed printed and pinnable with
 * TSBATCH_SEED): every object is in exactly one task or named as left over; a task's prefix selects exactly its
 * objects out of the whole listing; every task fits the quotas; every prefix is a legal ObjectKeyPrefix under the
 * task's own. Then the layouts the plan must tell apart, by example.
 */
import type { ResolvedSource, SourceFile } from '@tsbatch/core';
import { S3_OBJECT_KEY_PATTERN } from '@tsbatch/validator';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { fleetTask } from '../../core/test/dry-run-fixtures.js';
import { fitsOneTask, planTasks, type TaskPlan } from '../src/index.js';

const SEED = Number(process.env['TSBATCH_SEED'] ?? Date.now() % 2 ** 31);
console.log(`plan-tasks property seed: ${SEED} (TSBATCH_SEED=${SEED} to replay)`);

const LIMITS = { maxFiles: 3, maxFileBytes: 100, maxTotalBytes: 200 };

function source(entries: [string, number][]): ResolvedSource {
  const files: SourceFile[] = entries
    .map(([key, size]) => ({ key, size, path: `s3://bkt/${key}`, etag: `"${key.length}"` }))
    .sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  return { files, totalBytes: files.reduce((n, f) => n + f.size, 0) };
}

function task(prefix: string): ReturnType<typeof fleetTask> {
  const t = fleetTask();
  return {
    ...t,
    source: { bucket: 'bkt', prefix },
    request: {
      ...t.request,
      DataSourceConfiguration: {
        ...t.request.DataSourceConfiguration,
        DataSourceS3Configuration: { BucketName: 'bkt', ObjectKeyPrefix: prefix },
      },
    },
  };
}

function checkInvariants(plan: TaskPlan, all: ResolvedSource, prefix: string): void {
  const seen = new Map<string, number>();
  for (const t of plan.tasks) {
    if (t.copies.length > 0) {
      for (const c of t.copies) seen.set(c.from.key, (seen.get(c.from.key) ?? 0) + 1);
      expect(t.files.every((f) => f.key.startsWith(t.prefix))).toBe(true);
    } else {
      // The prefix selects exactly these objects out of everything listed.
      const selected = all.files.filter((f) => f.key.startsWith(t.prefix)).map((f) => f.key);
      expect(t.files.map((f) => f.key)).toEqual(selected);
      expect(t.prefix.startsWith(prefix)).toBe(true);
      for (const f of t.files) seen.set(f.key, (seen.get(f.key) ?? 0) + 1);
    }
    expect(fitsOneTask(t.files, LIMITS)).toBe(true);
    expect(S3_OBJECT_KEY_PATTERN.test(t.prefix)).toBe(true);
    expect(t.request.DataSourceConfiguration?.DataSourceS3Configuration?.ObjectKeyPrefix).toBe(t.prefix);
  }
  for (const f of [...plan.unsplittable, ...plan.oversized]) seen.set(f.key, (seen.get(f.key) ?? 0) + 1);
  expect([...seen.keys()].sort()).toEqual(all.files.map((f) => f.key).sort());
  expect([...seen.values()].every((n) => n === 1)).toBe(true);
  expect(plan.ok).toBe(plan.unsplittable.length === 0 && plan.oversized.length === 0);
  expect(new Set(plan.tasks.map((t) => t.request.ClientToken)).size).toBe(plan.tasks.length);
}

const keyArb = fc
  .array(fc.constantFrom('a', 'b', '0', '1', '/', '.', '-', 'é'), { minLength: 1, maxLength: 6 })
  .map((chars) => `data/${chars.join('')}`);
const listingArb = fc.uniqueArray(fc.tuple(keyArb, fc.integer({ min: 0, max: 120 })), {
  selector: ([k]) => k,
  maxLength: 25,
});

describe('planTasks (R-SUBMIT-2)', () => {
  it('puts every object in exactly one task whose prefix selects exactly its objects, within the quotas', () => {
    fc.assert(
      fc.property(listingArb, fc.boolean(), (entries, staged) => {
        const all = source(entries);
        const plan = planTasks(task('data/'), all, {
          limits: LIMITS,
          ...(staged && { stage: { bucket: 'bkt', prefix: 'staging/' } }),
        });
        checkInvariants(plan, all, 'data/');
        if (staged) expect(plan.unsplittable).toEqual([]);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('keeps a task that fits as it is, with its own prefix (R-SUBMIT-2)', () => {
    const all = source([
      ['data/a.csv', 10],
      ['data/b.csv', 10],
    ]);
    const plan = planTasks(task('data/'), all, { limits: LIMITS });
    expect(plan.kind).toBe('one');
    expect(plan.tasks.map((t) => t.prefix)).toEqual(['data/']);
  });

  it('cuts a dated layout at its folders (R-SUBMIT-2)', () => {
    const entries: [string, number][] = [];
    for (const day of ['01', '02', '03'])
      for (const n of [1, 2, 3]) entries.push([`data/2024/05/${day}/p${n}.csv`, 20]);
    const plan = planTasks(task('data/'), source(entries), { limits: LIMITS });
    expect(plan.tasks.map((t) => t.prefix)).toEqual([
      'data/2024/05/01/',
      'data/2024/05/02/',
      'data/2024/05/03/',
    ]);
    expect(plan.ok).toBe(true);
  });

  it('says which objects prefixes cannot separate, and stages them when told (R-SUBMIT-2)', () => {
    // `data/x.csv` is a prefix of the three others: no prefix reaches it without them.
    const entries: [string, number][] = [
      ['data/x.csv', 10],
      ['data/x.csv.1', 10],
      ['data/x.csv.2', 10],
      ['data/x.csv.3', 10],
      ['data/y.csv', 10],
    ];
    const plain = planTasks(task('data/'), source(entries), { limits: LIMITS });
    expect(plain.ok).toBe(false);
    expect(plain.unsplittable.map((f) => f.key)).toEqual(entries.slice(0, 4).map(([k]) => k));
    expect(plain.tasks.map((t) => t.prefix)).toEqual(['data/y.csv']);
    const staged = planTasks(task('data/'), source(entries), {
      limits: LIMITS,
      stage: { bucket: 'bkt', prefix: 'staging' },
    });
    expect(staged.ok).toBe(true);
    expect(staged.tasks.map((t) => [t.prefix, t.files.map((f) => f.key)])).toEqual([
      ['data/y.csv', ['data/y.csv']],
      ['staging/0001/', ['staging/0001/x.csv', 'staging/0001/x.csv.1', 'staging/0001/x.csv.2']],
      ['staging/0002/', ['staging/0002/x.csv.3']],
    ]);
    // Staged files are read from where they are listed until copied; their copies name them.
    expect(staged.tasks[1]!.copies.map((c) => [c.from.path, c.toKey])[0]).toEqual([
      's3://bkt/data/x.csv',
      'staging/0001/x.csv',
    ]);
  });

  it('names an object over the file quota, which no task reads, even when staging (R-SUBMIT-2, R-VAL-9)', () => {
    const plan = planTasks(
      task('data/'),
      source([
        ['data/a/1.csv', 150],
        ['data/a/2.csv', 10],
        ['data/b/1.csv', 10],
      ]),
      { limits: LIMITS, stage: { bucket: 'bkt', prefix: 'staging/' } },
    );
    expect(plan.ok).toBe(false);
    expect(plan.oversized.map((f) => f.key)).toEqual(['data/a/1.csv']);
    expect(plan.tasks.map((t) => t.prefix)).toEqual(['data/a/2.csv', 'data/b/']);
  });

  it('refuses a stage prefix inside the source, whose copies the tasks would read (PLAN_INVALID_STAGE)', () => {
    const all = source([
      ['data/x', 10],
      ['data/x1', 10],
      ['data/x2', 10],
      ['data/x3', 10],
    ]);
    expect(() =>
      planTasks(task('data/'), all, { limits: LIMITS, stage: { bucket: 'bkt', prefix: 'data/staged/' } }),
    ).toThrow(expect.objectContaining({ code: 'PLAN_INVALID_STAGE' }) as Error);
  });
});
