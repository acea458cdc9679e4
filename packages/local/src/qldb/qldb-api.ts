/**
 * R-QLDB-1: the four journal-export operations of the QLDB API over its REST-JSON protocol, on the port of the
 * Timestream endpoint. A request without `X-Amz-Target` whose path is QLDB's comes here; errors are QLDB's
 * (`x-amzn-ErrorType`, `{"Message", ...}`, the model's statuses); timestamps are epoch seconds both ways.
 */
import type { ServerResponse } from 'node:http';
import { resolveReportFolder } from '@tsbatch/core';
import { base62Id } from '../internal/journal-hash.js';
import type { ExportBuckets } from './bucket-objects.js';
import { keyPrefix } from './export-journal.js';
import type { ExportEntry, ExportRegistry } from './export-registry.js';
import { checkExportRange, readExportRequest } from './export-request.js';
import type { JournalExporter } from './journal-exporter.js';
import type { JournalSource } from './journal-source.js';
import { invalidParameter, QldbError } from './qldb-error.js';

export type QldbOperation =
  'ExportJournalToS3' | 'DescribeJournalS3Export' | 'ListJournalS3ExportsForLedger' | 'ListJournalS3Exports';

export interface QldbRoute {
  /** null: a QLDB path with no such operation (answered UnknownOperationException). */
  operation: QldbOperation | null;
  ledger: string;
  exportId: string;
}

export interface QldbApiOptions {
  registry: ExportRegistry;
  exporter: JournalExporter;
  source: JournalSource;
  clock: () => Date;
  /** Where the buckets are: folders under `--s3-root`, or an object store (S3); null: none. */
  buckets: ExportBuckets | null;
}

/** [choice] List pages hold 100 exports unless `max_results` says fewer (the model allows 1-100). */
const DEFAULT_MAX_RESULTS = 100;

/** The QLDB operation a request's method and path name, or null when the path is not QLDB's. */
export function matchQldbRoute(method: string, pathname: string): QldbRoute | null {
  const parts = pathname.split('/').slice(1);
  if (parts[0] === 'journal-s3-exports' && parts.length === 1) {
    return { operation: method === 'GET' ? 'ListJournalS3Exports' : null, ledger: '', exportId: '' };
  }
  if (parts[0] !== 'ledgers' && parts[0] !== 'journal-s3-exports') return null;
  const ledger = decode(parts[1] ?? '');
  if (parts[0] === 'ledgers' && parts[2] === 'journal-s3-exports' && ledger !== '') {
    if (parts.length === 3) {
      const operation =
        method === 'POST' ? 'ExportJournalToS3' : method === 'GET' ? 'ListJournalS3ExportsForLedger' : null;
      return { operation, ledger, exportId: '' };
    }
    if (parts.length === 4 && parts[3] !== '') {
      return {
        operation: method === 'GET' ? 'DescribeJournalS3Export' : null,
        ledger,
        exportId: decode(parts[3]!),
      };
    }
  }
  return { operation: null, ledger, exportId: '' };
}

export class QldbApi {
  constructor(private readonly o: QldbApiOptions) {}

  /** Answers one request; returns the HTTP status (for the request log). */
  async handle(
    route: QldbRoute,
    url: URL,
    body: Buffer,
    res: ServerResponse,
    requestId: string,
  ): Promise<number> {
    try {
      const output = await this.run(route, url, body);
      return send(res, 200, output, requestId);
    } catch (error) {
      if (!(error instanceof QldbError)) throw error;
      return send(
        res,
        error.status,
        { Message: error.message, message: error.message, ...error.fields },
        requestId,
        error.type,
      );
    }
  }

  private async run(route: QldbRoute, url: URL, body: Buffer): Promise<object> {
    switch (route.operation) {
      case 'ExportJournalToS3':
        return { ExportId: await this.exportJournal(route.ledger, body) };
      case 'DescribeJournalS3Export': {
        const entry = this.o.registry.get(route.ledger, route.exportId);
        if (entry === undefined) {
          throw new QldbError(
            'ResourceNotFoundException',
            `The journal export ${route.exportId} of ledger ${route.ledger} does not exist.`,
            { ResourceType: 'JournalS3Export', ResourceName: route.exportId },
          );
        }
        return { ExportDescription: this.describe(entry) };
      }
      case 'ListJournalS3ExportsForLedger':
        if (
          this.o.source.ledger(route.ledger) === undefined &&
          this.o.registry.list(route.ledger).length === 0
        ) {
          throw ledgerNotFound(route.ledger);
        }
        return this.page(this.o.registry.list(route.ledger), url);
      case 'ListJournalS3Exports':
        return this.page(this.o.registry.list(), url);
      default:
        throw new QldbError(
          'UnknownOperationException',
          `No QLDB operation at ${url.pathname} for this method.`,
        );
    }
  }

  private async exportJournal(ledgerName: string, body: Buffer): Promise<string> {
    let json: unknown;
    try {
      json = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      throw new QldbError('SerializationException', 'The request body is not valid JSON.');
    }
    const request = readExportRequest(ledgerName, json);
    const ledger = this.o.source.ledger(ledgerName);
    if (ledger === undefined) throw ledgerNotFound(ledgerName);
    const now = this.o.clock();
    const start = checkExportRange(request, ledger, now);
    const buckets = this.o.buckets;
    if (buckets === null) {
      throw new QldbError(
        'ResourcePreconditionNotMetException',
        'The endpoint was started without --s3-root or S3, so it has no buckets to export to.',
        { ResourceType: 'Bucket', ResourceName: request.s3.Bucket },
      );
    }
    if ('s3Root' in buckets) {
      const where = await resolveReportFolder(
        { bucket: request.s3.Bucket, prefix: keyPrefix(request.s3.Prefix) },
        buckets.s3Root,
      );
      if (!where.ok) throw invalidParameter('S3ExportConfiguration.Prefix', where.error.message);
    }
    const entry: ExportEntry = {
      LedgerName: ledgerName,
      ExportId: base62Id(),
      ExportCreationTime: now.toISOString(),
      Status: 'IN_PROGRESS',
      InclusiveStartTime: start.toISOString(),
      ExclusiveEndTime: request.end.toISOString(),
      S3ExportConfiguration: request.s3,
      RoleArn: request.roleArn,
      OutputFormat: request.outputFormat,
      outputFormatGiven: request.outputFormatGiven,
      ledgerCreationTime: ledger.creationTime.toISOString(),
    };
    await this.o.registry.create(entry);
    this.o.exporter.start(entry);
    return entry.ExportId;
  }

  /** A JournalS3ExportDescription; `tsbatch` (ignored by the SDKs) adds progress and a cancellation's reason. */
  private describe(e: ExportEntry): object {
    const progress = this.o.exporter.progressOf(e.ExportId);
    return {
      LedgerName: e.LedgerName,
      ExportId: e.ExportId,
      ExportCreationTime: epoch(e.ExportCreationTime),
      Status: e.Status,
      InclusiveStartTime: epoch(e.InclusiveStartTime),
      ExclusiveEndTime: epoch(e.ExclusiveEndTime),
      S3ExportConfiguration: e.S3ExportConfiguration,
      RoleArn: e.RoleArn,
      OutputFormat: e.OutputFormat,
      tsbatch: {
        ...(progress !== undefined && {
          Blocks: progress.blocks,
          Revisions: progress.revisions,
          Objects: progress.objects,
        }),
        ...(e.cancellationReason !== undefined && { CancellationReason: e.cancellationReason }),
      },
    };
  }

  private page(entries: ExportEntry[], url: URL): object {
    const max = maxResults(url.searchParams.get('max_results'));
    const token = url.searchParams.get('next_token');
    let from = 0;
    if (token !== null && token !== '') {
      const after = decodeToken(token);
      from = entries.findIndex((e) => positionOf(e) > after);
      if (from < 0) from = entries.length;
    }
    const items = entries.slice(from, from + max);
    const last = items[items.length - 1];
    const more = from + max < entries.length && last !== undefined;
    return {
      JournalS3Exports: items.map((e) => this.describe(e)),
      ...(more && {
        NextToken: Buffer.from(JSON.stringify({ after: positionOf(last) })).toString('base64url'),
      }),
    };
  }
}

function ledgerNotFound(name: string): QldbError {
  return new QldbError('ResourceNotFoundException', `The ledger ${name} does not exist.`, {
    ResourceType: 'Ledger',
    ResourceName: name,
  });
}

function positionOf(e: ExportEntry): string {
  return `${e.ExportCreationTime}\u0000${e.ExportId}`;
}

function decodeToken(token: string): string {
  try {
    const json = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof json.after === 'string') return json.after;
  } catch {
    // falls through
  }
  throw invalidParameter('NextToken', 'The NextToken is not valid.');
}

function maxResults(text: string | null): number {
  if (text === null) return DEFAULT_MAX_RESULTS;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 100) {
    throw invalidParameter('MaxResults', `The MaxResults must be 1 to 100, got ${JSON.stringify(text)}.`);
  }
  return n;
}

function epoch(iso: string): number {
  return Date.parse(iso) / 1000;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: object,
  requestId: string,
  errorType?: string,
): number {
  if (res.headersSent || res.destroyed) return status;
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  };
  if (errorType !== undefined) headers['x-amzn-errortype'] = errorType;
  res.writeHead(status, headers);
  res.end(text);
  return status;
}
