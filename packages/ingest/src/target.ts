/**
 * The target table, through the control plane: its retention for the time window checked before sending (R-WIN-1),
 * and `--create-table`: the database and the table created when they are missing.
 */
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  DescribeTableCommand,
  type TimestreamWriteClient,
} from '@aws-sdk/client-timestream-write';
import { parseTableDescription, type TableRetention } from '@tsbatch/core';
import { clientSettings, createClient, type ConnectionOptions } from './connection.js';
import { IngestError } from './errors.js';
import type { IngestWarning } from './warnings.js';

export interface TargetTableOptions extends ConnectionOptions {
  database: string;
  table: string;
}

export interface CreateTableOptions {
  /** @default the service's default, 6 */
  memoryStoreRetentionPeriodInHours?: number;
  /** @default the service's default, 73000 */
  magneticStoreRetentionPeriodInDays?: number;
  /** @default false */
  enableMagneticStoreWrites?: boolean;
}

export interface TargetTable {
  /** null when the table could not be described (no permission): the service alone checks the window. */
  retention: TableRetention | null;
  createdDatabase: boolean;
  createdTable: boolean;
  warnings: IngestWarning[];
}

/** The service's retention for a table created without RetentionProperties (ts-limits). */
const DEFAULT_MEMORY_HOURS = 6;
const DEFAULT_MAGNETIC_DAYS = 73000;

/** DescribeTable: the retention, or null (with a warning) when describing is not allowed. */
export async function describeTargetTable(options: TargetTableOptions): Promise<TargetTable> {
  const client = controlClient(options);
  try {
    return { ...(await describe(client, options)), createdDatabase: false, createdTable: false };
  } finally {
    client.destroy();
  }
}

/** `--create-table`: creates the database and the table when the table is missing, then describes it. */
export async function ensureTargetTable(
  options: TargetTableOptions,
  create: CreateTableOptions = {},
): Promise<TargetTable> {
  const client = controlClient(options);
  try {
    try {
      const described = await describe(client, options);
      if (hasRetention(create)) {
        described.warnings.push({
          code: 'TABLE_EXISTS',
          message: `The table ${options.database}.${options.table} already exists: its own retention applies, not the one asked for.`,
        });
      }
      return { ...described, createdDatabase: false, createdTable: false };
    } catch (error) {
      if (!(error instanceof IngestError && error.code === 'INGEST_TABLE_NOT_FOUND')) throw error;
    }
    let createdDatabase = false;
    let createdTable = false;
    try {
      await client.send(new CreateDatabaseCommand({ DatabaseName: options.database }));
      createdDatabase = true;
    } catch (error) {
      if (nameOf(error) !== 'ConflictException') throw requestFailed('CreateDatabase', error);
    }
    try {
      await client.send(
        new CreateTableCommand({
          DatabaseName: options.database,
          TableName: options.table,
          RetentionProperties: {
            MemoryStoreRetentionPeriodInHours:
              create.memoryStoreRetentionPeriodInHours ?? DEFAULT_MEMORY_HOURS,
            MagneticStoreRetentionPeriodInDays:
              create.magneticStoreRetentionPeriodInDays ?? DEFAULT_MAGNETIC_DAYS,
          },
          MagneticStoreWriteProperties: {
            EnableMagneticStoreWrites: create.enableMagneticStoreWrites ?? false,
          },
        }),
      );
      createdTable = true;
    } catch (error) {
      if (nameOf(error) !== 'ConflictException') throw requestFailed('CreateTable', error);
    }
    return { ...(await describe(client, options)), createdDatabase, createdTable };
  } finally {
    client.destroy();
  }
}

function hasRetention(create: CreateTableOptions): boolean {
  return (
    create.memoryStoreRetentionPeriodInHours !== undefined ||
    create.magneticStoreRetentionPeriodInDays !== undefined ||
    create.enableMagneticStoreWrites !== undefined
  );
}

async function describe(
  client: TimestreamWriteClient,
  options: TargetTableOptions,
): Promise<{ retention: TableRetention | null; warnings: IngestWarning[] }> {
  try {
    const out = await client.send(
      new DescribeTableCommand({ DatabaseName: options.database, TableName: options.table }),
    );
    const parsed = parseTableDescription({ Table: out.Table ?? {} });
    if (!parsed.ok) {
      return {
        retention: null,
        warnings: [{ code: 'TABLE_NOT_DESCRIBED', message: `DescribeTable: ${parsed.message}` }],
      };
    }
    return { retention: parsed.retention, warnings: [] };
  } catch (error) {
    const name = nameOf(error);
    if (name === 'ResourceNotFoundException') {
      throw new IngestError(
        'INGEST_TABLE_NOT_FOUND',
        `The table ${options.database}.${options.table} does not exist (create it, or pass --create-table).`,
        { database: options.database, table: options.table },
      );
    }
    if (name === 'AccessDeniedException') {
      return {
        retention: null,
        warnings: [
          {
            code: 'TABLE_NOT_DESCRIBED',
            message: `Not allowed to describe ${options.database}.${options.table}: the time window is left to the service.`,
          },
        ],
      };
    }
    throw requestFailed('DescribeTable', error);
  }
}

function controlClient(options: ConnectionOptions): TimestreamWriteClient {
  let settings;
  try {
    settings = clientSettings(options, 2);
  } catch (error) {
    throw new IngestError('INGEST_INVALID_OPTION', (error as Error).message);
  }
  const provider = typeof options.credentials === 'function' ? options.credentials : undefined;
  // Control-plane calls are few: the SDK's own retries (3 attempts) are enough here.
  return createClient(settings, provider, 3);
}

function nameOf(error: unknown): string {
  const name = (error as { name?: unknown })?.name;
  return typeof name === 'string' ? name : 'Error';
}

function requestFailed(operation: string, error: unknown): IngestError {
  const message = (error as { message?: unknown })?.message;
  return new IngestError(
    'INGEST_REQUEST_FAILED',
    `${operation} failed: ${nameOf(error)}: ${typeof message === 'string' ? message : String(error)}`,
    { operation, error: nameOf(error) },
    { cause: error },
  );
}
