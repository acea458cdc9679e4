/**
 * R-IN-3: where a task's S3 locations live on the local disk. `--source PATH` (a file, or a folder standing for the
 * prefix) or `--s3-root DIR` (`DIR/<bucket>/<key>`). Every regular file under the prefix, sorted by the UTF-8 bytes
 * of its key, is a source file; its report name is the key. Nothing may escape the root.
 */
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

import type { ResolvedSource, SourceFile, SourceLocation } from './source.js';
import type { SourceReader } from './source-reader.js';

export const SOURCE_ERROR_CODES = [
  'SOURCE_LOCATION_MISSING',
  'SOURCE_NOT_FOUND',
  'SOURCE_ESCAPES_ROOT',
  'SOURCE_EMPTY',
  'SOURCE_UNREADABLE',
] as const;
export type SourceErrorCode = (typeof SOURCE_ERROR_CODES)[number];

/** Why a source location could not be resolved; `message` names the path. */
export interface SourceError {
  code: SourceErrorCode;
  message: string;
}

export type ResolveSourceResult = { ok: true; source: ResolvedSource } | { ok: false; error: SourceError };

export type ResolveObjectResult = { ok: true; path: string } | { ok: false; error: SourceError };

class SourceFailure extends Error {
  constructor(readonly error: SourceError) {
    super(error.message);
  }
}

function fail(code: SourceErrorCode, message: string): never {
  throw new SourceFailure({ code, message });
}

/** Byte-wise order of the UTF-8 keys (R-IN-3), which is S3's listing order; JS string order is UTF-16 order. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Resolves `DataSourceS3Configuration{BucketName, ObjectKeyPrefix}` to the files it stands for (R-IN-3).
 *
 * - `location.source` wins when both are given [choice].
 * - `--source FILE`: one file whose key is the prefix itself, or prefix + file name when the prefix is empty or
 *   ends in `/` [choice].
 * - `--source DIR`: every regular file under DIR, recursively; key = prefix + relative path, with a `/` put between
 *   them when the prefix is not empty and does not end in `/` [choice: the folder *is* the prefix].
 * - `--s3-root DIR`: every regular file under `DIR/<bucket>` whose key starts with the prefix (S3 prefix semantics,
 *   so `sample.csv`, `data/` and `data/part-` all work).
 *
 * Hidden files are files too. Symbolic links are followed while they stay inside the root; one that leads out of
 * it, a key with a `..` segment, or an absolute key is refused (SOURCE_ESCAPES_ROOT). Sockets, FIFOs and devices are
 * not objects and are left out.
 */
export async function resolveSource(
  spec: { bucket: string; prefix: string },
  location: SourceLocation,
): Promise<ResolveSourceResult> {
  try {
    const files =
      location.source !== undefined
        ? await filesFromSource(location.source, spec.prefix)
        : location.s3Root !== undefined
          ? await filesFromS3Root(location.s3Root, spec.bucket, spec.prefix)
          : location.reader !== undefined
            ? await filesFromReader(location.reader, spec.bucket, spec.prefix)
            : fail(
                'SOURCE_LOCATION_MISSING',
                `No local location for s3://${spec.bucket}/${spec.prefix}: give --source PATH or --s3-root DIR`,
              );
    files.sort((a, b) => compareKeys(a.key, b.key));
    let totalBytes = 0;
    for (const file of files) totalBytes += file.size;
    // The local disk is the default reader; any other one (S3, R-S3-1) goes with the files it listed.
    const reader =
      location.source === undefined && location.s3Root === undefined ? location.reader : undefined;
    return { ok: true, source: { files, totalBytes, ...(reader !== undefined && { reader }) } };
  } catch (error) {
    if (error instanceof SourceFailure) return { ok: false, error: error.error };
    throw error;
  }
}

/** For DataModelS3Configuration (R-IN-3): the file standing for `s3://bucket/key`; it needs `--s3-root` [choice]. */
export async function resolveObject(
  spec: { bucket: string; key: string },
  location: SourceLocation,
): Promise<ResolveObjectResult> {
  try {
    if (location.s3Root === undefined) {
      fail(
        'SOURCE_LOCATION_MISSING',
        `No local location for s3://${spec.bucket}/${spec.key}: give --s3-root DIR (DIR/${spec.bucket}/${spec.key})`,
      );
    }
    const root = await bucketRoot(location.s3Root, spec.bucket);
    checkKey(spec.key, spec.key);
    if (spec.key === '' || spec.key.endsWith('/')) {
      fail('SOURCE_NOT_FOUND', `s3://${spec.bucket}/${spec.key} names a folder, not an object`);
    }
    const file = path.join(root.logical, ...spec.key.split('/'));
    const info = await statOrFail(file, 'SOURCE_NOT_FOUND');
    if (!info.isFile()) fail('SOURCE_NOT_FOUND', `${file} is not a regular file`);
    await checkInside(file, root.real, `s3://${spec.bucket}/${spec.key}`);
    return { ok: true, path: file };
  } catch (error) {
    if (error instanceof SourceFailure) return { ok: false, error: error.error };
    throw error;
  }
}

/** R-S3-1: the objects a reader lists (S3); its errors (bucket missing, access denied, ...) name the cause. */
async function filesFromReader(reader: SourceReader, bucket: string, prefix: string): Promise<SourceFile[]> {
  let files: SourceFile[];
  try {
    files = await reader.list(bucket, prefix);
  } catch (error) {
    const code = (error as { sourceCode?: unknown }).sourceCode;
    fail(
      code === 'SOURCE_NOT_FOUND' ? 'SOURCE_NOT_FOUND' : 'SOURCE_UNREADABLE',
      error instanceof Error ? error.message : String(error),
    );
  }
  if (files.length === 0)
    fail('SOURCE_EMPTY', `No object in s3://${bucket} has a key starting with "${prefix}"`);
  return files;
}

async function filesFromSource(source: string, prefix: string): Promise<SourceFile[]> {
  const absolute = path.resolve(source);
  const info = await statOrFail(absolute, 'SOURCE_NOT_FOUND');
  if (info.isFile()) {
    const key = prefix === '' || prefix.endsWith('/') ? prefix + path.basename(absolute) : prefix;
    return [{ key, path: absolute, size: info.size }];
  }
  if (!info.isDirectory()) fail('SOURCE_NOT_FOUND', `${absolute} is neither a file nor a folder`);
  const real = await realpathOrFail(absolute);
  const keyStart = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  const files: SourceFile[] = [];
  await walk(absolute, '', real, new Set([real]), files, keyStart, () => true);
  if (files.length === 0) fail('SOURCE_EMPTY', `${absolute} holds no files`);
  return files;
}

async function filesFromS3Root(s3Root: string, bucket: string, prefix: string): Promise<SourceFile[]> {
  const root = await bucketRoot(s3Root, bucket);
  checkKey(prefix, prefix);
  // Walk only the folder the prefix points into; at its top level keep the names that can still match.
  const slash = prefix.lastIndexOf('/');
  const folderKey = prefix.slice(0, slash + 1);
  const rest = prefix.slice(slash + 1);
  const folder = path.join(root.logical, ...folderKey.split('/').filter((s) => s !== ''));
  const files: SourceFile[] = [];
  let folderInfo;
  try {
    folderInfo = await stat(folder);
  } catch {
    folderInfo = undefined;
  }
  if (folderInfo?.isDirectory()) {
    await checkInside(folder, root.real, `s3://${bucket}/${prefix}`);
    const realFolder = await realpathOrFail(folder);
    await walk(folder, '', root.real, new Set([realFolder]), files, folderKey, (name) =>
      name.startsWith(rest),
    );
  }
  if (files.length === 0) {
    fail(
      'SOURCE_EMPTY',
      `No file under ${root.logical} has a key starting with "${prefix}" (s3://${bucket}/${prefix})`,
    );
  }
  return files;
}

/**
 * Where a report (R-REP-2) is written under `--s3-root`: `DIR/<bucket>/<prefix>` (the folder may not exist yet).
 * The same containment as for sources: no `..` segment, no absolute prefix, and the deepest folder that exists
 * must resolve (links followed) inside the root, so a link in the way cannot lead the write out of it.
 */
export async function resolveReportFolder(
  spec: { bucket: string; prefix: string },
  s3Root: string,
): Promise<ResolveObjectResult> {
  try {
    const root = path.resolve(s3Root);
    const realRoot = await realpathOrFail(root);
    checkBucketName(spec.bucket, root);
    checkKey(spec.prefix, spec.prefix);
    const folder = path.join(root, spec.bucket, ...spec.prefix.split('/').filter((s) => s !== ''));
    let existing = folder;
    while (existing !== root && (await lstat(existing).catch(() => undefined)) === undefined) {
      existing = path.dirname(existing);
    }
    await checkInside(existing, realRoot, `s3://${spec.bucket}/${spec.prefix}`);
    return { ok: true, path: folder };
  } catch (error) {
    if (error instanceof SourceFailure) return { ok: false, error: error.error };
    throw error;
  }
}

function checkBucketName(bucket: string, root: string): void {
  if (
    bucket === '' ||
    bucket === '.' ||
    bucket === '..' ||
    bucket.includes('/') ||
    bucket.includes('\\') ||
    bucket.includes('\0')
  ) {
    fail('SOURCE_ESCAPES_ROOT', `Bucket name "${bucket}" cannot be a folder under ${root}`);
  }
}

async function bucketRoot(s3Root: string, bucket: string): Promise<{ logical: string; real: string }> {
  const rootInfo = await statOrFail(path.resolve(s3Root), 'SOURCE_NOT_FOUND');
  if (!rootInfo.isDirectory()) fail('SOURCE_NOT_FOUND', `${path.resolve(s3Root)} is not a folder`);
  checkBucketName(bucket, path.resolve(s3Root));
  const logical = path.join(path.resolve(s3Root), bucket);
  const info = await statOrFail(logical, 'SOURCE_NOT_FOUND');
  if (!info.isDirectory()) fail('SOURCE_NOT_FOUND', `${logical} (bucket ${bucket}) is not a folder`);
  // A bucket folder that is a link out of the root escapes it too (R-IN-3).
  await checkInside(logical, await realpathOrFail(path.resolve(s3Root)), `bucket ${bucket}`);
  return { logical, real: await realpathOrFail(logical) };
}

/** A key must stay a relative path below the bucket: no leading `/`, no `..` segment, no NUL. */
function checkKey(key: string, shown: string): void {
  if (
    key.startsWith('/') ||
    key.includes('\0') ||
    key.split(/[/\\]/).includes('..') ||
    path.isAbsolute(key)
  ) {
    fail(
      'SOURCE_ESCAPES_ROOT',
      `Key "${shown}" would leave the bucket folder (a .. segment or an absolute key)`,
    );
  }
}

async function walk(
  dir: string,
  relative: string,
  realRoot: string,
  visited: Set<string>,
  out: SourceFile[],
  keyStart: string,
  keepTop: (name: string) => boolean,
): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    fail('SOURCE_UNREADABLE', `Cannot list ${dir}: ${errorText(error)}`);
  }
  for (const entry of entries) {
    if (relative === '' && !keepTop(entry.name)) continue;
    const full = path.join(dir, entry.name);
    const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
    let info;
    if (entry.isSymbolicLink()) {
      // A link is followed only while its target stays inside the root (R-IN-3).
      await checkInside(full, realRoot, `key "${keyStart + rel}"`);
      info = await statOrFail(full, 'SOURCE_UNREADABLE');
    } else if (entry.isFile() || entry.isDirectory()) {
      info = entry.isFile() ? await statOrFail(full, 'SOURCE_UNREADABLE') : undefined;
    } else {
      continue;
    }
    if (entry.isDirectory() || info?.isDirectory()) {
      const real = await realpathOrFail(full);
      if (visited.has(real)) continue; // a link back to a folder being walked: visit it once
      visited.add(real);
      await walk(full, rel, realRoot, visited, out, keyStart, keepTop);
      visited.delete(real);
    } else if (info?.isFile()) {
      out.push({ key: keyStart + rel, path: full, size: info.size });
    }
  }
}

async function checkInside(file: string, realRoot: string, what?: string): Promise<void> {
  let real;
  try {
    real = await realpath(file);
  } catch (error) {
    // A dangling link: say where it points rather than "not found".
    const info = await lstat(file).catch(() => undefined);
    fail(
      info?.isSymbolicLink() ? 'SOURCE_NOT_FOUND' : 'SOURCE_UNREADABLE',
      `Cannot resolve ${file}: ${errorText(error)}`,
    );
  }
  const back = path.relative(realRoot, real);
  if (back === '..' || back.startsWith(`..${path.sep}`) || path.isAbsolute(back)) {
    fail(
      'SOURCE_ESCAPES_ROOT',
      `${what === undefined ? '' : `${what}: `}${file} resolves to ${real}, outside ${realRoot}`,
    );
  }
}

async function statOrFail(file: string, code: 'SOURCE_NOT_FOUND' | 'SOURCE_UNREADABLE') {
  try {
    return await stat(file);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    fail(missing ? code : 'SOURCE_UNREADABLE', `Cannot read ${file}: ${errorText(error)}`);
  }
}

async function realpathOrFail(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch (error) {
    fail('SOURCE_UNREADABLE', `Cannot resolve ${file}: ${errorText(error)}`);
  }
}

function errorText(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ?? e.message;
}
