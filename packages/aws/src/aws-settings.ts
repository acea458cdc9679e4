/**
 * The shared AWS settings of every command that talks to AWS (R-S3-1, R-ING-4): region, profile, endpoints and
 * explicit credentials, resolved once into SDK client configurations. The CLI calls these; so do the workers.
 */
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { TimestreamWriteClientConfig } from '@aws-sdk/client-timestream-write';

import { AwsError } from './errors.js';

export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsSettings {
  /** @default AWS_REGION, AWS_DEFAULT_REGION, the profile's region; us-east-1 for a custom endpoint without one */
  region?: string;
  /** A named profile of ~/.aws/config and ~/.aws/credentials (`--profile`). @default AWS_PROFILE, then default */
  profile?: string;
  /** S3 endpoint (`--s3-endpoint-url`). @default AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then AWS */
  s3Endpoint?: string;
  /** Timestream Write endpoint (`--endpoint-url`). @default AWS_ENDPOINT_URL_TIMESTREAM_WRITE, AWS_ENDPOINT_URL, AWS */
  endpoint?: string;
  /** Explicit credentials instead of the chain (tests, a loopback endpoint). @default the SDK's chain */
  credentials?: StaticCredentials;
  /** Attempts per request, the SDK's standard retry mode. @default 3 (the SDK's) */
  maxAttempts?: number;
}

/** [choice] The region used to sign for a custom endpoint when none is configured (S3-compatible servers ignore it). */
export const CUSTOM_ENDPOINT_REGION = 'us-east-1';

type Env = Record<string, string | undefined>;

function checkUrl(url: string, what: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new AwsError(
      'AWS_INVALID_SETTING',
      `${what} must be an http(s) URL such as http://127.0.0.1:9000, got '${url}'`,
    );
  }
  return url;
}

function envRegion(env: Env): string | undefined {
  return env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'];
}

/** The S3 endpoint the settings and the environment give, if any (a custom one means path-style addressing). */
export function s3EndpointOf(settings: AwsSettings, env: Env = process.env): string | undefined {
  const url = settings.s3Endpoint ?? env['AWS_ENDPOINT_URL_S3'] ?? env['AWS_ENDPOINT_URL'];
  return url === undefined || url === '' ? undefined : checkUrl(url, 'the S3 endpoint');
}

function common(
  settings: AwsSettings,
  endpoint: string | undefined,
  env: Env,
): {
  region?: string;
  profile?: string;
  credentials?: StaticCredentials;
  maxAttempts?: number;
  retryMode: 'standard';
} {
  const region =
    settings.region ?? envRegion(env) ?? (endpoint !== undefined ? CUSTOM_ENDPOINT_REGION : undefined);
  return {
    ...(region !== undefined && { region }),
    ...(settings.profile !== undefined && { profile: settings.profile }),
    ...(settings.credentials !== undefined && { credentials: settings.credentials }),
    ...(settings.maxAttempts !== undefined && { maxAttempts: settings.maxAttempts }),
    retryMode: 'standard',
  };
}

/** R-S3-1: the S3Client configuration; a custom endpoint is addressed path-style (bucket in the path). */
export function s3ClientConfig(settings: AwsSettings, env: Env = process.env): S3ClientConfig {
  const endpoint = s3EndpointOf(settings, env);
  return {
    ...common(settings, endpoint, env),
    ...(endpoint !== undefined && {
      endpoint,
      forcePathStyle: true,
      // [choice] Only the checksums an operation requires: an S3-compatible server need not know the newer defaults.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
  };
}

/** R-ING-4: the TimestreamWriteClient configuration; a custom endpoint skips endpoint discovery (never both). */
export function timestreamClientConfig(
  settings: AwsSettings,
  env: Env = process.env,
): TimestreamWriteClientConfig {
  const raw = settings.endpoint ?? env['AWS_ENDPOINT_URL_TIMESTREAM_WRITE'] ?? env['AWS_ENDPOINT_URL'];
  const endpoint = raw === undefined || raw === '' ? undefined : checkUrl(raw, 'the Timestream endpoint');
  return { ...common(settings, endpoint, env), ...(endpoint !== undefined && { endpoint }) };
}
