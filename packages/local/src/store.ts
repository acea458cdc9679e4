/**
 * The embedded store of the local endpoint (R-LOCAL-3): the catalog of databases and tables (one JSON file,
 * replaced atomically), the records of each table (an append-only log with an index rebuilt on open), and the
 * batch-load tasks (core's task store). Its methods answer with the service's errors (ServiceError), so the HTTP
 * layer only translates. No HTTP here: tests and later commands (export) use it directly.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { openTaskStore, type TableRetention, type TaskStore, type TimestreamRecord } from '@tsbatch/core';
import { ServiceError } from './errors.js';
import {
  readCatalog,
  writeCatalog,
  type Catalog,
  type CatalogTable,
  type DatabaseInfo,
  type MagneticStoreWriteProperties,
  type PartitionKey,
  type RetentionProperties,
  type TableInfo,
  type Tag,
} from './internal/catalog-file.js';
import { lockDataDir, type DataDirLock } from './internal/data-dir-lock.js';
import { TableData, type RecordRange } from './internal/table-data.js';

export type {
  DatabaseInfo,
  MagneticStoreWriteProperties,
  PartitionKey,
  RecordRange,
  RetentionProperties,
  TableInfo,
  Tag,
};
export { TableData };

export interface LocalStoreOptions {
  /** The folder of the store; created when missing. */
  dataDir: string;
  /** Region in ARNs. @default 'us-east-1' */
  region?: string;
  /** Account in ARNs. @default '000000000000' */
  accountId?: string;
  /** fsync every acknowledged write (R-LOCAL-3). Off only for throwaway stores. @default true */
  sync?: boolean;
  /** @default () => new Date() */
  clock?: () => Date;
  /** Service quotas (ts-limits): databases and tables per account. @default { databases: 500, tables: 50000 } */
  quotas?: { databases?: number; tables?: number };
  /** R-TASK-2 quotas of the task store. @default { perTable: 5, total: 10 } */
  taskQuotas?: { perTable?: number; total?: number };
}

/** The service's defaults for a table created without RetentionProperties (ts-limits). */
export const DEFAULT_RETENTION: RetentionProperties = {
  MemoryStoreRetentionPeriodInHours: 6,
  MagneticStoreRetentionPeriodInDays: 73000,
};
/** The service's default partitioning of a new table. */
const DEFAULT_SCHEMA = { CompositePartitionKey: [{ Type: 'MEASURE' as const }] };

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

export class LocalStore {
  /** What opening found and repaired (a torn last record, a log left by a crash): for the server's log. */
  readonly warnings: string[] = [];
  private readonly tables = new Map<string, TableData>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly dataDir: string,
    readonly tasks: TaskStore,
    private catalog: Catalog,
    private readonly lock: DataDirLock,
    private readonly settings: {
      region: string;
      accountId: string;
      sync: boolean;
      clock: () => Date;
      maxDatabases: number;
      maxTables: number;
    },
  ) {}

  /** Opens the store in `options.dataDir`: reads the catalog, replays every table's log, opens the task store. */
  static async open(options: LocalStoreOptions): Promise<LocalStore> {
    const dataDir = path.resolve(options.dataDir);
    await mkdir(path.join(dataDir, 'records'), { recursive: true });
    const lock = await lockDataDir(dataDir);
    try {
      const clock = options.clock ?? ((): Date => new Date());
      const tasks = await openTaskStore({
        dir: path.join(dataDir, 'tasks'),
        clock,
        ...(options.taskQuotas?.perTable !== undefined && { maxActivePerTable: options.taskQuotas.perTable }),
        ...(options.taskQuotas?.total !== undefined && { maxActive: options.taskQuotas.total }),
      });
      const store = new LocalStore(dataDir, tasks, await readCatalog(dataDir), lock, {
        region: options.region ?? 'us-east-1',
        accountId: options.accountId ?? '000000000000',
        sync: options.sync ?? true,
        clock,
        maxDatabases: options.quotas?.databases ?? 500,
        maxTables: options.quotas?.tables ?? 50000,
      });
      await store.openTables();
      return store;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  private async openTables(): Promise<void> {
    const ids = new Set<string>();
    for (const t of this.catalog.tables) {
      ids.add(t.id);
      const { table, replay } = await TableData.open(this.logFile(t.id), this.settings.sync);
      this.tables.set(t.id, table);
      const name = `${t.info.DatabaseName}.${t.info.TableName}`;
      if (replay.tornBytes > 0) {
        this.warnings.push(`${name}: cut off a torn last record (${replay.tornBytes} bytes) left by a crash`);
      }
      if (replay.badLines > 0)
        this.warnings.push(`${name}: passed over ${replay.badLines} damaged log lines`);
    }
    // [choice] A log no table names was left by a crash in the middle of DeleteTable: finish the delete.
    for (const name of await readdir(path.join(this.dataDir, 'records'))) {
      if (name.endsWith('.log') && !ids.has(name.slice(0, -4))) {
        await rm(path.join(this.dataDir, 'records', name), { force: true });
        this.warnings.push(`removed ${name}, the records of a table deleted before a crash`);
      }
    }
  }

  // ---- databases ----

  listDatabases(): DatabaseInfo[] {
    return this.catalog.databases.map((d) => d.info).sort((a, b) => compare(a.DatabaseName, b.DatabaseName));
  }

  getDatabase(name: string): DatabaseInfo {
    const db = this.catalog.databases.find((d) => d.info.DatabaseName === name);
    if (db === undefined)
      throw new ServiceError('ResourceNotFoundException', `The database ${name} does not exist.`);
    return db.info;
  }

  tableCount(database: string): number {
    return this.catalog.tables.filter((t) => t.info.DatabaseName === database).length;
  }

  createDatabase(input: { DatabaseName: string; KmsKeyId?: string; Tags?: Tag[] }): Promise<DatabaseInfo> {
    return this.change((catalog) => {
      const name = input.DatabaseName;
      if (catalog.databases.some((d) => d.info.DatabaseName === name)) {
        throw new ServiceError('ConflictException', `The database ${name} already exists.`);
      }
      if (catalog.databases.length >= this.settings.maxDatabases) {
        throw new ServiceError(
          'ServiceQuotaExceededException',
          `The account already has the maximum of ${this.settings.maxDatabases} databases.`,
        );
      }
      const now = this.now();
      const { region, accountId } = this.settings;
      const info: DatabaseInfo = {
        Arn: `arn:aws:timestream:${region}:${accountId}:database/${name}`,
        DatabaseName: name,
        // [choice] the service's AWS-managed key when none is given.
        KmsKeyId: input.KmsKeyId ?? `arn:aws:kms:${region}:${accountId}:alias/aws/timestream`,
        CreationTime: now,
        LastUpdatedTime: now,
      };
      catalog.databases.push({ info, tags: [...(input.Tags ?? [])] });
      return info;
    });
  }

  updateDatabase(name: string, kmsKeyId: string): Promise<DatabaseInfo> {
    return this.change((catalog) => {
      const db = catalog.databases.find((d) => d.info.DatabaseName === name);
      if (db === undefined)
        throw new ServiceError('ResourceNotFoundException', `The database ${name} does not exist.`);
      db.info.KmsKeyId = kmsKeyId;
      db.info.LastUpdatedTime = this.now();
      return db.info;
    });
  }

  /** The service deletes only an empty database: "All tables in the database must be deleted first". */
  deleteDatabase(name: string): Promise<void> {
    return this.change((catalog) => {
      const index = catalog.databases.findIndex((d) => d.info.DatabaseName === name);
      if (index < 0)
        throw new ServiceError('ResourceNotFoundException', `The database ${name} does not exist.`);
      const tables = catalog.tables.filter((t) => t.info.DatabaseName === name).length;
      if (tables > 0) {
        throw new ServiceError(
          'ValidationException',
          `The database ${name} has ${tables} table${tables === 1 ? '' : 's'}. All tables in the database must be deleted first.`,
        );
      }
      catalog.databases.splice(index, 1);
    });
  }

  // ---- tables ----

  /** Every table of a database (after checking it exists), or of every database; by database, then name. */
  listTables(database?: string): TableInfo[] {
    if (database !== undefined) this.getDatabase(database);
    return this.catalog.tables
      .filter((t) => database === undefined || t.info.DatabaseName === database)
      .map((t) => t.info)
      .sort((a, b) => compare(a.DatabaseName, b.DatabaseName) || compare(a.TableName, b.TableName));
  }

  getTable(database: string, table: string): TableInfo {
    return this.entry(database, table).info;
  }

  /** R-WIN-1 inputs of a table, in core's terms. */
  retention(database: string, table: string): TableRetention {
    const info = this.getTable(database, table);
    return {
      memoryStoreRetentionPeriodInHours: info.RetentionProperties.MemoryStoreRetentionPeriodInHours,
      magneticStoreRetentionPeriodInDays: info.RetentionProperties.MagneticStoreRetentionPeriodInDays,
      enableMagneticStoreWrites: info.MagneticStoreWriteProperties.EnableMagneticStoreWrites,
    };
  }

  createTable(input: CreateTableInput): Promise<TableInfo> {
    return this.change(async (catalog) => {
      const { DatabaseName: db, TableName: name } = input;
      if (!catalog.databases.some((d) => d.info.DatabaseName === db)) {
        throw new ServiceError('ResourceNotFoundException', `The database ${db} does not exist.`);
      }
      if (catalog.tables.some((t) => t.info.DatabaseName === db && t.info.TableName === name)) {
        throw new ServiceError('ConflictException', `The table ${name} already exists in database ${db}.`);
      }
      if (catalog.tables.length >= this.settings.maxTables) {
        throw new ServiceError(
          'ServiceQuotaExceededException',
          `The account already has the maximum of ${this.settings.maxTables} tables.`,
        );
      }
      const now = this.now();
      const { region, accountId } = this.settings;
      const info: TableInfo = {
        Arn: `arn:aws:timestream:${region}:${accountId}:database/${db}/table/${name}`,
        TableName: name,
        DatabaseName: db,
        TableStatus: 'ACTIVE',
        RetentionProperties: { ...(input.RetentionProperties ?? DEFAULT_RETENTION) },
        MagneticStoreWriteProperties: input.MagneticStoreWriteProperties ?? {
          EnableMagneticStoreWrites: false,
        },
        Schema: input.Schema ?? DEFAULT_SCHEMA,
        CreationTime: now,
        LastUpdatedTime: now,
      };
      const id = randomBytes(8).toString('hex');
      const { table } = await TableData.open(this.logFile(id), this.settings.sync);
      this.tables.set(id, table);
      catalog.tables.push({ id, info, tags: [...(input.Tags ?? [])] });
      return info;
    });
  }

  updateTable(input: UpdateTableInput): Promise<TableInfo> {
    return this.change((catalog) => {
      const t = findTable(catalog, input.DatabaseName, input.TableName);
      if (input.RetentionProperties !== undefined)
        t.info.RetentionProperties = { ...input.RetentionProperties };
      if (input.MagneticStoreWriteProperties !== undefined) {
        t.info.MagneticStoreWriteProperties = input.MagneticStoreWriteProperties;
      }
      if (input.Schema !== undefined) t.info.Schema = input.Schema;
      t.info.LastUpdatedTime = this.now();
      return t.info;
    });
  }

  /** [choice] The table goes at once (the service shows DELETING for a while); its records go with it. */
  async deleteTable(database: string, table: string): Promise<void> {
    const id = await this.change((catalog) => {
      const t = findTable(catalog, database, table);
      catalog.tables.splice(catalog.tables.indexOf(t), 1);
      return t.id;
    });
    const data = this.tables.get(id);
    this.tables.delete(id);
    await data?.close().catch(() => undefined);
    await rm(this.logFile(id), { force: true });
  }

  // ---- tags ----

  listTags(arn: string): Tag[] {
    return [...this.tagsOf(this.catalog, arn)];
  }

  tagResource(arn: string, tags: Tag[]): Promise<void> {
    return this.change((catalog) => {
      const list = this.tagsOf(catalog, arn);
      for (const tag of tags) {
        const at = list.findIndex((t) => t.Key === tag.Key);
        if (at >= 0) list[at] = { Key: tag.Key, Value: tag.Value };
        else list.push({ Key: tag.Key, Value: tag.Value });
      }
      if (list.length > 200) {
        throw new ServiceError('ServiceQuotaExceededException', 'A resource can have at most 200 tags.');
      }
    });
  }

  untagResource(arn: string, keys: string[]): Promise<void> {
    return this.change((catalog) => {
      const list = this.tagsOf(catalog, arn);
      const kept = list.filter((t) => !keys.includes(t.Key));
      list.splice(0, list.length, ...kept);
    });
  }

  // ---- records ----

  /** The records of a table (R-LOCAL-2 decisions happen here, synchronously). */
  data(database: string, table: string): TableData {
    const data = this.tables.get(this.entry(database, table).id);
    if (data === undefined)
      throw new ServiceError('InternalServerException', 'The table has no open record log.');
    return data;
  }

  /** The current record of every point of a table whose time is in [start, end) (for export, R-EXP-1). */
  records(database: string, table: string, range: RecordRange = {}): AsyncGenerator<TimestreamRecord> {
    return this.data(database, table).records(range);
  }

  /** Flushes every table and releases the data folder. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    for (const table of this.tables.values()) await table.close().catch(() => undefined);
    await this.lock.release();
  }

  // ---- helpers ----

  private entry(database: string, table: string): CatalogTable {
    this.getDatabase(database);
    return findTable(this.catalog, database, table);
  }

  private tagsOf(catalog: Catalog, arn: string): Tag[] {
    const found =
      catalog.databases.find((d) => d.info.Arn === arn) ?? catalog.tables.find((t) => t.info.Arn === arn);
    if (found === undefined)
      throw new ServiceError('ResourceNotFoundException', `The resource ${arn} does not exist.`);
    return found.tags;
  }

  private logFile(id: string): string {
    return path.join(this.dataDir, 'records', `${id}.log`);
  }

  private now(): string {
    return this.settings.clock().toISOString();
  }

  /**
   * A catalog change: applied to a copy, written atomically, then made current, one at a time, so a failed write
   * changes nothing and concurrent creates of one name cannot both succeed.
   */
  private change<T>(edit: (catalog: Catalog) => T | Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      if (this.closed) throw new ServiceError('InternalServerException', 'The store is closed.');
      const next = structuredClone(this.catalog);
      const result = await edit(next);
      await writeCatalog(this.dataDir, next);
      this.catalog = next;
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function findTable(catalog: Catalog, database: string, table: string): CatalogTable {
  const t = catalog.tables.find((x) => x.info.DatabaseName === database && x.info.TableName === table);
  if (t === undefined) {
    throw new ServiceError(
      'ResourceNotFoundException',
      `The table ${table} does not exist in database ${database}.`,
    );
  }
  return t;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
