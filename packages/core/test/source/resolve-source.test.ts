import { mkdir, mkdtemp, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { resolveObject, resolveReportFolder, resolveSource } from '../../src/index.js';
import type { ResolveSourceResult } from '../../src/index.js';

let dir: string;

/** Writes `files` (relative path -> content) under `root`. */
async function tree(root: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

function keys(result: ResolveSourceResult): string[] {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.source.files.map((f) => f.key);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tsbatch-resolve-'));
  await tree(path.join(dir, 's3', 'bucket'), {
    'sample.csv': 'a\n',
    'sample.csv.bak': 'ab\n',
    'data/part-1.csv': 'abc\n',
    'data/part-2.csv': 'abcd\n',
    'data/other.csv': 'x\n',
    'data/nested/part-9.csv': 'y\n',
    'data/.hidden.csv': 'z\n',
    'zeta/B.csv': '1\n',
    'zeta/a.csv': '2\n',
    'zeta/\u{1F600}.csv': '3\n',
    'zeta/\uFF5E.csv': '4\n',
  });
  await tree(path.join(dir, 'outside'), { 'secret.csv': 'secret\n' });
  await tree(path.join(dir, 'folder'), { 'one.csv': '1\n', 'sub/two.csv': '22\n', '.dot': '' });
  await mkdir(path.join(dir, 'empty-folder'));
  await mkdir(path.join(dir, 'links', 'b'), { recursive: true });
  await writeFile(path.join(dir, 'links', 'b', 'real.csv'), 'r\n');
  await symlink(path.join(dir, 'links', 'b', 'real.csv'), path.join(dir, 'links', 'b', 'inside.csv'));
  await mkdir(path.join(dir, 'escape', 'b'), { recursive: true });
  await symlink(path.join(dir, 'outside', 'secret.csv'), path.join(dir, 'escape', 'b', 'out.csv'));
  await mkdir(path.join(dir, 'escape-dir', 'b'), { recursive: true });
  await symlink(path.join(dir, 'outside'), path.join(dir, 'escape-dir', 'b', 'out'));
  await mkdir(path.join(dir, 'escape-bucket'));
  await symlink(path.join(dir, 'outside'), path.join(dir, 'escape-bucket', 'b'));
  await mkdir(path.join(dir, 'escape-report', 'b'), { recursive: true });
  await symlink(path.join(dir, 'outside'), path.join(dir, 'escape-report', 'b', 'reports'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveSource with --s3-root (R-IN-3)', () => {
  const s3 = (): { s3Root: string } => ({ s3Root: path.join(dir, 's3') });

  it('treats a full key as a prefix, so it also takes longer keys (R-IN-3)', async () => {
    expect(keys(await resolveSource({ bucket: 'bucket', prefix: 'sample.csv' }, s3()))).toEqual([
      'sample.csv',
      'sample.csv.bak',
    ]);
  });

  it('takes every file under a folder prefix, recursively, hidden ones too (R-IN-3)', async () => {
    expect(keys(await resolveSource({ bucket: 'bucket', prefix: 'data/' }, s3()))).toEqual([
      'data/.hidden.csv',
      'data/nested/part-9.csv',
      'data/other.csv',
      'data/part-1.csv',
      'data/part-2.csv',
    ]);
  });

  it('matches a partial name prefix like data/part- (R-IN-3)', async () => {
    expect(keys(await resolveSource({ bucket: 'bucket', prefix: 'data/part-' }, s3()))).toEqual([
      'data/part-1.csv',
      'data/part-2.csv',
    ]);
  });

  it('sorts keys by their UTF-8 bytes, not by UTF-16 code units (R-IN-3)', async () => {
    // U+FF5E is EF BD 9E, U+1F600 is F0 9F 98 80: bytes put U+FF5E first; UTF-16 order would not.
    expect(keys(await resolveSource({ bucket: 'bucket', prefix: 'zeta/' }, s3()))).toEqual([
      'zeta/B.csv',
      'zeta/a.csv',
      'zeta/\uFF5E.csv',
      'zeta/\u{1F600}.csv',
    ]);
  });

  it('gives each file its path, its size and the total size (R-IN-3, R-VAL-9)', async () => {
    const result = await resolveSource({ bucket: 'bucket', prefix: 'data/part-' }, s3());
    expect(result).toEqual({
      ok: true,
      source: {
        files: [
          { key: 'data/part-1.csv', path: path.join(dir, 's3', 'bucket', 'data', 'part-1.csv'), size: 4 },
          { key: 'data/part-2.csv', path: path.join(dir, 's3', 'bucket', 'data', 'part-2.csv'), size: 5 },
        ],
        totalBytes: 9,
      },
    });
  });

  it('takes the whole bucket with an empty prefix (R-IN-3)', async () => {
    expect(keys(await resolveSource({ bucket: 'bucket', prefix: '' }, s3()))).toHaveLength(11);
  });

  it('fails with SOURCE_EMPTY when no key starts with the prefix (R-IN-3)', async () => {
    const result = await resolveSource({ bucket: 'bucket', prefix: 'nothing/' }, s3());
    expect(result).toMatchObject({ ok: false, error: { code: 'SOURCE_EMPTY' } });
    if (!result.ok) expect(result.error.message).toContain('nothing/');
  });

  it('fails with SOURCE_NOT_FOUND when the bucket folder is missing (R-IN-3)', async () => {
    const result = await resolveSource({ bucket: 'no-such-bucket', prefix: '' }, s3());
    expect(result).toMatchObject({ ok: false, error: { code: 'SOURCE_NOT_FOUND' } });
    if (!result.ok) expect(result.error.message).toContain('no-such-bucket');
  });

  it('refuses a prefix with a .. segment (R-IN-3)', async () => {
    const result = await resolveSource({ bucket: 'bucket', prefix: '../outside/' }, s3());
    expect(result).toMatchObject({ ok: false, error: { code: 'SOURCE_ESCAPES_ROOT' } });
  });

  it('refuses an absolute prefix (R-IN-3)', async () => {
    const result = await resolveSource({ bucket: 'bucket', prefix: '/etc/' }, s3());
    expect(result).toMatchObject({ ok: false, error: { code: 'SOURCE_ESCAPES_ROOT' } });
  });

  it('refuses a bucket name that is a path (R-IN-3)', async () => {
    const result = await resolveSource({ bucket: '..', prefix: '' }, s3());
    expect(result).toMatchObject({ ok: false, error: { code: 'SOURCE_ESCAPES_ROOT' } });
  });

  it('follows a symbolic link that stays inside the bucket, keyed by the link name (R-IN-3)', async () => {
    expect(
      keys(await resolveSource({ bucket: 'b', prefix: '' }, { s3Root: path.join(dir, 'links') })),
    ).toEqual(['inside.csv', 'real.csv']);
  });

  it('refuses a symbolic link to a file outside the bucket (R-IN-3)', async () => {
    const result = await resolveSource({ bucket: 'b', prefix: '' }, { s3Root: path.join(dir, 'escape') });
    expect(result).toMatchObject({ ok: false, error: { code: 'SOURCE_ESCAPES_ROOT' } });
    if (!result.ok) expect(result.error.message).toContain('out.csv');
  });

  it('refuses a symbolic link to a folder outside the bucket (R-IN-3)', async () => {
    const result = await resolveSource({ bucket: 'b', prefix: '' }, { s3Root: path.join(dir, 'escape-dir') });
    expect(result).toMatchObject({ ok: false, error: { code: 'SOURCE_ESCAPES_ROOT' } });
  });

  it('refuses a bucket folder that is a symbolic link out of --s3-root, naming the bucket (R-IN-3)', async () => {
    const result = await resolveSource(
      { bucket: 'b', prefix: '' },
      { s3Root: path.join(dir, 'escape-bucket') },
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'SOURCE_ESCAPES_ROOT' } });
    if (!result.ok) expect(result.error.message).toMatch(/^bucket b: .* resolves to .*outside/);
    const object = await resolveObject(
      { bucket: 'b', key: 'secret.csv' },
      { s3Root: path.join(dir, 'escape-bucket') },
    );
    expect(object).toMatchObject({ ok: false, error: { code: 'SOURCE_ESCAPES_ROOT' } });
  });

  it('names the key of a link that leads out of the bucket (R-IN-3)', async () => {
    const result = await resolveSource(
      { bucket: 'b', prefix: 'out' },
      { s3Root: path.join(dir, 'escape-dir') },
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'SOURCE_ESCAPES_ROOT' } });
    if (!result.ok) expect(result.error.message).toMatch(/^key "out": .*out resolves to .*outside/);
  });

  it('refuses .. segments written with backslashes or in the middle of a key (R-IN-3)', async () => {
    for (const prefix of ['data/../../outside/', 'data\\..\\..\\outside', '..']) {
      const result = await resolveSource({ bucket: 'bucket', prefix }, s3());
      expect(result, prefix).toEqual({
        ok: false,
        error: { code: 'SOURCE_ESCAPES_ROOT', message: expect.stringContaining(`Key "${prefix}"`) },
      });
    }
  });

  it.skipIf(process.getuid?.() === 0)(
    'fails with SOURCE_UNREADABLE on a folder it may not list',
    async () => {
      const locked = path.join(dir, 'locked');
      await tree(locked, { 'b/x/f.csv': '1\n' });
      await chmod(path.join(locked, 'b', 'x'), 0o000);
      try {
        const result = await resolveSource({ bucket: 'b', prefix: '' }, { s3Root: locked });
        expect(result).toMatchObject({ ok: false, error: { code: 'SOURCE_UNREADABLE' } });
      } finally {
        await chmod(path.join(locked, 'b', 'x'), 0o755);
      }
    },
  );
});

describe('resolveSource with --source (R-IN-3)', () => {
  it('keys a single file by the prefix when the prefix names an object [choice]', async () => {
    const file = path.join(dir, 'folder', 'one.csv');
    expect(keys(await resolveSource({ bucket: 'b', prefix: 'in/data.csv' }, { source: file }))).toEqual([
      'in/data.csv',
    ]);
  });

  it('keys a single file by prefix + file name when the prefix ends in / or is empty [choice]', async () => {
    const file = path.join(dir, 'folder', 'one.csv');
    expect(keys(await resolveSource({ bucket: 'b', prefix: 'in/' }, { source: file }))).toEqual([
      'in/one.csv',
    ]);
    expect(keys(await resolveSource({ bucket: 'b', prefix: '' }, { source: file }))).toEqual(['one.csv']);
  });

  it('takes every file under a folder, keyed prefix/relative path, sorted [choice]', async () => {
    const folder = path.join(dir, 'folder');
    expect(keys(await resolveSource({ bucket: 'b', prefix: 'in' }, { source: folder }))).toEqual([
      'in/.dot',
      'in/one.csv',
      'in/sub/two.csv',
    ]);
    expect(keys(await resolveSource({ bucket: 'b', prefix: 'in/' }, { source: folder }))).toEqual([
      'in/.dot',
      'in/one.csv',
      'in/sub/two.csv',
    ]);
  });

  it('wins over --s3-root when both are given [choice]', async () => {
    const file = path.join(dir, 'folder', 'one.csv');
    const result = await resolveSource(
      { bucket: 'bucket', prefix: '' },
      { source: file, s3Root: path.join(dir, 's3') },
    );
    expect(keys(result)).toEqual(['one.csv']);
  });

  it('fails with SOURCE_NOT_FOUND for a missing path (R-IN-3)', async () => {
    const missing = path.join(dir, 'missing.csv');
    const result = await resolveSource({ bucket: 'b', prefix: '' }, { source: missing });
    expect(result).toEqual({
      ok: false,
      error: { code: 'SOURCE_NOT_FOUND', message: expect.stringContaining(missing) },
    });
  });

  it('fails with SOURCE_EMPTY for a folder without files (R-IN-3)', async () => {
    const result = await resolveSource(
      { bucket: 'b', prefix: '' },
      { source: path.join(dir, 'empty-folder') },
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'SOURCE_EMPTY' } });
  });

  it('refuses a symbolic link leading out of the folder (R-IN-3)', async () => {
    const result = await resolveSource(
      { bucket: 'b', prefix: '' },
      { source: path.join(dir, 'escape', 'b') },
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'SOURCE_ESCAPES_ROOT' } });
  });
});

describe('resolveSource without a location (R-IN-3)', () => {
  it('fails with SOURCE_LOCATION_MISSING naming the S3 location', async () => {
    const result = await resolveSource({ bucket: 'b', prefix: 'p/' }, {});
    expect(result).toEqual({
      ok: false,
      error: { code: 'SOURCE_LOCATION_MISSING', message: expect.stringContaining('s3://b/p/') },
    });
  });
});

describe('resolveObject (R-IN-3, DataModelS3Configuration)', () => {
  const s3 = (): { s3Root: string } => ({ s3Root: path.join(dir, 's3') });

  it('finds the file standing for s3://bucket/key', async () => {
    expect(await resolveObject({ bucket: 'bucket', key: 'data/other.csv' }, s3())).toEqual({
      ok: true,
      path: path.join(dir, 's3', 'bucket', 'data', 'other.csv'),
    });
  });

  it('fails with SOURCE_NOT_FOUND for a missing key or a folder', async () => {
    expect(await resolveObject({ bucket: 'bucket', key: 'data/none.json' }, s3())).toMatchObject({
      ok: false,
      error: { code: 'SOURCE_NOT_FOUND' },
    });
    expect(await resolveObject({ bucket: 'bucket', key: 'data' }, s3())).toMatchObject({
      ok: false,
      error: { code: 'SOURCE_NOT_FOUND' },
    });
  });

  it('refuses a key with .. and a link out of the bucket', async () => {
    expect(await resolveObject({ bucket: 'bucket', key: '../outside/secret.csv' }, s3())).toMatchObject({
      ok: false,
      error: { code: 'SOURCE_ESCAPES_ROOT' },
    });
    expect(
      await resolveObject({ bucket: 'b', key: 'out.csv' }, { s3Root: path.join(dir, 'escape') }),
    ).toMatchObject({
      ok: false,
      error: { code: 'SOURCE_ESCAPES_ROOT' },
    });
  });

  it('needs --s3-root [choice]', async () => {
    expect(await resolveObject({ bucket: 'b', key: 'model.json' }, { source: dir })).toMatchObject({
      ok: false,
      error: { code: 'SOURCE_LOCATION_MISSING' },
    });
  });
});

describe('resolveReportFolder (R-IN-3, R-REP-2)', () => {
  it('puts the report folder under DIR/<bucket>/<prefix>, even when it does not exist yet', async () => {
    expect(
      await resolveReportFolder({ bucket: 'new-bucket', prefix: 'reports/run-1/' }, path.join(dir, 's3')),
    ).toEqual({
      ok: true,
      path: path.join(dir, 's3', 'new-bucket', 'reports', 'run-1'),
    });
  });

  it('refuses a prefix with .. or an absolute one, naming it', async () => {
    for (const prefix of ['../../outside', '/etc/cron.d']) {
      expect(await resolveReportFolder({ bucket: 'bucket', prefix }, path.join(dir, 's3'))).toEqual({
        ok: false,
        error: { code: 'SOURCE_ESCAPES_ROOT', message: expect.stringContaining(`Key "${prefix}"`) },
      });
    }
    expect(await resolveReportFolder({ bucket: '..', prefix: '' }, path.join(dir, 's3'))).toMatchObject({
      ok: false,
      error: { code: 'SOURCE_ESCAPES_ROOT' },
    });
  });

  it('refuses a prefix going through a link out of the root, also below it', async () => {
    const root = path.join(dir, 'escape-report');
    for (const prefix of ['reports', 'reports/deeper/still/']) {
      const result = await resolveReportFolder({ bucket: 'b', prefix }, root);
      expect(result, prefix).toMatchObject({ ok: false, error: { code: 'SOURCE_ESCAPES_ROOT' } });
      if (!result.ok) expect(result.error.message).toContain(`s3://b/${prefix}: `);
    }
  });
});
