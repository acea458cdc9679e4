/**
 * R-LOCAL-3: the catalog (databases, tables, tags) as one JSON file, replaced atomically (write-then-rename) on
 * every change, so a crash leaves the old catalog or the new one.
 */
import path from 'node:path';
import { writeFileAtomic } from '@tsbatch/core';
import { readFile } from 'node:fs/promises';
import { LocalError } from '../errors.js';
import { base62Id } from './journal-hash.js';

export interface Tag {
  Key: string;
  Value: string;
}

/** A database as DescribeDatabase returns it (times as ISO strings; the wire turns them into epoch seconds). */
export interface DatabaseInfo {
  Arn: string;
  DatabaseName: string;
  KmsKeyId: string;
  CreationTime: string;
  LastUpdatedTime: string;
}

export interface RetentionProperties {
  MemoryStoreRetentionPeriodInHours: number;
  MagneticStoreRetentionPeriodInDays: number;
}

export interface MagneticStoreWriteProperties {
  EnableMagneticStoreWrites: boolean;
  MagneticStoreRejectedDataLocation?: unknown;
}

export interface PartitionKey {
  Type: 'DIMENSION' | 'MEASURE';
  Name?: string;
  EnforcementInRecord?: 'REQUIRED' | 'OPTIONAL';
}

/** A table as DescribeTable returns it (the seed's shape). */
export interface TableInfo {
  Arn: string;
  TableName: string;
  DatabaseName: string;
  TableStatus: 'ACTIVE' | 'DELETING' | 'RESTORING';
  RetentionProperties: RetentionProperties;
  MagneticStoreWriteProperties: MagneticStoreWriteProperties;
  Schema: { CompositePartitionKey: PartitionKey[] };
  CreationTime: string;
  LastUpdatedTime: string;
}

export interface CatalogDatabase {
  /** R-QLDB-2: the id of the database's ledger, which names its one strand (22 Base62 characters). */
  id: string;
  info: DatabaseInfo;
  tags: Tag[];
}

export interface CatalogTable {
  /** Names the table's record log; a table created again after a delete gets a fresh one. */
  id: string;
  info: TableInfo;
  tags: Tag[];
}

export interface Catalog {
  format: 1;
  databases: CatalogDatabase[];
  tables: CatalogTable[];
}

export function emptyCatalog(): Catalog {
  return { format: 1, databases: [], tables: [] };
}

export function catalogFile(dataDir: string): string {
  return path.join(dataDir, 'catalog.json');
}

export async function readCatalog(dataDir: string): Promise<Catalog> {
  let text: string;
  try {
    text = await readFile(catalogFile(dataDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyCatalog();
    throw error;
  }
  let json: Partial<Catalog> | null = null;
  try {
    json = JSON.parse(text) as Partial<Catalog>;
  } catch {
    // reported below
  }
  if (json?.format !== 1 || !Array.isArray(json.databases) || !Array.isArray(json.tables)) {
    throw new LocalError(
      'LOCAL_DATA_DIR_INVALID',
      `${catalogFile(dataDir)} is not a tsbatch catalog (format 1).`,
    );
  }
  return json as Catalog;
}

/**
 * Catalogs written before the journal have no database ids: each database gets its ledger's id here. Returns
 * whether one was added (the catalog must then be written, so the id stays the same).
 */
export function addLedgerIds(catalog: Catalog): boolean {
  let added = false;
  for (const d of catalog.databases as Partial<CatalogDatabase>[]) {
    if (typeof d.id !== 'string') {
      d.id = base62Id();
      added = true;
    }
  }
  return added;
}

export async function writeCatalog(dataDir: string, catalog: Catalog): Promise<void> {
  await writeFileAtomic(catalogFile(dataDir), `${JSON.stringify(catalog, null, 1)}\n`);
}
