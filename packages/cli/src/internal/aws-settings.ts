/**
 * The AWS client settings every command that talks to AWS (or to a Timestream-compatible endpoint) shares, in one
 * place (issue 18, R-ING-4): the --endpoint-url / --region / --profile flags; the SDK client config they make (any
 * client: Timestream Write here, S3 for sources and reports); placeholder credentials for a loopback endpoint when
 * none are configured; the SDK's Node-version warning kept from users; and SDK errors turned into messages that say
 * what to do, with the contract's exit codes.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { s3EndpointOf, s3SourceLocation, type AwsSettings as AwsPackageSettings } from '@tsbatch/aws';
import type { SourceLocation } from '@tsbatch/core';
import { CliError } from './cli-error.js';
import { tempDirOption } from './duplicate-flags.js';
import { stringOption, UsageError, type OptionSpec, type ParsedArgs } from './command.js';

/** Static credentials, the shape every SDK client and @tsbatch/ingest's workers take. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/**
 * Issue 18: the SDK prints an 8-line warning about Node 20 from every client in every thread. Set before any client
 * or worker thread is made (workers copy this environment).
 */
export function quietSdkVersionWarning(env: NodeJS.ProcessEnv = process.env): void {
  env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
}

const AWS_GROUP = 'AWS (R-ING-4)';

export const ENDPOINT_OPTION: OptionSpec = {
  name: 'endpoint-url',
  type: 'string',
  value: 'URL',
  description:
    'A Timestream-Write-compatible endpoint (e.g. `tsbatch serve`) instead of AWS. On a loopback address ' +
    '(127.0.0.1, localhost) no credentials are needed.',
  group: AWS_GROUP,
};
export const REGION_OPTION: OptionSpec = {
  name: 'region',
  type: 'string',
  value: 'REGION',
  description: 'AWS region, as for the AWS CLI.',
  defaultText: 'AWS_REGION, the profile, or us-east-1 with a loopback --endpoint-url',
  group: AWS_GROUP,
};
export const PROFILE_OPTION: OptionSpec = {
  name: 'profile',
  type: 'string',
  value: 'NAME',
  description:
    'A profile of ~/.aws/config and ~/.aws/credentials: its region and credentials (SSO, roles, keys).',
  defaultText: 'AWS_PROFILE, or default',
  group: AWS_GROUP,
};
/** R-S3-1: where S3 is, for commands that read the task's buckets or write reports there. */
export const S3_ENDPOINT_OPTION: OptionSpec = {
  name: 's3-endpoint-url',
  type: 'string',
  value: 'URL',
  description:
    'An S3-compatible endpoint, addressed path-style (e.g. http://127.0.0.1:9000). Without --source or ' +
    "--s3-root the task's buckets are read from S3 (R-S3-1).",
  defaultText: 'AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, or AWS',
  group: AWS_GROUP,
};
/** The flags of every command that talks to AWS. */
export const AWS_OPTIONS: OptionSpec[] = [ENDPOINT_OPTION, REGION_OPTION, PROFILE_OPTION];
/** The flags of commands that read S3 but talk to no Timestream endpoint (validate --s3, plan). */
export const S3_OPTIONS: OptionSpec[] = [REGION_OPTION, PROFILE_OPTION, S3_ENDPOINT_OPTION];

/** Where requests go and as whom, from the flags (R-ING-4, R-S3-1). Plain data: it can be stored with a task. */
export interface AwsSettings {
  endpoint?: string;
  region?: string;
  profile?: string;
  /** `--s3-endpoint-url` (R-S3-1); AWS_ENDPOINT_URL_S3 is read where S3 is used (s3EndpointOf). */
  s3Endpoint?: string;
}

function checkedUrl(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--${flag} must be a URL such as http://127.0.0.1:8000, got '${value}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--${flag} must be an http:// or https:// URL, got '${value}'`);
  }
  return value;
}

export function awsSettings(args: ParsedArgs): AwsSettings {
  const endpoint = checkedUrl('endpoint-url', stringOption(args, 'endpoint-url'));
  const s3Endpoint = checkedUrl('s3-endpoint-url', stringOption(args, 's3-endpoint-url'));
  const region = stringOption(args, 'region');
  const profile = stringOption(args, 'profile');
  return {
    ...(endpoint !== undefined && { endpoint }),
    ...(region !== undefined && { region }),
    ...(profile !== undefined && { profile }),
    ...(s3Endpoint !== undefined && { s3Endpoint }),
  };
}

/**
 * The settings of @tsbatch/aws (S3, and the service for submit). The loopback rule of awsClientConfig holds here
 * too: when every endpoint the command uses is on this machine (S3, and the Timestream one if `timestream`), the
 * region defaults to LOOPBACK_REGION and the credentials are those configured or PLACEHOLDER_CREDENTIALS, resolved
 * now (they go to worker threads as plain data, never stored). Anywhere else the SDK's chains decide, and missing
 * credentials fail with S3_CREDENTIALS_MISSING.
 */
export async function awsPackageSettings(
  settings: AwsSettings,
  timestream = false,
): Promise<AwsPackageSettings> {
  const { endpoint, region, profile, s3Endpoint } = settings;
  const out: AwsPackageSettings = {
    ...(region !== undefined && { region }),
    ...(profile !== undefined && { profile }),
    ...(s3Endpoint !== undefined && { s3Endpoint }),
    ...(timestream && endpoint !== undefined && { endpoint }),
  };
  const local = isLoopbackEndpoint(s3EndpointOf(out)) && (!timestream || isLoopbackEndpoint(endpoint));
  if (!local) return out;
  return { ...out, region: region ?? LOOPBACK_REGION, credentials: await loopbackCredentials(profile)() };
}

/** R-S3-1: the task's buckets read from S3 with the command's settings; the range cache under `--temp-dir`. */
export async function s3Location(args: ParsedArgs, cwd: string): Promise<SourceLocation> {
  const tempDir = tempDirOption(args, cwd);
  return s3SourceLocation({
    ...(await awsPackageSettings(awsSettings(args))),
    ...(tempDir !== undefined && { tempDir }),
  });
}

/** An endpoint on this machine only: `tsbatch serve` by default. */
export function isLoopbackEndpoint(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return false;
  let host: string;
  try {
    host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** What an SDK client (v3) takes: `new TimestreamWriteClient(awsClientConfig(settings))`, or an S3Client. */
export interface AwsClientConfig {
  endpoint?: string;
  region?: string;
  profile?: string;
  credentials?: () => Promise<AwsCredentials>;
}

/** [choice] The region of a loopback endpoint when none is given: any region signs; the local one has no other. */
export const LOOPBACK_REGION = 'us-east-1';

/** [choice] What a loopback endpoint is signed with when no credentials are configured (it checks none by default). */
export const PLACEHOLDER_CREDENTIALS: AwsCredentials = {
  accessKeyId: 'TSBATCHLOCAL',
  secretAccessKey: 'tsbatch-local-placeholder',
};

/**
 * The client config for these settings. Against AWS (or a remote endpoint) the SDK's own chains decide region and
 * credentials, with the profile. Against a loopback endpoint: the region defaults to LOOPBACK_REGION, and the
 * credentials are those configured (environment, then the profile's files) or else PLACEHOLDER_CREDENTIALS, so
 * `tsbatch serve` needs no AWS account (issue 18).
 */
export function awsClientConfig(settings: AwsSettings): AwsClientConfig {
  const config: AwsClientConfig = { ...settings };
  if (!isLoopbackEndpoint(settings.endpoint)) return config;
  config.region ??= LOOPBACK_REGION;
  config.credentials = loopbackCredentials(settings.profile);
  return config;
}

function loopbackCredentials(profile: string | undefined): () => Promise<AwsCredentials> {
  // (an `expiration` is dropped by callers that need plain data: a loopback endpoint checks none)
  return async () => {
    // The environment first, as the SDK's chain does, unless a profile is named (then the SDK skips it too).
    if (profile === undefined && process.env['AWS_PROFILE'] === undefined) {
      try {
        return await fromEnv()();
      } catch {
        // none in the environment
      }
    }
    try {
      return await fromIni(profile === undefined ? {} : { profile })();
    } catch {
      return PLACEHOLDER_CREDENTIALS;
    }
  };
}

/** An SDK error's name, code and message, looked for through `cause` and @tsbatch/ingest's `details`. */
function facts(error: unknown): { names: string[]; codes: string[]; text: string } {
  const names: string[] = [];
  const codes: string[] = [];
  const texts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const o = e as { name?: unknown; code?: unknown; message?: unknown; details?: unknown; cause?: unknown };
    if (typeof o.name === 'string') names.push(o.name);
    if (typeof o.code === 'string') codes.push(o.code);
    if (typeof o.message === 'string') texts.push(o.message);
    const details = o.details as { error?: unknown } | undefined;
    if (typeof details?.error === 'string') names.push(details.error);
    e = o.cause;
  }
  return { names, codes, text: texts.join(' | ') };
}

const UNREACHABLE = /\b(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN)\b/;
const REFUSED = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'AccessDeniedException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
]);

/**
 * An SDK failure as a message that says what to do, with the contract's exit code: 2 when the command or the
 * configuration must change (no region, no credentials), 1 when the same command may work later or elsewhere (the
 * endpoint is not running, AWS refused the request). null when the error is none of these.
 */
export function explainAwsError(error: unknown, settings: AwsSettings): CliError | null {
  const { names, codes, text } = facts(error);
  const where = settings.endpoint ?? `AWS${settings.region === undefined ? '' : ` in ${settings.region}`}`;
  if (/region is missing/i.test(text)) {
    return new CliError(
      'AWS_REGION_MISSING',
      'no AWS region: pass --region REGION, set AWS_REGION, or set `region` for the profile in ~/.aws/config',
      2,
      {},
      { cause: error },
    );
  }
  if (names.includes('CredentialsProviderError') || /could not load credentials/i.test(text)) {
    const which =
      settings.profile === undefined
        ? 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, run `aws configure` (or `aws sso login`), or pass --profile NAME'
        : `check that the profile '${settings.profile}' exists in ~/.aws/config or ~/.aws/credentials and has credentials (\`aws sso login --profile ${settings.profile}\` for SSO)`;
    return new CliError(
      'AWS_CREDENTIALS_MISSING',
      `no AWS credentials for ${where}: ${which}`,
      2,
      {},
      {
        cause: error,
      },
    );
  }
  const unreachable = codes.find((c) => UNREACHABLE.test(c)) ?? UNREACHABLE.exec(text)?.[1];
  if (unreachable !== undefined || names.includes('TimeoutError')) {
    const why = unreachable ?? 'timed out';
    const message = isLoopbackEndpoint(settings.endpoint)
      ? `cannot connect to ${settings.endpoint!} (${why}): is \`tsbatch serve\` running at ${settings.endpoint!}?`
      : `cannot connect to ${where} (${why}): check the URL, the network and the region`;
    return new CliError('ENDPOINT_UNREACHABLE', message, 1, {}, { cause: error });
  }
  const refused = names.find((n) => REFUSED.has(n));
  if (refused !== undefined) {
    return new CliError(
      'AWS_REQUEST_REFUSED',
      `${where} refused the request (${refused}): check the credentials and their permissions${
        settings.profile === undefined ? '' : ` (profile '${settings.profile}')`
      }`,
      1,
      {},
      { cause: error },
    );
  }
  return null;
}
