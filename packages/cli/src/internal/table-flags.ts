import { parseTableDescription, type TableRetention } from '@tsbatch/core';
import { readJsonFile } from './load-task.js';
import {
  booleanOption,
  stringOption,
  UsageError,
  type Io,
  type OptionSpec,
  type ParsedArgs,
} from './command.js';

export const TABLE_OPTIONS: OptionSpec[] = [
  {
    name: 'table',
    type: 'string',
    value: 'FILE',
    description:
      'The target table as `aws timestream-write describe-table` prints it (retention, magnetic writes): ' +
      'file://table.json or a path.',
    group: 'Target table (R-IN-4; without it the time window is not checked)',
  },
  {
    name: 'memory-retention-hours',
    type: 'string',
    value: 'H',
    description: 'Memory store retention of the table, 1-8766.',
    group: 'Target table (R-IN-4; without it the time window is not checked)',
  },
  {
    name: 'magnetic-retention-days',
    type: 'string',
    value: 'D',
    description: 'Magnetic store retention of the table, 1-73000.',
    defaultText: '73000',
    group: 'Target table (R-IN-4; without it the time window is not checked)',
  },
  {
    name: 'magnetic-writes',
    type: 'boolean',
    description: 'The table has magnetic store writes enabled (widens the window to both retentions).',
    group: 'Target table (R-IN-4; without it the time window is not checked)',
  },
  {
    name: 'now',
    type: 'string',
    value: 'ISO8601',
    description: 'Take this instant as "now" for the time window, for reproducible runs.',
    defaultText: 'the current time',
    group: 'Target table (R-IN-4; without it the time window is not checked)',
  },
];

function wholeNumber(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const text = stringOption(args, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${text}'`);
  }
  return Number(text);
}

export async function tableRetention(
  args: ParsedArgs,
  io: Pick<Io, 'cwd' | 'stdin'>,
): Promise<TableRetention | undefined> {
  const file = stringOption(args, 'table');
  const hours = wholeNumber(args, 'memory-retention-hours', 1, 8766);
  const days = wholeNumber(args, 'magnetic-retention-days', 1, 73000);
  const magnetic = booleanOption(args, 'magnetic-writes');
  if (file !== undefined) {
    if (hours !== undefined || days !== undefined || magnetic) {
      throw new UsageError('give either --table or the retention flags, not both');
    }
    const parsed = parseTableDescription(await readJsonFile(file, io, 'table file'));
    if (!parsed.ok) throw new UsageError(`${file}: ${parsed.message}`);
    return parsed.retention;
  }
  if (hours === undefined) {
    if (days !== undefined || magnetic) {
      throw new UsageError('--magnetic-retention-days and --magnetic-writes need --memory-retention-hours');
    }
    return undefined;
  }
  return {
    memoryStoreRetentionPeriodInHours: hours,
    magneticStoreRetentionPeriodInDays: days ?? 73000,
    enableMagneticStoreWrites: magnetic,
  };
}

export function nowOption(args: ParsedArgs): Date | undefined {
  const text = stringOption(args, 'now');
  if (text === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) {
    throw new UsageError(`--now must be an ISO 8601 date-time such as 2024-05-01T12:00:00Z, got '${text}'`);
  }
  return new Date(ms);
}
