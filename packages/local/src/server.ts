/**
 * R-LOCAL-1: a Timestream-Write-compatible endpoint over node:http, speaking AWS JSON 1.0 as the SDKs do: POST `/`,
 * `X-Amz-Target: Timestream_20181101.<Operation>`, `application/x-amz-json-1.0`; errors as
 * `{"__type": "<namespace>#<Name>", "message"}` with the service's HTTP statuses. Admin calls live under
 * `/_tsbatch/` (health, faults).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalError, ServiceError } from './errors.js';
import { FaultInjector, parseFaultSpec, type FaultOptions, type ResolvedFaultOptions } from './faults.js';
import { EXPORT_ROUTE, handleExportRequest } from './export.js';
import { LocalStore, type LocalStoreOptions } from './store.js';
import { batchLoadOperations } from './internal/batch-load-operations.js';
import { BatchLoadRunner } from './internal/batch-load-runner.js';
import { catalogOperations } from './internal/catalog-operations.js';
import { asObject } from './internal/constraints.js';
import { endpointAddressOf, headerText, readBody, send, sendError, urlHost } from './internal/http.js';
import type { Operation, OperationContext } from './internal/operation.js';
import { parseExactJson } from './internal/exact-json.js';
import { verifySignature } from './internal/sigv4.js';
import { writeRecords } from './internal/write-records.js';
import { DEFAULT_OBJECT_BYTES } from './qldb/export-journal.js';
import { openJournalExportService } from './qldb/journal-export-service.js';
import { matchQldbRoute } from './qldb/qldb-api.js';
import { storeJournalSource } from './qldb/journal-source.js';
import type { BatchLoadObjects } from './internal/batch-load-runner.js';
import type { ExportBuckets, ObjectStoreSpec } from './qldb/bucket-objects.js';

export type { BatchLoadObjects } from './internal/batch-load-runner.js';
export type { ExportObjectStore, ObjectStoreSpec } from './qldb/bucket-objects.js';

/** Where buckets are read and written without `s3Root`: a writer with a spec also takes journal exports. */
export interface ServerObjects extends BatchLoadObjects {
  writer: BatchLoadObjects['writer'] & { readonly spec?: ObjectStoreSpec };
}

export interface LocalServerOptions {
  /** Interface to listen on; loopback unless told otherwise. @default '127.0.0.1' */
  host?: string;
  /** @default 0 (any free port; see `url`) */
  port?: number;
  /** The embedded store (R-LOCAL-3). @default '.tsbatch/local' */
  dataDir?: string;
  /** `--s3-root`: buckets of batch-load tasks are folders under it (R-IN-3). @default undefined (no batch load) */
  s3Root?: string;
  /**
   * R-S3-1 / R-S3-2: without `s3Root`, batch-load tasks read their buckets through `reader` and put their error
   * reports with `writer` (S3: the CLI injects @tsbatch/aws's); journal exports write their objects through the
   * writer's `spec`, built again in their worker threads (R-QLDB-4). @default undefined (no batch load, no export)
   */
  objects?: ServerObjects;
  /** Region in ARNs. @default 'us-east-1' */
  region?: string;
  /** Account in ARNs. @default '000000000000' */
  accountId?: string;
  /**
   * When not empty, requests must carry a SigV4 signature by one of these keys; a key with `operations` may call
   * only those (others answer AccessDeniedException). @default [] (any signature)
   */
  credentials?: { accessKeyId: string; secretAccessKey: string; operations?: readonly string[] }[];
  /** Fault injection on WriteRecords. @default none */
  faults?: FaultOptions;
  /** The clock of the time window and of every timestamp. @default () => new Date() */
  clock?: () => Date;
  /**
   * Largest request body; a larger one is answered 413 without being read. A legal WriteRecords (100 records of at
   * most 2 KiB of names and values, R-LIM-1) stays well under it even JSON-escaped. @default 4 MiB
   */
  maxBodyBytes?: number;
  /** Largest request head (request line and headers); Node answers 431 above it. @default 16 KiB */
  maxHeaderBytes?: number;
  /** Time a client has to send the request head (slow-header clients get 408 and are cut off). @default 10000 */
  headersTimeoutMs?: number;
  /** Time a client has to send the whole request, head and body. @default 60000 */
  requestTimeoutMs?: number;
  /** A connection silent this long (no bytes either way) is closed. @default 120000 */
  idleTimeoutMs?: number;
  /** An idle kept-alive connection is closed after this long; the SDKs reopen one as needed. @default 5000 */
  keepAliveTimeoutMs?: number;
  /** fsync every acknowledged write. @default true */
  sync?: boolean;
  quotas?: LocalStoreOptions['quotas'];
  taskQuotas?: LocalStoreOptions['taskQuotas'];
  /** R-QLDB-4: a journal export's data object is closed at this size. @default 64 MiB */
  journalExportObjectBytes?: number;
  /** One line per request (operation, status, time) and per task event; never credentials or record contents. @default no log */
  log?: (line: string) => void;
  /**
   * What start-up does, before the server listens: opening the store (with how many points it holds), moving a
   * folder of the old format. @default none
   */
  announce?: (line: string) => void;
  /**
   * Each request as data (its operation, HTTP status, 0 for a dropped connection, and time taken); given, requests
   * go here instead of to `log` (`tsbatch serve` sums them up, issue 18). @default requests go to `log`
   */
  onRequest?: (request: RequestLogEntry) => void;
}

/** One answered (or dropped) request, for `onRequest`. */
export interface RequestLogEntry {
  operation: string;
  status: number;
  ms: number;
}

export interface ResolvedLocalServerOptions {
  host: string;
  port: number;
  dataDir: string;
  s3Root: string | null;
  objects: ServerObjects | null;
  region: string;
  accountId: string;
  credentials: ReadonlyMap<string, string>;
  /** Key id -> the operations it may call (keys without a list may call all). */
  permissions: ReadonlyMap<string, ReadonlySet<string>>;
  faults: FaultOptions;
  clock: () => Date;
  maxBodyBytes: number;
  maxHeaderBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  keepAliveTimeoutMs: number;
  sync: boolean;
  quotas: NonNullable<LocalStoreOptions['quotas']>;
  taskQuotas: NonNullable<LocalStoreOptions['taskQuotas']>;
  journalExportObjectBytes: number;
  log: (line: string) => void;
  onRequest: (request: RequestLogEntry) => void;
  announce: (line: string) => void;
}

export interface LocalServer {
  /** `http://HOST:PORT`, what clients pass as `endpoint`. */
  readonly url: string;
  readonly port: number;
  readonly store: LocalStore;
  readonly faults: FaultInjector;
  /** Resolves when no batch-load task and no journal export is running. */
  idle(): Promise<void>;
  /** Stops listening, lets requests in flight finish, stops running tasks (PROGRESS_STOPPED), flushes the store. */
  close(): Promise<void>;
}

const TARGET_PREFIX = 'Timestream_20181101.';
/**
 * 100 records x 2 KiB of names and values (R-LOCAL-2, R-LIM-1) is 200 KiB; JSON escaping can grow a byte to six
 * (`\u001f`) and members and punctuation add about 50 bytes per value, so a legal WriteRecords stays under ~3 MiB.
 */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
const OPERATIONS: Readonly<Record<string, Operation>> = {
  ...catalogOperations,
  ...batchLoadOperations,
  WriteRecords: writeRecords,
};

export function resolveLocalServerOptions(options: LocalServerOptions = {}): ResolvedLocalServerOptions {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new LocalError('LOCAL_INVALID_OPTION', `port must be 0-65535, got ${port}`);
  }
  const positive = (name: string, value: number): number => {
    if (!Number.isInteger(value) || value < 1) {
      throw new LocalError('LOCAL_INVALID_OPTION', `${name} must be a positive integer, got ${value}`);
    }
    return value;
  };
  const credentials = new Map<string, string>();
  const permissions = new Map<string, ReadonlySet<string>>();
  for (const c of options.credentials ?? []) {
    credentials.set(c.accessKeyId, c.secretAccessKey);
    if (c.operations !== undefined) permissions.set(c.accessKeyId, new Set(c.operations));
  }
  const headersTimeoutMs = positive('headersTimeoutMs', options.headersTimeoutMs ?? 10_000);
  const requestTimeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs ?? 60_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new LocalError(
      'LOCAL_INVALID_OPTION',
      `headersTimeoutMs (${headersTimeoutMs}) must not exceed requestTimeoutMs (${requestTimeoutMs})`,
    );
  }
  return {
    host: options.host ?? '127.0.0.1',
    port,
    dataDir: options.dataDir ?? '.tsbatch/local',
    s3Root: options.s3Root ?? null,
    objects: options.objects ?? null,
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '000000000000',
    credentials,
    permissions,
    faults: options.faults ?? {},
    clock: options.clock ?? ((): Date => new Date()),
    maxBodyBytes: positive('maxBodyBytes', options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES),
    maxHeaderBytes: positive('maxHeaderBytes', options.maxHeaderBytes ?? 16 * 1024),
    headersTimeoutMs,
    requestTimeoutMs,
    idleTimeoutMs: positive('idleTimeoutMs', options.idleTimeoutMs ?? 120_000),
    keepAliveTimeoutMs: positive('keepAliveTimeoutMs', options.keepAliveTimeoutMs ?? 5_000),
    sync: options.sync ?? true,
    quotas: options.quotas ?? {},
    taskQuotas: options.taskQuotas ?? {},
    journalExportObjectBytes: positive(
      'journalExportObjectBytes',
      options.journalExportObjectBytes ?? DEFAULT_OBJECT_BYTES,
    ),
    log: options.log ?? ((): void => undefined),
    onRequest:
      options.onRequest ??
      ((r: RequestLogEntry): void =>
        (options.log ?? ((): void => undefined))(
          `${r.operation} ${r.status === 0 ? 'dropped' : r.status} ${r.ms}ms`,
        )),
    announce: options.announce ?? ((): void => undefined),
  };
}

/** Opens the store under `dataDir`, recovers interrupted tasks and listens. */
export async function startServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const o = resolveLocalServerOptions(options);
  const faults = new FaultInjector(o.faults);
  const store = await LocalStore.open({
    dataDir: o.dataDir,
    region: o.region,
    accountId: o.accountId,
    sync: o.sync,
    clock: o.clock,
    quotas: o.quotas,
    taskQuotas: o.taskQuotas,
    announce: o.announce,
  });
  for (const warning of store.warnings) o.log(`store: ${warning}`);
  const runner = new BatchLoadRunner({
    store,
    s3Root: o.s3Root,
    objects: o.objects,
    clock: o.clock,
    log: o.log,
  });
  // R-QLDB-1..4: the journal export, over the store's journal of committed writes (exports run on worker threads).
  const { api: qldb, exporter } = await openJournalExportService({
    dataDir: store.dataDir,
    source: storeJournalSource(store),
    buckets: exportBuckets(o),
    clock: o.clock,
    maxObjectBytes: o.journalExportObjectBytes,
    log: o.log,
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  let inFlight = 0;
  let drained: (() => void) | null = null;

  // Slow clients (slowloris): Node checks the head and request deadlines every connectionsCheckingInterval, so it
  // is kept a fraction of the shortest deadline; an idle socket (a client that stops reading) is destroyed.
  const server: Server = createServer(
    {
      maxHeaderSize: o.maxHeaderBytes,
      headersTimeout: o.headersTimeoutMs,
      requestTimeout: o.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(o.headersTimeoutMs / 4))),
    },
    (req, res) => {
      inFlight++;
      void handle(req, res).finally(() => {
        if (--inFlight === 0) drained?.();
      });
    },
  );
  server.keepAliveTimeout = o.keepAliveTimeoutMs;
  server.setTimeout(o.idleTimeoutMs);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = randomUUID();
    let operation = '-';
    let status = 500;
    let lost = false;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname.startsWith('/_tsbatch/')) {
        operation = `admin ${req.method ?? ''} ${url.pathname}`;
        status = await admin(req, res, url.pathname);
        return;
      }
      const body = await readBody(req, o.maxBodyBytes);
      const target = headerText(req.headers['x-amz-target']);
      // R-QLDB-1: the request's shape decides the API: Timestream's X-Amz-Target, or a QLDB REST path.
      const route = target === '' ? matchQldbRoute(req.method ?? '', url.pathname) : null;
      const keyId =
        o.credentials.size === 0
          ? null
          : await verifySignature(
              { method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body },
              o.credentials,
              route === null ? 'timestream' : 'qldb',
            );
      if (route !== null) {
        operation = route.operation ?? `QLDB ${req.method ?? ''} ${url.pathname}`;
        const may = keyId === null ? undefined : o.permissions.get(keyId);
        if (may !== undefined && !may.has(operation)) {
          throw new ServiceError(
            'AccessDeniedException',
            `User: arn:aws:iam::${o.accountId}:user/${keyId} is not authorized to perform: qldb:${operation}`,
          );
        }
        status = await qldb.handle(route, url, body, res, requestId);
        return;
      }
      const name = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
      const run = Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
      if (req.method !== 'POST' || url.pathname !== '/' || run === undefined) {
        throw new ServiceError(
          'UnknownOperationException',
          target === '' ? 'Missing X-Amz-Target' : `Unknown operation ${target}`,
        );
      }
      operation = name;
      const allowed = keyId === null ? undefined : o.permissions.get(keyId);
      if (allowed !== undefined && !allowed.has(name)) {
        throw new ServiceError(
          'AccessDeniedException',
          `User: arn:aws:iam::${o.accountId}:user/${keyId} is not authorized to perform: timestream:${name}`,
        );
      }
      let input: unknown;
      try {
        input = body.length === 0 ? {} : parseExactJson(body.toString('utf8'));
      } catch {
        throw new ServiceError('SerializationException', 'The request body is not valid JSON.');
      }
      if (name === 'WriteRecords') {
        const fault = faults.decide();
        if (fault.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
        if (fault.kind === 'drop') {
          status = 0;
          req.socket.destroy();
          return;
        }
        lost = fault.kind === 'lost';
        if (fault.kind === 'throttle') {
          throw new ServiceError(
            'ThrottlingException',
            'Your request was throttled. Please retry (fault injected by tsbatch serve).',
          );
        }
        if (fault.kind === 'error') {
          throw new ServiceError(
            'InternalServerException',
            'Internal server error (fault injected by tsbatch serve).',
          );
        }
      }
      const ctx: OperationContext = {
        store,
        clock: o.clock,
        // Worked out only for the call that answers it (DescribeEndpoints), not on every WriteRecords.
        get endpointAddress() {
          return endpointAddressOf(req, o.host, (server.address() as AddressInfo).port);
        },
        runner,
      };
      const applied = (async () => run(asObject(input), ctx))();
      if (lost) {
        // The write is applied, then its answer is lost (a client timeout after the service did the work).
        await applied.catch(() => undefined);
        status = 0;
        req.socket.destroy();
        return;
      }
      const output = await applied;
      status = 200;
      send(res, 200, output, requestId);
    } catch (error) {
      const e =
        error instanceof ServiceError
          ? error
          : new ServiceError('InternalServerException', 'The local endpoint failed on this request.');
      if (!(error instanceof ServiceError)) {
        o.log(`${operation} internal error: ${loggable(error)}`);
      }
      status = e.status;
      sendError(res, e, requestId);
    } finally {
      o.onRequest({ operation, status, ms: Date.now() - started });
    }
  }

  async function admin(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<number> {
    const reply = (status: number, body: unknown): number => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
      return status;
    };
    if (pathname === '/_tsbatch/health' && req.method === 'GET') return reply(200, { status: 'ok' });
    if (pathname === '/_tsbatch/faults' && req.method === 'GET') return reply(200, faults.options);
    // R-EXP-1: Timestream-Write has no read call; the records stream as JSON lines (export.ts).
    if (pathname === EXPORT_ROUTE && req.method === 'POST')
      return handleExportRequest(req, res, { store, clock: o.clock });
    if (pathname === '/_tsbatch/faults' && req.method === 'POST') {
      try {
        const body = await readBody(req, 64 * 1024);
        const json = body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as unknown);
        return reply(200, faults.set(faultOptionsOf(json)) satisfies ResolvedFaultOptions);
      } catch (error) {
        return reply(400, { message: error instanceof Error ? error.message : String(error) });
      }
    }
    return reply(404, { message: `No admin call ${req.method ?? ''} ${pathname}` });
  }

  try {
    // Interrupted tasks are settled before the first request can see them.
    await runner.recover();
    exporter.recover();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await exporter.close();
    await runner.close();
    await store.close();
    throw error;
  }
  const address = server.address() as AddressInfo;

  let closing: Promise<void> | null = null;
  return {
    url: `http://${urlHost(o.host)}:${address.port}`,
    port: address.port,
    store,
    faults,
    async idle(): Promise<void> {
      await runner.idle();
      await exporter.idle();
    },
    close(): Promise<void> {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        if (inFlight > 0) {
          await Promise.race([
            new Promise<void>((resolve) => (drained = resolve)),
            new Promise((resolve) => setTimeout(resolve, 5_000).unref()),
          ]);
        }
        server.closeAllConnections();
        await stopped;
        await exporter.close();
        await runner.close();
        await store.close();
      })();
      return closing;
    },
  };
}

/** The admin body: FaultOptions as JSON, or `{"spec": "throttle=0.3,..."}` as the CLI flag reads. */
function faultOptionsOf(json: unknown): FaultOptions {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error('expected a JSON object');
  }
  const { spec, ...rest } = json as FaultOptions & { spec?: unknown };
  if (spec === undefined) return rest;
  if (typeof spec !== 'string') {
    throw new Error('spec must be a string such as "throttle=0.3,delay=200ms:0.1"');
  }
  return parseFaultSpec(spec, rest);
}

/**
 * What the log may say about an unexpected error: a system error's code and message (paths of the store), else only
 * the error's class, since other messages can quote request values (record contents).
 */
function loggable(error: unknown): string {
  const e = error as NodeJS.ErrnoException | null;
  if (error instanceof Error && typeof e?.code === 'string')
    return `${error.name} ${e.code}: ${error.message}`;
  return error instanceof Error ? error.name : typeof error;
}

/** R-QLDB-4: where journal exports write: the folders of `s3Root`, else the object store of the writer's spec. */
function exportBuckets(o: ResolvedLocalServerOptions): ExportBuckets | null {
  if (o.s3Root !== null) return { s3Root: o.s3Root };
  const spec = o.objects?.writer.spec;
  return spec === undefined ? null : { store: spec };
}
