/**
 * The wire of AWS JSON 1.0 (R-LOCAL-1): reading a bounded request body, and writing answers and errors as the
 * service does (`__type`, `message`/`Message`, `x-amzn-errortype`, `x-amzn-requestid`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_NAMESPACE, ServiceError, type ServiceErrorType } from '../errors.js';
import type { Json } from './constraints.js';
import { stringifyExact } from './exact-json.js';

const JSON_TYPE = 'application/x-amz-json-1.0';
/** Protocol errors come from the service framework, not the Timestream model. */
const PROTOCOL_NAMESPACE = 'com.amazon.coral.service';
const PROTOCOL_ERRORS: ReadonlySet<ServiceErrorType> = new Set([
  'UnknownOperationException',
  'SerializationException',
  'RequestEntityTooLargeException',
  'MissingAuthenticationTokenException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
]);

export function headerText(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** The host name the client used (no port). */
export function hostnameOf(req: IncomingMessage, fallback: string): string {
  const host = req.headers.host ?? '';
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1) || fallback;
  const name = host.split(':')[0] ?? '';
  return name === '' ? fallback : name;
}

/** botocore (boto3, the AWS CLI, awswrangler) names itself in the User-Agent. */
const BOTOCORE_AGENT = /\b(?:botocore|Botocore|aws-cli)\//;

/**
 * R-LOCAL-1: the Address DescribeEndpoints answers, so that the client comes back to this server however it was
 * configured. The JS SDK puts an Address in place of the host name and keeps its scheme and port, so it gets the
 * bare host name it called; botocore takes an Address as a whole URL only when it starts with "http" (else it
 * calls https://<Address>:443), so it gets `http://<host>:<port>` [choice: the family is told by the User-Agent].
 */
export function endpointAddressOf(req: IncomingMessage, fallbackHost: string, port: number): string {
  if (!BOTOCORE_AGENT.test(headerText(req.headers['user-agent']))) return hostnameOf(req, fallbackHost);
  const host = req.headers.host;
  return `http://${host !== undefined && host !== '' ? host : `${urlHost(fallbackHost)}:${port}`}`;
}

/** A host usable in a URL: a wildcard address is reached through loopback. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * The request body, at most `limit` bytes. A larger one (declared, or counted while it streams in) is not read any
 * further: the stream is paused, so nothing more is buffered, and the error answer closes the connection.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.pause();
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        chunks.length = 0;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function tooLarge(limit: number): ServiceError {
  return new ServiceError(
    'RequestEntityTooLargeException',
    `The request body is larger than ${limit} bytes.`,
  );
}

export function send(res: ServerResponse, status: number, body: Json, requestId: string): void {
  if (res.headersSent || res.destroyed) return;
  const text = stringifyExact(body);
  res.writeHead(status, {
    'content-type': JSON_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: ServiceError, requestId: string): void {
  if (res.headersSent || res.destroyed) return;
  const namespace = PROTOCOL_ERRORS.has(error.type) ? PROTOCOL_NAMESPACE : ERROR_NAMESPACE;
  // The model's member is `Message`; AWS JSON services also send `message`, which every SDK reads.
  const body = {
    __type: `${namespace}#${error.type}`,
    message: error.message,
    Message: error.message,
    ...error.fields,
  };
  const text = stringifyExact(body);
  const headers: Record<string, string | number> = {
    'content-type': JSON_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': error.type,
  };
  // A body left unread (too large) is not drained: the connection is closed after the answer.
  if (error.type === 'RequestEntityTooLargeException') headers['connection'] = 'close';
  res.writeHead(error.status, headers);
  res.end(text);
}
