/**
 * The embedded store of the local endpoint (R-LOCAL-3): the catalog of databases and tables (one JSON file,
 * replaced atomically), the records of every table with the journal of the writes that stored them (SQLite,
 * internal/record-store.ts), and the batch-load tasks (core's task store). Its methods answer with the service's
 * errors (ServiceError), so the HTTP layer only translates. No HTTP here: tests and export use it directly.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { openTaskStore, type TableRetention, type TaskStore } from '@tsbatch/core';
import { ServiceError } from './errors.js';
import {
  addLedgerIds,
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
import {
  compare,
  DEFAULT_RETENTION,
  DEFAULT_SCHEMA,
  findTable,
  managedKeyArn,
  type CreateTableInput,
  type UpdateTableInput,
} from './internal/catalog-defaults.js';
import { lockDataDir, type DataDirLock } from './internal/data-dir-lock.js';
import { base62Id } from './internal/journal-hash.js';
import { readJournalBlocks, type JournalBlock, type JournalRange } from './internal/journal-reader.js';
import type { BlockInfo } from './internal/journal-writer.js';
import { importLegacyLogs } from './internal/legacy-import.js';
import { parseRecordJson, type StoredRecord } from './internal/record-json.js';
import { RecordStore, type TableIdentity } from './internal/record-store.js';
import { scanTable, type TableScan, type TimeRange } from './internal/store-reader.js';
import type { TableWriter } from './internal/table-writer.js';

export type { DatabaseInfo, MagneticStoreWriteProperties, PartitionKey, RetentionProperties, TableInfo, Tag };

/** The records of a table whose time is in [start, end) (R-EXP-1). */
export interface RecordRange {
  /** Inclusive lower bound of the record time. */
  start?: Date;
  /** Exclusive upper bound of the record time. */
  end?: Date;
}

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
  /** What opening says it does (the size of the store, moving a folder of the old format). @default none */
  announce?: (line: string) => void;
}

export { DEFAULT_RETENTION, type CreateTableInput, type UpdateTableInput };

export class LocalStore {
  /** What opening found and repaired (tables a crash left half-deleted): for the server's log. */
  readonly warnings: string[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly dataDir: string,
    readonly tasks: TaskStore,
    private catalog: Catalog,
    private readonly lock: DataDirLock,
    private readonly recordStore: RecordStore,
    private readonly settings: {
      region: string;
      accountId: string;
      clock: () => Date;
      maxDatabases: number;
      maxTables: number;
    },
  ) {}

  /**
   * Opens the store in `options.dataDir`: takes the folder's lock, reads the catalog, opens the record store (no data
   * is read, so this does not take longer as the store grows) and the task store; moves a folder of the old format.
   */
  static async open(options: LocalStoreOptions): Promise<LocalStore> {
    const dataDir = path.resolve(options.dataDir);
    await mkdir(dataDir, { recursive: true });
    const lock = await lockDataDir(dataDir);
    let records: RecordStore | null = null;
    try {
      const clock = options.clock ?? ((): Date => new Date());
      const announce = options.announce ?? ((): void => undefined);
      const tasks = await openTaskStore({
        dir: path.join(dataDir, 'tasks'),
        clock,
        ...(options.taskQuotas?.perTable !== undefined && { maxActivePerTable: options.taskQuotas.perTable }),
        ...(options.taskQuotas?.total !== undefined && { maxActive: options.taskQuotas.total }),
      });
      const catalog = await readCatalog(dataDir);
      if (addLedgerIds(catalog)) await writeCatalog(dataDir, catalog);
      records = RecordStore.open(dataDir, options.sync ?? true, clock);
      const { points, tables } = records.stats();
      announce(
        `opening the store in ${dataDir}: ${points.toLocaleString('en-US')} point${points === 1 ? '' : 's'} in ` +
          `${tables} table${tables === 1 ? '' : 's'}`,
      );
      const store = new LocalStore(dataDir, tasks, catalog, lock, records, {
        region: options.region ?? 'us-east-1',
        accountId: options.accountId ?? '000000000000',
        clock,
        maxDatabases: options.quotas?.databases ?? 500,
        maxTables: options.quotas?.tables ?? 50000,
      });
      await importLegacyLogs(dataDir, catalog, records, announce);
      store.finishDeletes();
      return store;
    } catch (error) {
      records?.close();
      await lock.release();
      throw error;
    }
  }

  /** [choice] Tables the store holds and the catalog does not were being deleted when a crash came: finish it. */
  private finishDeletes(): void {
    const ids = new Set(this.catalog.tables.map((t) => t.id));
    const orphans = this.recordStore.orphans(ids);
    if (orphans.length > 0) {
      this.recordStore.drop(orphans);
      this.warnings.push(`finishing the delete of ${orphans.length} table(s) deleted before a crash`);
    }
    this.recordStore.purge();
  }

  /** Points stored and tables holding them. */
  stats(): { points: number; tables: number } {
    return this.recordStore.stats();
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
        KmsKeyId: input.KmsKeyId ?? managedKeyArn(region, accountId),
        CreationTime: now,
        LastUpdatedTime: now,
      };
      catalog.databases.push({ id: base62Id(), info, tags: [...(input.Tags ?? [])] });
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
    return this.change((catalog) => {
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

  /**
   * [choice] The table goes at once (the service shows DELETING for a while); its points are purged in the
   * background; the journal keeps the revisions its writes committed.
   */
  async deleteTable(database: string, table: string): Promise<void> {
    const id = await this.change((catalog) => {
      const t = findTable(catalog, database, table);
      catalog.tables.splice(catalog.tables.indexOf(t), 1);
      return t.id;
    });
    if (this.recordStore.numberOf(id) !== undefined) this.recordStore.drop([id]);
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

  /**
   * A write into a table: `check` and `apply` each record (R-LOCAL-2, synchronously), then `commit` (durable before
   * the write is acknowledged, R-LOCAL-3). `info` says what the write is, for its journal block (R-QLDB-2).
   */
  writer(database: string, table: string, info: BlockInfo): TableWriter {
    return this.recordStore.writer(this.identity(database, table), info);
  }

  /** The current record of every point of a table whose time is in [start, end), in stored order (R-EXP-1). */
  async *records(database: string, table: string, range: RecordRange = {}): AsyncGenerator<StoredRecord> {
    const scan = this.scan(database, table, {
      start: range.start === undefined ? null : BigInt(range.start.getTime()) * 1_000_000n,
      end: range.end === undefined ? null : BigInt(range.end.getTime()) * 1_000_000n,
    });
    for await (const chunk of scan.chunks) for (const text of chunk) yield parseRecordJson(text);
  }

  /** The records of a table in a range as their stored JSON texts, in chunks, with its first time (export). */
  scan(database: string, table: string, range: TimeRange): TableScan {
    return scanTable(this.recordStore.file, this.entry(database, table).id, range);
  }

  /**
   * R-QLDB-2: the journal of a database (its ledger): every block committed to any of its tables whose
   * blockTimestamp is in [start, end), in commit order, streamed with bounded memory; WriteRecords goes on
   * meanwhile (blocks committed after the read began are not in it).
   */
  journal(database: string, range: JournalRange, signal?: AbortSignal): AsyncGenerator<JournalBlock> {
    const db = this.catalog.databases.find((d) => d.info.DatabaseName === database);
    if (db === undefined)
      throw new ServiceError('ResourceNotFoundException', `The database ${database} does not exist.`);
    return readJournalBlocks(this.recordStore.file, db.id, range, signal);
  }

  /** The id of a database's ledger, which names its one strand (R-QLDB-2). */
  ledgerId(database: string): string {
    const db = this.catalog.databases.find((d) => d.info.DatabaseName === database);
    if (db === undefined)
      throw new ServiceError('ResourceNotFoundException', `The database ${database} does not exist.`);
    return db.id;
  }

  /** Commits what is pending and releases the data folder. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.recordStore.purged();
    this.recordStore.close();
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

  private identity(database: string, table: string): TableIdentity {
    const t = this.entry(database, table);
    return { id: t.id, ledger: this.ledgerId(database), database, name: table };
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
