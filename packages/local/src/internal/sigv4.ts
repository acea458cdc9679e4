/**
 * Optional check of AWS Signature Version 4 against configured keys: the canonical request, string to sign and
 * signing key of the SigV4 specification, over the headers the client says it signed. Without configured keys any
 * `Authorization` header is accepted (as most local emulators do). No clock-skew check [choice].
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ServiceError } from '../errors.js';

export interface SigningRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const AUTH =
  /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** RFC 3986 encoding as SigV4 wants it (unreserved characters kept). */
function encode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function canonicalQuery(search: URLSearchParams): string {
  return [...search.entries()]
    .map(([k, v]) => [encode(k), encode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  const text = Array.isArray(v) ? v.join(',') : (v ?? '');
  return text.trim().replace(/\s+/g, ' ');
}

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/**
 * Returns the access key id that signed the request, or throws the service's authentication error when it is not
 * signed by one of `secrets` (key id -> secret).
 */
export function verifySignature(request: SigningRequest, secrets: ReadonlyMap<string, string>): string {
  const auth = headerValue(request.headers, 'authorization');
  if (auth === '')
    throw new ServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const m = AUTH.exec(auth);
  if (m === null) {
    throw new ServiceError(
      'InvalidSignatureException',
      'The Authorization header is not an AWS4-HMAC-SHA256 signature.',
    );
  }
  const [, keyId, date, region, service, signedHeaders, signature] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const secret = secrets.get(keyId);
  if (secret === undefined) {
    throw new ServiceError(
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
  }
  const amzDate = headerValue(request.headers, 'x-amz-date');
  const names = signedHeaders.split(';');
  if (!names.includes('host') || amzDate === '' || !amzDate.startsWith(date)) {
    throw new ServiceError('InvalidSignatureException', SIGNATURE_MISMATCH);
  }
  const url = new URL(request.url, 'http://localhost');
  const payloadHash = sha256(request.body);
  const claimed = headerValue(request.headers, 'x-amz-content-sha256');
  if (claimed !== '' && claimed !== 'UNSIGNED-PAYLOAD' && claimed !== payloadHash) {
    throw new ServiceError('InvalidSignatureException', SIGNATURE_MISMATCH);
  }
  const canonical = [
    request.method,
    url.pathname
      .split('/')
      .map((s) => encode(decodeURIComponent(s)))
      .join('/'),
    canonicalQuery(url.searchParams),
    names.map((n) => `${n}:${headerValue(request.headers, n)}\n`).join(''),
    signedHeaders,
    claimed === 'UNSIGNED-PAYLOAD' ? claimed : payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  const expected = createHmac('sha256', key).update(toSign, 'utf8').digest();
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new ServiceError('InvalidSignatureException', SIGNATURE_MISMATCH);
  }
  return keyId;
}
