/**
 * R-VAL-2 / R-IN-3 / R-S3-1: reads the DataModel that DataModelS3Configuration points at, from its local stand-in
 * or from S3 (the location's reader).
 */
import { resolveObjectFile, type SourceLocation } from '@tsbatch/core';
import type { ValidationCode } from '../issue.js';
import { parseJsonText } from '../parse-json-text.js';

/** [choice] A data model is a small JSON document; anything larger is refused rather than buffered. */
export const MAX_DATA_MODEL_BYTES = 10 * 1024 * 1024;

export type LoadedModel =
  | { ok: true; value: unknown }
  | { ok: false; code: Extract<ValidationCode, `MODEL_S3_${string}`>; message: string };

export async function loadS3Model(
  spec: { bucket: string; key: string },
  location: SourceLocation,
): Promise<LoadedModel> {
  const where = `s3://${spec.bucket}/${spec.key}`;
  let resolved: Awaited<ReturnType<typeof resolveObjectFile>>;
  try {
    resolved = await resolveObjectFile(spec, location);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    resolved = { ok: false, error: { code: 'SOURCE_UNREADABLE', message: reason } };
  }
  if (!resolved.ok) {
    return {
      ok: false,
      code:
        resolved.error.code === 'SOURCE_LOCATION_MISSING' ? 'MODEL_S3_NEEDS_LOCATION' : 'MODEL_S3_UNRESOLVED',
      message: `the data model ${where} cannot be found: ${resolved.error.message}`,
    };
  }
  const { file, reader } = resolved;
  const shown = file.path === where ? where : `${where} (${file.path})`;
  if (file.size > MAX_DATA_MODEL_BYTES) {
    return {
      ok: false,
      code: 'MODEL_S3_UNREADABLE',
      message: `the data model ${shown} is ${file.size} bytes; a data model is at most ${MAX_DATA_MODEL_BYTES} bytes`,
    };
  }
  let bytes: Buffer;
  try {
    const parts: Buffer[] = [];
    let total = 0;
    for await (const chunk of reader.read(file, { highWaterMark: 64 * 1024, end: file.size })) {
      total += chunk.length;
      // The file may have grown since it was sized: still never buffer more than the bound.
      if (total > MAX_DATA_MODEL_BYTES) throw new Error(`it grew past ${MAX_DATA_MODEL_BYTES} bytes`);
      parts.push(chunk);
    }
    bytes = Buffer.concat(parts);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      code: 'MODEL_S3_UNREADABLE',
      message: `cannot read the data model ${where}: ${reason}`,
    };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return {
      ok: false,
      code: 'MODEL_S3_UNREADABLE',
      message: `the data model ${shown} is not valid UTF-8`,
    };
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    return {
      ok: false,
      code: 'MODEL_S3_UNREADABLE',
      message: `the data model ${where} (${file.path}:${parsed.line}:${parsed.column}) is not valid JSON: ${parsed.message}`,
    };
  }
  return { ok: true, value: parsed.value };
}
