/**
 * R-ING-2: which WriteRecords failures are worth another attempt, and how long to wait before it. The SDK runs with
 * `maxAttempts: 1`; this module owns the retries so that they are counted and bounded.
 */

export interface RetryOptions {
  /** Attempts per call, the first one included; at the bound the load stops, resumable. @default 10 */
  maxAttempts?: number;
  /** Base of the exponential backoff. @default 100 */
  baseDelayMs?: number;
  /** Largest wait between two attempts. @default 20_000 */
  maxDelayMs?: number;
}

export interface ResolvedRetryOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  const check = (name: string, value: number, min: number): number => {
    if (!Number.isInteger(value) || value < min) {
      throw new RangeError(`retry.${name} must be an integer of at least ${min}, got ${value}`);
    }
    return value;
  };
  const resolved = {
    maxAttempts: check('maxAttempts', options.maxAttempts ?? 10, 1),
    baseDelayMs: check('baseDelayMs', options.baseDelayMs ?? 100, 0),
    maxDelayMs: check('maxDelayMs', options.maxDelayMs ?? 20_000, 0),
  };
  if (resolved.maxDelayMs < resolved.baseDelayMs) {
    throw new RangeError(`retry.maxDelayMs (${resolved.maxDelayMs}) must not be below retry.baseDelayMs`);
  }
  return resolved;
}

/**
 * The wait before attempt `attempt + 1` after `attempt` failed attempts: "full jitter", a uniform draw in
 * [0, min(maxDelay, base * 2^(attempt-1))], so that many workers backing off together spread out.
 */
export function backoffDelay(
  attempt: number,
  options: ResolvedRetryOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.floor(random() * (ceiling + 1));
}

/**
 * What to do about a failed call:
 * - `retry`: throttling, 5xx, timeouts, connections lost or refused, no answer at all (R-ING-2);
 * - `rejected`: RejectedRecordsException, the call is done and some records were refused;
 * - `invalid`: ValidationException for the whole call (split it to find the records, R-ING-2);
 * - `fatal`: anything else the service said (access, missing table, ...): retrying will not help.
 */
export type FailureClass = 'retry' | 'rejected' | 'invalid' | 'fatal';

const RETRY_NAMES = new Set([
  'ThrottlingException',
  'InternalServerException',
  'ServiceUnavailableException',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'InvalidEndpointException',
]);
const RETRY_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
]);

/** Failures of the client itself (no credentials, no region, a bad argument): no attempt can succeed. */
const FATAL_NAMES = new Set([
  'CredentialsProviderError',
  'ProviderError',
  'TokenProviderError',
  'TypeError',
  'RangeError',
]);

const CONFIG_MESSAGE =
  /region is missing|credential is missing|could not load credentials|endpoint discovery/i;

export function classifyFailure(error: unknown): FailureClass {
  if (typeof error !== 'object' || error === null) return 'fatal';
  const e = error as {
    name?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    message?: unknown;
  };
  const name = typeof e.name === 'string' ? e.name : '';
  if (name === 'RejectedRecordsException') return 'rejected';
  if (name === 'ValidationException') return 'invalid';
  if (RETRY_NAMES.has(name)) return 'retry';
  if (FATAL_NAMES.has(name)) return 'fatal';
  if (typeof e.code === 'string' && RETRY_CODES.has(e.code)) return 'retry';
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number') return status === 429 || status >= 500 ? 'retry' : 'fatal';
  if (typeof e.message === 'string' && CONFIG_MESSAGE.test(e.message)) return 'fatal';
  // No HTTP answer at all: the connection dropped, was reset, or the answer could not be read.
  return 'retry';
}
