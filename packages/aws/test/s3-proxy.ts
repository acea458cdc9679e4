/**
 * A loopback proxy in front of the tests' real S3 server that changes only what S3 reports or how a connection
 * behaves, never the stored data:
 * - `sizes[key]` becomes the Size of that key in ListObjectsV2 answers (an object over the 5 GB quota without 5 GB
 *   of disk, R-SUBMIT-2);
 * - every request for a bucket in `denied` gets S3's own AccessDenied error document (403), as a bucket policy would;
 * - `ifMatch` applies a GET's If-Match as S3 documents it (412 PreconditionFailed when the ETag differs), for servers
 *   that ignore the header (s3rver);
 * - the first `cutBodies` GET answers close their connection halfway through the body, as a network failure would;
 * - GETs of the object paths `hold` matches wait until `release()` (a slow source: tasks reading it stay IN_PROGRESS),
 *   but for the first `holdAfter` GETs of each path (a header read at CreateBatchLoadTask, before the run's).
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';

export interface S3ProxyOptions {
  sizes?: Record<string, number>;
  denied?: string[];
  ifMatch?: boolean;
  cutBodies?: number;
  hold?: RegExp;
  /** GETs of each held path let through before holding. @default 0 */
  holdAfter?: number;
}

export interface S3Proxy {
  endpoint: string;
  /** `METHOD path?query` of every request seen, in order. */
  requests: string[];
  /** Lets the held GETs (and every later one) through. */
  release(): void;
  close(): Promise<void>;
}

const ACCESS_DENIED =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
const PRECONDITION_FAILED =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code>' +
  '<Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-Match</Condition></Error>';

function rewriteSizes(xml: string, sizes: Record<string, number>): string {
  for (const [key, size] of Object.entries(sizes)) {
    const at = xml.indexOf(`<Key>${key}</Key>`);
    if (at === -1) continue;
    const sizeAt = xml.indexOf('<Size>', at);
    const sizeEnd = xml.indexOf('</Size>', sizeAt);
    xml = `${xml.slice(0, sizeAt)}<Size>${size}${xml.slice(sizeEnd)}`;
  }
  return xml;
}

/** The ETag upstream gives the object now (an unsigned HEAD: both test servers allow anonymous reads). */
function currentEtag(upstream: URL, path: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const head = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: 'HEAD', path },
      (answer) => {
        answer.resume();
        resolve(answer.headers.etag);
      },
    );
    head.on('error', reject);
    head.end();
  });
}

export async function startS3Proxy(target: string, options: S3ProxyOptions): Promise<S3Proxy> {
  const upstream = new URL(target);
  const requests: string[] = [];
  let cuts = options.cutBodies ?? 0;
  let held: (() => void)[] | null = options.hold === undefined ? null : [];
  const gets = new Map<string, number>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', target);
    requests.push(`${req.method} ${req.url}`);
    const bucket = url.pathname.split('/')[1] ?? '';
    if (options.denied?.includes(bucket)) {
      res.writeHead(403, { 'content-type': 'application/xml' }).end(ACCESS_DENIED);
      return;
    }
    const listing = url.searchParams.has('list-type');
    if (held !== null && req.method === 'GET' && !listing && options.hold!.test(url.pathname)) {
      const seen = gets.get(url.pathname) ?? 0;
      gets.set(url.pathname, seen + 1);
      if (seen >= (options.holdAfter ?? 0))
        await new Promise<void>((resolve) => held?.push(resolve) ?? resolve());
    }
    const ifMatch = req.headers['if-match'];
    if (options.ifMatch === true && req.method === 'GET' && typeof ifMatch === 'string') {
      if ((await currentEtag(upstream, url.pathname)) !== ifMatch) {
        res.writeHead(412, { 'content-type': 'application/xml' }).end(PRECONDITION_FAILED);
        return;
      }
    }
    // The request goes on as it was signed (the Host it names included): only the socket's target changes.
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => reply(req, url, answer, res),
    );
    forward.on('error', (error) => res.writeHead(502).end(error.message));
    req.pipe(forward);
  }

  function reply(req: IncomingMessage, url: URL, answer: IncomingMessage, res: ServerResponse): void {
    const listing = req.method === 'GET' && url.searchParams.get('list-type') === '2';
    const length = Number(answer.headers['content-length'] ?? 0);
    if (req.method === 'GET' && !listing && cuts > 0 && answer.statusCode! < 300 && length > 1) {
      cuts--;
      res.writeHead(answer.statusCode!, answer.headers);
      let sent = 0;
      answer.on('data', (chunk: Buffer) => {
        const room = Math.floor(length / 2) - sent;
        if (room > 0) res.write(chunk.subarray(0, room));
        sent += chunk.length;
        if (sent >= length / 2) {
          answer.destroy();
          res.destroy();
        }
      });
      return;
    }
    if (!listing || options.sizes === undefined) {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      return;
    }
    const parts: Buffer[] = [];
    answer.on('data', (chunk: Buffer) => parts.push(chunk));
    answer.on('end', () => {
      const headers = { ...answer.headers };
      delete headers['content-length'];
      res.writeHead(answer.statusCode ?? 200, headers);
      res.end(rewriteSizes(Buffer.concat(parts).toString('utf8'), options.sizes!));
    });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => res.writeHead(502).end(error.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    release() {
      const waiting = held ?? [];
      held = null;
      for (const go of waiting) go();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
