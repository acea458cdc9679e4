/** R-IN-3 / R-S3-1: the object DataModelS3Configuration points at, on disk (`--s3-root`) or through a reader (S3). */
import { stat } from 'node:fs/promises';

import { localReader } from './local-reader.js';
import { resolveObject, type SourceError } from './resolve-source.js';
import type { SourceFile, SourceLocation } from './source.js';
import type { SourceReader } from './source-reader.js';

export type ResolveObjectFileResult =
  { ok: true; file: SourceFile; reader: SourceReader } | { ok: false; error: SourceError };

/** The object as a SourceFile and the reader of its bytes. Never throws. */
export async function resolveObjectFile(
  spec: { bucket: string; key: string },
  location: SourceLocation,
): Promise<ResolveObjectFileResult> {
  const reader = location.reader;
  if (location.s3Root === undefined && location.source === undefined && reader !== undefined) {
    try {
      return { ok: true, file: await reader.head(spec.bucket, spec.key), reader };
    } catch (error) {
      const code = (error as { sourceCode?: unknown }).sourceCode;
      return {
        ok: false,
        error: {
          code: code === 'SOURCE_NOT_FOUND' ? 'SOURCE_NOT_FOUND' : 'SOURCE_UNREADABLE',
          message: error instanceof Error ? error.message : String(error),
        },
      };
    }
  }
  const resolved = await resolveObject(spec, location);
  if (!resolved.ok) return resolved;
  try {
    const { size } = await stat(resolved.path);
    return { ok: true, file: { key: spec.key, path: resolved.path, size }, reader: localReader };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    return {
      ok: false,
      error: { code: 'SOURCE_UNREADABLE', message: `Cannot read ${resolved.path}: ${reason}` },
    };
  }
}
