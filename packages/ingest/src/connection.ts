/**
 * R-ING-4: where the writes go and who signs them, as the AWS CLI does it: `endpoint` (`--endpoint-url`), `region`
 * and the SDK's standard credential chain unless credentials are given. Every worker builds its own client from
 * these options, with its own keep-alive agent.
 */
import http from 'node:http';
import https from 'node:https';
import { TimestreamWriteClient, type TimestreamWriteClientConfig } from '@aws-sdk/client-timestream-write';

/** Static credentials: what can be handed to a worker thread. */
export interface StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** A credential provider as the SDK takes it; it is called on the main thread, and its answers go to the workers. */
export type CredentialProvider = () => Promise<StaticCredentials>;

export interface ConnectionOptions {
  /** A Timestream-Write-compatible endpoint (`tsbatch serve`). @default AWS, through endpoint discovery */
  endpoint?: string;
  /** @default the SDK's region chain (AWS_REGION, the profile); 'us-east-1' with a custom endpoint [choice] */
  region?: string;
  /** A profile of the shared config and credentials files (`--profile`). @default AWS_PROFILE, or default */
  profile?: string;
  /** @default the SDK's standard credential chain (environment, profile, SSO, instance role) */
  credentials?: StaticCredentials | CredentialProvider;
  /** A call with no answer after this long counts as a timeout and is retried (R-ING-2). @default 30_000 */
  requestTimeoutMs?: number;
  /** @default 5_000 */
  connectionTimeoutMs?: number;
}

/** What a worker needs to build its client: plain data. */
export interface ClientSettings {
  endpoint: string | null;
  region: string | null;
  profile: string | null;
  credentials: StaticCredentials | null;
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
  /** Sockets per worker: one per call it may have in flight. */
  maxSockets: number;
}

export function clientSettings(options: ConnectionOptions, maxSockets: number): ClientSettings {
  const positive = (name: string, value: number): number => {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
    return value;
  };
  if (options.endpoint !== undefined) {
    try {
      new URL(options.endpoint);
    } catch {
      throw new RangeError(`endpoint must be a URL such as http://127.0.0.1:8000, got '${options.endpoint}'`);
    }
  }
  return {
    endpoint: options.endpoint ?? null,
    region: options.region ?? (options.endpoint !== undefined ? 'us-east-1' : null),
    profile: options.profile ?? null,
    credentials: typeof options.credentials === 'object' ? options.credentials : null,
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs ?? 30_000),
    connectionTimeoutMs: positive('connectionTimeoutMs', options.connectionTimeoutMs ?? 5_000),
    maxSockets: positive('maxSockets', maxSockets),
  };
}

/**
 * A client for these settings. `maxAttempts: 1`: retries are ours (R-ING-2). Never `endpointDiscoveryEnabled`
 * together with `endpoint`: the SDK refuses the pair (R-ING-4).
 */
export function createClient(
  settings: ClientSettings,
  credentials?: () => Promise<StaticCredentials>,
  maxAttempts = 1,
): TimestreamWriteClient {
  const agentOptions = { keepAlive: true, maxSockets: settings.maxSockets };
  const config: TimestreamWriteClientConfig = {
    maxAttempts,
    requestHandler: {
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent(agentOptions),
      requestTimeout: settings.requestTimeoutMs,
      connectionTimeout: settings.connectionTimeoutMs,
      throwOnRequestTimeout: true,
    },
  };
  if (settings.endpoint !== null) config.endpoint = settings.endpoint;
  if (settings.region !== null) config.region = settings.region;
  if (settings.profile !== null) config.profile = settings.profile;
  if (credentials !== undefined) config.credentials = credentials;
  else if (settings.credentials !== null) config.credentials = settings.credentials;
  const client = new TimestreamWriteClient(config);
  // The SDK's logger middleware copies every request through its sensitive-data filter even when nothing is logged
  // (its default logger is a no-op with an `info`); that copy cost as much as serialising the records.
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}
