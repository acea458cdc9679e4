/**
 * R-EXP-1 over HTTP: Timestream-Write has no read call, so `tsbatch serve` answers `POST /_tsbatch/export` (the
 * route is in export.ts). The request is `{"Database", "Table", "Start", "End"}` (ISO 8601); the answer streams the
 * records as JSON lines and ends with `{"ExportSummary": {...}}`, or with `{"ExportError": {"code", "message"}}`
 * when something fails after the first line went out. A refusal before any record is a JSON error with a status.
 */
import { ExportError, isExportErrorCode } from './export-error.js';

export const EXPORT_ROUTE = '/_tsbatch/export';

export interface ExportRequestBody {
  Database: string;
  Table: string;
  Start: string;
  End: string;
}

/** The last line of a complete export. Times are ISO 8601 (nanoseconds kept). */
export interface WireSummary {
  Records: number;
  Start: string;
  End: string;
  FirstRecordTime: string | null;
  Clamped: boolean;
}

export interface RemoteExport {
  /** The records' JSON texts as the server stored them, a network chunk's worth at a time. */
  chunks: AsyncGenerator<string[]>;
  /** The summary line, once the records have all been read. */
  summary(): WireSummary | null;
  /** Stops reading and drops the connection, so the server ends the export and frees its slot. */
  cancel(): Promise<void>;
}

/** Sends the export request; resolves once the server accepted it (a refusal rejects with its ExportError). */
export async function requestExport(
  endpoint: string,
  body: ExportRequestBody,
  signal?: AbortSignal,
): Promise<RemoteExport> {
  let url: URL;
  try {
    url = new URL(EXPORT_ROUTE, endpoint);
  } catch {
    throw new ExportError(
      'EXPORT_ENDPOINT_FAILED',
      `${endpoint} is not a URL (expected e.g. http://127.0.0.1:8000)`,
    );
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(signal !== undefined && { signal }),
    });
  } catch (error) {
    if (signal?.aborted === true) throw error;
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw new ExportError('EXPORT_ENDPOINT_FAILED', `cannot reach ${endpoint}: ${cause}`, { cause: error });
  }
  if (res.status !== 200 || res.body === null) throw await refusal(endpoint, res);
  let summary: WireSummary | null = null;
  const reader = res.body.getReader();
  return {
    chunks: readLines(endpoint, reader, (s) => (summary = s)),
    summary: () => summary,
    cancel: () => reader.cancel().catch(() => undefined),
  };
}

async function refusal(endpoint: string, res: Response): Promise<ExportError> {
  const text = await res.text().catch(() => '');
  let json: { code?: unknown; message?: unknown } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    // not ours: described below
  }
  if (isExportErrorCode(json.code) && typeof json.message === 'string')
    return new ExportError(json.code, json.message);
  if (res.status === 404) {
    return new ExportError(
      'EXPORT_ENDPOINT_FAILED',
      `${endpoint} does not serve exports (${EXPORT_ROUTE} answered 404): is it 'tsbatch serve'?`,
    );
  }
  return new ExportError(
    'EXPORT_ENDPOINT_FAILED',
    `${endpoint} answered ${res.status}: ${text.slice(0, 200)}`,
  );
}

/** A record line as the server writes it (its stored text, recordJson): told apart without parsing it. */
const RECORD_START = '{"Dimensions":[';

async function* readLines(
  endpoint: string,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  onSummary: (summary: WireSummary) => void,
): AsyncGenerator<string[]> {
  const decoder = new TextDecoder();
  let carry = '';
  let records = 0;
  let done = false;
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw brokeOff(endpoint, records, error);
      }
      if (chunk.done) break;
      const text = carry + decoder.decode(chunk.value, { stream: true });
      const lines: string[] = [];
      let from = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
        const line = text.slice(from, nl);
        from = nl + 1;
        if (done)
          throw new ExportError('EXPORT_ENDPOINT_FAILED', `${endpoint} sent data after the export's end`);
        if (line.startsWith(RECORD_START) && line.endsWith('}')) {
          lines.push(line);
          continue;
        }
        const json = parse(endpoint, line) as Record<string, unknown>;
        if (typeof json.ExportSummary === 'object' && json.ExportSummary !== null) {
          onSummary(json.ExportSummary as WireSummary);
          done = true;
        } else if (typeof json.ExportError === 'object' && json.ExportError !== null) {
          const e = json.ExportError as { code?: unknown; message?: unknown };
          throw new ExportError(
            isExportErrorCode(e.code) ? e.code : 'EXPORT_ENDPOINT_FAILED',
            String(e.message),
          );
        } else {
          throw new ExportError(
            'EXPORT_ENDPOINT_FAILED',
            `${endpoint} sent a line that is no record: ${line.slice(0, 200)}`,
          );
        }
      }
      carry = text.slice(from);
      if (lines.length > 0) {
        records += lines.length;
        yield lines;
      }
    }
    if (!done || carry !== '') throw brokeOff(endpoint, records, undefined);
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function parse(endpoint: string, line: string): unknown {
  try {
    const json = JSON.parse(line) as unknown;
    if (typeof json === 'object' && json !== null) return json;
  } catch {
    // described below
  }
  throw new ExportError(
    'EXPORT_ENDPOINT_FAILED',
    `${endpoint} sent a line that is not JSON: ${line.slice(0, 200)}`,
  );
}

function brokeOff(endpoint: string, records: number, cause: unknown): ExportError {
  return new ExportError(
    'EXPORT_ENDPOINT_FAILED',
    `${endpoint} broke off the export after ${records} records (the output is incomplete)`,
    { cause },
  );
}
