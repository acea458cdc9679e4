/**
 * Optional check of AWS Signature Version 4 against configured keys (R-LOCAL-1): the request is signed again with
 * `@smithy/signature-v4` (the signer of the AWS SDK itself) over exactly the headers the client says it signed, and
 * the two signatures are compared in constant time. Without configured keys any `Authorization` header is accepted
 * (as most local emulators do). No clock-skew check [choice]: tests pin the server's clock to other days.
 */
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { ServiceError } from '../errors.js';

export interface SigningRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const AUTH =
  /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;_.-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
/** The signing name of Timestream-Write in credential scopes. */
const SERVICE = 'timestream';

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytesOf(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** The hash the signer asks for (SHA-256, or HMAC-SHA-256 when given a key), on node:crypto. */
class Sha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(this.secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function invalid(message = SIGNATURE_MISMATCH): ServiceError {
  return new ServiceError('InvalidSignatureException', message);
}

/**
 * Returns the access key id that signed the request, or throws the service's authentication error when it is not
 * signed by one of `secrets` (key id -> secret): MissingAuthenticationTokenException without a signature,
 * UnrecognizedClientException for an unknown key, InvalidSignatureException for anything else.
 */
export async function verifySignature(
  request: SigningRequest,
  secrets: ReadonlyMap<string, string>,
  /** The signing name of the API called: `qldb` for the QLDB journal export (R-QLDB-1). */
  expectedService: string = SERVICE,
): Promise<string> {
  const auth = (headerValue(request.headers, 'authorization') ?? '').trim();
  if (auth === '')
    throw new ServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const m = AUTH.exec(auth);
  if (m === null) throw invalid('The Authorization header is not an AWS4-HMAC-SHA256 signature.');
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
  if (service !== expectedService) {
    throw invalid(`Credential should be scoped to correct service: '${expectedService}'.`);
  }
  const amzDate = headerValue(request.headers, 'x-amz-date') ?? '';
  const d = AMZ_DATE.exec(amzDate);
  const names = signedHeaders.split(';');
  if (d === null || !amzDate.startsWith(date) || !names.includes('host')) throw invalid();
  const signingDate = new Date(Date.UTC(+d[1]!, +d[2]! - 1, +d[3]!, +d[4]!, +d[5]!, +d[6]!));

  // A claimed payload hash must be the body's: otherwise a signed request could carry any body.
  const claimed = headerValue(request.headers, 'x-amz-content-sha256');
  if (
    claimed !== undefined &&
    claimed !== 'UNSIGNED-PAYLOAD' &&
    claimed !== createHash('sha256').update(request.body).digest('hex')
  ) {
    throw invalid();
  }
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = headerValue(request.headers, name);
    if (value !== undefined) headers[name] = value;
  }
  const url = new URL(request.url, 'http://localhost');
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    query[key] = all.length === 1 ? all[0]! : all;
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: keyId, secretAccessKey: secret },
    region,
    service,
    sha256: Sha256,
    // The client decided whether to send x-amz-content-sha256; the signer must not add it.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: url.hostname,
      path: url.pathname,
      query,
      headers,
      body: request.body,
    },
    { signingDate, signableHeaders: new Set(names) },
  );
  const expected = /SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})/.exec(
    String(signed.headers['authorization'] ?? ''),
  );
  if (expected === null || expected[1] !== signedHeaders) throw invalid();
  const given = Buffer.from(signature, 'hex');
  const wanted = Buffer.from(expected[2]!, 'hex');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw invalid();
  return keyId;
}
