/**
 * R-S3-1: the flags that say how to reach S3 and the service (region, profile, endpoints), turned into the shared
 * AwsSettings of @tsbatch/aws. Commands keep their own `--region` where they have one (the Timestream target).
 */
import { s3SourceLocation, type AwsSettings } from '@tsbatch/aws';
import type { SourceLocation } from '@tsbatch/core';

import { stringOption, type OptionSpec, type ParsedArgs } from './command.js';

const S3 = 'S3 (R-S3-1: without --source or --s3-root, the buckets are read from S3)';

export const S3_ENDPOINT_OPTION: OptionSpec = {
  name: 's3-endpoint-url',
  type: 'string',
  value: 'URL',
  description: 'An S3-compatible endpoint, addressed path-style (e.g. http://127.0.0.1:9000).',
  defaultText: 'AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, or AWS',
  group: S3,
};
export const PROFILE_OPTION: OptionSpec = {
  name: 'profile',
  type: 'string',
  value: 'NAME',
  description: 'Named profile of ~/.aws/config for credentials and region.',
  defaultText: 'AWS_PROFILE, then default',
  group: S3,
};
/** For commands without a Timestream target: the region of S3. */
export const S3_REGION_OPTION: OptionSpec = {
  name: 'region',
  type: 'string',
  value: 'REGION',
  description: 'AWS region; credentials come from the standard chain (environment, profile, SSO, role).',
  defaultText: 'AWS_REGION / the profile',
  group: S3,
};

/** The shared settings from `--region`, `--profile`, `--s3-endpoint-url` and `--endpoint-url`. */
export function awsSettingsOf(args: ParsedArgs): AwsSettings {
  const region = stringOption(args, 'region');
  const profile = stringOption(args, 'profile');
  const s3Endpoint = stringOption(args, 's3-endpoint-url');
  const endpoint = stringOption(args, 'endpoint-url');
  return {
    ...(region !== undefined && { region }),
    ...(profile !== undefined && { profile }),
    ...(s3Endpoint !== undefined && { s3Endpoint }),
    ...(endpoint !== undefined && { endpoint }),
  };
}

/** R-S3-1: the task's buckets read from S3 with the command's settings. */
export function s3LocationOf(args: ParsedArgs): SourceLocation {
  const { endpoint: _timestream, ...settings } = awsSettingsOf(args);
  return s3SourceLocation(settings);
}
