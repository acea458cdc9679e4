/**
 * R-QLDB-3: an ExportJournalToS3 request checked against the model (required members, lengths, enums), then against
 * the rules that need the ledger and the clock: start before end, end not after now, a start before the ledger's
 * CreationTime defaulted to it. Every refusal is an InvalidParameterException naming the member.
 */
import { invalidParameter, QldbError } from './qldb-error.js';
import type { LedgerInfo } from './journal-source.js';

export const OUTPUT_FORMATS = ['ION_TEXT', 'ION_BINARY', 'JSON'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export const ENCRYPTION_TYPES = ['SSE_KMS', 'SSE_S3', 'NO_ENCRYPTION'] as const;
export type ObjectEncryptionType = (typeof ENCRYPTION_TYPES)[number];
/** R-QLDB-3: the default when the request names none. */
export const DEFAULT_OUTPUT_FORMAT: OutputFormat = 'ION_TEXT';

export interface S3ExportConfiguration {
  Bucket: string;
  Prefix: string;
  EncryptionConfiguration: { ObjectEncryptionType: ObjectEncryptionType; KmsKeyArn?: string };
}

/** A request that passed the model's constraints (times still as sent). */
export interface ExportRequest {
  ledgerName: string;
  start: Date;
  end: Date;
  s3: S3ExportConfiguration;
  roleArn: string;
  outputFormat: OutputFormat;
  /** The request named its OutputFormat (the started manifest shows it only then). */
  outputFormatGiven: boolean;
}

type Json = Record<string, unknown>;

/** The model's constraints, in the order of its members. */
export function readExportRequest(ledgerName: string, body: unknown): ExportRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new QldbError('SerializationException', 'The request body must be a JSON object.');
  }
  const b = body as Json;
  const start = time(b['InclusiveStartTime'], 'InclusiveStartTime');
  const end = time(b['ExclusiveEndTime'], 'ExclusiveEndTime');
  const s3 = object(b['S3ExportConfiguration'], 'S3ExportConfiguration');
  const bucket = text(s3['Bucket'], 'S3ExportConfiguration.Bucket', 3, 255);
  // API_S3ExportConfiguration: Bucket `^[A-Za-z-0-9-_.]+$`.
  if (!/^[A-Za-z0-9_.-]+$/.test(bucket)) {
    throw invalidParameter(
      'S3ExportConfiguration.Bucket',
      `The bucket name ${JSON.stringify(bucket)} is not valid.`,
    );
  }
  const prefix = text(s3['Prefix'], 'S3ExportConfiguration.Prefix', 0, 128);
  const enc = object(s3['EncryptionConfiguration'], 'S3ExportConfiguration.EncryptionConfiguration');
  const type = choice(
    enc['ObjectEncryptionType'],
    'S3ExportConfiguration.EncryptionConfiguration.ObjectEncryptionType',
    ENCRYPTION_TYPES,
  );
  const kmsKeyArn =
    enc['KmsKeyArn'] === undefined
      ? undefined
      : text(enc['KmsKeyArn'], 'S3ExportConfiguration.EncryptionConfiguration.KmsKeyArn', 20, 1600);
  if (type === 'SSE_KMS' && kmsKeyArn === undefined) {
    throw invalidParameter(
      'S3ExportConfiguration.EncryptionConfiguration.KmsKeyArn',
      'A KmsKeyArn is required when the ObjectEncryptionType is SSE_KMS.',
    );
  }
  const roleArn = text(b['RoleArn'], 'RoleArn', 20, 1600);
  const given = b['OutputFormat'] !== undefined && b['OutputFormat'] !== null;
  const outputFormat = given
    ? choice(b['OutputFormat'], 'OutputFormat', OUTPUT_FORMATS)
    : DEFAULT_OUTPUT_FORMAT;
  return {
    ledgerName,
    start,
    end,
    s3: {
      Bucket: bucket,
      Prefix: prefix,
      EncryptionConfiguration: {
        ObjectEncryptionType: type,
        ...(kmsKeyArn !== undefined && { KmsKeyArn: kmsKeyArn }),
      },
    },
    roleArn,
    outputFormat,
    outputFormatGiven: given,
  };
}

/** R-QLDB-3 rules of the range; answers the start to use (defaulted to the ledger's CreationTime). */
export function checkExportRange(request: ExportRequest, ledger: LedgerInfo, now: Date): Date {
  const { start, end } = request;
  if (start.getTime() >= end.getTime()) {
    throw invalidParameter(
      'InclusiveStartTime',
      `The InclusiveStartTime (${start.toISOString()}) must be before the ExclusiveEndTime (${end.toISOString()}).`,
    );
  }
  if (end.getTime() > now.getTime()) {
    throw invalidParameter(
      'ExclusiveEndTime',
      `The ExclusiveEndTime (${end.toISOString()}) must be less than or equal to the current date and time (${now.toISOString()}).`,
    );
  }
  const created = ledger.creationTime;
  if (start.getTime() >= created.getTime()) return start;
  // [choice] A range that ends by the ledger's creation is empty once defaulted: refused like start >= end.
  if (end.getTime() <= created.getTime()) {
    throw invalidParameter(
      'ExclusiveEndTime',
      `The ExclusiveEndTime (${end.toISOString()}) must be after the ledger's CreationDateTime (${created.toISOString()}).`,
    );
  }
  return created;
}

/** R-QLDB-1: a timestamp as the SDKs send it (epoch seconds, a fraction for milliseconds), or an ISO 8601 text. */
function time(value: unknown, name: string): Date {
  if (value === undefined || value === null) throw missing(name);
  let ms = Number.NaN;
  // x1000 of a binary fraction lands a hair off the millisecond the client meant: round to it.
  if (typeof value === 'number') ms = Math.round(value * 1000);
  else if (typeof value === 'string')
    ms = /^\d+(\.\d+)?$/.test(value) ? Math.round(Number(value) * 1000) : Date.parse(value);
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
    throw invalidParameter(
      name,
      `The ${name} must be a timestamp (epoch seconds or ISO 8601), got ${JSON.stringify(value)}.`,
    );
  }
  return new Date(ms);
}

function object(value: unknown, name: string): Json {
  if (value === undefined || value === null) throw missing(name);
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalidParameter(name, `The ${name} must be a structure.`);
  return value as Json;
}

function text(value: unknown, name: string, min: number, max: number): string {
  if (value === undefined || value === null) throw missing(name);
  if (typeof value !== 'string') throw invalidParameter(name, `The ${name} must be a string.`);
  if (value.length < min || value.length > max) {
    throw invalidParameter(
      name,
      `The ${name} must be ${min === 0 ? `at most ${max}` : `${min} to ${max}`} characters long, got ${value.length}.`,
    );
  }
  return value;
}

function choice<T extends string>(value: unknown, name: string, values: readonly T[]): T {
  if (value === undefined || value === null) throw missing(name);
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    throw invalidParameter(
      name,
      `The ${name} must be one of ${values.join(', ')}, got ${JSON.stringify(value)}.`,
    );
  }
  return value as T;
}

function missing(name: string): QldbError {
  return invalidParameter(name, `The ${name} is required.`);
}
