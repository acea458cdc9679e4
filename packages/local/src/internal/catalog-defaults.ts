/**
 * The service's defaults and naming rules of the catalog (ts-limits, R-LOCAL-1): what a database or table gets when
 * the request leaves a member out, and the texts of a missing one.
 */
import { createHash } from 'node:crypto';
import { ServiceError } from '../errors.js';
import type {
  Catalog,
  CatalogTable,
  MagneticStoreWriteProperties,
  PartitionKey,
  RetentionProperties,
  Tag,
} from './catalog-file.js';

/** The service's defaults for a table created without RetentionProperties (ts-limits). */
export const DEFAULT_RETENTION: RetentionProperties = {
  MemoryStoreRetentionPeriodInHours: 6,
  MagneticStoreRetentionPeriodInDays: 73000,
};
/** The service's default partitioning of a new table. */
export const DEFAULT_SCHEMA = { CompositePartitionKey: [{ Type: 'MEASURE' as const }] };

export interface CreateTableInput {
  DatabaseName: string;
  TableName: string;
  RetentionProperties?: RetentionProperties;
  MagneticStoreWriteProperties?: MagneticStoreWriteProperties;
  Schema?: { CompositePartitionKey: PartitionKey[] };
  Tags?: Tag[];
}

export interface UpdateTableInput {
  DatabaseName: string;
  TableName: string;
  RetentionProperties?: RetentionProperties;
  MagneticStoreWriteProperties?: MagneticStoreWriteProperties;
  Schema?: { CompositePartitionKey: PartitionKey[] };
}

export function findTable(catalog: Catalog, database: string, table: string): CatalogTable {
  const t = catalog.tables.find((x) => x.info.DatabaseName === database && x.info.TableName === table);
  if (t === undefined) {
    // The service's text, which clients assert on (R-LOCAL-1).
    throw new ServiceError('ResourceNotFoundException', `The table ${table} does not exist.`);
  }
  return t;
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * [choice] The KmsKeyId of a database created without one: the ARN of the account's AWS-managed Timestream key, as
 * the service answers it (a key ARN, not the alias). Its key id is a UUID made from the region and account, so it
 * is the same for every such database, as the one managed key is.
 */
export function managedKeyArn(region: string, accountId: string): string {
  const h = createHash('sha256').update(`aws/timestream:${region}:${accountId}`).digest('hex');
  const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  return `arn:aws:kms:${region}:${accountId}:key/${uuid}`;
}
